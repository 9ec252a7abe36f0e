import path from 'node:path'
import {
  ANNOTATION_RE,
  type BuildSnapshots,
  type Options,
  type PersistedFunction,
  type RecalledBuild,
  type TransformResult,
  createBuildSnapshots,
  isIncluded,
  isPersistBuildError,
} from '@persist/core/lite'
import type { BuildOptions, BuildResult, Loader, OnLoadResult, PartialMessage, PluginBuild } from 'esbuild'
import { type PersistContext, createPersistContext } from './context'
import { toEsbuildMessage } from './esbuildMessages'
import { pathsFilter } from './pathsFilter'

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' }

/** Every module persist may rewrite; esbuild filters are Go regexps, so the user's patterns are tested in JS. */
const ANY_MODULE_RE = /\.[cm]?[jt]sx?$/

/** What the plugin answered esbuild for a module it rewrote, as a build snapshot keeps it. */
interface EsbuildAnswer {
  contents: string
  loader: Loader
  warnings: PartialMessage[]
  /** The module's functions for the manifest, as JSON: read back only when the manifest must be written again. */
  functions: string
}

/**
 * A native esbuild plugin, instead of unplugin's generic adapter which loads every module in JS. A one-shot build
 * whose predecessor with the same options left a snapshot that stats prove current names the rewritten modules
 * alone in its filter (esbuild asks about no other module: each question is a round trip between its process and
 * this one) and answers them from the snapshot. Any other build shows every module to the plugin and snapshots
 * itself.
 */
export function setupEsbuild(rawOptions: Options | undefined, build: PluginBuild, oneShot: boolean): void {
  const ctx = createPersistContext(rawOptions)
  ctx.setBundlerRoot(build.initialOptions.absWorkingDir)
  const snapshots = createBuildSnapshots<EsbuildAnswer>(ctx.options.analysisCache, buildKey(build.initialOptions, ctx))
  // A context's rebuilds keep the filter chosen now, and would miss a module that gains `@persist` later.
  const recalled = oneShot ? snapshots.recall() : undefined
  if (recalled) answerFromSnapshot(ctx, build, recalled)
  else answerEveryModule(ctx, build, snapshots)
}

/** Nothing the last identical build depended on has changed: its answers, without a look at any module. */
function answerFromSnapshot(ctx: PersistContext, build: PluginBuild, { answers, manifestCurrent }: RecalledBuild<EsbuildAnswer>): void {
  if (answers.size > 0) {
    build.onLoad({ filter: pathsFilter([...answers.keys()]), namespace: 'file' }, (args) => {
      const answer = answers.get(args.path)
      if (!answer) return undefined
      if (!manifestCurrent) ctx.noteFunctions(args.path, JSON.parse(answer.functions) as PersistedFunction[])
      return { contents: answer.contents, loader: answer.loader, resolveDir: path.dirname(args.path), warnings: answer.warnings }
    })
  }
  build.onEnd((result) => reportFinish(ctx, result))
}

/**
 * Every module is shown to the plugin: files without `@persist` return `undefined` right after a read (after a
 * stat, once known), so esbuild handles them as if the plugin were not there; unchanged annotated modules come
 * from the output cache; a build that succeeds is snapshotted.
 */
