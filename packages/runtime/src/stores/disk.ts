/**
 * The on-disk tier. Writes go to a unique temporary file in the entry's directory and are renamed into place,
 * so a reader sees the old entry, the new one, or none; reads verify the checksum and treat anything wrong as
 * a miss (with one warning), which the next write overwrites. A directory that cannot be written never breaks
 * the program: the result is returned, a warning is printed once, later writes to that directory are skipped.
 */
import { randomBytes } from 'node:crypto'
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  read,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { promisify } from 'node:util'
import { warnOnce } from '../warn'
import {
  CorruptEntryError,
  decodeParts,
  encodeEntry,
  type EncodedEntry,
  ENTRY_HEADER_BYTES,
  entryChecksum,
  payloadPieces,
  readHeader,
  type EntryHeader,
  OtherKeyFormatError,
  type ValueFormat,
} from '../value/entryFile'
import { bucketDir, functionDir, scanVersion, SCOPE_PREFIX, toSegment } from './layout'
import { UseRecorder } from './lastUse'
import { holdsOnlyPersistFiles } from './ownedDir'
import type { EntryKey, Store, StoredEntry } from './store'

export interface DiskStoreOptions {
  dir: string
  id: string
  hash: string
  /** The function's `version` option: entries live in `<hash>@v<version>` (stores/layout.ts). @default none */
  version?: string | number
  format: ValueFormat
  /** Read large entries without blocking the event loop (for async functions). @default false */
  async?: boolean
  /** Set an entry's modification time on its first hit in this process (its last use, for `persist gc`). @default true */
  recordUse?: boolean
}

/** The first line of every CACHEDIR.TAG (https://bford.info/cachedir/); the CLI checks it. */
export const CACHE_TAG_SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55'

const CACHEDIR_TAG =
  `${CACHE_TAG_SIGNATURE}\n` +
  '# This file is a cache directory tag created by persist (@persist/runtime).\n' +
  '# For information about cache directory tags see https://bford.info/cachedir/\n'

/** Name of the tag that marks a directory as persist's own (the CLI deletes only inside such directories). */
export const CACHE_TAG_NAME = 'CACHEDIR.TAG'

const readyRoots = new Set<string>()
const unwritableRoots = new Set<string>()

