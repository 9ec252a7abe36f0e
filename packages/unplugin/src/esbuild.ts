import { type Options, resolveOptions } from '@persist/core/lite'
import type { Plugin } from 'esbuild'
import { isCalledFromBuild } from './calledFromBuild'
import { setupEsbuild } from './esbuildSetup'

export type { Options } from '@persist/core/lite'

/**
 * The persist plugin for esbuild. A native esbuild plugin rather than `unplugin.esbuild`: loading unplugin costs
 * more than a warm build's whole analysis, and the parser is loaded only for a module the output cache cannot
 * answer. Bad options throw here, with a message that names the option and the fix.
 */
export default function persist(options?: Options): Plugin {
  resolveOptions(options)
  return { name: 'persist', setup: (build) => setupEsbuild(options, build, isCalledFromBuild()) }
}
