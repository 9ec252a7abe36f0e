import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ANNOTATION_RE, type Diagnostic, PersistBuildError, type TransformResult, isIncluded } from '@persist/core/lite'
import type { Loader, OnLoadResult, PartialMessage, PluginBuild } from 'esbuild'
import type { PersistContext } from './context'

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' }

/**
 * A native esbuild `onLoad`, instead of unplugin's generic adapter which loads every module in JS: files without
 * `@persist` return `undefined` right after a read (after a stat, once known), so esbuild handles them as if the
 * plugin were not there; unchanged annotated modules come from the output cache.
 */
export function setupEsbuild(ctx: PersistContext, build: PluginBuild): void {
  ctx.setBundlerRoot(build.initialOptions.absWorkingDir)
  const options = ctx.initialOptions
  // esbuild filters are Go regexps: pass the default include only, test the user's patterns in JS.
  const filter = /\.[cm]?[jt]sx?$/
  // Without `sourcemap` esbuild drops input maps: making them would be wasted work.
  const sourcemap = !!build.initialOptions.sourcemap
  ctx.prefetch()
  /** Paths already handed to esbuild's watcher in this build. */
  const watched = new Set<string>()
  build.onStart(() => {
    watched.clear()
    ctx.beginBuild()
  })
  build.onLoad({ filter, namespace: 'file' }, (args) => {
    if (!isIncluded(args.path, options)) return undefined
    // A warm build: a stat tells an unchanged module's rewrite, or that it has no `@persist`, without reading it.
    const known = ctx.probe(args.path, sourcemap)
    if (known === 'plain') return undefined
    // Synchronous: an async read costs more than the whole check on a typical module.
    const code = known ? undefined : ctx.readModule(args.path)
    const toLoadResult = (result: TransformResult | undefined): OnLoadResult | undefined =>
      result && {
        contents: result.map ? `${result.code}\n//# sourceMappingURL=${result.map.toUrl()}` : result.code,
        loader: LOADERS[path.extname(args.path)] ?? 'js',
        resolveDir: path.dirname(args.path),
        // The watcher's set is per build, and every onLoad runs again on a rebuild: each path once is enough (200
        // modules reaching the same helpers would otherwise send thousands of paths).
        watchFiles: result.watchFiles.filter((f) => !watched.has(f) && watched.add(f) !== undefined),
        warnings: result.warnings.map((d) => toEsbuildMessage(d, d.file === args.path ? code : undefined)),
      }
    if (known) return toLoadResult(known)
    // Unreadable: esbuild reports it as it would without the plugin.
    if (code === undefined) return undefined
    if (!ANNOTATION_RE.test(code)) {
      ctx.markPlain(args.path)
      return undefined
    }
    // Read, but unchanged since the last build: answered without a promise.
    const hit = ctx.cached(code, args.path, sourcemap)
    if (hit === null) return undefined
    if (hit) return toLoadResult(hit)
    return ctx.transformMissed(code, args.path, sourcemap).then(toLoadResult, (error: unknown) => {
      if (error instanceof PersistBuildError) return { errors: error.diagnostics.map((d) => toEsbuildMessage(d, d.file === args.path ? code : undefined)) }
      throw error
    })
  })
  build.onEnd((result) => {
    const warning = ctx.finish()
    if (warning) result.warnings.push({ id: '', pluginName: 'persist', text: warning, location: null, notes: [], detail: undefined })
  })
}

/** esbuild draws the location and its source line itself, so the text is the bare message. */
function toEsbuildMessage(d: Diagnostic, source: string | undefined): PartialMessage {
  return {
    text: d.message,
    location: { file: d.file, line: d.line, column: d.column - 1, lineText: lineOf(source ?? readOrEmpty(d.file), d.line) },
  }
}

/** The 1-based `line` of `source`, without splitting the whole text. */
function lineOf(source: string, line: number): string {
  let start = 0
  for (let n = 1; n < line; n++) {
    start = source.indexOf('\n', start) + 1
    if (start === 0) return ''
  }
  const end = source.indexOf('\n', start)
  return source.slice(start, end === -1 ? undefined : end)
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
