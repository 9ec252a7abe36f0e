import path from 'node:path'
import { ANNOTATION_RE, type Options, isIncluded } from '@persist/core/lite'
import { type UnpluginOptions, createUnplugin } from 'unplugin'
import { isCalledFromBuild } from './calledFromBuild'
import { createPersistContext } from './context'
import { setupEsbuild } from './esbuildSetup'
import { errorMessage, toMessage } from './messages'
import { invalidateViteDependents } from './viteInvalidate'

export type { Options } from '@persist/core/lite'

const NAME = 'persist'

/** The persist plugin for every bundler unplugin supports; `unplugin.vite`, `unplugin.rollup`, … */
export const unplugin = createUnplugin<Options | undefined, false>((rawOptions, meta) => {
  const ctx = createPersistContext(rawOptions)
  const { include, exclude } = ctx.initialOptions
  // Relative globs are anchored at the bundler's root, known only later: the handler tests those.
  const idFilter = isRootIndependent(rawOptions?.include) && isRootIndependent(rawOptions?.exclude) ? { id: { include, exclude } } : {}

  if (meta.framework === 'esbuild') {
    return { name: NAME, esbuild: { setup: (build) => setupEsbuild(rawOptions, build, isCalledFromBuild()) } }
  }

  const plugin: UnpluginOptions = {
    name: NAME,
    // Before any type stripping or JSX transform: the rewrite reads the original source.
    enforce: 'pre',
    transform: {
      filter: { ...idFilter, code: ANNOTATION_RE },
      async handler(code, id) {
        if (id.includes('\0') || !ANNOTATION_RE.test(code) || !isIncluded(id, ctx.options)) return undefined
        try {
          const result = await ctx.transform(code, id)
          if (!result) return undefined
          for (const file of result.watchFiles) this.addWatchFile(file)
          for (const warning of result.warnings) this.warn(toMessage(warning))
          // webpack hands our map to the next loader, which may ignore it (esbuild-loader does) but still reads an
          // inline map comment; the inline copy keeps stack traces and breakpoints on the original lines.
          const output = meta.framework === 'webpack' && result.map ? `${result.code}\n//# sourceMappingURL=${result.map.toUrl()}` : result.code
          return { code: output, map: result.map }
        } catch (error) {
          const message = errorMessage(error)
          if (!message) throw error
          this.error(message)
          return undefined
        }
      },
    },
    watchChange(id) {
      ctx.fileChanged(id)
    },
    buildEnd() {
      const warning = ctx.finish()
      if (warning) console.warn(warning)
    },
    vite: {
      configResolved(config) {
        ctx.setBundlerRoot(config.root)
      },
      configureServer(server) {
        // Vite re-transforms a module only when it changes; a helper edit must re-hash the modules using it.
        const onFileEvent = (file: string) => invalidateViteDependents(server, ctx.fileChanged(file))
        for (const event of ['change', 'add', 'unlink'] as const) server.watcher.on(event, onFileEvent)
      },
    },
    rolldown: {
      options(inputOptions) {
        ctx.setBundlerRoot(inputOptions.cwd)
        return inputOptions
      },
    },
    webpack(compiler) {
      ctx.setBundlerRoot(compiler.options.context)
    },
    rspack(compiler) {
      ctx.setBundlerRoot(compiler.options.context)
    },
  }
  return plugin
})

export default unplugin

/** Whether a pattern means the same whatever the root: RegExps, absolute globs and globs starting with `*`. */
function isRootIndependent(pattern: Options['include']): boolean {
  return [pattern ?? []].flat().every((p) => typeof p !== 'string' || p.startsWith('*') || path.isAbsolute(p))
}
