/**
 * Where entries live on disk: `<dir>/<function id>/<source hash>/[~<scope>/]<shard>/<key>`. Names are made safe
 * and stay readable (`src/jobs.ts#load` → `src__jobs.ts#load`); no name can climb out of `<dir>`.
 */
import { type Dirent, lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { loneSurrogateBytes, loneSurrogateOf, sha256Text } from '../key/exactText'

const MAX_SEGMENT = 200

/** Escapes one unsafe character as UTF-8 %XX, including the characters encodeURIComponent leaves alone. */
function escapeChar(char: string): string {
  return encodeURIComponent(char).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * One path segment from an arbitrary string: `/` becomes `__`, other unsafe characters are %-escaped, a leading
 * dot is escaped (so `..` and hidden names cannot appear) and long names are shortened with a hash suffix.
 * One-to-one (`decodeSegment` is its inverse) so that deleting one id's or scope's directory never deletes
 * another's: a `_` next to a `/` or another `_` is escaped as `%5F`, so every run of `_` in a segment is either a
 * single literal `_` or an even run standing for slashes (`src/a.ts` → `src__a.ts`, `src__a.ts` → `src%5F%5Fa.ts`).
 * A lone surrogate is escaped as the bytes of its code point (`\uD800` → `%ED%A0%80`, key/exactText.ts), which no
 * well-formed character's escape is, so it never shares a name with U+FFFD (`%EF%BF%BD`).
 * Shortened names end in `~<16 hex>`, which no other segment contains (`~` is always escaped).
 */
export function toSegment(name: string): string {
  let out = ''
  for (let i = 0; i < name.length; i++) {
    const char = name[i]!
    if (char === '/') out += '__'
    else if (char === '_') out += isSlashOrUnderscore(name[i - 1]) || isSlashOrUnderscore(name[i + 1]) ? '%5F' : '_'
    else if (SAFE_CHAR_RE.test(char)) out += char
    else {
      // A surrogate pair is escaped as one character (its UTF-8 bytes); a surrogate met here alone has no pair.
      const code = name.codePointAt(i)!
      if (code >= 0xd800 && code <= 0xdfff) out += escapeLoneSurrogate(code)
      else {
        const whole = String.fromCodePoint(code)
        out += escapeChar(whole)
        i += whole.length - 1
      }
    }
  }
  if (out.startsWith('.')) out = `%2E${out.slice(1)}`
  // A lone `%` cannot come from any other name: every other `%` starts a %XX escape.
  if (out.length === 0) out = '%'
  if (out.length > MAX_SEGMENT) {
    out = `${out.slice(0, MAX_SEGMENT - 17)}~${sha256Text(name).slice(0, 16)}`
  }
  return out
}

const SAFE_CHAR_RE = /^[A-Za-z0-9.#@+=,-]$/u

function isSlashOrUnderscore(char: string | undefined): boolean {
  return char === '/' || char === '_'
}

/** A lone surrogate has no UTF-8 form (encodeURIComponent throws on it): its code point's bytes, %-escaped. */
function escapeLoneSurrogate(code: number): string {
  return loneSurrogateBytes(code)
    .map((byte) => `%${byte.toString(16).toUpperCase()}`)
    .join('')
}

/** The escape of one lone surrogate, as `escapeLoneSurrogate` writes it; the capture keeps it in a split. */
const LONE_SURROGATE_ESCAPE_RE = /(%ED%[AB][0-9A-F]%[89AB][0-9A-F])/

/**
 * The name a segment was made from: `src__jobs.ts#load` → `src/jobs.ts#load`. Exact for every segment `toSegment`
 * makes, lone surrogates included, except shortened ones (their end is a hash).
 */
export function decodeSegment(segment: string): string {
  if (segment === '%') return ''
  const text = segment.replace(/__/g, '/')
  try {
    // Odd parts of the split are lone surrogates' escapes, which decodeURIComponent rejects.
    return text
      .split(LONE_SURROGATE_ESCAPE_RE)
      .map((part, i) => (i % 2 === 0 ? decodeURIComponent(part) : String.fromCharCode(loneSurrogateOf(...escapedBytes(part))!)))
      .join('')
  } catch {
    return text
  }
}

function escapedBytes(escape: string): [number, number, number] {
  return [parseInt(escape.slice(1, 3), 16), parseInt(escape.slice(4, 6), 16), parseInt(escape.slice(7, 9), 16)]
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
  return PLAIN_HASH_RE.test(hash) ? hash : `%${sha256Text(hash)}`
}

/** Between a hash and a `version` option in a version directory's name; plain hashes never contain `@`. */
const VERSION_MARK = '@v'
const MAX_VERSION_NAME = 64

/**
 * The directory of one version of a function: `<hash>` without a `version` option, `<hash>@v<version>` with one,
 * so entries of an old version do not linger among the live ones. The version name is made safe and, when long,
 * shortened to a hash; it need not be one-to-one: the version is part of every disk key as well.
 */
function versionDirName(hash: string, version?: string | number): string {
  if (version === undefined) return hashSegment(hash)
  let name = toSegment(String(version))
  if (name.length > MAX_VERSION_NAME) name = `~${sha256Text(String(version)).slice(0, 16)}`
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

/** A sha256 in hex: an entry's file name (its key digest) and an out-file blob's name. */
export const SHA256_RE = /^[0-9a-f]{64}$/

/**
 * A shard directory's name: the first two hex digits of the keys (or blob hashes) in it. The one rule for what a
 * shard is, for the scans (ls, gc, verify) and for what removal and ownership count as persist's.
 */
export const SHARD_RE = /^[0-9a-f]{2}$/

/** A writer's temporary file (entries, blobs): `.<anything>.tmp`. */
export const TEMPORARY_FILE_RE = /^\..*\.tmp$/

/** The build manifest's temporary file in the cache root (`manifest.json.<pid>.<time>.<random>.tmp`). */
export const MANIFEST_TEMPORARY_RE = /^manifest\.json\..+\.tmp$/

/** The cache tag's temporary file in the cache root (`CACHEDIR.TAG.<pid>.<random>.tmp`, stores/ownership.ts). */
export const CACHE_TAG_TEMPORARY_RE = /^CACHEDIR\.TAG\..+\.tmp$/

/** The items of a directory; none when it cannot be read (gone meanwhile, not a directory). */
export function dirents(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
}

/** One entry file found in a version directory. */
export interface ScannedEntry {
  path: string
  /** The scope directory's name without its `~` (a `toSegment` name), or '' for the unscoped bucket. */
  scope: string
}

/** The buckets of a version directory: every one, or only that of `scopeSegment` ('' for the unscoped one). */
function bucketsOf(versionDir: string, scopeSegment: string | undefined): Array<{ path: string; scope: string }> {
  if (scopeSegment !== undefined) return [{ path: scopeSegment ? join(versionDir, SCOPE_PREFIX + scopeSegment) : versionDir, scope: scopeSegment }]
  return [{ path: versionDir, scope: '' }].concat(
    dirents(versionDir)
      .filter((child) => child.isDirectory() && child.name.startsWith(SCOPE_PREFIX))
      .map((child) => ({ path: join(versionDir, child.name), scope: child.name.slice(SCOPE_PREFIX.length) })),
  )
}

/** Each entry file (`entry`) and writer's temporary file (`temporary`) of the buckets of a version directory, lazily. */
function* versionFiles(versionDir: string, scopeSegment: string | undefined): Generator<{ kind: 'entry' | 'temporary'; path: string; scope: string }> {
  for (const bucket of bucketsOf(versionDir, scopeSegment)) {
    for (const shard of dirents(bucket.path)) {
      // Any other folder (a user's `notes/`) is not persist's: its files are neither entries nor deleted.
      if (!shard.isDirectory() || !SHARD_RE.test(shard.name)) continue
      const shardPath = join(bucket.path, shard.name)
      for (const file of dirents(shardPath)) {
        if (!file.isFile()) continue
        if (SHA256_RE.test(file.name)) yield { kind: 'entry', path: join(shardPath, file.name), scope: bucket.scope }
        else if (TEMPORARY_FILE_RE.test(file.name)) yield { kind: 'temporary', path: join(shardPath, file.name), scope: bucket.scope }
      }
    }
  }
}

/**
 * The entry files and writers' temporary files of one version directory, in every bucket or only in the one of
 * `scopeSegment` ('' for the unscoped one). Only files named like a key are entries: locks, temporary files and
 * whatever else a user left there are not persist's to judge (or delete), nor is any folder not named like a
 * shard (SHARD_RE). Symlinks are never followed.
 */
export function scanVersion(versionDir: string, scopeSegment?: string): { entries: ScannedEntry[]; temporary: string[] } {
  const entries: ScannedEntry[] = []
  const temporary: string[] = []
  for (const file of versionFiles(versionDir, scopeSegment)) {
    if (file.kind === 'entry') entries.push({ path: file.path, scope: file.scope })
    else temporary.push(file.path)
  }
  return { entries, temporary }
}

/** Whether a version directory holds at least one entry file (as `scanVersion` finds them), stopping at the first. */
export function hasAnyEntry(versionDir: string): boolean {
  for (const file of versionFiles(versionDir, undefined)) if (file.kind === 'entry') return true
  return false
}

/** Whether each path is a directory itself, not a symlink to one: persist never writes, renames or deletes through links. */
export function areRealDirs(paths: readonly string[]): boolean {
  try {
    return paths.every((path) => lstatSync(path).isDirectory())
  } catch {
    return false
  }
}
