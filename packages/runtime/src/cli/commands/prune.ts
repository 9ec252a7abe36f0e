/**
 * `persist prune`: deletes the versions (source hash directories) of functions that the build manifest no longer
 * names. Functions the manifest does not know at all are kept unless `--unknown` is given: a partial build or a
 * second project sharing the directory must not cost another project its cache.
 */
import { join } from 'node:path'
import pc from 'picocolors'
import { sweepOrphanBlobs } from '../blobs'
import { describeEntries } from '../entries'
import { formatBytes, plural, shortHash } from '../format'
import { isLiveVersion } from '../functions'
import { scanVersion } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'
import { keptLines, removeTree } from '../remove'
import { tidyStats } from '../tidyStats'

export interface PruneOptions extends CommonOptions {
  manifest?: string
  dryRun?: boolean
  unknown?: boolean
}

export function prune(options: PruneOptions): void {
  const cache = openCache(options, 'required')
  const removed: Array<{ id: string; hash: string; entries: number; bytes: number; reason: string }> = []
  const kept: Array<{ id: string; reason: string }> = []
  // Items in a removed version that persist did not create: they stay, and are reported.
  const keptForeign = new Set<string>()
  const deleted = new Set<string>()
  for (const fn of cache.functions) {
    if (fn.liveHash === undefined && !options.unknown) {
      kept.push({ id: fn.id, reason: 'not in the manifest (pass --unknown to remove)' })
      continue
    }
    for (const hash of fn.hashes) {
      if (isLiveVersion(fn, hash)) continue
      const records = describeEntries(scanVersion(fn, hash).entries, false, 'pruning')
      for (const record of records) deleted.add(record.path)
      removed.push({
        id: fn.id,
        hash,
        entries: records.length,
        bytes: records.reduce((sum, record) => sum + record.size, 0),
        reason: fn.liveHash === undefined ? 'function not in the manifest' : 'version not in the manifest',
      })
      if (!options.dryRun) for (const path of removeTree(cache.root, join(fn.path, hash), 'version').kept) keptForeign.add(path)
    }
    if (!options.dryRun && fn.liveHash === undefined) for (const path of removeTree(cache.root, fn.path, 'function').kept) keptForeign.add(path)
  }
  if (!options.dryRun) tidyStats(cache.root, cache.functions, deleted)
  const blobs = sweepOrphanBlobs(cache.root, cache.functions, deleted, Boolean(options.dryRun))
  const bytes = removed.reduce((sum, version) => sum + version.bytes, 0)
  const data = { dir: cache.root, manifest: cache.manifest!.path, dryRun: Boolean(options.dryRun), removed, kept, keptForeign: [...keptForeign], bytes, orphanBlobs: blobs }
  print(options, data, () => {
    const verb = options.dryRun ? 'would remove' : 'removed'
    const lines = removed.map((version) => `${pc.red('-')} ${version.id} ${shortHash(version.hash)} (${plural(version.entries, 'entry', 'entries')}, ${formatBytes(version.bytes)})`)
    for (const fn of kept) lines.push(pc.dim(`  kept ${fn.id}: ${fn.reason}`))
    lines.push(`${verb} ${plural(removed.length, 'stale version', 'stale versions')}, ${formatBytes(bytes)}`, ...keptLines(data.keptForeign))
    return lines.join('\n')
  })
}
