/**
 * Recognising a cache directory persist made but did not tag. The plugin writes `manifest.json` and `analysis/`
 * into the default cache directory before the program first runs, so the disk store finds it non-empty; it is
 * still persist's when everything in it is something persist writes. Anything else in it (a `package.json`, a
 * `src/`) and it is not: the disk store does not tag it and the CLI refuses it.
 */
import { closeSync, type Dirent, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { BLOBS_DIR, isTemporaryName, MANIFEST_TEMPORARY_RE, SCOPE_PREFIX, STATS_DIR } from './layout'

const SHARD_RE = /^[0-9a-f]{2}$/
/** How every file of the build's analysis cache starts (@persist/core `analysis/diskCache.ts`), whatever its name. */
const ANALYSIS_MAGIC = Buffer.from('persist-analysis\n')

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

function holdsOnlyFiles(dir: string): boolean {
  return (list(dir) ?? []).every((file) => file.isFile())
}

/** `<shard>/<key>` directories (or, in a version directory, `~<scope>` directories of them and `.stats`). */
function isBucket(dir: string, isVersion: boolean): boolean {
  const children = list(dir)
  if (!children) return false
  return children.every((child) => {
    if (!child.isDirectory()) return false
    if (SHARD_RE.test(child.name)) return holdsOnlyFiles(join(dir, child.name))
    if (isVersion && child.name === STATS_DIR) return holdsOnlyFiles(join(dir, child.name))
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
  if (child.isFile()) return child.name === 'manifest.json' ? isPersistManifest(path) : MANIFEST_TEMPORARY_RE.test(child.name)
  if (child.isDirectory() && child.name === BLOBS_DIR) return isBucket(path, false)
  if (!child.isDirectory() || isTemporaryName(child.name)) return false
  if (child.name === 'analysis') return isAnalysisDir(path)
  return isFunctionDir(path)
}

/**
 * Whether every item of `dir` is a build manifest, the analysis cache, out-file blobs, a temporary file or a
 * function directory (true for an empty directory; false for one that cannot be read).
 */
export function holdsOnlyPersistFiles(dir: string): boolean {
  const children = list(dir)
  return children !== undefined && children.every((child) => isPersistItem(dir, child))
}

/** The CLI's test for an untagged directory: a build manifest and nothing but what persist writes. */
export function looksLikePersistDir(dir: string): boolean {
  const children = list(dir)
  if (!children || !children.some((child) => child.name === 'manifest.json')) return false
  return children.every((child) => isPersistItem(dir, child))
}
