/**
 * From function directories to the ids users know. A directory name is `toSegment(id)`; the manifest gives the
 * real ids, and a directory the manifest does not name is shown with its name decoded as well as it can be.
 */
import { decodeSegment, hashOfVersionDir, hashSegment, toSegment } from '../stores/layout'
import { CliError } from './errors'
import type { FunctionDir } from './layoutScan'
import type { Manifest } from './manifest'

/** A function directory with its id and the hash the current build gives it. */
export interface KnownFunction extends FunctionDir {
  id: string
  /** The source hash the manifest names for this function, when the manifest names it. */
  liveHash: string | undefined
}

/** Ids and live hashes of the function directories. */
export function identify(dirs: FunctionDir[], manifest: Manifest | undefined): KnownFunction[] {
  const bySegment = new Map<string, [string, string]>()
  for (const [id, fn] of Object.entries(manifest?.functions ?? {})) bySegment.set(toSegment(id), [id, fn.hash])
  return dirs.map((dir) => {
    const known = bySegment.get(dir.segment)
    return { ...dir, id: known?.[0] ?? decodeSegment(dir.segment), liveHash: known ? hashSegment(known[1]) : undefined }
  })
}

/**
 * Whether a version directory (`<hash>` or `<hash>@v<version>`) belongs to the hash the build manifest names. The
 * manifest knows no `version` option (it is a value the program has when it runs), so every version of the live
 * hash counts as live.
 */
export function isLiveVersion(fn: Pick<KnownFunction, 'liveHash'>, versionDir: string): boolean {
  return fn.liveHash !== undefined && hashOfVersionDir(versionDir) === fn.liveHash
}

const GLOB_CHARS_RE = /[*?]/

/** Whether an id matches a `ls` pattern: a glob when it has `*` or `?`, else a substring. */
export function matchesPattern(id: string, pattern: string | undefined): boolean {
  if (!pattern) return true
  if (!GLOB_CHARS_RE.test(pattern)) return id.includes(pattern)
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${source}$`).test(id)
}

/**
 * The function a command names: its exact id or directory name; with `loose`, also a substring of one id
 * (for read-only commands). Throws a CliError listing close ids when there is no single match.
 */
export function findFunction(fns: KnownFunction[], name: string, loose: boolean): KnownFunction {
  // An id first: a directory name can also read as another id (`src__a.ts#f` is the directory of `src/a.ts#f`).
  const segment = toSegment(name)
  const exact = fns.find((fn) => fn.id === name) ?? fns.find((fn) => fn.segment === segment) ?? fns.find((fn) => fn.segment === name)
  if (exact) return exact
  const close = fns.filter((fn) => fn.id.includes(name))
  if (loose && close.length === 1) return close[0]!
  const hint =
    close.length > 0
      ? ` Did you mean ${close.slice(0, 5).map((fn) => fn.id).join(', ')}?${close.length > 5 ? ' …' : ''}`
      : ' Run `persist ls` to see the cached functions.'
  throw new CliError(`no cached function ${JSON.stringify(name)} in this cache.${hint}`)
}
