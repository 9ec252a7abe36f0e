/**
 * The out-file blob store (`<dir>/.blobs/<shard>/<sha256>`, see outFiles/blobStore.ts) seen from the CLI: blobs no
 * entry needs any more are removed after commands that delete entries, and `verify` re-hashes the rest.
 */
import { join } from 'node:path'
import { BLOBS_DIR, hashFile } from '../outFiles/blobStore'
import { dirents, SHA256_RE, SHARD_RE, TEMPORARY_FILE_RE } from '../stores/layout'
import { readEntryInfo } from './entryInfo'
import type { FunctionDir, TemporaryFile } from './layoutScan'
import { scanFunctions, statFile } from './layoutScan'
import { removeFile } from './remove'

/**
 * A writer stores a blob before the entry naming it, so a young unreferenced blob may be about to be used:
 * only blobs older than this are orphans.
 */
export const ORPHAN_AGE_MS = 3_600_000

export interface Blob {
  path: string
  sha256: string
  size: number
  mtimeMs: number
}

/** Blobs and blob temporary files of the cache. */
export function listBlobs(root: string): { blobs: Blob[]; temporary: TemporaryFile[] } {
  const dir = join(root, BLOBS_DIR)
  const blobs: Blob[] = []
  const temporary: TemporaryFile[] = []
  for (const child of dirents(dir)) {
    if (child.isFile() && TEMPORARY_FILE_RE.test(child.name)) temporary.push({ path: join(dir, child.name) })
    // Only shard folders hold blobs (the rule of stores/layout.ts): any other folder is a user's, left alone.
    if (!child.isDirectory() || !SHARD_RE.test(child.name)) continue
    for (const file of dirents(join(dir, child.name))) {
      const path = join(dir, child.name, file.name)
      if (!file.isFile()) continue
      if (TEMPORARY_FILE_RE.test(file.name)) temporary.push({ path })
      else if (SHA256_RE.test(file.name)) {
        const stats = statFile(path)
        if (stats) blobs.push({ path, sha256: file.name, size: stats.size, mtimeMs: stats.mtimeMs })
      }
    }
  }
  return { blobs, temporary }
}

/** Blob names the entries of `functions` need, leaving out the entries in `excluded` (about to be deleted). */
function referencedBlobs(functions: FunctionDir[], excluded: ReadonlySet<string> = new Set()): Set<string> {
  const referenced = new Set<string>()
  for (const entry of scanFunctions(functions).entries) {
    if (excluded.has(entry.path)) continue
    try {
      for (const name of readEntryInfo(entry.path, false).blobs) referenced.add(name)
    } catch {
      // A corrupt entry restores nothing.
    }
  }
  return referenced
}

/**
 * Removes (or with `dryRun`, lists) blobs no remaining entry needs and older than ORPHAN_AGE_MS. Reads every
 * remaining entry's header, so it runs only when the cache has blobs at all.
 */
export function sweepOrphanBlobs(root: string, functions: FunctionDir[], deleted: ReadonlySet<string>, dryRun: boolean): { removed: string[]; bytes: number } {
  const { blobs } = listBlobs(root)
  if (blobs.length === 0) return { removed: [], bytes: 0 }
  const referenced = referencedBlobs(functions, deleted)
  const now = Date.now()
  const orphans = blobs.filter((blob) => !referenced.has(blob.sha256) && now - blob.mtimeMs > ORPHAN_AGE_MS)
  if (!dryRun) for (const blob of orphans) removeFile(root, blob.path)
  return { removed: orphans.map((blob) => blob.path), bytes: orphans.reduce((sum, blob) => sum + blob.size, 0) }
}

/** Whether a blob's bytes still hash to its name (a blob that cannot be opened, gone meanwhile, is not judged). */
export function blobIntact(blob: Blob): boolean {
  try {
    return hashFile(blob.path).sha256 === blob.sha256
  } catch (error) {
    if ((error as NodeJS.ErrnoException).syscall === 'open') return true
    throw error
  }
}