function answerEveryModule(ctx: PersistContext, build: PluginBuild, snapshots: BuildSnapshots<EsbuildAnswer>): void {
  // Resolved against esbuild's working directory: relative include and exclude globs are anchored there.
  const options = ctx.options
  // The snapshot lists every module the build loaded; esbuild tells them in the metafile. It is taken out of the
  // result again unless the user asked for it, or another plugin might have (one may set it after this setup).
  const dropMetafile = !build.initialOptions.metafile && (build.initialOptions.plugins?.length ?? 0) <= 1
  build.initialOptions.metafile = true
  // Without `sourcemap` esbuild drops input maps: making them would be wasted work.
  const sourcemap = !!build.initialOptions.sourcemap
  /** Paths already handed to esbuild's watcher in this build. */
  const watched = new Set<string>()
  // A build that shows every module is cold or follows an edit: the parser is likely needed, so it starts loading
  // now, while esbuild starts.
  ctx.prefetch()
  build.onStart(() => {
    watched.clear()
    ctx.beginBuild()
    snapshots.beginBuild()
  })
  build.onLoad({ filter: ANY_MODULE_RE, namespace: 'file' }, (args) => {
    if (!isIncluded(args.path, options)) return undefined
    // A warm build: a stat tells an unchanged module's rewrite, or that it has no `@persist`, without reading it.
    const known = ctx.probe(args.path, sourcemap)
    if (known === 'plain') return undefined
    // Synchronous: an async read costs more than the whole check on a typical module.
    const code = known ? undefined : ctx.readModule(args.path)
    const answer = (result: TransformResult | undefined): OnLoadResult | undefined => {
      if (!result) return undefined
      const contents = result.map ? `${result.code}\n//# sourceMappingURL=${result.map.toUrl()}` : result.code
      const loader = LOADERS[path.extname(args.path)] ?? 'js'
      const warnings = result.warnings.map((d) => toEsbuildMessage(d, d.file === args.path ? (code ?? undefined) : undefined))
      snapshots.noteAnswer(args.path, { contents, loader, warnings, functions: JSON.stringify(result.functions) }, ctx.dependencies(args.path))
      // The watcher's set is per build, and every onLoad runs again on a rebuild: each path once is enough (200
      // modules reaching the same helpers would otherwise send thousands of paths).
      const watchFiles = result.watchFiles.filter((f) => !watched.has(f) && watched.add(f) !== undefined)
      return { contents, loader, resolveDir: path.dirname(args.path), watchFiles, warnings }
    }
    if (known) return answer(known)
    // Unreadable: esbuild reports it as it would without the plugin.
    if (code === undefined) return undefined
    if (code === null || !ANNOTATION_RE.test(code)) {
      ctx.markPlain(args.path)
      return undefined
    }
    // Read, but unchanged since the last build: answered without a promise.
    const hit = ctx.cached(code, args.path, sourcemap)
    if (hit === null) return undefined
    if (hit) return answer(hit)
    return ctx.transformMissed(code, args.path, sourcemap).then(answer, (error: unknown) => {
      if (isPersistBuildError(error)) return { errors: error.diagnostics.map((d) => toEsbuildMessage(d, d.file === args.path ? (code ?? undefined) : undefined)) }
      throw error
    })
  })
  build.onEnd((result) => {
    reportFinish(ctx, result)
    if (result.errors.length === 0) saveSnapshot(snapshots, result, build.initialOptions, ctx)
    if (dropMetafile) delete result.metafile
  })
}

/** Writes what the build leaves (manifest, caches); what cannot be written becomes a warning, never an error. */
function reportFinish(ctx: PersistContext, result: BuildResult): void {
  const warning = ctx.finish()
  if (warning) result.warnings.push({ id: '', pluginName: 'persist', text: warning, location: null, notes: [], detail: undefined })
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
 * Snapshots a build that succeeded, with the modules its metafile lists (paths relative to the working
 * directory). A module in another namespace (a plugin's virtual module) cannot be checked by a stat: no snapshot
 * then. One that cannot be written only costs the next build its shortcut.
 */
function saveSnapshot(snapshots: BuildSnapshots<EsbuildAnswer>, result: BuildResult, initialOptions: BuildOptions, ctx: PersistContext): void {
  if (!result.metafile) return
  const cwd = initialOptions.absWorkingDir ?? process.cwd()
  const inputs: string[] = []
  for (const input of Object.keys(result.metafile.inputs)) {
    if (/^[^/\\]*:/.test(input) && !path.isAbsolute(input)) return
    inputs.push(path.resolve(cwd, input))
  }
  const { tsconfig } = initialOptions
  const { root, manifest } = ctx.options
  try {
    snapshots.save(inputs, { root, tsconfig: tsconfig === undefined ? undefined : path.resolve(cwd, tsconfig), manifest: manifest || undefined })
  } catch {
    // Only speed is lost.
  }
}
