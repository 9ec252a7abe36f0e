/**
 * Whether the process that left a file of persist's may still be using it: lock files (lock.ts), a restore's
 * temporary file (outFiles/restoreTemp.ts) and a fold's claims (stores/statsFold.ts) all judge it the same way,
 * here. A pid means something only on the host that wrote it: a process on another host (a network directory) or
 * in another container (a shared mount) is invisible to `kill(pid, 0)`, so only age can tell it is gone.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'

/** This host's name, as lock files record it. */
export const thisHost = hostname()

/** A short tag of this host for file names (8 hex), so a name can say which host its pid belongs to. */
export const thisHostTag = createHash('sha256').update(thisHost).digest('hex').slice(0, 8)

/**
 * A file of persist's untouched this long is a leftover whoever wrote it: no restore copy, fold or write takes
 * more than a second, and a process on another host cannot be asked.
 */
export const LEFTOVER_AGE_MS = 3_600_000

/** Whether process `pid` of this host still runs (EPERM: it does, as another user's). A zombie (killed, not yet reaped) does not. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (process.platform !== 'linux') return true
  try {
    // /proc/<pid>/stat is "pid (name) S …": the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat[stat.lastIndexOf(')') + 2] !== 'Z'
  } catch {
    return true
  }
}
