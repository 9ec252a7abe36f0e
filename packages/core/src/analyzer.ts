import path from 'node:path'
import corePackage from '../package.json' with { type: 'json' }
import { codeFingerprint, dependencyVersions } from './codeFingerprint'
import { type Diagnostic, PersistBuildError, locate } from './diagnostics'
import type { FileStamp } from './analysis/diskCache'
import { UnreadableFileError } from './analysis/fileStamp'
import { FileStore, type FileStoreStats } from './analysis/fileStore'
import { GraphBuilder, type GraphContext, type NodeCache } from './analysis/graph'
import { HASH_FORMAT_VERSION, hashParts } from './analysis/hash'
import { type MemoEntry, isMemoValid } from './analysis/resultMemo'
import { functionDiagnostics, problemDiagnostics } from './analysis/report'
import type { ParsedModule } from './analysis/parse'
import { createModuleResolver } from './analysis/resolver'
import { tsconfigChain } from './analysis/tsconfigChain'
import { type HashMemo, hashGraph } from './analysis/scc'

export { HASH_FORMAT_VERSION } from './analysis/hash'

/** Options of {@link createAnalyzer}. */
export interface AnalyzerOptions {
  /** Project root: function ids and `deps` paths are relative to it. */
  root: string
  /**
   * tsconfig whose `paths`/`baseUrl` resolve imports; `false` for none. It and the files it `extends` are inputs
   * of every analysis; one that cannot be loaded is a build error.
   * @default the nearest `tsconfig.json` at or above `root`, if any
   */
  tsconfig?: string | false
  /**
   * Directory of the on-disk analysis cache (parse results by content hash); `false` keeps it in memory only.
   * @default `<root>/node_modules/.cache/persist-analysis`
   */
  cacheDir?: string | false
  /**
   * Report impure reads (non-deterministic sources, reassigned module-level bindings) and imports that cannot be
   * resolved as errors, not warnings.
   * @default false
   */
  strict?: boolean
}

/** Per-function settings the caller knows from the parsed `@persist({ … })` options. */
export interface FunctionSettings {
  /** Overrides the name part of the id (the `name` option). */
  name?: string
  /** Accept impure reads knowingly: no impurity diagnostics for this function. */
  allowImpure?: boolean
}

/** A declaration (or external input) a persisted function's hash depends on. */
export interface FunctionDependency {
  /** Root-relative posix path; a builtin's name (`node:fs`) for builtins. */
  file: string
  /** The declaration's name, `name@version` for a package, `(content)` for an asset, `*` for a whole module (a builtin too). */
  declaration: string
  /**
   * Hash of the declaration's own code (normalised), not of what it reaches: two builds whose values differ
   * changed that declaration, which is how the CLI's `explain --since` names what changed.
   */
  hash: string
}

/** The analysis of one persisted function. */
export interface AnalyzedFunction {
  /** Qualified name in its file: `load`, `Svc.compute`, `default`. */
  name: string
  /** `<root-relative posix path>#<name>`, e.g. `src/jobs.ts#load`. */
  id: string
  /** Hex SHA-256 of the function's code and everything it reaches. */
  hash: string
  /** `node.start` of the function node in the analysed code. */
  start: number
  deps: FunctionDependency[]
}

/** The analysis of the persisted functions declared in one file. */
export interface AnalyzedFile {
  functions: AnalyzedFunction[]
  /** Absolute paths of every file whose change can change one of these hashes. */
  watchFiles: string[]
  diagnostics: Diagnostic[]
}

