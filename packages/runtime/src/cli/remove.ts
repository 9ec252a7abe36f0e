/**
 * Deletion, confined to the cache directory: every path is checked to lie inside it before anything is removed,
 * symlinks are removed as links (never followed), directories are removed only as far as persist recognises their
 * contents (stores/removeOwned.ts), and emptied directories are tidied away up to the root. Nothing here throws on
 * what a concurrent writer does meanwhile: a file already gone or a directory filled again is left.
 */
import { rmdirSync, unlinkSync } from 'node:fs'
import { dirname, isAbsolute, relative } from 'node:path'
import { type OwnedLevel, type Removal, removeOwned } from '../stores/removeOwned'
import { plural } from './format'

function assertInside(root: string, path: string): void {
  const rel = relative(root, path)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`persist refuses to delete ${path}: it is not inside the cache directory ${root}`)
  }
}

/** Removes a file; false when it was already gone. */
export function removeFile(root: string, path: string): boolean {
  assertInside(root, path)
  try {
    unlinkSync(path)
    return true
  } catch {
    return false
  }
}

/** Removes the persist files of a function, version or scope directory; what persist does not recognise stays. */
export function removeTree(root: string, path: string, level: OwnedLevel): Removal {
  assertInside(root, path)
  return removeOwned(path, level)
}

/**
 * Removes `dir` and its parents while they are empty, stopping below `root`. A writer that made one of them a
 * moment ago recreates it (the disk store retries a write after ENOENT).
 */
export function removeEmptyDirs(root: string, dir: string): void {
  for (let current = dir; relative(root, current) !== '' && !relative(root, current).startsWith('..'); current = dirname(current)) {
    try {
      rmdirSync(current)
    } catch {
      return
    }
  }
}

/** Report lines for items a removal left because persist did not create them. */
export function keptLines(kept: string[]): string[] {
  if (kept.length === 0) return []
  const shown = kept.slice(0, 5).map((path) => `  ${path}`)
  const more = kept.length > shown.length ? [`  … and ${kept.length - shown.length} more`] : []
  return [`left ${plural(kept.length, 'item', 'items')} persist did not create:`, ...shown, ...more]
}
