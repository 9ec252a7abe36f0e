/**
 * Reading an entry's header, metadata and arguments without its payload (for listings), and re-checking an
 * entry's checksum in chunks (for `verify`), on top of the entry format of `value/entryFile.ts`.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { deserialize } from 'node:v8'
import { readEntryHead } from '../stores/disk'
import { CorruptEntryError, ENTRY_HEADER_BYTES, entryChecksum, parseEntryMeta, readHeader } from '../value/entryFile'

/** What a listing shows of an entry. */
export interface EntryInfo {
  createdAt: number
  durationMs: number
  bytes: number
  scope: string | undefined
  /** The call's values after defaults, when the entry kept them (small, encodable arguments). */
  args: unknown[] | undefined
  /** sha256 names of the out-file blobs the entry needs (the `outFiles` option). */
  blobs: string[]
}

const SHA256_RE = /^[0-9a-f]{64}$/

function blobNames(records: unknown): string[] {
  if (!Array.isArray(records)) return []
  return records.map((record) => (record as { sha256?: unknown })?.sha256).filter((name): name is string => typeof name === 'string' && SHA256_RE.test(name))
}

/** Header, metadata and arguments of an entry file. Throws CorruptEntryError when they are malformed. */
export function readEntryInfo(path: string, withArgs: boolean): EntryInfo {
  const fd = openSync(path, 'r')
  try {
    const { header, middle } = readEntryHead(fd)
    const meta = parseEntryMeta(header, middle)
    let args: unknown[] | undefined
    if (withArgs && header.argsLength > 0) {
      try {
        args = deserialize(middle.subarray(header.metaLength)) as unknown[]
      } catch {
        args = undefined
      }
    }
    return { createdAt: header.createdAt, durationMs: header.durationMs, bytes: header.payloadStart + header.payloadLength, scope: meta.scope, args, blobs: blobNames(meta.outFiles) }
  } finally {
    closeSync(fd)
  }
}

const CHUNK = 4 * 1024 * 1024

/** The outcome of checking one entry file. */
export type EntryCheck =
  | { state: 'ok' }
  /** The bytes are wrong: the runtime would treat the entry as a miss, so it can go. */
  | { state: 'corrupt'; reason: string }
  /** The file could not be read (vanished, permission, I/O error): nothing is known about its bytes. */
  | { state: 'unreadable'; reason: string }

/** Checks the structure and the checksum of an entry file. */
export function checkEntryFile(path: string): EntryCheck {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    return { state: 'unreadable', reason: `cannot be opened (${(error as NodeJS.ErrnoException).code})` }
  }
  try {
    const size = fstatSync(fd).size
    const headerBytes = Buffer.alloc(ENTRY_HEADER_BYTES)
    const read = readSync(fd, headerBytes, 0, ENTRY_HEADER_BYTES, 0)
    const header = readHeader(headerBytes.subarray(0, read), size)
    const checksum = entryChecksum(header, headerBytes)
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size - ENTRY_HEADER_BYTES, 1)))
    for (let position = ENTRY_HEADER_BYTES; position < size; ) {
      const length = readSync(fd, chunk, 0, Math.min(chunk.length, size - position), position)
      if (length === 0) return { state: 'corrupt', reason: 'shorter than its header says' }
      checksum.update(chunk.subarray(0, length))
      position += length
    }
    return checksum.digest().equals(header.checksum) ? { state: 'ok' } : { state: 'corrupt', reason: 'checksum mismatch' }
  } catch (error) {
    if (error instanceof CorruptEntryError) return { state: 'corrupt', reason: error.message }
    return { state: 'unreadable', reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }
  } finally {
    closeSync(fd)
  }
}
