/**
 * `persist gc`: least-recently-used eviction across the whole cache. Entries older than `--max-age` go first,
 * then the least recently used until the cache fits `--max-entries` and `--max-bytes`. "Used" is the time
 * persist itself recorded on the entry file (see entries.ts), never the atime.
 */
import { dirname } from 'node:path'
import { sweepOrphanBlobs } from '../blobs'
import { describeEntries, type EntryRecord, splitObsolete } from '../entries'
import { UsageError } from '../errors'
import { formatBytes, plural } from '../format'
import { scanFunctions } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'
import { removeEmptyDirs, removeFile } from '../remove'
import { tidyStats } from '../tidyStats'
import { parseAge, parseCount, parseSize } from '../units'

export interface GcOptions extends CommonOptions {
  maxBytes?: string
  maxEntries?: string
  maxAge?: string
  dryRun?: boolean
}

/** The entries to evict, oldest use first. */
export function chooseEvictions(
  records: EntryRecord[],
  limits: { maxBytes?: number; maxEntries?: number; maxAgeMs?: number },
  now: number,
): EntryRecord[] {
  const byUse = [...records].sort((a, b) => a.lastUsedMs - b.lastUsedMs)
  let count = byUse.length
  let bytes = byUse.reduce((sum, record) => sum + record.size, 0)
  const evicted: EntryRecord[] = []
  for (const record of byUse) {
    const tooOld = limits.maxAgeMs !== undefined && now - record.lastUsedMs > limits.maxAgeMs
    const tooMany = limits.maxEntries !== undefined && count > limits.maxEntries
    const tooBig = limits.maxBytes !== undefined && bytes > limits.maxBytes
    if (!tooOld && !tooMany && !tooBig) break
    evicted.push(record)
    count--
    bytes -= record.size
  }
  return evicted
}

export function gc(options: GcOptions): void {
  const limits = {
    maxBytes: options.maxBytes === undefined ? undefined : parseSize(options.maxBytes, '--max-bytes'),
    maxEntries: options.maxEntries === undefined ? undefined : parseCount(options.maxEntries, '--max-entries'),
    maxAgeMs: options.maxAge === undefined ? undefined : parseAge(options.maxAge, '--max-age'),
  }
  if (limits.maxBytes === undefined && limits.maxEntries === undefined && limits.maxAgeMs === undefined) {
    throw new UsageError('persist gc needs at least one limit: --max-bytes <size>, --max-entries <n> or --max-age <age>.')
  }
  const cache = openCache(options)
  // Entries of an older key format can never be hit again: they go whatever the limits, and do not count against them.
  const { current: records, obsolete } = splitObsolete(describeEntries(scanFunctions(cache.functions).entries, 'keyFormat', 'scanning'))
  const evicted = chooseEvictions(records, limits, Date.now())
  if (!options.dryRun) {
    for (const record of [...obsolete, ...evicted]) {
      removeFile(cache.root, record.path)
      removeEmptyDirs(cache.root, dirname(record.path))
    }
    tidyStats(cache.root, cache.functions, evicted.map((record) => record.path))
  }
  const deleted = new Set([...obsolete, ...evicted].map((record) => record.path))
  const blobs = sweepOrphanBlobs(cache.root, cache.functions, deleted, Boolean(options.dryRun))
  const obsoleteBytes = obsolete.reduce((sum, record) => sum + record.size, 0)
  const freed = evicted.reduce((sum, record) => sum + record.size, 0)
  const total = records.reduce((sum, record) => sum + record.size, 0)
  const data = {
    dir: cache.root,
    dryRun: Boolean(options.dryRun),
    before: { entries: records.length, bytes: total },
    after: { entries: records.length - evicted.length, bytes: total - freed },
    removed: evicted.map((record) => ({ path: record.path, bytes: record.size, lastUsed: new Date(record.lastUsedMs).toISOString() })),
    /** Entries of an older key format, removed besides the evictions (not counted in before/after). */
    obsolete: { entries: obsolete.length, bytes: obsoleteBytes, paths: obsolete.map((record) => record.path) },
    orphanBlobs: blobs,
  }
  print(options, data, () => {
    const verb = options.dryRun ? 'would remove' : 'removed'
    return `${verb} ${evicted.length} of ${plural(records.length, 'entry', 'entries')} (${formatBytes(freed)}); ${plural(data.after.entries, 'entry', 'entries')}, ${formatBytes(data.after.bytes)} ${data.after.entries === 1 ? 'remains' : 'remain'}` +
      (obsolete.length > 0 ? `; ${verb} ${plural(obsolete.length, 'entry', 'entries')} of an older key format, which no call can hit (${formatBytes(obsoleteBytes)})` : '') +
      (blobs.removed.length > 0 ? `; ${verb} ${plural(blobs.removed.length, 'out-file blob', 'out-file blobs')} no entry needs (${formatBytes(blobs.bytes)})` : '')
  })
}
