/**
 * Walks the disk layout of `stores/layout.ts` read-only: `<dir>/<function>/<hash>[@v<version>]/[~<scope>/]<shard>/<key>`.
 * Symlinks are never followed. Only files named like a key are entries (`scanVersion` of stores/layout.ts, the
 * walk the runtime uses too); `.*.tmp` files are writers' temporary files (listed apart, for `verify`); anything
 * else (entry locks, the `.stats` counts of a version, a file a user left there) is neither and is never deleted.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { dirents, isTemporaryName, scanVersion as layoutScanVersion } from '../stores/layout'

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

/** A writer's temporary file (or one left behind by a crashed writer). */
export interface TemporaryFile {
  path: string
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

/** Entry files and temporary files of one version directory (the walk the runtime's `entries()` uses too). */
export function scanVersion(fn: FunctionDir, hash: string): { entries: EntryLocation[]; temporary: TemporaryFile[] } {
  const found = layoutScanVersion(join(fn.path, hash))
  return {
    entries: found.entries.map((entry) => ({ path: entry.path, segment: fn.segment, hash, scope: entry.scope })),
    temporary: found.temporary.map((path) => ({ path })),
  }
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
