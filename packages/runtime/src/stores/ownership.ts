/**
 * The one rule for whose a cache root is. persist writes only under a root it created and tagged (a CACHEDIR.TAG
 * naming persist), and takes an untagged root as its own only when it is missing, empty or holds nothing but what
 * persist writes (a build prepared it: see ownedDir.ts). A root holding anything else (`PERSIST_DIR=$HOME`) is the
 * user's: the runtime computes without writing or deleting there, and the CLI refuses it.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
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
  return foreignItem === undefined ? { kind: 'untagged' } : { kind: 'foreign', foreignItem }
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

function tag(root: string): void {
  try {
    writeFileSync(join(root, CACHE_TAG_NAME), CACHEDIR_TAG, { flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
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
