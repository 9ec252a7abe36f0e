/**
 * The on-disk tier. Writes go to a unique temporary file in the entry's directory and are renamed into place,
 * so a reader sees the old entry, the new one, or none; reads verify the checksum and treat anything wrong as
 * a miss (with one warning), which the next write overwrites. A directory that cannot be written never breaks
 * the program: the result is returned, a warning is printed once, later writes to that directory are skipped.
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  read,
  readSync,
  renameSync,
  unlinkSync,
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
import { bucketDir, dirents, functionDir, scanVersion, SCOPE_PREFIX, toSegment } from './layout'
import { UseRecorder } from './lastUse'
import { cacheRootOwnership, claimCacheRoot, ForeignRootError } from './ownership'
import { removeOwned } from './removeOwned'
import { PlantedPathError, resetWriteFailures, warnForeignRoot, warnUnwritable, writeFailed, writesGaveUp } from './writeFailures'
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

export { CACHE_TAG_NAME, CACHE_TAG_SIGNATURE } from './ownership'
export { warnUnwritable }

const readyRoots = new Set<string>()
/** Roots found to be a user's directory: refused again without walking them on every write. */
const foreignRoots = new Map<string, ForeignRootError>()

/**
 * Makes the cache root persist's (created and tagged: stores/ownership.ts), once per process. Throws
 * ForeignRootError when the root is a user's directory: persist writes nothing there.
 */
export function ensureRoot(root: string): void {
  if (readyRoots.has(root)) return
  const refused = foreignRoots.get(root)
  if (refused) throw refused
  try {
    claimCacheRoot(root)
  } catch (error) {
    if (error instanceof ForeignRootError) foreignRoots.set(root, error)
    throw error
  }
  readyRoots.add(root)
}

const realDirs = new Set<string>()

/** Writes the entry to a unique temporary file next to `path`, then renames it into place. */
function writeAtomically(root: string, path: string, digest: string, encoded: EncodedEntry): void {
  const dir = dirname(path)
  const tmp = join(dir, `.${digest.slice(0, 16)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
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

/** Whether every directory from `root` down to `dir` is a real directory (none a planted link): deletes go only there. */
function isRealPathBelow(root: string, dir: string): boolean {
  let current = root
  for (const part of relative(root, dir).split(sep)) {
    current = join(current, part)
    try {
      if (!lstatSync(current).isDirectory()) return false
    } catch {
      return false
    }
  }
  return true
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

  /** This function's directory: writes that fail only there give up only there (stores/writeFailures.ts). */
  get fnDir(): string {
    return (this.fnDirPath ??= functionDir(this.root, this.id))
  }

  private fnDirPath: string | undefined

  /**
   * Whether writes may go under this function's directory now: its root is persist's (claimed, and tagged, on the
   * first write) and no failure there was final. The first failure warns once; later calls cost no syscall.
   */
  mayWrite(): boolean {
    if (writesGaveUp(this.root, this.fnDir)) return false
    try {
      ensureRoot(this.root)
      return true
    } catch (error) {
      writeFailed(this.root, this.fnDir, error, 'root')
      return false
    }
  }

  /** Makes the directory of `key`'s entry (never through a link), for the lock file that sits next to it. */
  prepareDirOf(key: EntryKey): void {
    if (!this.mayWrite()) throw new Error(`${this.fnDir} cannot be written`)
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
    const path = this.pathOf(key)
    for (let attempt = 1; ; attempt++) {
      if (!this.mayWrite()) return
      try {
        return writeAtomically(this.root, path, key.digest, encoded)
      } catch (error) {
        // Directories this process made may have been removed since (`persist clear`, `clear()`): make them again.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 3) {
          forgetDirs(this.root)
          continue
        }
        return writeFailed(this.root, this.fnDir, error, 'function')
      }
    }
  }

  /**
   * Whether deleting under the root is allowed: it is persist's (stores/ownership.ts). A user's directory is
   * refused with the same single warning as a write; a missing root has nothing to delete.
   */
  private mayDelete(): boolean {
    const ownership = cacheRootOwnership(this.root)
    if (ownership.kind === 'foreign') warnForeignRoot(new ForeignRootError(this.root, ownership.foreignItem))
    return ownership.kind === 'tagged' || ownership.kind === 'untagged'
  }

  delete(key: EntryKey): boolean {
    const path = this.pathOf(key)
    // Only an entry file reached through persist's own directories: never one behind a planted link.
    if (!this.mayDelete() || !isRealPathBelow(this.root, dirname(path))) return false
    try {
      unlinkSync(path)
      return true
    } catch {
      return false
    }
  }

  /** Removes this function's entries (of one scope), leaving whatever persist does not recognise (removeOwned.ts). */
  clear(scope?: string): void {
    forgetDirs(this.root)
    if (!this.mayDelete()) return
    if (scope === undefined) {
      removeOwned(this.fnDir, 'function')
      return
    }
    if (!isRealPathBelow(this.root, this.fnDir)) return
    for (const version of dirents(this.fnDir)) {
      if (version.isDirectory()) removeOwned(join(this.fnDir, version.name, SCOPE_PREFIX + toSegment(scope)), 'bucket')
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

/** Forgets which directories were found unwritable (tests; a user who fixed the directory). */
export function resetDiskState(): void {
  readyRoots.clear()
  foreignRoots.clear()
  realDirs.clear()
  resetWriteFailures()
}
