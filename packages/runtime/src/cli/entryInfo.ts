/**
 * Reading an entry's header, metadata and arguments without keeping its payload (for listings, `verify` and the
 * blob sweep), on top of the entry format of `value/entryFile.ts`. The checksum is always checked first: metadata
 * of a damaged entry (its scope, arguments, the blobs it needs) is never shown or acted on.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { deserialize } from 'node:v8'
import { verifyEntryFile } from '../stores/disk'
import { SHA256_RE } from '../stores/layout'
import { CorruptEntryError, ENTRY_HEADER_BYTES, isObsoleteKeyFormat, parseEntryMeta, readHeader } from '../value/entryFile'

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
  /** Written under an older key format: no runtime can hit it again (value/entryFile.ts). */
  obsolete: boolean
}

function blobNames(records: unknown): string[] {
  if (!Array.isArray(records)) return []
  return records.map((record) => (record as { sha256?: unknown })?.sha256).filter((name): name is string => typeof name === 'string' && SHA256_RE.test(name))
}

/** Header, metadata and arguments of a verified entry file. Throws CorruptEntryError when the entry is damaged. */
export function readEntryInfo(path: string, withArgs: boolean): EntryInfo {
  const fd = openSync(path, 'r')
  try {
    const { header, middle } = verifyEntryFile(fd)
    const meta = parseEntryMeta(header, middle)
    let args: unknown[] | undefined
    if (withArgs && header.argsLength > 0) {
      try {
        args = deserialize(middle.subarray(header.metaLength)) as unknown[]
      } catch {
        args = undefined
      }
    }
    return { createdAt: header.createdAt, durationMs: header.durationMs, bytes: header.payloadStart + header.payloadLength, scope: meta.scope, args, blobs: blobNames(meta.outFiles), obsolete: isObsoleteKeyFormat(header) }
  } finally {
    closeSync(fd)
  }
}

/** The outcome of checking one entry file. */
export type EntryCheck =
  /** Intact; `blobs` are the out-file blobs it needs. */
  | { state: 'ok'; blobs: string[] }
  /** Intact but written under an older key format: it can never be hit again, so it can go. */
  | { state: 'obsolete'; reason: string }
  /** The bytes are wrong: the runtime would treat the entry as a miss, so it can go. */
  | { state: 'corrupt'; reason: string }
  /** The file could not be read (vanished, permission, I/O error): nothing is known about its bytes. */
  | { state: 'unreadable'; reason: string }

/** Checks the structure and the checksum of an entry file. */
export function checkEntryFile(path: string): EntryCheck {
  try {
    const info = readEntryInfo(path, false)
    if (info.obsolete) return { state: 'obsolete', reason: 'written under an older key format: no call can hit it again' }
    return { state: 'ok', blobs: info.blobs }
  } catch (error) {
    if (error instanceof CorruptEntryError) return { state: 'corrupt', reason: error.message }
    const code = (error as NodeJS.ErrnoException).code
    if ((error as NodeJS.ErrnoException).syscall === 'open') return { state: 'unreadable', reason: `cannot be opened (${code})` }
    return { state: 'unreadable', reason: `cannot be read (${code ?? (error as Error).message})` }
  }
}

/** Size and last use of an entry file, and whether its header names an older key format. */
export interface EntryFileState {
  size: number
  mtimeMs: number
  obsolete: boolean
}

const headerScratch = Buffer.alloc(ENTRY_HEADER_BYTES)

/**
 * What a listing needs of an entry file, from its 48 header bytes only (the checksum is not checked: too costly for
 * `ls` and `gc` at 100k entries). A header that does not parse is not obsolete: it is corrupt, counted as before,
 * and `persist verify` judges it. Undefined when the file vanished meanwhile.
 */
export function readEntryFileState(path: string): EntryFileState | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return undefined
  }
  try {
    const { size, mtimeMs } = fstatSync(fd)
    let obsolete = false
    try {
      const read = readSync(fd, headerScratch, 0, ENTRY_HEADER_BYTES, 0)
      obsolete = isObsoleteKeyFormat(readHeader(headerScratch.subarray(0, read), size))
    } catch {
      // Unreadable or not an entry header: corrupt, not obsolete.
    }
    return { size, mtimeMs, obsolete }
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}
