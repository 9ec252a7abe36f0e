import fs from 'node:fs'
import path from 'node:path'
import { observedLongAfter } from './racy'
import type { Resolution } from './resolver'

/**
 * A finished analysis of one file with everything it was computed from: the content hash of every file it
 * consulted, and the mtimes of the directories whose listings decided how imports resolved (so a new file that
 * would shadow a resolved one is noticed). Valid exactly as long as all of them are unchanged.
 */
export interface MemoEntry<T> {
  key: string
  inputs: Array<[file: string, contentHash: string | null]>
  dirs: Array<[dir: string, mtimeMs: number]>
  recordedAt: number
  result: T
}

/** mtime of a directory, -1 when it does not exist. */
export function statDirMtime(dir: string): number {
  return fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? -1
}

/** The directories whose contents decided a resolution. */
export function resolutionDirs(root: string, fromFile: string, specifier: string, resolution: Resolution): string[] {
  const dirs = [path.dirname(fromFile)]
  const bare = specifier.replace(/\?.*$/s, '')
  if (bare.startsWith('.') || path.isAbsolute(bare)) {
    const target = path.resolve(path.dirname(fromFile), bare)
    // The target itself may be a directory resolved through its index file.
    dirs.push(path.dirname(target), target)
  } else if (!bare.startsWith('node:') && !bare.startsWith('#')) {
    // Installing, removing or relinking a package changes the root node_modules (or its @scope folder).
    const scope = bare.startsWith('@') ? bare.split('/')[0]! : ''
    dirs.push(path.join(root, 'node_modules', scope))
  }
  if (resolution.kind === 'code' || resolution.kind === 'asset') dirs.push(path.dirname(resolution.path))
  if (resolution.kind === 'package') dirs.push(path.dirname(resolution.packageJson))
  return dirs
}

/** Whether directories still have the mtimes recorded at `recordedAt` (and those were not too close to it). */
export function dirsUnchanged(dirs: Array<[string, number]>, recordedAt: number, dirMtime: (dir: string) => number): boolean {
  for (const [dir, mtime] of dirs) {
    if (!observedLongAfter(mtime, recordedAt)) return false
    if (dirMtime(dir) !== mtime) return false
  }
  return true
}

/** Whether every input of a memo entry is as it was, judged by `contentHash` (fresh per pass) and stat. */
export function isMemoValid(
  entry: Pick<MemoEntry<unknown>, 'inputs' | 'dirs' | 'recordedAt'>,
  contentHash: (file: string) => string | undefined,
  dirMtime: (dir: string) => number,
): boolean {
  if (!dirsUnchanged(entry.dirs, entry.recordedAt, dirMtime)) return false
  for (const [file, hash] of entry.inputs) if ((contentHash(file) ?? null) !== hash) return false
  return true
}
