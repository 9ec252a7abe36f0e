import fs from 'node:fs'
import type { FileStamp } from './diskCache'
import { sha256Bytes } from './hash'
import { observedLongAfter } from './racy'

/**
 * Whether a file whose stat is `stat` still has the content hash recorded in `stamp`: same size, times and
 * inode, and the content was read long enough after the last modification that no same-tick write was missed.
 */
export function isStampTrusted(stamp: FileStamp, stat: fs.Stats): boolean {
  return (
    stamp.size === stat.size &&
    stamp.mtimeMs === stat.mtimeMs &&
    stamp.ctimeMs === stat.ctimeMs &&
    stamp.ino === stat.ino &&
    observedLongAfter(stat.mtimeMs, stamp.readAt)
  )
}

/** The stamp of content just read; `readAt` must be taken before the read. */
export function stampOf(stat: fs.Stats, contentHash: string, readAt: number): FileStamp {
  return { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, contentHash, readAt }
}

/** A file that exists (or may) but cannot be read: hashing it as missing would hide its changes. */
export class UnreadableFileError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    cause: unknown,
  ) {
    super(`persist: cannot read ${file} (${code}: ${(cause as Error).message}); it is an input of a persisted function's hash`, { cause })
    this.name = 'UnreadableFileError'
  }
}

/** Only these mean "no such file"; any other error means the file's content is unknown. */
const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR'])

/**
 * Runs a file-system call on `file`: undefined when the file does not exist; when it cannot be read, what
 * `onUnreadable` returns, by default an {@link UnreadableFileError}.
 */
export function unlessMissing<T>(file: string, read: () => T, onUnreadable?: () => T | undefined): T | undefined {
  try {
    return read()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    if (MISSING_CODES.has(code)) return undefined
    if (onUnreadable) return onUnreadable()
    throw new UnreadableFileError(file, code, error)
  }
}

/** The stat of `file`, undefined when it does not exist; throws {@link UnreadableFileError} when it cannot be stat-ed. */
export function statIfExists(file: string): fs.Stats | undefined {
  return unlessMissing(file, () => fs.statSync(file))
}

/** Reads a file and stamps its content hash; undefined when it does not exist, {@link UnreadableFileError} when it cannot be read. */
export function readStamped(file: string, stat?: fs.Stats): { bytes: Buffer; hash: string; stamp: FileStamp } | undefined {
  const readAt = Date.now()
  const read = unlessMissing(file, () => {
    const fileStat = stat ?? fs.statSync(file)
    return { fileStat, bytes: fs.readFileSync(file) }
  })
  if (!read) return undefined
  const hash = sha256Bytes(read.bytes)
  return { bytes: read.bytes, hash, stamp: stampOf(read.fileStat, hash, readAt) }
}
