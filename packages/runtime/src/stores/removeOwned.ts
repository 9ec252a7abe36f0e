/**
 * Deleting what persist recognises as its own, and nothing else: inside a function directory only version
 * directories, their `~<scope>` buckets, shard directories, `.stats`, and in those only files named as persist names
 * them (entries, locks, temporary files, counts; see ownedDir.ts). A folder or file a user put there, even one named
 * like a function, stays where it is, with the directories that hold it. Symlinks are never followed or removed.
 *
 * Entries are removed one file at a time, each with one unlink, so a reader sees an entry or a miss, never part
 * of one; a writer adding an entry meanwhile keeps its directory (it is not empty) and its entry. Nothing here
 * throws: a file already gone, or a directory that filled up again, is simply left.
 */
import { lstatSync, rmdirSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { dirents, SCOPE_PREFIX, SHA256_RE, SHARD_RE, STATS_DIR } from './layout'
import { isShardFileName } from './ownedDir'
import { isStatsFileName } from './statsFiles'

/** What a removal did: entries removed (with their bytes) and the items it left because they are not persist's. */
export interface Removal {
  entries: number
  bytes: number
  /** Paths of items persist did not recognise, left in place. */
  kept: string[]
}

/** How deep in the layout the directory to remove is: a function's, one version's, or one scope bucket's. */
export type OwnedLevel = 'function' | 'version' | 'bucket'

function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory()
  } catch {
    return false
  }
}

function removeDirIfEmpty(dir: string): void {
  try {
    rmdirSync(dir)
  } catch {
    // Not empty (a user's file, a writer's new entry) or already gone: it stays.
  }
}

function removeFiles(dir: string, isOwnName: (name: string) => boolean, removal: Removal): void {
  for (const child of dirents(dir)) {
    const path = join(dir, child.name)
    if (!child.isFile() || !isOwnName(child.name)) {
      removal.kept.push(path)
      continue
    }
    const isEntry = SHA256_RE.test(child.name)
    try {
      const size = isEntry ? statSync(path).size : 0
      unlinkSync(path)
      if (isEntry) {
        removal.entries++
        removal.bytes += size
      }
    } catch {
      // Gone meanwhile (another clear, a writer replacing it): nothing to remove.
    }
  }
  removeDirIfEmpty(dir)
}

function removeBucket(dir: string, isVersion: boolean, removal: Removal): void {
  for (const child of dirents(dir)) {
    const path = join(dir, child.name)
    if (child.isDirectory() && SHARD_RE.test(child.name)) removeFiles(path, isShardFileName, removal)
    else if (isVersion && child.isDirectory() && child.name === STATS_DIR) removeFiles(path, isStatsFileName, removal)
    else if (isVersion && child.isDirectory() && child.name.startsWith(SCOPE_PREFIX)) removeBucket(path, false, removal)
    else removal.kept.push(path)
  }
  removeDirIfEmpty(dir)
}

function removeFunction(dir: string, removal: Removal): void {
  for (const child of dirents(dir)) {
    const path = join(dir, child.name)
    if (child.isDirectory()) removeBucket(path, true, removal)
    else removal.kept.push(path)
  }
  removeDirIfEmpty(dir)
}

/**
 * Removes the persist files under `dir` (a function, version or scope-bucket directory) and the directories they
 * leave empty; everything else stays. A `dir` that is missing, a symlink or a file is left alone.
 */
export function removeOwned(dir: string, level: OwnedLevel): Removal {
  const removal: Removal = { entries: 0, bytes: 0, kept: [] }
  if (!isRealDir(dir)) {
    try {
      lstatSync(dir)
      removal.kept.push(dir)
    } catch {
      // Missing: nothing to remove.
    }
    return removal
  }
  if (level === 'function') removeFunction(dir, removal)
  else removeBucket(dir, level === 'version', removal)
  return removal
}

/** Adds `more` to `total` (for removals of several directories). */
export function addRemoval(total: Removal, more: Removal): Removal {
  total.entries += more.entries
  total.bytes += more.bytes
  for (const path of more.kept) total.kept.push(path)
  return total
}
