import type { Options } from '@persist/core/lite'
import type { Plugin } from 'esbuild'
import { isCalledFromBuild } from './calledFromBuild'

export type { Options } from '@persist/core/lite'

/**
 * The persist plugin for esbuild. A native esbuild plugin rather than `unplugin.esbuild`: loading unplugin costs
 * more than a warm build's whole analysis. This module is all a program loads up front; the plugin itself loads
 * in `setup`, while esbuild's own process starts, and the parser only for a module the output cache cannot
 * answer. Options are checked there too: esbuild reports a bad one as the plugin's error.
 */
export default function persist(options?: Options): Plugin {
  return {
    name: 'persist',
    async setup(build) {
      // Before the first `await`, which ends the call stack it reads.
      const oneShot = isCalledFromBuild()
      const { setupEsbuild } = await import('./esbuildSetup')
      setupEsbuild(options, build, oneShot)
    },
  }
}
