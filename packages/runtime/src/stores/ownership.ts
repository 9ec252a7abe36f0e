/**
 * The one rule for whose a cache root is. persist writes only under a root it created and tagged (a CACHEDIR.TAG
 * naming persist), and takes an untagged root as its own only when it is missing, empty or holds nothing but what
 * persist writes (a build prepared it: see ownedDir.ts). A root holding anything else (`PERSIST_DIR=$HOME`) is the
 * user's: the runtime computes without writing or deleting there, and the CLI refuses it.
 */
import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { firstForeignItem } from './ownedDir'

/** The first line of every CACHEDIR.TAG (https://bford.info/cachedir/). */
export const CACHE_TAG_SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55'

/** Name of the tag that marks a directory as persist's own. */
export const CACHE_TAG_NAME = 'CACHEDIR.TAG'

const CACHEDIR_TAG =
  `${CACHE_TAG_SIGNATURE}\n` +
  '# This file is a cache directory tag created by persist (@persist/runtime).\n' +
  '# For information about cache directory tags see https://bford.info/cachedir/\n'

/**
 * Whose a cache root is: `tagged` (persist's tag is in it), `untagged` (it exists and holds only what persist
 * writes, or nothing), `missing` (no directory there: absent, or a file in its place), or `foreign` (it holds
 * something persist did not write; `foreignItem` names the first such item).
 */
export type RootOwnership = { kind: 'tagged' | 'untagged' | 'missing' } | { kind: 'foreign'; foreignItem: string }

function hasPersistTag(root: string): boolean {
  try {
    const tag = readFileSync(join(root, CACHE_TAG_NAME), 'utf8')
    return tag.startsWith(CACHE_TAG_SIGNATURE) && tag.includes('persist')
  } catch {
    return false
  }
}

/** The ownership of `root`; see RootOwnership. Reads the tag, and walks the root only when it is untagged. */
export function cacheRootOwnership(root: string): RootOwnership {
  try {
    // A file in its place, or a parent that is one: nobody's directory to delete from; making it reports why it fails.
    if (!statSync(root).isDirectory()) return { kind: 'missing' }
  } catch {
    return { kind: 'missing' }
  }
  if (hasPersistTag(root)) return { kind: 'tagged' }
  const foreignItem = firstForeignItem(root)
  if (foreignItem === undefined) return { kind: 'untagged' }
  // Another process starting on the same new directory may have tagged it (and begun writing) since the tag was read.
  return hasPersistTag(root) ? { kind: 'tagged' } : { kind: 'foreign', foreignItem }
}

/** Whether persist may write and delete (what it recognises) under `root`: tagged, or untagged and holding only its files. */
export function isOwnedCacheRoot(root: string): boolean {
  const { kind } = cacheRootOwnership(root)
  return kind === 'tagged' || kind === 'untagged'
}

/** Thrown when the cache root holds things persist did not write: nothing is written or deleted there. */
export class ForeignRootError extends Error {
  readonly code = 'EFOREIGN'

  constructor(
    readonly root: string,
    foreignItem: string,
  ) {
    super(`it has no ${CACHE_TAG_NAME} of persist's and holds ${foreignItem}, which persist did not create`)
  }
}

/** The fix every refusal of a foreign root names. */
export const FOREIGN_ROOT_FIX = 'point PERSIST_DIR (or configure({ dir })) to a directory of its own, e.g. a new empty one'

function isExisting(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST'
}

/**
 * Puts persist's tag into `root` whole, in one step (a link of a complete temporary file), so that another process
 * starting on the same new directory never reads it missing its signature and takes the directory for a user's.
 * A tag already there (another process tagged it first) is left as it is.
 */
function tag(root: string): void {
  const tagPath = join(root, CACHE_TAG_NAME)
  const temporary = `${tagPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  writeFileSync(temporary, CACHEDIR_TAG, { flag: 'wx' })
  try {
    linkSync(temporary, tagPath)
  } catch (error) {
    if (!isExisting(error)) writeTagWithoutLink(tagPath)
  } finally {
    try {
      unlinkSync(temporary)
    } catch {
      // Already gone: nothing left behind.
    }
  }
}

/** Where hard links are not supported: written in place, never over a tag already there. */
function writeTagWithoutLink(tagPath: string): void {
  try {
    writeFileSync(tagPath, CACHEDIR_TAG, { flag: 'wx' })
  } catch (error) {
    if (!isExisting(error)) throw error
  }
}

/**
 * Makes `root` persist's before anything is written under it: creates and tags it when it is missing, empty or
 * holds only what persist writes; throws ForeignRootError when it holds anything else (file system errors as is).
 */
export function claimCacheRoot(root: string): void {
  const ownership = cacheRootOwnership(root)
  if (ownership.kind === 'tagged') return
  if (ownership.kind === 'foreign') throw new ForeignRootError(root, ownership.foreignItem)
  if (ownership.kind === 'missing') mkdirSync(root, { recursive: true })
  tag(root)
}
