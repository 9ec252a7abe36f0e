/**
 * Where entries live on disk: `<dir>/<function id>/<source hash>/[~<scope>/]<shard>/<key>`. Names are made safe
 * and stay readable (`src/jobs.ts#load` → `src__jobs.ts#load`); no name can climb out of `<dir>`.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'

const UNSAFE_RE = /[^A-Za-z0-9._#@+=,-]/gu
const MAX_SEGMENT = 200

/**
 * One path segment from an arbitrary string: `/` becomes `__`, other unsafe characters are %-escaped, a leading
 * dot is escaped (so `..` and hidden names cannot appear) and long names are shortened with a hash suffix.
 * Two ids mapping to the same segment cannot share entries: the id is part of every key hash.
 */
export function toSegment(name: string): string {
  let out = name.replace(UNSAFE_RE, (char) => (char === '/' || char === '\\' ? '__' : encodeURIComponent(char).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)))
  if (out.startsWith('.')) out = `%2E${out.slice(1)}`
  if (out.length === 0) out = '%00'
  if (out.length > MAX_SEGMENT) {
    out = `${out.slice(0, MAX_SEGMENT - 17)}~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`
  }
  return out
}

export function functionDir(root: string, id: string): string {
  return join(root, toSegment(id))
}

export const SCOPE_PREFIX = '~'

/** Hashes as the plugin writes them (hex) and other plain names are their own directory name. */
const PLAIN_HASH_RE = /^[A-Za-z0-9_-]{1,128}$/

/**
 * The directory name of one source hash. Unlike `toSegment` it is one-to-one: the disk key leaves the hash out
 * (so entries can be adopted across hashes), which makes this directory the only thing that keeps two hashes'
 * entries apart. Any other hash is named by its sha256 behind a `%`, which no plain name contains.
 */
export function hashSegment(hash: string): string {
  return PLAIN_HASH_RE.test(hash) ? hash : `%${createHash('sha256').update(hash).digest('hex')}`
}

/** Between a hash and a `version` option in a version directory's name; plain hashes never contain `@`. */
export const VERSION_MARK = '@v'
const MAX_VERSION_NAME = 64

/**
 * The directory of one version of a function: `<hash>` without a `version` option, `<hash>@v<version>` with one,
 * so entries of an old version do not linger among the live ones. The version name is made safe and, when long,
 * shortened to a hash; it need not be one-to-one: the version is part of every disk key as well.
 */
export function versionDirName(hash: string, version?: string | number): string {
  if (version === undefined) return hashSegment(hash)
  let name = toSegment(String(version))
  if (name.length > MAX_VERSION_NAME) name = `~${createHash('sha256').update(String(version)).digest('hex').slice(0, 16)}`
  return `${hashSegment(hash)}${VERSION_MARK}${name}`
}

/** The hash directory name a version directory belongs to: `abc@v2` → `abc`. */
export function hashOfVersionDir(name: string): string {
  const mark = name.indexOf(VERSION_MARK)
  return mark === -1 ? name : name.slice(0, mark)
}

/** The version part of a version directory's name, with its mark (`@v2`), or '' when it has none. */
export function versionSuffixOf(name: string): string {
  const mark = name.indexOf(VERSION_MARK)
  return mark === -1 ? '' : name.slice(mark)
}

export function bucketDir(root: string, id: string, hash: string, scope: string, version?: string | number): string {
  const base = join(functionDir(root, id), versionDirName(hash, version))
  return scope ? join(base, SCOPE_PREFIX + toSegment(scope)) : base
}

/** Content-addressed out-file bytes, `<dir>/.blobs/<shard>/<sha256>` (outFiles/blobStore.ts). */
export const BLOBS_DIR = '.blobs'

/** Per-process hit and miss counts of one version, `<version dir>/.stats/<pid>-<random>.json` (stores/diskStats.ts). */
export const STATS_DIR = '.stats'

/** Temporary files start with a dot: listings skip them and they can never be read as an entry. */
export function isTemporaryName(name: string): boolean {
  return name.startsWith('.')
}
