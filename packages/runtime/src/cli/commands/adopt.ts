/**
 * `persist adopt <id> --from <old hash>`: makes the entries computed under an older source hash valid under the
 * current one (named by the build manifest, or `--to`), for a change the hash cannot prove harmless. Entries are
 * hard-linked (copied where links are impossible); the old version is never touched, and an entry the current
 * version already has is kept. Hard links are safe here: the runtime never writes into an entry file, it
 * replaces it by renaming a new file over it, so a later write through one name never changes the other.
 */
import { copyFileSync, linkSync, lstatSync, mkdirSync, renameSync, unlinkSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { dirname, join, relative, sep } from 'node:path'
import { readEntryFileState } from '../entryInfo'
import { CliError, UsageError } from '../errors'
import { findFunction } from '../functions'
import { formatBytes, plural, shortHash } from '../format'
import { scanVersion, statFile } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'
import { createProgress } from '../progress'
import { tidyStats } from '../tidyStats'
import { hashOfVersionDir, hashSegment, versionSuffixOf } from '../../stores/layout'

export interface AdoptOptions extends CommonOptions {
  from?: string
  to?: string
  manifest?: string
  dryRun?: boolean
}

/**
 * The version directory `hash` names: exact, or a unique prefix (as `persist ls` shows 12 characters), optionally
 * with the `@v<version>` of a function that has a `version` option (`3f2a9c41d0e7@v2`).
 */
function pickVersion(hashes: string[], hash: string, id: string): string {
  const suffix = versionSuffixOf(hash)
  const prefix = hashSegment(hashOfVersionDir(hash))
  if (hashes.includes(prefix + suffix)) return prefix + suffix
  const candidates = hashes.filter((name) => hashOfVersionDir(name).startsWith(prefix) && (suffix === '' || versionSuffixOf(name) === suffix))
  if (candidates.length === 1) return candidates[0]!
  const known = hashes.map(shortHash).join(', ')
  throw new CliError(
    candidates.length > 1
      ? `--from ${hash} matches ${plural(candidates.length, 'version', 'versions')} of ${id}; give more characters (versions: ${known}).`
      : `${id} has no cached version ${hash} (versions: ${known || 'none'}).`,
  )
}

/** Creates `dir` under `root` one level at a time, refusing a level that is a symlink or not a directory. */
function makeRealDirs(root: string, dir: string): void {
  let current = root
  for (const part of relative(root, dir).split(sep)) {
    current = join(current, part)
    try {
      mkdirSync(current)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (!lstatSync(current).isDirectory()) throw new CliError(`${current} is a symlink or not a directory; persist never writes through links.`)
  }
}

/** Links `from` to `to` without replacing an existing `to`; copies through a temporary file where links fail. */
function linkOrCopy(from: string, to: string): 'linked' | 'copied' | 'exists' {
  try {
    linkSync(from, to)
    return 'linked'
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return 'exists'
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw error
  }
  const tmp = join(dirname(to), `.adopt.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    copyFileSync(from, tmp)
    if (statFile(to)) return 'exists'
    renameSync(tmp, to)
    return 'copied'
  } finally {
    try {
      unlinkSync(tmp)
    } catch {
      // Renamed into place.
    }
  }
}

export function adopt(name: string, options: AdoptOptions): void {
  if (typeof options.from !== 'string' || options.from.length === 0) {
    throw new UsageError('persist adopt needs --from <old hash> (see the versions with `persist ls`).')
  }
  const cache = openCache(options, options.to === undefined ? 'required' : 'optional')
  const fn = findFunction(cache.functions, name, false)
  const targetHash = options.to === undefined ? fn.liveHash : hashSegment(String(options.to))
  if (targetHash === undefined) {
    throw new CliError(`the build manifest ${cache.manifest!.path} does not name ${fn.id}; rebuild, or pass --to <hash>.`)
  }
  const source = pickVersion(fn.hashes, options.from, fn.id)
  // Entries keep their `version` option: the new hash's directory for that same version.
  const target = targetHash + versionSuffixOf(source)
  if (source === target) throw new CliError(`${fn.id}: version ${shortHash(source)} is already the current one; nothing to adopt.`)
  const { entries } = scanVersion(fn, source)
  const counts = { linked: 0, copied: 0, exists: 0, obsolete: 0 }
  let bytes = 0
  const progress = createProgress('adopting', entries.length)
  for (const entry of entries) {
    progress.tick()
    // An entry of an older key format can never be hit, under any hash: carrying it over would only revive it.
    if (readEntryFileState(entry.path)?.obsolete) {
      counts.obsolete++
      continue
    }
    const destination = join(fn.path, target, relative(join(fn.path, source), entry.path))
    if (options.dryRun) {
      counts[statFile(destination) ? 'exists' : 'linked']++
      continue
    }
    makeRealDirs(cache.root, dirname(destination))
    const outcome = linkOrCopy(entry.path, destination)
    counts[outcome]++
    if (outcome !== 'exists') bytes += statFile(destination)?.size ?? 0
  }
  progress.done()
  // Adopting removes nothing: only the adopted function's versions have counts to fold.
  if (!options.dryRun) tidyStats(cache.root, [fn], [])
  const adopted = counts.linked + counts.copied
  const data = { id: fn.id, from: source, to: target, dryRun: Boolean(options.dryRun), adopted, linked: counts.linked, copied: counts.copied, kept: counts.exists, obsolete: counts.obsolete, bytes }
  print(options, data, () =>
    `${options.dryRun ? 'would adopt' : 'adopted'} ${plural(adopted, 'entry', 'entries')} of ${fn.id} from ${shortHash(source)} into ${shortHash(target)}` +
    (counts.exists > 0 ? ` (${counts.exists} already present there, kept)` : '') +
    (counts.obsolete > 0 ? ` (${counts.obsolete} of an older key format left behind: no call can hit them)` : '') +
    (options.dryRun ? '' : `; ${counts.copied > 0 ? `${counts.copied} copied (${formatBytes(bytes)})` : 'hard-linked, no extra space'}`),
  )
}
