import path from 'node:path'
import {
  type Options,
  type OptionsResolved,
  type OutputCache,
  type PersistedFunction,
  type TransformResult,
  cleanPath,
  createManifest,
  createOutputCache,
  resolveOptions,
} from '@persist/core/lite'

type Core = typeof import('@persist/core')
type ReuseRecord = NonNullable<ReturnType<Analyzer['reuseRecord']>>
type Analyzer = ReturnType<Core['createAnalyzer']>

/** What a transform that stopped before the analysis read besides the module itself: nothing. */
const NOTHING_READ: ReuseRecord = { inputs: [], dirs: [], recordedAt: 0, stamps: [] }

let core: Promise<Core> | undefined
/** The parser, resolver and analyzer: loaded when a module is met that the output cache cannot answer. */
const loadCore = (): Promise<Core> => (core ??= import('@persist/core'))

/**
 * State shared by every hook of one plugin instance: options (resolved once the bundler's root is known), the
 * transform-output cache, the analyzer, the manifest of the build, and which modules depend on which files for
 * watch mode.
 */
export function createPersistContext(rawOptions: Options = {}) {
  let options: OptionsResolved | undefined
  let analyzer: Analyzer | undefined
  let outputs: OutputCache | undefined
  let flushWarned = false
  let building = false
  let manifest = createManifest()
  /** Watched file → modules whose hashes read it. */
  const dependents = new Map<string, Set<string>>()

  const resolved = (): OptionsResolved => (options ??= resolveOptions(rawOptions))
  const getOutputs = (): OutputCache => (outputs ??= createOutputCache(resolved()))
  const getAnalyzer = (createAnalyzer: Core['createAnalyzer']): Analyzer => {
    if (analyzer) return analyzer
    const { root, tsconfig, analysisCache, strict } = resolved()
    analyzer = createAnalyzer({ root, tsconfig, cacheDir: analysisCache, strict })
    if (building) analyzer.beginBuild()
    return analyzer
  }
  /** The output cache or the full transform (which fills the cache). */
  const transformUncached = async (code: string, id: string, file: string, sourcemap: boolean): Promise<TransformResult | undefined> => {
    const { transform, createAnalyzer } = await loadCore()
    const fileAnalyzer = getAnalyzer(createAnalyzer)
    const result = transform(code, id, { options: resolved(), analyzer: fileAnalyzer, sourcemap })
    // Nothing to rewrite is decided by the module's text (no annotated function): remembered too, so a warm build
    // does not load the parser for a module that merely mentions `@persist`.
    const record = result ? fileAnalyzer.reuseRecord(file) : NOTHING_READ
    if (record) getOutputs().store(file, code, sourcemap, result, record)
    return result
  }

  /** Records a module's functions for the manifest and the files its hashes read for watch mode. */
  const remember = (id: string, result: Pick<TransformResult, 'functions' | 'watchFiles'>): void => {
    const module = id.replace(/\?.*$/s, '')
    manifest.set(module, result.functions)
    for (const watched of result.watchFiles) {
      let set = dependents.get(watched)
      if (!set) dependents.set(watched, (set = new Set()))
      set.add(module)
    }
  }

  return {
    /** The options in effect (the bundler's root adopted once `setBundlerRoot` ran). */
    get options(): OptionsResolved {
      return resolved()
    },
    /**
     * Options for filters set before the bundler's root is known: relative include/exclude globs are anchored at
     * the working directory there, so only a filter whose patterns do not depend on the root may use them.
     */
    initialOptions: resolveOptions(rawOptions),
    /** Adopts the bundler's root unless the user gave one; must run before the first transform. */
    setBundlerRoot(root: string | undefined): void {
      if (!analyzer && !outputs) options = resolveOptions(rawOptions, root)
    },
    /**
     * Starts loading the parser and the analyzer in the background when the output cache knows nothing: a cold
     * build needs them, and loading overlaps the bundler's own start.
     */
    prefetch(): void {
      if (getOutputs().isEmpty()) loadCore().catch(() => {})
    },
    /** A build starts: the output cache and the analyzer check each input once until `finish`. */
    beginBuild(): void {
      building = true
      getOutputs().beginBuild()
      analyzer?.beginBuild()
    },
    /**
     * The rewrite of one module from the output cache, when nothing it was computed from changed; synchronous,
     * and loads neither the parser nor the analyzer. `null` means "nothing to rewrite"; `undefined` means "ask
     * `transformMissed`".
     */
    cached(code: string, id: string, sourcemap = true): TransformResult | null | undefined {
      const result = getOutputs().lookup(path.resolve(cleanPath(id)), code, sourcemap)
      if (result) remember(id, result)
      return result
    },
    /**
     * What the output cache knows about a module the bundler has not read, from a stat: its rewrite, `'plain'`
     * (no `@persist`), or `undefined` (read it with `readModule`).
     */
    probe(id: string, sourcemap = true): TransformResult | 'plain' | undefined {
      const known = getOutputs().probe(path.resolve(cleanPath(id)), sourcemap)
      if (known && known !== 'plain') remember(id, known)
      return known
    },
    /**
     * Reads a module for a bundler that leaves reading to the plugin (esbuild's `onLoad`), for `probe` to know it next
     * time: its text, null when it does not mention `@persist`, undefined when it cannot be read.
     */
    readModule(id: string): string | null | undefined {
      return getOutputs().readModule(path.resolve(cleanPath(id)))
    },
    /** A module just read with `readModule` has no `@persist`. */
    markPlain(id: string): void {
      getOutputs().markPlain(path.resolve(cleanPath(id)))
    },
    /**
     * Rewrites one module (with a source map unless `sourcemap` is false) and remembers its dependencies; throws
     * `PersistBuildError` on bad input.
     */
    async transform(code: string, id: string, sourcemap = true): Promise<TransformResult | undefined> {
      const file = path.resolve(cleanPath(id))
      const hit = getOutputs().lookup(file, code, sourcemap)
      if (hit === null) return undefined
      const result = hit ?? (await transformUncached(code, id, file, sourcemap))
      if (result) remember(id, result)
      return result
    },
    /** `transform` for a module `cached` has just missed: the same, without looking the cache up a second time. */
    async transformMissed(code: string, id: string, sourcemap = true): Promise<TransformResult | undefined> {
      const result = await transformUncached(code, id, path.resolve(cleanPath(id)), sourcemap)
      if (result) remember(id, result)
      return result
    },
    /**
     * The files and directory listings the rewrite of a module was computed from, as the output cache keeps them;
     * undefined when it does not keep that rewrite.
     */
    dependencies(id: string): { files: string[]; dirs: string[] } | undefined {
      return getOutputs().dependencies(path.resolve(cleanPath(id)))
    },
    /** Records the functions of a module answered without a transform (from a build snapshot), for the manifest. */
    noteFunctions(id: string, functions: PersistedFunction[]): void {
      remember(id, { functions, watchFiles: [] })
    },
    /**
     * Forgets what the analysis knew about `file` (it also re-checks every file's stat on its own, which is what
     * an esbuild rebuild relies on); returns the modules whose hashes must be recomputed.
     */
    fileChanged(file: string): string[] {
      analyzer?.invalidate(file)
      return [...(dependents.get(file) ?? [])]
    },
    /**
     * Writes the manifest (unless turned off), the analysis cache and the output cache. None of them can fail
     * the build: returns a warning to show instead.
     */
    finish(): string | undefined {
      building = false
      analyzer?.endBuild()
      let warning = analyzer?.flush()
      if (outputs) {
        outputs.endBuild()
        try {
          outputs.flush()
        } catch (error) {
          if (!flushWarned) warning ??= `persist: could not write the output cache in ${resolved().analysisCache} (${(error as Error).message}); builds still work, but the next one re-analyses.`
          flushWarned = true
        }
      }
      const target = resolved().manifest
      try {
        if (target && manifest.size > 0) manifest.write(target)
      } catch (error) {
        warning ??= `persist: could not write the manifest ${target} (${(error as Error).message}); the CLI's prune and explain will not know this build.`
      }
      manifest = createManifest()
      return warning
    },
  }
}

export type PersistContext = ReturnType<typeof createPersistContext>
