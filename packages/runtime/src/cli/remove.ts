/**
 * Deletion, confined to the cache directory: every path is checked to lie inside it before anything is removed,
 * symlinks are removed as links (never followed), and emptied directories are tidied away up to the root.
 */
import { rmdirSync, rmSync, unlinkSync } from 'node:fs'
import { dirname, isAbsolute, relative } from 'node:path'

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

/** Removes a directory and everything in it. */
export function removeTree(root: string, path: string): void {
  assertInside(root, path)
  rmSync(path, { recursive: true, force: true })
}

/**
 * Removes `dir` and its parents while they are empty, stopping below `root`. A writer that made one of them a
 * moment ago recreates it (the disk store retries a write once after ENOENT).
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
