/**
 * Recognising a cache directory persist made but did not tag. The plugin writes `manifest.json` and `analysis/`
 * into the default cache directory before the program first runs, and the disk store does not tag a directory
 * that already holds files; such a directory is still persist's when everything in it is something persist
 * writes. Anything else in it (a `package.json`, a `src/`) and it is refused.
 */
import { type Dirent, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isTemporaryName, SCOPE_PREFIX } from '../stores/layout'

const SHARD_RE = /^[0-9a-f]{2}$/
/** Content-addressed out-file bytes, `<dir>/.blobs/<shard>/<sha256>` (outFiles/blobStore.ts). */
const BLOBS_DIR = '.blobs'
const ANALYSIS_FILES = new Set(['index.bin', 'summaries.bin'])
const MANIFEST_TMP_RE = /^manifest\.json\..+\.tmp$/

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

/** `<shard>/<key>` directories (or `~<scope>` directories of them), holding only files. */
function isBucket(dir: string, allowScopes: boolean): boolean {
  const children = list(dir)
  if (!children) return false
  return children.every((child) => {
    if (child.isDirectory() && SHARD_RE.test(child.name)) return (list(join(dir, child.name)) ?? []).every((file) => file.isFile())
    if (child.isDirectory() && allowScopes && child.name.startsWith(SCOPE_PREFIX)) return isBucket(join(dir, child.name), false)
    return false
  })
}

function isFunctionDir(dir: string): boolean {
  const versions = list(dir)
  return versions !== undefined && versions.length > 0 && versions.every((version) => version.isDirectory() && isBucket(join(dir, version.name), true))
}

/** Whether every item of `dir` is a build manifest, the analysis cache, a temporary file or a function directory. */
export function looksLikePersistDir(dir: string): boolean {
  const children = list(dir)
  if (!children || !children.some((child) => child.name === 'manifest.json')) return false
  return children.every((child) => {
    const path = join(dir, child.name)
    if (child.isFile()) return child.name === 'manifest.json' ? isPersistManifest(path) : MANIFEST_TMP_RE.test(child.name)
    if (child.isDirectory() && child.name === BLOBS_DIR) return isBucket(path, false)
    if (!child.isDirectory() || isTemporaryName(child.name)) return false
    if (child.name === 'analysis') return (list(path) ?? []).every((file) => file.isFile() && (ANALYSIS_FILES.has(file.name) || file.name.endsWith('.tmp')))
    return isFunctionDir(path)
  })
}
