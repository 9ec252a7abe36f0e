/**
 * The recorded hits and misses (`<version>/.stats`, stores/diskStats.ts) after a command that changes entries:
 * each version's files are folded into one, and a version the command left without entries loses its counts,
 * then its empty directories, so that nothing in the cache outlives its entries (prune and clear remove whole
 * versions anyway).
 */
import { join, relative, sep } from 'node:path'
import { areRealDirs, dirents, hasAnyEntry, isTemporaryName, STATS_DIR } from '../stores/layout'
import { listStats } from '../stores/statsFiles'
import { foldStats } from '../stores/statsFold'
import type { FunctionDir } from './layoutScan'
import { removeEmptyDirs, removeFile } from './remove'

/** The version directory (`<root>/<function>/<version>`) an entry file under `root` belongs to. */
function versionDirOf(root: string, entryPath: string): string {
  const [fn = '', version = ''] = relative(root, entryPath).split(sep)
  return join(root, fn, version)
}

/** Removes the files persist writes in a `.stats` directory (nothing else), then the directories left empty. */
function removeStats(root: string, versionDir: string): void {
  const statsDir = join(versionDir, STATS_DIR)
  const listing = listStats(statsDir)
  if (listing === undefined) return
  for (const name of [...listing.counts, ...listing.claims.map((claim) => claim.name), ...listing.temporary]) removeFile(root, join(statsDir, name))
  removeEmptyDirs(root, statsDir)
}

/**
 * Folds the recorded counts of every version of `functions` into one file (versions are listed anew: the command
 * changed them), and removes the counts of each version the command left without entries: `removedEntries` are
 * the entry files it deleted. A version without entries that the command did not empty keeps its counts: a
 * process may be running in it that has stored nothing yet, or none of its results could be stored.
 */
export function tidyStats(root: string, functions: readonly FunctionDir[], removedEntries: Iterable<string>): void {
  const emptied = new Set<string>()
  for (const path of removedEntries) emptied.add(versionDirOf(root, path))
  for (const fn of functions) {
    for (const version of dirents(fn.path)) {
      if (!version.isDirectory() || isTemporaryName(version.name)) continue
      const versionDir = join(fn.path, version.name)
      if (!areRealDirs([join(versionDir, STATS_DIR)])) continue
      if (emptied.has(versionDir) && !hasAnyEntry(versionDir)) removeStats(root, versionDir)
      else foldStats(versionDir, 2)
    }
  }
}
