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

/** Reads a file and stamps its content hash; undefined when it cannot be read. */
export function readStamped(file: string, stat?: fs.Stats): { bytes: Buffer; hash: string; stamp: FileStamp } | undefined {
  const readAt = Date.now()
  let bytes: Buffer
  try {
    stat ??= fs.statSync(file)
    bytes = fs.readFileSync(file)
  } catch {
    return undefined
  }
  const hash = sha256Bytes(bytes)
  return { bytes, hash, stamp: stampOf(stat, hash, readAt) }
}
