/**
 * `persist verify`: re-checks every entry's structure and checksum and removes the corrupt ones (the runtime
 * would only ever treat them as misses) and the intact ones of an older key format (obsolete: no call can hit
 * them again; reported apart from corrupt ones, as `persist gc` removes them too), re-hashes the out-file blobs, and removes temporary files and orphaned
 * blobs older than `--tmp-age` (default 1 hour), which no running writer can still be about to use. Younger
 * temporary files are left alone; blobs younger than ORPHAN_AGE_MS are left alone whatever `--tmp-age` says.
 */
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import pc from 'picocolors'
import { MANIFEST_TEMPORARY_RE } from '../../stores/layout'
import { blobIntact, listBlobs, ORPHAN_AGE_MS } from '../blobs'
import { checkEntryFile } from '../entryInfo'
import { EXIT_FAILURE, EXIT_OK } from '../errors'
import { plural } from '../format'
import { scanFunctions, statFile, type TemporaryFile } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'
import { createProgress } from '../progress'
import { removeEmptyDirs, removeFile } from '../remove'
import { tidyStats } from '../tidyStats'
import { parseAge } from '../units'

export interface VerifyOptions extends CommonOptions {
  dryRun?: boolean
  tmpAge?: string
}


function rootTemporaryFiles(root: string): TemporaryFile[] {
  return readdirSync(root)
    .filter((name) => MANIFEST_TEMPORARY_RE.test(name))
    .map((name) => ({ path: join(root, name) }))
}

interface Problem {
  path: string
  reason: string
}

/** Returns the exit code: 1 when `--dry-run` found something to repair, or an entry could not be read. */
export function verify(options: VerifyOptions): number {
  const safeAgeMs = parseAge(options.tmpAge ?? '1h', '--tmp-age')
  // A writer stores a blob before the entry naming it: however small `--tmp-age`, a blob is an orphan only once
  // no writer can still be about to name it, as for gc, prune and clear.
  const orphanAgeMs = Math.max(safeAgeMs, ORPHAN_AGE_MS)
  const cache = openCache(options)
  const { entries, temporary } = scanFunctions(cache.functions)
  const blobStore = listBlobs(cache.root)
  temporary.push(...rootTemporaryFiles(cache.root), ...blobStore.temporary)
  const now = Date.now()

  const progress = createProgress('verifying', entries.length + blobStore.blobs.length)
  const corruptBlobs: Problem[] = []
  const goodBlobs = new Set<string>()
  for (const blob of blobStore.blobs) {
    progress.tick()
    if (blobIntact(blob)) goodBlobs.add(blob.sha256)
    else corruptBlobs.push({ path: blob.path, reason: 'bytes do not match the blob name (sha256)' })
  }
  const corrupt: Problem[] = []
  const obsolete: Problem[] = []
  const unreadable: Problem[] = []
  const referenced = new Set<string>()
  let ok = 0
  for (const entry of entries) {
    progress.tick()
    const check = checkEntryFile(entry.path)
    if (check.state === 'corrupt') corrupt.push({ path: entry.path, reason: check.reason })
    else if (check.state === 'obsolete') obsolete.push({ path: entry.path, reason: check.reason })
    else if (check.state === 'unreadable') {
      if (statFile(entry.path)) unreadable.push({ path: entry.path, reason: check.reason })
    } else {
      const blobs = check.blobs
      const missing = blobs.find((name) => !goodBlobs.has(name))
      for (const name of blobs) referenced.add(name)
      if (missing) corrupt.push({ path: entry.path, reason: `its out-file blob ${missing} is missing or damaged` })
      else ok++
    }
  }
  progress.done()

  const orphanBlobs = blobStore.blobs
    .filter((blob) => goodBlobs.has(blob.sha256) && !referenced.has(blob.sha256) && now - blob.mtimeMs > orphanAgeMs)
    .map((blob) => blob.path)
  const staleTemporary: string[] = []
  let freshTemporary = 0
  for (const file of temporary) {
    const stats = statFile(file.path)
    if (!stats) continue
    if (now - stats.mtimeMs > safeAgeMs) staleTemporary.push(file.path)
    else freshTemporary++
  }
  const toRemove = [...corrupt, ...obsolete, ...corruptBlobs].map((problem) => problem.path).concat(orphanBlobs, staleTemporary)
  if (!options.dryRun) {
    for (const path of toRemove) {
      removeFile(cache.root, path)
      if (dirname(path) !== cache.root) removeEmptyDirs(cache.root, dirname(path))
    }
    tidyStats(cache.root, cache.functions, corrupt.map((problem) => problem.path))
  }
  const data = { dir: cache.root, dryRun: Boolean(options.dryRun), checked: entries.length, ok, corrupt, obsolete, unreadable, corruptBlobs, orphanBlobs, staleTemporary, freshTemporary }
  print(options, data, () => {
    const verb = options.dryRun ? 'would remove' : 'removed'
    const lines = [
      ...corrupt.map((problem) => `${pc.red('corrupt')} ${problem.path}: ${problem.reason}`),
      ...obsolete.map((problem) => `${pc.dim('obsolete')} ${problem.path}: ${problem.reason}`),
      ...corruptBlobs.map((problem) => `${pc.red('corrupt blob')} ${problem.path}: ${problem.reason}`),
      ...unreadable.map((problem) => `${pc.yellow('unreadable')} ${problem.path}: ${problem.reason}`),
      ...orphanBlobs.map((path) => `${pc.dim('blob no entry needs')} ${path}`),
      ...staleTemporary.map((path) => `${pc.dim('stale temporary file')} ${path}`),
      `${plural(entries.length, 'entry', 'entries')} checked, ${ok} intact; ${verb} ${plural(corrupt.length, 'corrupt entry', 'corrupt entries')}, ${plural(obsolete.length, 'entry', 'entries')} of an older key format and ${plural(staleTemporary.length, 'stale temporary file', 'stale temporary files')}` +
        (corruptBlobs.length + orphanBlobs.length > 0 ? `, ${plural(corruptBlobs.length, 'corrupt blob', 'corrupt blobs')} and ${plural(orphanBlobs.length, 'unneeded blob', 'unneeded blobs')}` : '') +
        (freshTemporary > 0 ? ` (${plural(freshTemporary, 'recent temporary file', 'recent temporary files')} left for their writers)` : ''),
    ]
    return lines.join('\n')
  })
  const problems = unreadable.length > 0 || (options.dryRun && toRemove.length > 0)
  return problems ? EXIT_FAILURE : EXIT_OK
}
