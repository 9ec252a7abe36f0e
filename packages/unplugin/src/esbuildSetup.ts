import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ANNOTATION_RE, type Diagnostic, type LoadedModules, type Options, isPersistBuildError, type TransformResult, createLoadedModules, isIncluded } from '@persist/core/lite'
import type { BuildOptions, Loader, Metafile, OnLoadResult, PartialMessage, PluginBuild } from 'esbuild'
import { type PersistContext, createPersistContext } from './context'
import { pathsFilter } from './pathsFilter'

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' }

/** Every module persist may rewrite; esbuild filters are Go regexps, so the user's patterns are tested in JS. */
const ANY_MODULE_RE = /\.[cm]?[jt]sx?$/

/**
 * A native esbuild `onLoad`, instead of unplugin's generic adapter which loads every module in JS: files without
 * `@persist` return `undefined` right after a read (after a stat, once known), so esbuild handles them as if the
 * plugin were not there; unchanged annotated modules come from the output cache. When a one-shot build finds
 * that nothing its predecessor loaded has changed, the filter names the annotated modules alone: esbuild then
 * asks about no other module (each question is a round trip between esbuild's process and this one).
 */
export function setupEsbuild(rawOptions: Options | undefined, build: PluginBuild, oneShot: boolean): void {
  const ctx = createPersistContext(rawOptions)
  ctx.setBundlerRoot(build.initialOptions.absWorkingDir)
  const options = ctx.initialOptions
  const loadedModules = createLoadedModules(ctx.options.analysisCache, buildKey(build.initialOptions, ctx))
  // A context's rebuilds keep the filter chosen now, and would miss a module that gains `@persist` later.
  const annotated = oneShot ? loadedModules.recall() : undefined
  const filter = annotated ? pathsFilter(annotated) : ANY_MODULE_RE
  // A build that shows every module records what it loaded for the next; esbuild lists it in the metafile.
  const userMetafile = build.initialOptions.metafile
  if (!annotated) build.initialOptions.metafile = true
  // Without `sourcemap` esbuild drops input maps: making them would be wasted work.
  const sourcemap = !!build.initialOptions.sourcemap
  /** Paths already handed to esbuild's watcher in this build. */
  const watched = new Set<string>()
  build.onStart(() => {
    watched.clear()
    ctx.beginBuild()
    loadedModules.beginBuild()
    // Once esbuild has its answer: the cache (and, for a cold build, the parser) loads while it scans the entry points.
    setImmediate(() => ctx.prefetch())
  })
  build.onLoad({ filter, namespace: 'file' }, (args) => {
    if (!isIncluded(args.path, options)) return undefined
    // A warm build: a stat tells an unchanged module's rewrite, or that it has no `@persist`, without reading it.
    const known = ctx.probe(args.path, sourcemap)
    if (known === 'plain') return undefined
    const noteRewritten = (result: TransformResult | undefined): OnLoadResult | undefined => {
      if (result) loadedModules.noteAnnotated(args.path)
      return toLoadResult(result)
    }
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
    if (known) return noteRewritten(known)
    // Unreadable: esbuild reports it as it would without the plugin.
    if (code === undefined) return undefined
    if (!ANNOTATION_RE.test(code)) {
      ctx.markPlain(args.path)
      return undefined
    }
    // Read, but unchanged since the last build: answered without a promise.
    const hit = ctx.cached(code, args.path, sourcemap)
    if (hit === null) return undefined
    if (hit) return noteRewritten(hit)
    return ctx.transformMissed(code, args.path, sourcemap).then(noteRewritten, (error: unknown) => {
      if (isPersistBuildError(error)) return { errors: error.diagnostics.map((d) => toEsbuildMessage(d, d.file === args.path ? code : undefined)) }
      throw error
    })
  })
  build.onEnd((result) => {
    if (!annotated) saveLoadedModules(loadedModules, result.errors.length === 0 ? result.metafile : undefined, build.initialOptions, ctx)
    if (!userMetafile) delete result.metafile
    const warning = ctx.finish()
    if (warning) result.warnings.push({ id: '', pluginName: 'persist', text: warning, location: null, notes: [], detail: undefined })
  })
}

/**
 * What decides which modules a build loads and which of them persist rewrites: esbuild's options (functions
 * aside; plugins by name) and persist's own.
 */
function buildKey(initialOptions: BuildOptions, ctx: PersistContext): string {
  const json = JSON.stringify(initialOptions, (key, value: unknown) =>
    key === 'plugins' && Array.isArray(value) ? value.map((p: { name?: unknown }) => p?.name) : value instanceof RegExp ? String(value) : value,
  )
  return `${json}\0${JSON.stringify(ctx.options, (_key, value: unknown) => (value instanceof RegExp ? String(value) : value))}`
}

/**
 * Records the modules of a build that succeeded, from its metafile (paths relative to the working directory).
 * A module in another namespace (a plugin's virtual module) cannot be checked by a stat: no record then. A
 * record that cannot be written only costs the next build its narrow filter.
 */
function saveLoadedModules(loadedModules: LoadedModules, metafile: Metafile | undefined, initialOptions: BuildOptions, ctx: PersistContext): void {
  if (!metafile) return
  const cwd = initialOptions.absWorkingDir ?? process.cwd()
  const inputs: string[] = []
  for (const input of Object.keys(metafile.inputs)) {
    if (/^[^/\\]*:/.test(input) && !path.isAbsolute(input)) return
    inputs.push(path.resolve(cwd, input))
  }
  try {
    const { tsconfig } = initialOptions
    loadedModules.save(inputs, ctx.options.root, tsconfig === undefined ? undefined : path.resolve(cwd, tsconfig))
  } catch {
    // Only speed is lost.
  }
}

/** esbuild draws the location and its source line itself, so the text is the bare message. */
function toEsbuildMessage(d: Diagnostic, source: string | undefined): PartialMessage {
  return { text: d.message, location: { file: d.file, line: d.line, column: d.column - 1, lineText: lineTextOf(d, source) } }
}

/** The marked line of a code frame: `> 33 | <line>`. */
const FRAME_LINE_RE = /^> *\d+ \| (.*?)\r?$/m

/**
 * The source line a diagnostic points at: from its code frame, which the output cache keeps (a warm build would
 * otherwise read a file for each warning), else from the source.
 */
function lineTextOf(d: Diagnostic, source: string | undefined): string {
  const marked = d.frame === undefined ? null : FRAME_LINE_RE.exec(d.frame)
  return marked ? marked[1]! : lineOf(source ?? readOrEmpty(d.file), d.line)
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
