/**
 * Walks the disk layout of `stores/layout.ts` read-only: `<dir>/<function>/<hash>[@v<version>]/[~<scope>/]<shard>/<key>`.
 * Symlinks are never followed. Names starting with a dot are never entries: `.*.tmp` files are a writer's
 * temporary files (listed apart, for `verify`); other dot-files and dot-directories (entry locks, the `.stats`
 * counts of a version) belong to the runtime and are skipped.
 */
import { type Dirent, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { isTemporaryName, SCOPE_PREFIX } from '../stores/layout'

/** One function's directory and the versions (source hash directories) inside it. */
export interface FunctionDir {
  /** The directory name: the function id made safe by `toSegment`. */
  segment: string
  path: string
  /** Names of the source hash directories. */
  hashes: string[]
}

/** One entry file, located in the layout. */
export interface EntryLocation {
  path: string
  /** Function directory name. */
  segment: string
  hash: string
  /** Scope directory name without its `~`, or '' for entries without a scope. */
  scope: string
}

const TEMPORARY_RE = /^\..*\.tmp$/

/** A writer's temporary file (or one left behind by a crashed writer). */
export interface TemporaryFile {
  path: string
}

/** The items of a directory; none when it cannot be read (gone meanwhile, not a directory). */
export function dirents(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
}

/**
 * Function directories of the cache. A function directory holds version directories; directories holding only
 * files (the build's analysis cache) are not functions.
 */
export function listFunctionDirs(root: string): FunctionDir[] {
  const found: FunctionDir[] = []
  for (const entry of dirents(root)) {
    if (!entry.isDirectory() || isTemporaryName(entry.name)) continue
    const path = join(root, entry.name)
    const hashes = dirents(path)
      .filter((child) => child.isDirectory() && !isTemporaryName(child.name))
      .map((child) => child.name)
      .sort()
    if (hashes.length > 0) found.push({ segment: entry.name, path, hashes })
  }
  return found.sort((a, b) => a.segment.localeCompare(b.segment))
}

/** Bucket directories of one version: the unscoped one and one per scope. */
function bucketsOf(versionDir: string): Array<{ path: string; scope: string }> {
  const buckets = [{ path: versionDir, scope: '' }]
  for (const child of dirents(versionDir)) {
    if (child.isDirectory() && child.name.startsWith(SCOPE_PREFIX)) {
      buckets.push({ path: join(versionDir, child.name), scope: child.name.slice(SCOPE_PREFIX.length) })
    }
  }
  return buckets
}

/** Entry files and temporary files of one version directory. */
export function scanVersion(fn: FunctionDir, hash: string): { entries: EntryLocation[]; temporary: TemporaryFile[] } {
  const entries: EntryLocation[] = []
  const temporary: TemporaryFile[] = []
  for (const bucket of bucketsOf(join(fn.path, hash))) {
    for (const shard of dirents(bucket.path)) {
      if (!shard.isDirectory() || shard.name.startsWith(SCOPE_PREFIX) || isTemporaryName(shard.name)) continue
      const shardPath = join(bucket.path, shard.name)
      for (const file of dirents(shardPath)) {
        if (!file.isFile()) continue
        const path = join(shardPath, file.name)
        if (TEMPORARY_RE.test(file.name)) temporary.push({ path })
        else if (!isTemporaryName(file.name)) entries.push({ path, segment: fn.segment, hash, scope: bucket.scope })
      }
    }
  }
  return { entries, temporary }
}

/** Every entry (and temporary file) of the given functions, all versions. */
export function scanFunctions(fns: FunctionDir[]): { entries: EntryLocation[]; temporary: TemporaryFile[] } {
  const entries: EntryLocation[] = []
  const temporary: TemporaryFile[] = []
  for (const fn of fns) {
    for (const hash of fn.hashes) {
      const found = scanVersion(fn, hash)
      // A loop, not push(...found): spreading a million entries into arguments overflows the stack.
      for (const entry of found.entries) entries.push(entry)
      for (const file of found.temporary) temporary.push(file)
    }
  }
  return { entries, temporary }
}

/** Size and modification time of a file; undefined when it vanished meanwhile (a concurrent writer or clear). */
export function statFile(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const stats = statSync(path)
    return { size: stats.size, mtimeMs: stats.mtimeMs }
  } catch {
    return undefined
  }
}
