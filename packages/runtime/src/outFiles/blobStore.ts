/**
 * Content-addressed bytes of out-files: `<dir>/.blobs/<2-hex shard>/<sha256>`. One blob per distinct content,
 * whatever function or call wrote it. Blobs are written through a unique temporary file and renamed into place;
 * every restore re-hashes the copy it made, so a damaged blob is caught before it reaches the user's path.
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, constants, copyFileSync, lstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { quietly } from '../quietly'
import { ensureRoot } from '../stores/disk'
import { touchFile } from '../stores/lastUse'
import { BLOBS_DIR } from '../stores/layout'
import { isOwnedCacheRoot } from '../stores/ownership'
import type { OutFileRecord } from './record'
import { restoreTempIn, sweepStrayRestoreTemps } from './restoreTemp'

/** The blob directory's name inside the cache root; the leading dot keeps it out of function listings. */
export { BLOBS_DIR }

/** What a restore found: `restored`, or why the entry cannot be used. */
export type RestoreResult = 'restored' | 'missing' | 'corrupt' | 'unwritable'

const HASH_CHUNK = 1024 * 1024
const chunk = Buffer.allocUnsafeSlow(HASH_CHUNK)

/** sha256 and size of a file's bytes, read in chunks (out-files may be large). */
export function hashFile(path: string): { sha256: string; size: number } {
  const hash = createHash('sha256')
  const fd = openSync(path, 'r')
  let size = 0
  try {
    for (;;) {
      const read = readSync(fd, chunk, 0, HASH_CHUNK, null)
      if (read === 0) break
      hash.update(chunk.subarray(0, read))
      size += read
    }
  } finally {
    closeSync(fd)
  }
  return { sha256: hash.digest('hex'), size }
}

/** Creates `dir` (one level) and refuses it when it is a symlink or not a directory: never write through links. */
function makeRealDir(dir: string): void {
  try {
    mkdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  if (!lstatSync(dir).isDirectory()) {
    throw Object.assign(new Error(`${dir} is a symlink or not a directory`), { code: 'ENOTDIR' })
  }
}

/**
 * Copies `from` to `to` as an independent file: a reflink where the file system can (btrfs, XFS, APFS), a plain
 * copy elsewhere. Never a hard link: a later write through the user's path would then change the cache.
 */
function copyIndependent(from: string, to: string): void {
  copyFileSync(from, to, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL)
}

export class BlobStore {
  readonly dir: string

  constructor(readonly root: string) {
    this.dir = join(root, BLOBS_DIR)
  }

  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256)
  }

  /** Whether the blob of `record` is present with the right size (a cheap check; restore verifies the bytes). */
  has(record: Pick<OutFileRecord, 'sha256' | 'size'>): boolean {
    try {
      return statSync(this.pathOf(record.sha256)).size === record.size
    } catch {
      return false
    }
  }

  /**
   * Stores the bytes of the file at `source`, once per content. The copy is hashed (not the source), so the
   * record always describes the bytes kept. Throws file system errors (the caller warns and skips caching).
   */
  put(source: string): { sha256: string; size: number } {
    ensureRoot(this.root)
    makeRealDir(this.dir)
    const tmp = join(this.dir, `.in.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      copyIndependent(source, tmp)
      const content = hashFile(tmp)
      const final = this.pathOf(content.sha256)
      if (this.has(content)) {
        unlinkSync(tmp)
        // Its last use: `persist gc` must not take a reused blob for an old orphan before the entry naming it is written.
        touchFile(final)
        return content
      }
      makeRealDir(dirname(final))
      renameSync(tmp, final)
      return content
    } catch (error) {
      quietly(() => unlinkSync(tmp))
      throw error
    }
  }

  /**
   * Puts the blob of `record` at `dest` (through a temporary file renamed over it, so `dest` is never half
   * written), verifying the copy's hash. A blob whose bytes do not match is deleted, so the next store rewrites it.
   * The temporary file has a short name of persist's own (restoreTemp.ts); those a crashed restore left in the
   * destination's directory are removed first.
   */
  restore(record: OutFileRecord, dest: string): RestoreResult {
    const blob = this.pathOf(record.sha256)
    if (!this.has(record)) return 'missing'
    sweepStrayRestoreTemps(dirname(dest))
    const tmp = restoreTempIn(dirname(dest))
    try {
      try {
        copyIndependent(blob, tmp)
      } catch (error) {
        // The destination's directory was removed with the file (`rm -rf out/`): the function made it, so may we.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !this.has(record)) throw error
        mkdirSync(dirname(dest), { recursive: true })
        copyIndependent(blob, tmp)
      }
    } catch (error) {
      quietly(() => unlinkSync(tmp))
      return (error as NodeJS.ErrnoException).code === 'ENOENT' && !this.has(record) ? 'missing' : 'unwritable'
    }
    let copied: { sha256: string; size: number }
    try {
      copied = hashFile(tmp)
    } catch {
      quietly(() => unlinkSync(tmp))
      return 'unwritable'
    }
    if (copied.sha256 !== record.sha256 || copied.size !== record.size) {
      quietly(() => unlinkSync(tmp))
      // Deleted only from persist's own cache directory (stores/ownership.ts), never from a user's.
      if (isOwnedCacheRoot(this.root)) quietly(() => unlinkSync(blob))
      return 'corrupt'
    }
    try {
      renameSync(tmp, dest)
    } catch {
      quietly(() => unlinkSync(tmp))
      return 'unwritable'
    }
    return 'restored'
  }
}
