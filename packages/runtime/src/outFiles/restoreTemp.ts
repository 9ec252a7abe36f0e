/**
 * The temporary file a restore copies an out-file into before renaming it over the user's path. It lives in the
 * destination's directory (a rename is atomic only within one file system), so its name must be short whatever
 * the basename (NAME_MAX is 255 bytes) and unmistakably persist's: a crash between copy and rename leaves it in
 * the user's folder, and the next restore into that folder removes it.
 */
import { randomBytes } from 'node:crypto'
import { lstatSync, readdirSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'

/** `.persist-<pid>-<8 hex>.tmp`: hidden, at most ~30 bytes, and naming the process that may still be using it. */
const RESTORE_TEMP_RE = /^\.persist-(\d+)-[0-9a-f]{8}\.tmp$/

/** A temporary file older than this is a leftover even if its pid now belongs to another process (pids are reused). */
const STRAY_AGE_MS = 3_600_000

/** A fresh temporary path in `dir` for one restore. */
export function restoreTempIn(dir: string): string {
  return join(dir, `.persist-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
}

/** Whether process `pid` exists (EPERM: it does, as another user's). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const swept = new Set<string>()

/**
 * Removes what crashed restores left in `dir`: regular files named like `restoreTempIn`'s whose process is gone
 * (or that are older than an hour). A running restore's file is left alone; nothing else is ever touched. Once
 * per directory per process, so a hit does not list a large output folder every time. Never throws.
 */
export function sweepStrayRestoreTemps(dir: string): void {
  if (swept.has(dir)) return
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
      const stray = !isRunning(Number(match[1])) || Date.now() - stats.mtimeMs > STRAY_AGE_MS
      if (stats.isFile() && stray) unlinkSync(path)
    } catch {
      // Gone meanwhile, or not ours to remove after all: a leftover costs space, never a value.
    }
  }
}
