/**
 * Where disk writes gave up in this process, and the one warning each give-up prints. A failure is remembered for
 * what actually failed: the cache root when the root itself cannot take writes (a user's directory, read-only,
 * full, a file), one function's directory when only that failed (a planted link, a directory made read-only).
 * Transient errors (too many open files) are not remembered: the next write tries again. Either way the result is
 * computed and returned, and a remembered failure costs no further syscall.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { warnOnce } from '../warn'
import { FOREIGN_ROOT_FIX, ForeignRootError } from './ownership'

/** Thrown when a directory inside the cache is a symlink (or not a directory): persist never writes through one. */
export class PlantedPathError extends Error {
  readonly code = 'ESYMLINK'
}

/** Errors that say "not now" rather than "never": the process is short of descriptors or the file is busy. */
const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR'])

/** Errors about the whole file system (or the user's quota): every directory under the root fails alike. */
const ROOT_WIDE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS'])

const gaveUp = new Set<string>()

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error)
}

/** Whether writes under `root`, or under the function directory `fnDir`, were given up in this process. */
export function writesGaveUp(root: string, fnDir: string): boolean {
  return gaveUp.size > 0 && (gaveUp.has(root) || gaveUp.has(fnDir))
}

function isWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Records a failed write and warns once. `phase`: 'root' when making the cache root persist's failed, 'function'
 * when writing below it did. Gives up on the root, on `fnDir` alone, or (transient errors) on nothing.
 */
export function writeFailed(root: string, fnDir: string, error: unknown, phase: 'root' | 'function'): void {
  const code = errorCode(error)
  // Below the root, directories are made one level at a time: ENOENT means one was removed meanwhile (`persist
  // clear`, `clear()` in another process). The entry is lost as if written just before the removal; the next
  // write makes the directories again.
  if (phase === 'function' && code === 'ENOENT') return
  if (TRANSIENT_CODES.has(code)) {
    warnOnce(
      `could not write to the cache directory ${root} (${code}): this result is computed but not saved; later calls try again. ` +
        'Fix: raise the open-file limit (ulimit -n) or open fewer files at once.',
      `transient:${root}`,
    )
    return
  }
  const wholeRoot = phase === 'root' || error instanceof ForeignRootError || ROOT_WIDE_CODES.has(code) || !isWritable(root)
  const scope = wholeRoot && !(error instanceof PlantedPathError) ? root : fnDir
  gaveUp.add(scope)
  warnUnwritable(scope, error)
}

/**
 * The real reason a directory could not be made: a recursive mkdir reports ENOENT on a read-only file system,
 * so ask the nearest existing ancestor whether it can be written.
 */
function diagnose(dir: string, error: unknown): string {
  const code = errorCode(error)
  // mkdir of a path that is a file says EEXIST, which reads as if all were well.
  if (code === 'EEXIST' && existsSync(dir) && !statSync(dir).isDirectory()) return 'ENOTDIR'
  if (code !== 'ENOENT') return code
  let existing = dir
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
  try {
    if (!statSync(existing).isDirectory()) return 'ENOTDIR'
    accessSync(existing, constants.W_OK)
  } catch (accessError) {
    return errorCode(accessError)
  }
  return code
}

/** Tells the user, once per directory, that results are computed but not saved, and how to fix it. */
export function warnUnwritable(dir: string, error: unknown): void {
  if (error instanceof ForeignRootError) {
    warnForeignRoot(error)
    return
  }
  if (error instanceof PlantedPathError) {
    warnOnce(`not writing into the cache directory ${dir}: ${error.message}. Remove it; persist never writes through links.`, `planted:${dir}`)
    return
  }
  const code = diagnose(dir, error)
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'free some disk space, or point PERSIST_DIR (or configure({ dir })) to another disk'
      : 'point PERSIST_DIR (or configure({ dir })) to a writable directory'
  const reason = code === 'ENOTDIR' ? 'ENOTDIR: it or a parent is a file, not a directory' : code
  warnOnce(`cannot write to the cache directory ${dir} (${reason}): results are computed but not saved. Fix: ${fix}.`, `unwritable:${dir}`)
}

/** The warning for a cache root that is not persist's: nothing is written or deleted there. */
export function warnForeignRoot(error: ForeignRootError): void {
  warnOnce(
    `not using ${error.root} as a cache: ${error.message}. Results are computed but not saved, and nothing there is written or deleted. Fix: ${FOREIGN_ROOT_FIX}.`,
    `foreign:${error.root}`,
  )
}

/** Forgets every give-up (tests; a user who fixed the directory). */
export function resetWriteFailures(): void {
  gaveUp.clear()
}
