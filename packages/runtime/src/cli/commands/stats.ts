/**
 * `persist stats`: per function, what the entries on disk hold: how many, how large, and how much compute they
 * stand for (the recorded compute duration of an entry is the time each hit on it saves), and the hits, misses
 * and time saved that processes recorded at exit (`<version>/.stats/*.json`, stores/diskStats.ts).
 */
import { join } from 'node:path'
import pc from 'picocolors'
import { readRecordedStats } from '../../stores/diskStats'
import { describeEntries, groupByVersion, splitObsolete } from '../entries'
import { matchesPattern } from '../functions'
import { formatBytes, formatDuration, renderTable } from '../format'
import { scanFunctions } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'

export interface StatsOptions extends CommonOptions {
  manifest?: string
}

export function stats(pattern: string | undefined, options: StatsOptions): void {
  const cache = openCache(options)
  const functions = cache.functions.filter((fn) => matchesPattern(fn.id, pattern))
  // Entries of an older key format can never be hit: they stand for no entries, bytes or compute a run can use.
  const groups = groupByVersion(splitObsolete(describeEntries(scanFunctions(functions).entries, 'header', 'reading entries')).current)
  const result = functions.map((fn) => {
    const records = fn.hashes.flatMap((hash) => groups.get(`${fn.segment}/${hash}`) ?? [])
    const readable = records.filter((record) => record.info !== undefined)
    const computeMs = readable.reduce((sum, record) => sum + record.info!.durationMs, 0)
    const recorded = fn.hashes.map((hash) => readRecordedStats(join(fn.path, hash)))
    const total = (field: 'hits' | 'misses' | 'timeSavedMs') => recorded.reduce((sum, counts) => sum + counts[field], 0)
    return {
      id: fn.id,
      versions: fn.hashes.length,
      entries: records.length,
      corrupt: records.length - readable.length,
      bytes: records.reduce((sum, record) => sum + record.size, 0),
      /** Total recorded compute time of the entries: what one hit on every entry saves. */
      computeMs,
      meanComputeMs: readable.length > 0 ? computeMs / readable.length : null,
      /** Summed over the processes that recorded their counts at exit, all versions. */
      hits: total('hits'),
      misses: total('misses'),
      timeSavedMs: total('timeSavedMs'),
    }
  })
  const data = {
    dir: cache.root,
    functions: result,
  }
  print(options, data, () => {
    if (result.length === 0) return `no cached functions in ${cache.root}`
    const rows = result.map((fn) => [
      fn.id,
      String(fn.entries) + (fn.corrupt > 0 ? pc.red(` (${fn.corrupt} corrupt)`) : ''),
      formatBytes(fn.bytes),
      formatDuration(fn.computeMs),
      String(fn.hits),
      String(fn.misses),
      formatDuration(fn.timeSavedMs),
    ])
    return `${renderTable(
      [
        { title: 'FUNCTION' },
        { title: 'ENTRIES', align: 'right' },
        { title: 'SIZE', align: 'right' },
        { title: 'COMPUTE STORED', align: 'right' },
        { title: 'HITS', align: 'right' },
        { title: 'MISSES', align: 'right' },
        { title: 'TIME SAVED', align: 'right' },
      ],
      rows,
    )}\n${pc.dim('Hits and misses are those of processes that ended normally (counted at exit), in modes that write the cache.')}`
  })
}
