/**
 * Which directory a command works on (`--dir`, else `PERSIST_DIR`, else the runtime's default), and the check
 * that persist created it: the disk store writes a CACHEDIR.TAG naming persist into the cache roots it creates;
 * an untagged directory is accepted only when everything in it is something persist writes (stores/ownedDir.ts).
 * The CLI reads, writes and deletes nothing in any other directory.
 */
import { readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defaultDir } from '../config'
import { CACHE_TAG_NAME, CACHE_TAG_SIGNATURE } from '../stores/disk'
import { CliError } from './errors'
import { looksLikePersistDir } from '../stores/ownedDir'

/** The cache directory named by `--dir`, `PERSIST_DIR` or the default, as an absolute path. */
export function resolveCacheDir(dirOption: unknown): string {
  if (typeof dirOption === 'string' && dirOption.length > 0) return resolve(dirOption)
  const fromEnv = process.env.PERSIST_DIR
  if (fromEnv) return resolve(fromEnv)
  return defaultDir(process.cwd())
}

/** Throws a one-line CliError unless `dir` is a cache directory persist created. */
export function checkCacheDir(dir: string): void {
  let isDir: boolean
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    throw new CliError(`no persist cache at ${dir} (nothing has been cached there yet; pass --dir or set PERSIST_DIR to choose another).`)
  }
  if (!isDir) throw new CliError(`${dir} is not a directory; pass --dir or set PERSIST_DIR to a persist cache directory.`)
  let tag = ''
  try {
    tag = readFileSync(join(dir, CACHE_TAG_NAME), 'utf8')
  } catch {
    // Missing: refused below.
  }
  if (tag.startsWith(CACHE_TAG_SIGNATURE) && tag.includes('persist')) return
  if (!looksLikePersistDir(dir)) {
    throw new CliError(
      `${dir} was not created by persist (no ${CACHE_TAG_NAME} written by persist in it); refusing to touch it. Pass --dir or set PERSIST_DIR to a persist cache directory.`,
    )
  }
}
