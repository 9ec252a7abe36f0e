import path from 'node:path'
import { readTsconfig, tsconfigChain } from './tsconfigChain'

/** A tsconfig `paths` entry: `@lib/*` → `['gen/*', 'src/lib/*']`, with the directory of the config declaring it. */
interface PathMapping {
  pattern: string
  targets: string[]
  configDir: string
}

/** The `paths` and `baseUrl` of a tsconfig and of every config it extends. */
export interface PathAliases {
  mappings: PathMapping[]
  baseUrls: string[]
}

/**
 * Every `paths` mapping and `baseUrl` of `tsconfig`'s chain. All of them, not just the ones that win: the
 * directories derived from them only need to include the ones that decide a resolution.
 */
export function loadPathAliases(tsconfig: string): PathAliases {
  const aliases: PathAliases = { mappings: [], baseUrls: [] }
  for (const file of tsconfigChain(tsconfig)) {
    const options = (readTsconfig(file) as { compilerOptions?: { paths?: unknown; baseUrl?: unknown } } | undefined)?.compilerOptions
    const configDir = path.dirname(file)
    if (typeof options?.baseUrl === 'string') aliases.baseUrls.push(path.resolve(configDir, options.baseUrl))
    if (options?.paths && typeof options.paths === 'object') {
      for (const [pattern, targets] of Object.entries(options.paths)) {
        if (Array.isArray(targets)) aliases.mappings.push({ pattern, targets: targets.filter((t): t is string => typeof t === 'string'), configDir })
      }
    }
  }
  return aliases
}

/**
 * The directories whose listings can decide where a bare specifier resolves through tsconfig `paths` or `baseUrl`:
 * each candidate of each matching mapping (a file appearing in an earlier fallback wins over the one resolved)
 * and the candidate itself (a directory resolved through its index file).
 */
export function aliasDirs(aliases: PathAliases, specifier: string): string[] {
  const candidates: string[] = []
  for (const { pattern, targets, configDir } of aliases.mappings) {
    const captured = matchPattern(pattern, specifier)
    if (captured === undefined) continue
    // Targets are relative to `baseUrl`, else to the config declaring `paths`: every possibility counts.
    for (const base of [...aliases.baseUrls, configDir]) for (const target of targets) candidates.push(path.resolve(base, target.replace('*', captured)))
  }
  for (const baseUrl of aliases.baseUrls) candidates.push(path.resolve(baseUrl, specifier))
  return [...new Set(candidates.flatMap((candidate) => [path.dirname(candidate), candidate]))]
}

/** What `*` stands for when `specifier` matches `pattern` (`''` for a pattern without one), else undefined. */
function matchPattern(pattern: string, specifier: string): string | undefined {
  const star = pattern.indexOf('*')
  if (star === -1) return pattern === specifier ? '' : undefined
  const [prefix, suffix] = [pattern.slice(0, star), pattern.slice(star + 1)]
  const fits = specifier.length >= prefix.length + suffix.length && specifier.startsWith(prefix) && specifier.endsWith(suffix)
  return fits ? specifier.slice(prefix.length, specifier.length - suffix.length) : undefined
}
