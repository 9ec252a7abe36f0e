/**
 * The temporary file a restore copies an out-file into before renaming it over the user's path. It lives in the
 * destination's directory (a rename is atomic only within one file system), so its name must be short whatever
 * the basename (NAME_MAX is 255 bytes) and unmistakably persist's: a crash between copy and rename leaves it in
 * the user's folder, and the next restore into that folder removes it.
 */
import { randomBytes } from 'node:crypto'
import { lstatSync, readdirSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { isRunning, LEFTOVER_AGE_MS } from '../liveness'

/** `.persist-<pid>-<8 hex>.tmp`: hidden, at most ~30 bytes, and naming the process that may still be using it. */
const RESTORE_TEMP_RE = /^\.persist-(\d+)-[0-9a-f]{8}\.tmp$/

/**
 * A file whose pid is not running here is left alone this long: the pid may be another host's (a network folder)
 * or another container's (a shared mount), whose restore is copying into it right now (a copy touches it).
 */
const GONE_OWNER_GRACE_MS = 60_000

/** Folders swept by this process; forgotten past this many, so a process writing into countless folders stays small. */
const MAX_SWEPT = 10_000
const swept = new Set<string>()

/** A fresh temporary path in `dir` for one restore. */
export function restoreTempIn(dir: string): string {
  return join(dir, `.persist-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
}

/**
 * Removes what crashed restores left in `dir`: regular files named like `restoreTempIn`'s untouched for an hour, or
 * for a minute when their pid is not running on this host. A running restore's file is left alone (wherever it
 * runs); nothing else is ever touched. Once per directory per process, so a hit does not list a large output
 * folder every time. Never throws.
 */
export function sweepStrayRestoreTemps(dir: string): void {
  if (swept.has(dir)) return
  if (swept.size >= MAX_SWEPT) swept.clear()
  swept.add(dir)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const match = RESTORE_TEMP_RE.exec(name)
    if (match === null) continue
    const path = join(dir, name)
    try {
      const stats = lstatSync(path)
      const age = Date.now() - stats.mtimeMs
      const stray = age > LEFTOVER_AGE_MS || (age > GONE_OWNER_GRACE_MS && !isRunning(Number(match[1])))
      if (stats.isFile() && stray) unlinkSync(path)
    } catch {
      // Gone meanwhile, or not ours to remove after all: a leftover costs space, never a value.
    }
  }
}
