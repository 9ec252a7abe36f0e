/**
 * Recognising a cache directory persist made but did not tag. The plugin writes `manifest.json` and `analysis/`
 * into the default cache directory before the program first runs, so the disk store finds it non-empty; it is
 * still persist's when everything in it is something persist writes, each file named as persist names it. Anything
 * else in it (a `package.json`, a `src/`, a folder named like a function holding a user's files) and it is not:
 * stores/ownership.ts neither writes nor deletes there, and the CLI refuses it.
 */
import { closeSync, type Dirent, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { BLOBS_DIR, CACHE_TAG_TEMPORARY_RE, isTemporaryName, MANIFEST_TEMPORARY_RE, SCOPE_PREFIX, SHARD_RE, STATS_DIR, TEMPORARY_FILE_RE } from './layout'
import { isStatsFileName } from './statsFiles'

/** How every file of the build's analysis cache starts (@persist/core `analysis/diskCache.ts`), whatever its name. */
const ANALYSIS_MAGIC = Buffer.from('persist-analysis\n')

/** The files persist writes into a shard: entries, writers' temporary files, locks and locks being broken (lock.ts). */
const SHARD_FILE_RE = /^(?:[0-9a-f]{64}|\.[0-9a-f]{64}\.lock(?:\.[0-9a-f]+\.broken)?)$/

/** Whether persist writes files named `name` into a shard directory. */
export function isShardFileName(name: string): boolean {
  return SHARD_FILE_RE.test(name) || TEMPORARY_FILE_RE.test(name)
}

/** The per-process counts of `.stats` (stores/diskStats.ts): `<pid>-<hex>.json`, and their temporary files. */

function list(dir: string): Dirent[] | undefined {
  try {
    return readdirSync(dir, { withFileTypes: true })
  } catch {
    return undefined
  }
}

function isPersistManifest(path: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; functions?: unknown }
    return parsed.version === 1 && typeof parsed.functions === 'object' && parsed.functions !== null
  } catch {
    return false
  }
}

function startsWithAnalysisMagic(path: string): boolean {
  const head = Buffer.alloc(ANALYSIS_MAGIC.length)
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return false
  }
  try {
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(ANALYSIS_MAGIC)
  } catch {
    return false
  } finally {
    closeSync(fd)
  }
}

/** The analysis cache: files core wrote (they start with its magic) and its writers' temporary files. */
function isAnalysisDir(dir: string): boolean {
  return (list(dir) ?? []).every((file) => file.isFile() && (file.name.endsWith('.tmp') || startsWithAnalysisMagic(join(dir, file.name))))
}

function holdsOnlyFiles(dir: string, isOwnName: (name: string) => boolean): boolean {
  return (list(dir) ?? []).every((file) => file.isFile() && isOwnName(file.name))
}

/**
 * `<shard>/<key>` directories (or, in a version directory, `~<scope>` directories of them and `.stats`). An empty
 * version directory is not one: its name is like any folder's (a user's `a/b/`), and a build never leaves one.
 * Empty folders persist names (a shard, a `~<scope>`, `.stats`, `.blobs`) still count as persist's.
 */
function isBucket(dir: string, isVersion: boolean): boolean {
  const children = list(dir)
  if (!children || (isVersion && children.length === 0)) return false
  return children.every((child) => {
    if (!child.isDirectory()) return false
    if (SHARD_RE.test(child.name)) return holdsOnlyFiles(join(dir, child.name), isShardFileName)
    if (isVersion && child.name === STATS_DIR) return holdsOnlyFiles(join(dir, child.name), isStatsFileName)
    if (isVersion && child.name.startsWith(SCOPE_PREFIX)) return isBucket(join(dir, child.name), false)
    return false
  })
}

function isFunctionDir(dir: string): boolean {
  const versions = list(dir)
  return versions !== undefined && versions.length > 0 && versions.every((version) => version.isDirectory() && isBucket(join(dir, version.name), true))
}

/** Whether one item of a cache root is something persist writes there. */
function isPersistItem(dir: string, child: Dirent): boolean {
  const path = join(dir, child.name)
  if (child.isFile()) {
    return child.name === 'manifest.json' ? isPersistManifest(path) : MANIFEST_TEMPORARY_RE.test(child.name) || CACHE_TAG_TEMPORARY_RE.test(child.name)
  }
  if (child.isDirectory() && child.name === BLOBS_DIR) return isBucket(path, false)
  if (!child.isDirectory() || isTemporaryName(child.name)) return false
  if (child.name === 'analysis') return isAnalysisDir(path)
  return isFunctionDir(path)
}

function describeItem(dir: string, child: Dirent): string {
  const kind = child.isSymbolicLink() ? 'a symlink' : child.isDirectory() ? 'a directory' : child.isFile() ? 'a file' : 'a special file'
  return `${join(dir, child.name)} (${kind})`
}

/**
 * The first item of `dir` that is not a build manifest, the analysis cache, out-file blobs, a temporary file (the
 * manifest's, the cache tag's) or a function directory, described for a message; undefined when there is none (an empty directory).
 */
export function firstForeignItem(dir: string): string | undefined {
  const children = list(dir)
  if (children === undefined) return `${dir} itself (it cannot be read)`
  const foreign = children.find((child) => !isPersistItem(dir, child))
  return foreign === undefined ? undefined : describeItem(dir, foreign)
}

