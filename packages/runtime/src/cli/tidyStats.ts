/**
 * The recorded hits and misses (`<version>/.stats`, stores/diskStats.ts) after a command that changes entries:
 * each version's files are folded into one, and a version left without entries loses its counts, then its empty
 * directories, so that nothing in the cache outlives its entries (prune and clear remove whole versions anyway).
 */
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { dirents, isTemporaryName, STATS_DIR } from '../stores/layout'
import { listStats } from '../stores/statsFiles'
import { foldStats } from '../stores/statsFold'
import { type FunctionDir, scanVersion } from './layoutScan'
import { removeEmptyDirs, removeFile } from './remove'

/** Whether `path` is a directory itself, not a link to one: persist never renames or deletes through links. */
function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory()
  } catch {
    return false
  }
}

/** Removes the files persist writes in a `.stats` directory (nothing else), then the directories left empty. */
function removeStats(root: string, versionDir: string): void {
  const statsDir = join(versionDir, STATS_DIR)
  const listing = listStats(statsDir)
  if (listing === undefined) return
  for (const name of [...listing.counts, ...listing.claims.map((claim) => claim.name), ...listing.temporary]) removeFile(root, join(statsDir, name))
  removeEmptyDirs(root, statsDir)
}

/** Folds or removes the recorded counts of every version of `functions` (versions are listed anew: the command changed them). */
export function tidyStats(root: string, functions: readonly FunctionDir[]): void {
  for (const fn of functions) {
    for (const version of dirents(fn.path)) {
      if (!version.isDirectory() || isTemporaryName(version.name)) continue
      const versionDir = join(fn.path, version.name)
      if (!isRealDir(join(versionDir, STATS_DIR))) continue
      if (scanVersion(fn, version.name).entries.length > 0) foldStats(versionDir, 2)
      else removeStats(root, versionDir)
    }
  }
}