/** Creates the cache root and tags it as persist's, once per process. */
export function ensureRoot(root: string): void {
  if (readyRoots.has(root)) return
  const existing = listDir(root)
  mkdirSync(root, { recursive: true })
  // A directory that already holds other things is not claimed: tools that honour the tag would skip it,
  // and `persist clear` must never treat a user's directory as its own. What the plugin writes before the
  // program first runs (manifest.json, analysis/) does not count.
  if (existing.length === 0 || existing.includes(CACHE_TAG_NAME) || holdsOnlyPersistFiles(root)) {
    try {
      writeFileSync(join(root, CACHE_TAG_NAME), CACHEDIR_TAG, { flag: 'wx' })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  readyRoots.add(root)
}

const realDirs = new Set<string>()

/** Writes the entry to a unique temporary file next to `path`, then renames it into place. */
function writeAtomically(root: string, path: string, digest: string, encoded: EncodedEntry): void {
  const dir = dirname(path)
  const tmp = join(dir, `.${digest.slice(0, 16)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    ensureRoot(root)
    makeRealDirs(root, dir)
    const fd = openSync(tmp, 'wx')
    try {
      for (const part of encoded.parts) {
        let offset = 0
        while (offset < part.byteLength) offset += writeSync(fd, part, offset, part.byteLength - offset)
      }
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (error) {
    try {
      unlinkSync(tmp)
    } catch {
      // The temporary file was never created.
    }
    throw error
  }
}

/** Forgets that directories under `root` exist, after they may have been deleted. */
function forgetDirs(root: string): void {
  readyRoots.delete(root)
  for (const dir of realDirs) if (dir.startsWith(root)) realDirs.delete(dir)
}

/** Thrown when a directory inside the cache is a symlink (or not a directory): persist never writes through one. */
class PlantedPathError extends Error {
  readonly code = 'ESYMLINK'
}

/**
 * Creates `dir` under `root` one level at a time, refusing any level that is a symlink or not a directory, so a
 * link planted inside the cache cannot redirect writes outside it. Verified directories are remembered.
 */
function makeRealDirs(root: string, dir: string): void {
  if (realDirs.has(dir)) return
  const parts = relative(root, dir).split(sep)
  let current = root
  for (const part of parts) {
    current = join(current, part)
    if (realDirs.has(current)) continue
    try {
      mkdirSync(current)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (!lstatSync(current).isDirectory()) throw new PlantedPathError(`${current} is a symlink or not a directory`)
    realDirs.add(current)
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error)
}

/**
 * The real reason a directory could not be made: a recursive mkdir reports ENOENT on a read-only file system,
 * so ask the nearest existing ancestor whether it can be written.
 */
function diagnose(root: string, error: unknown): string {
  const code = errorCode(error)
  // mkdir of a path that is a file says EEXIST, which reads as if all were well.
  if (code === 'EEXIST' && existsSync(root) && !statSync(root).isDirectory()) return 'ENOTDIR'
  if (code !== 'ENOENT') return code
  let dir = root
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir)
  try {
    if (!statSync(dir).isDirectory()) return 'ENOTDIR'
    accessSync(dir, constants.W_OK)
  } catch (accessError) {
    return errorCode(accessError)
  }
  return code
}

/** Tells the user, once per directory, that results are computed but not saved, and how to fix it. */
export function warnUnwritable(root: string, error: unknown): void {
  const code = diagnose(root, error)
  if (error instanceof PlantedPathError) {
    warnOnce(`not writing into the cache directory ${root}: ${error.message}. Remove it; persist never writes through links.`, `planted:${root}`)
    return
  }
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'free some disk space, or point PERSIST_DIR (or configure({ dir })) to another disk'
      : 'point PERSIST_DIR (or configure({ dir })) to a writable directory'
  const reason = code === 'ENOTDIR' ? 'ENOTDIR: it or a parent is a file, not a directory' : code
  warnOnce(
    `cannot write to the cache directory ${root} (${reason}): results are computed but not saved. Fix: ${fix}.`,
    `unwritable:${root}`,
  )
}

export class DiskStore implements Store {
  readonly root: string
  readonly id: string
  readonly hash: string
  readonly version: string | number | undefined
  readonly format: ValueFormat
  readonly async: boolean

  constructor(options: DiskStoreOptions) {
    this.root = options.dir
    this.id = options.id
    this.hash = options.hash
    this.version = options.version
    this.format = options.format
    this.async = options.async ?? false
    this.uses = options.recordUse === false ? undefined : new UseRecorder()
  }

  private readonly uses: UseRecorder | undefined

  /** The directory of this function's current version (its unscoped bucket). */
  get versionDir(): string {
    return bucketDir(this.root, this.id, this.hash, '', this.version)
  }

  /** Bucket directory per scope, so a hit builds its path with one concatenation. */
  private readonly buckets = new Map<string, string>()

  pathOf(key: EntryKey): string {
    let bucket = this.buckets.get(key.scope)
    if (bucket === undefined) {
      bucket = bucketDir(this.root, this.id, this.hash, key.scope, this.version)
      if (this.buckets.size < 1000) this.buckets.set(key.scope, bucket)
    }
    const digest = key.digest
    return `${bucket}${sep}${digest.slice(0, 2)}${sep}${digest}`
  }

  get(key: EntryKey): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    const path = this.pathOf(key)
    const found = this.readFile(path, false)
    if (found === undefined || this.uses === undefined) return found
    if (!(found instanceof Promise)) {
      this.uses.note(key.digest, path)
      return found
    }
    return found.then((entry) => {
      if (entry !== undefined) this.uses!.note(key.digest, path)
      return entry
    })
  }

  /** Makes the directory of `key`'s entry (never through a link), for the lock file that sits next to it. */
  prepareDirOf(key: EntryKey): void {
    if (unwritableRoots.has(this.root)) throw new Error(`${this.root} cannot be written`)
    ensureRoot(this.root)
    makeRealDirs(this.root, dirname(this.pathOf(key)))
  }

  private readFile(path: string, withArgs: boolean): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch {
      return undefined
    }
    let closeNow = true
    try {
      const small = readSmallEntry(fd, this.format, withArgs)
      if (small !== undefined) return small
      if (!this.async) return readLargeEntry(fd, this.format, withArgs)
      closeNow = false
      return readLargeEntryAsync(fd, this.format, withArgs)
        .catch((error: unknown) => this.readFailed(path, error))
        .finally(() => closeSync(fd))
    } catch (error) {
      return this.readFailed(path, error)
    } finally {
      if (closeNow) closeSync(fd)
    }
  }

  private readFailed(path: string, error: unknown): undefined {
    // Written under another key format: intact, but never this runtime's to serve or list (no warning per file).
    if (error instanceof OtherKeyFormatError) return undefined
    if (!(error instanceof CorruptEntryError) && (error as NodeJS.ErrnoException).code) return undefined
    const reason = error instanceof CorruptEntryError ? error.message : `cannot be decoded: ${(error as Error).message}`
    warnOnce(`ignoring the cache entry ${path}: ${reason}. It will be recomputed and overwritten.`, `corrupt:${path}`)
    return undefined
  }

  /**
   * Encodes and writes an entry, setting `entry.bytes`. Throws only UnfaithfulValueError (or the user's
   * `serialize` error), before touching the disk; file system errors become one warning.
   */
  set(key: EntryKey, entry: StoredEntry): void {
    const meta = {
      createdAt: entry.createdAt,
      durationMs: entry.durationMs,
      ...(key.scope ? { scope: key.scope } : {}),
      ...(entry.outFiles ? { outFiles: entry.outFiles } : {}),
    }
    const encoded = encodeEntry(entry.value, meta, entry.args, this.format)
    entry.bytes = encoded.bytes
    if (unwritableRoots.has(this.root)) return
    const path = this.pathOf(key)
    for (let attempt = 1; ; attempt++) {
      try {
        return writeAtomically(this.root, path, key.digest, encoded)
      } catch (error) {
        // Directories this process made may have been removed since (`persist clear`, `clear()`): make them again.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt === 1) {
          forgetDirs(this.root)
          continue
        }
        unwritableRoots.add(this.root)
        return warnUnwritable(this.root, error)
      }
    }
  }

  delete(key: EntryKey): boolean {
    try {
      unlinkSync(this.pathOf(key))
      return true
    } catch {
      return false
    }
  }

  clear(scope?: string): void {
    const fnDir = functionDir(this.root, this.id)
    forgetDirs(this.root)
    if (scope === undefined) return rmSync(fnDir, { recursive: true, force: true })
    for (const hashDir of listDir(fnDir)) {
      rmSync(join(fnDir, hashDir, SCOPE_PREFIX + toSegment(scope)), { recursive: true, force: true })
    }
  }

  /** Entries of the current version (source hash and `version` option): all scopes, or one. */
  async *entries(scope?: string): AsyncIterable<StoredEntry> {
    // The same walk as the CLI's, so both agree on what an entry is.
    for (const { path } of scanVersion(this.versionDir, scope === undefined || scope === '' ? scope : toSegment(scope)).entries) {
      const entry = await this.readFile(path, true)
      if (entry) yield entry
    }
  }
}

/** Small entries are read into this reusable buffer with one read call: no stat, no allocation. */
const scratch = Buffer.allocUnsafeSlow(64 * 1024)

/**
 * Reads a small entry (one read call into `scratch`); `undefined` when the entry is larger than `scratch`.
 * Synchronous even for async functions: ~12 µs for a small file against ~165 µs with fs.promises here.
 */
function readSmallEntry(fd: number, format: ValueFormat, withArgs: boolean): StoredEntry | undefined {
  const read = readSync(fd, scratch, 0, scratch.length, 0)
  if (read === scratch.length) return undefined
  // Decoding copies everything out of `scratch` before any user code (a custom deserialize) can run.
  const bytes = scratch.subarray(0, read)
  const header = readHeader(bytes, read)
  return decodeParts(header, bytes, bytes.subarray(ENTRY_HEADER_BYTES, header.payloadStart), bytes.subarray(header.payloadStart), format, withArgs, true)
}

/** Reads a large entry; each large binary value goes into a buffer of its own, so it needs no copy. */
function readLargeEntry(fd: number, format: ValueFormat, withArgs: boolean): StoredEntry {
  const { header, headerBytes, middle } = readEntryHead(fd)
  let position = header.payloadStart
  const pieces = payloadPieces(header, middle).map((length) => {
    const piece = readExactly(fd, Buffer.allocUnsafeSlow(length), position)
    position += length
    return piece
  })
  return decodeParts(header, headerBytes, middle, pieces, format, withArgs, false)
}

/** An entry's header and the metadata and arguments after it, without the payload. Throws CorruptEntryError. */
export function readEntryHead(fd: number): { header: EntryHeader; headerBytes: Buffer; middle: Buffer } {
  const size = fstatSync(fd).size
  const headerBytes = readExactly(fd, Buffer.allocUnsafe(ENTRY_HEADER_BYTES), 0)
  const header = readHeader(headerBytes, size)
  const middle = readExactly(fd, Buffer.allocUnsafe(header.payloadStart - ENTRY_HEADER_BYTES), ENTRY_HEADER_BYTES)
  return { header, headerBytes, middle }
}

const VERIFY_CHUNK = 4 * 1024 * 1024

/**
 * An entry's header, metadata and arguments, after checking the checksum over the whole file (the payload is read
 * in chunks and dropped): for readers that trust the metadata without decoding the value (the CLI). Throws
 * CorruptEntryError when anything is wrong.
 */
export function verifyEntryFile(fd: number): { header: EntryHeader; middle: Buffer } {
  const { header, headerBytes, middle } = readEntryHead(fd)
  const checksum = entryChecksum(header, headerBytes)
  checksum.update(middle)
  const end = header.payloadStart + header.payloadLength
  const chunk = Buffer.allocUnsafe(Math.min(VERIFY_CHUNK, Math.max(header.payloadLength, 1)))
  for (let position = header.payloadStart; position < end; ) {
    const length = Math.min(chunk.length, end - position)
    checksum.update(readExactly(fd, chunk.subarray(0, length), position))
    position += length
  }
  if (!checksum.digest().equals(header.checksum)) throw new CorruptEntryError('checksum mismatch')
  return { header, middle }
}

const readAsync = promisify(read)
const ASYNC_CHUNK = 64 * 1024 * 1024

/** `readLargeEntry` without blocking the event loop while the payload is read. */
async function readLargeEntryAsync(fd: number, format: ValueFormat, withArgs: boolean): Promise<StoredEntry> {
  const { header, headerBytes, middle } = readEntryHead(fd)
  let position = header.payloadStart
  const pieces: Buffer[] = []
  for (const length of payloadPieces(header, middle)) {
    const piece = Buffer.allocUnsafeSlow(length)
    let offset = 0
    while (offset < length) {
      const { bytesRead } = await readAsync(fd, piece, offset, Math.min(length - offset, ASYNC_CHUNK), position + offset)
      if (bytesRead === 0) throw new CorruptEntryError('truncated while reading')
      offset += bytesRead
    }
    position += length
    pieces.push(piece)
  }
  return decodeParts(header, headerBytes, middle, pieces, format, withArgs, false)
}

function readExactly(fd: number, buffer: Buffer, position: number): Buffer {
  let offset = 0
  while (offset < buffer.length) {
    const read = readSync(fd, buffer, offset, buffer.length - offset, position + offset)
    if (read === 0) throw new CorruptEntryError('truncated while reading')
    offset += read
  }
  return buffer
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** Forgets which directories were found unwritable (tests; a user who fixed the directory). */
export function resetDiskState(): void {
  readyRoots.clear()
  realDirs.clear()
  unwritableRoots.clear()
}