export interface Analyzer {
  /**
   * Hashes the persisted functions declared in `file`. `code` is its current content (read from disk when
   * absent); every other file is read from disk, re-read only when its stat or content changed. `parsed` is
   * `code` as the caller parsed it with `parseModule` (the transform does), to save a second parse.
   */
  analyzeFile(file: string, code?: string, settings?: Record<string, FunctionSettings>, parsed?: ParsedModule): AnalyzedFile
  /** Errors in the `@persist` comments of a file (what `analyzeFile` leaves to the transform to report). */
  annotationDiagnostics(file: string, code?: string): Diagnostic[]
  /**
   * What the last analysis of `file` (in this process) was computed from, with the stamps of those inputs: a
   * caller keeping something derived from that analysis (the transform-output cache) may reuse it exactly as long
   * as {@link isReuseValid} says so.
   */
  reuseRecord(file: string): ReuseRecord | undefined
  /**
   * A bundler's build starts: until `endBuild`, each file and directory is stat-checked once for all the
   * analyses of the build, instead of once per `analyzeFile`.
   */
  beginBuild(): void
  endBuild(): void
  /** A file changed, was added or removed (watch mode); without an argument, forget everything. */
  invalidate(file?: string): void
  /** Writes the on-disk cache. Returns a warning message when it could not be written (the first time only). */
  flush(): string | undefined
  /** Counters for tests and benchmarks. */
  readonly stats: Readonly<FileStoreStats>
}

/**
 * The inputs of one file's analysis besides the file itself (content hashes, and directory mtimes that decided
 * resolutions), as the analyzer checks them before reusing it, and the stamps that let a check skip reading.
 */
export interface ReuseRecord extends Omit<MemoEntry<unknown>, 'key' | 'result'> {
  stamps: Array<[file: string, stamp: FileStamp]>
}

/** `<root-relative posix path>#<name>`: the id the runtime keys a persisted function by. */
export function functionId(root: string, file: string, name: string): string {
  return `${path.relative(root, file).split(path.sep).join('/')}#${name}`
}

/** Dependencies in code-point order of `file\0declaration` (stable across locales, unlike `localeCompare`). */
function sortedDeps(deps: Map<string, FunctionDependency>): FunctionDependency[] {
  const keys = [...deps.keys()].sort()
  return keys.map((key) => deps.get(key)!)
}

/** Bumped when the cached summary format changes; the core version and the code fingerprint cover the rest. */
const SUMMARY_FORMAT = 7

