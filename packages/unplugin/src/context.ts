import {
  type Options,
  type OptionsResolved,
  type Analyzer,
  type TransformResult,
  createAnalyzer,
  createManifest,
  resolveOptions,
  transform,
} from '@persist/core'

/**
 * State shared by every hook of one plugin instance: options (resolved once the bundler's root is known), the
 * analyzer, the manifest of the build, and which modules depend on which files for watch mode.
 */
export function createPersistContext(rawOptions: Options = {}) {
  let options: OptionsResolved | undefined
  let analyzer: Analyzer | undefined
  let manifest = createManifest()
  /** Watched file → modules whose hashes read it. */
  const dependents = new Map<string, Set<string>>()

  const resolved = (): OptionsResolved => (options ??= resolveOptions(rawOptions))
  const getAnalyzer = (): Analyzer => {
    if (analyzer) return analyzer
    const { root, tsconfig, analysisCache, strict } = resolved()
    return (analyzer = createAnalyzer({ root, tsconfig, cacheDir: analysisCache, strict }))
  }

  return {
    /** Options used by filters before the bundler's root is known (include/exclude do not depend on it). */
    initialOptions: resolveOptions(rawOptions),
    /** Adopts the bundler's root unless the user gave one; must run before the first transform. */
    setBundlerRoot(root: string | undefined): void {
      if (!analyzer) options = resolveOptions(rawOptions, root)
    },
    /** Rewrites one module and remembers its dependencies; throws `PersistBuildError` on bad input. */
    transform(code: string, id: string): TransformResult | undefined {
      const result = transform(code, id, { options: resolved(), analyzer: getAnalyzer() })
      if (!result) return undefined
      const file = id.replace(/\?.*$/s, '')
      manifest.set(file, result.functions)
      for (const watched of result.watchFiles) {
        let set = dependents.get(watched)
        if (!set) dependents.set(watched, (set = new Set()))
        set.add(file)
      }
      return result
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
     * Writes the manifest (unless turned off) and the analysis cache. Neither can fail the build: returns a
     * warning to show instead.
     */
    finish(): string | undefined {
      let warning = analyzer?.flush()
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
