import type { Options } from '@persist/core/lite'
import type { Plugin } from 'esbuild'
import { isCalledFromBuild } from './calledFromBuild'
import { setupEsbuild } from './esbuildSetup'

export type { Options } from '@persist/core/lite'

/**
 * The persist plugin for esbuild. A native esbuild plugin rather than `unplugin.esbuild`: loading unplugin costs
 * more than a warm build's whole analysis, and the parser is loaded only for a module the output cache cannot
 * answer. Options are checked in `setup`: esbuild reports a bad one as the plugin's error.
 */
export default function persist(options?: Options): Plugin {
  return { name: 'persist', setup: (build) => setupEsbuild(options, build, isCalledFromBuild()) }
}