/** Creates an analyzer that keeps its caches across calls (watch mode) and, via `flush`, across processes. */
export function createAnalyzer(options: AnalyzerOptions): Analyzer {
  const root = path.resolve(options.root)
  const cacheDir = options.cacheDir === false ? undefined : path.resolve(root, options.cacheDir ?? 'node_modules/.cache/persist-analysis')
  const formatKey = `core ${corePackage.version} ${codeFingerprint()} ${dependencyVersions()} hash ${HASH_FORMAT_VERSION} summary ${SUMMARY_FORMAT}`
  const store = new FileStore(cacheDir, formatKey)
  const resolver = createModuleResolver(
    root,
    options.tsconfig,
    (dir) => store.dirMtime(dir),
    (file) => store.contentHash(file),
  )
  /** The tsconfig and the files it extends, with the content hashes they had when the chain was read. */
  let tsconfigs: { files: string[]; key: string } | undefined
  let flushWarned = false
  const relPaths = new Map<string, string>()
  const nodeCache: NodeCache = new Map()
  const hashMemo: HashMemo = new WeakMap()
  const packages = new Map<string, { name: string; version: string; file: string } | undefined>()

  const readPackage = (file: string) => {
    const contentHash = store.contentHash(file)
    if (contentHash === undefined) return undefined
    const key = `${file}\0${contentHash}`
    if (!packages.has(key)) {
      let info: { name: string; version: string; file: string } | undefined
      try {
        const json = JSON.parse(store.text(file) ?? '')
        if (typeof json.name === 'string' && typeof json.version === 'string') info = { name: json.name, version: json.version, file }
      } catch {
        // Not JSON: the enclosing package.json decides.
      }
      packages.set(key, info)
    }
    return packages.get(key)
  }
  /** A nested package.json (`{ "type": "module" }` in a dist folder) has no name: look further up. */
  const packageInfo = (packageJson: string) => {
    for (let dir = path.dirname(packageJson); path.basename(dir) !== 'node_modules'; dir = path.dirname(dir)) {
      const info = readPackage(path.join(dir, 'package.json'))
      if (info) return info
      if (path.dirname(dir) === dir) return undefined
    }
    return undefined
  }

  /** The tsconfig chain; a change anywhere in it can change what every import resolves to. */
  const tsconfigInputs = (): string[] => {
    if (!resolver.tsconfigPath) return []
    const keyOf = (files: string[]) => files.map((f) => `${f}\0${store.contentHash(f) ?? ''}`).join('\n')
    if (tsconfigs && keyOf(tsconfigs.files) === tsconfigs.key) return tsconfigs.files
    // Each hash is taken before its file is read: a write in between shows as a changed key next time.
    const hashes: string[] = []
    const files = tsconfigChain(resolver.tsconfigPath, (f) => hashes.push(`${f}\0${store.contentHash(f) ?? ''}`))
    if (tsconfigs) resolver.clear()
    tsconfigs = { files, key: hashes.join('\n') }
    return files
  }

  const analyzeFileUnguarded = (file: string, code?: string, settings: Record<string, FunctionSettings> = {}, parsed?: ParsedModule): AnalyzedFile => {
    const abs = path.resolve(root, file)
    store.beginPass()
    // The tsconfig and every file it extends: asked for in this pass, so they are inputs of every analysis.
    const tsconfigFiles = tsconfigInputs()
    // Everything besides file contents that shapes the result: analyzers sharing a cache may differ in these.
    const memoKey = hashParts([
      // Ids and dependency paths are relative to the root.
      root,
      abs,
      (code === undefined ? store.contentHash(abs) : store.textHash(code)) ?? '',
      JSON.stringify(settings),
      String(!!options.strict),
      resolver.tsconfigPath ?? '(no tsconfig)',
    ])
    const memo = store.results.get(abs)
    if (memo && memo.key === memoKey && isMemoValid(memo, (f) => store.contentHash(f), (d) => store.dirMtime(d))) {
      const hit = memo.result as AnalyzedFile
      store.stats.reuses++
      return { functions: hit.functions, watchFiles: [...hit.watchFiles], diagnostics: [...hit.diagnostics] }
    }
    const dirs = new Map<string, number>()
    const summary = store.summary(abs, code, code !== undefined ? parsed : undefined)
    const watch = new Set<string>([abs])
    for (const f of tsconfigFiles) watch.add(f)
    const diagnostics: Diagnostic[] = []
    if (!summary) return { functions: [], watchFiles: [...watch], diagnostics }

    const ctx: GraphContext = {
      summary: (f) => (f === abs ? summary : store.summary(f)),
      resolve: (from, specifier) => {
        let resolved = resolver.resolve(from, specifier)
        const r = resolved.resolution
        if ((r.kind === 'code' || r.kind === 'asset') && store.contentHash(r.path) === undefined) {
          // The file it resolved to is gone: resolve again from a clean slate.
          resolver.clear()
          resolved = resolver.resolve(from, specifier)
        }
        for (const [dir, mtime] of resolved.dirs) if (!dirs.has(dir)) dirs.set(dir, mtime)
        // The package.json maps that decided it are inputs too (asked for in this pass, so recorded and watched).
        for (const [file] of resolved.files) {
          store.contentHash(file)
          watch.add(file)
        }
        return resolved.resolution
      },
      packageInfo,
      contentHash: (f) => store.contentHash(f),
      watch: (f) => watch.add(f),
    }

    const sourceOf = (f: string) => (f === abs && code !== undefined ? code : store.text(f))
    const functions: AnalyzedFunction[] = []
    const graph = new GraphBuilder(ctx, root, nodeCache, relPaths)
    summary.roots.forEach((rootSummary, index) => {
      const own = settings[rootSummary.name] ?? {}
      const id = functionId(root, abs, own.name ?? rootSummary.name)
      const start = graph.addRoot(abs, index)
      const hashes = hashGraph(graph.nodes, start, hashMemo)
      const deps = new Map<string, FunctionDependency>()
      for (const nodeId of hashes.keys()) {
        const node = graph.nodes.get(nodeId)
        if (nodeId !== start && node?.dep) deps.set(`${node.dep.file}\0${node.dep.declaration}`, { ...node.dep, hash: node.own })
      }
      functions.push({
        name: rootSummary.name,
        id,
        hash: hashes.get(start)!,
        start: rootSummary.start,
        deps: sortedDeps(deps),
      })
      const allowImpure = own.allowImpure ?? rootSummary.allowImpure
      diagnostics.push(...functionDiagnostics(graph.nodes, start, rootSummary.name, id, { strict: !!options.strict, allowImpure }, sourceOf))
    })
    diagnostics.push(...problemDiagnostics(graph.problems, !!options.strict, sourceOf))
    for (const f of graph.codeFiles) {
      if (f === abs) continue
      for (const d of ctx.summary(f)?.diagnostics ?? []) if (d.code === 'PERSIST_PARSE_ERROR') diagnostics.push(d)
    }
    const result: AnalyzedFile = { functions, watchFiles: [...watch].sort(), diagnostics }
    const inputs = store.passInputs().filter(([f]) => f !== abs)
    store.setResult(abs, { key: memoKey, inputs, dirs: [...dirs], recordedAt: Date.now(), result })
    return { functions, watchFiles: [...result.watchFiles], diagnostics: [...diagnostics] }
  }

  return {
    get stats() {
      return store.stats
    },
    analyzeFile(file, code, settings, parsed) {
      try {
        return analyzeFileUnguarded(file, code, settings, parsed)
      } catch (error) {
        if (!(error instanceof UnreadableFileError)) throw error
        throw unreadableInputError(error, path.resolve(root, file), (f) => ({ text: code ?? store.text(f), summary: store.summary(f, code) }))
      }
    },
    beginBuild() {
      store.beginBuild()
      // A long-lived analyzer (a watch session) meets files created since its last build.
      resolver.forgetFileSystem()
    },
    endBuild() {
      store.endBuild()
    },
    reuseRecord(file) {
      const memo = store.results.get(path.resolve(root, file))
      if (!memo) return undefined
      const stamps: Array<[string, FileStamp]> = []
      for (const [input, hash] of memo.inputs) {
        const stamp = hash === null ? undefined : store.stamp(input)
        if (stamp) stamps.push([input, stamp])
      }
      return { inputs: memo.inputs, dirs: memo.dirs, recordedAt: memo.recordedAt, stamps }
    },
    annotationDiagnostics(file, code) {
      store.beginPass()
      return store.summary(path.resolve(root, file), code)?.diagnostics.filter((d) => d.code !== 'PERSIST_PARSE_ERROR') ?? []
    },
    invalidate(file) {
      if (file === undefined) nodeCache.clear()
      store.invalidate(file === undefined ? undefined : path.resolve(root, file))
      // Resolutions check their own directories and files before reuse, as in an esbuild rebuild; only what the
      // resolver saw of the file system is forgotten, unless everything is.
      if (file === undefined) resolver.clear()
      else resolver.forgetFileSystem()
    },
    flush() {
      try {
        store.flush()
        return undefined
      } catch (error) {
        if (flushWarned) return undefined
        flushWarned = true
        return `persist: could not write the analysis cache in ${cacheDir} (${(error as Error).message}); builds still work, but the next one starts cold.`
      }
    },
  }
}

/**
 * A file the hashes depend on exists but cannot be read: a build error naming it, its error code and the persisted
 * functions of the module being analysed (at the first of them), since hashing it as missing would hide its edits.
 */
function unreadableInputError(
  error: UnreadableFileError,
  file: string,
  moduleOf: (file: string) => { text: string | undefined; summary: { roots: Array<{ name: string; start: number }> } | undefined },
): PersistBuildError {
  let module: ReturnType<typeof moduleOf> | undefined
  try {
    if (error.file !== file) module = moduleOf(file)
  } catch {
    // The module itself cannot be read: the message names it already.
  }
  const roots = module?.summary?.roots ?? []
  const names = roots.map((r) => `\`${r.name}\``).join(', ')
  const offset = roots[0]?.start ?? 0
  const { line, column } = module?.text === undefined ? { line: 1, column: 1 } : locate(module.text, offset)
  const what = names ? `the hash of ${names} depends on it` : 'it is an input of a persisted function\'s hash'
  return new PersistBuildError([
    {
      level: 'error',
      code: 'PERSIST_UNREADABLE_INPUT',
      message: `persist: cannot read ${error.file} (${error.code}), and ${what}; make it readable or remove the import`,
      file,
      line,
      column,
      offset,
    },
  ])
}
