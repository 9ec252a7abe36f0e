/**
 * Which directory a command works on (`--dir`, else `PERSIST_DIR`, else the runtime's default), and the check
 * that it is persist's: tagged with persist's CACHEDIR.TAG, or untagged and holding nothing but what persist writes
 * (the one rule of stores/ownership.ts, which the runtime writes by too). The CLI reads, writes and deletes nothing
 * in any other directory.
 */
import { readdirSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { defaultDir } from '../config'
import { CACHE_TAG_NAME, cacheRootOwnership } from '../stores/ownership'
import { CliError } from './errors'

/** The cache directory named by `--dir`, `PERSIST_DIR` or the default, as an absolute path. */
export function resolveCacheDir(dirOption: unknown): string {
  if (typeof dirOption === 'string' && dirOption.length > 0) return resolve(dirOption)
  const fromEnv = process.env.PERSIST_DIR
  if (fromEnv) return resolve(fromEnv)
  return defaultDir(process.cwd())
}

/** Throws a one-line CliError unless `dir` is persist's by the rule the runtime writes by (stores/ownership.ts). */
export function checkCacheDir(dir: string): void {
  let isDir: boolean
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    throw new CliError(`no persist cache at ${dir} (nothing has been cached there yet; pass --dir or set PERSIST_DIR to choose another).`)
  }
  if (!isDir) throw new CliError(`${dir} is not a directory; pass --dir or set PERSIST_DIR to a persist cache directory.`)
  const ownership = cacheRootOwnership(dir)
  if (ownership.kind === 'foreign') {
    throw new CliError(
      `${dir} was not created by persist (no ${CACHE_TAG_NAME} written by persist in it, and it holds ${ownership.foreignItem}); refusing to touch it. Pass --dir or set PERSIST_DIR to a persist cache directory.`,
    )
  }
  if (ownership.kind === 'untagged' && readdirSync(dir).length === 0) {
    throw new CliError(`no persist cache at ${dir} (it is empty: nothing has been cached there yet; pass --dir or set PERSIST_DIR to choose another).`)
  }
}
