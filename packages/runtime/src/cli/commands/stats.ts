/**
 * `persist stats`: per function, what the entries on disk hold: how many, how large, and how much compute they
 * stand for (the recorded compute duration of an entry is the time each hit on it saves). The runtime counts
 * hits and misses in memory only, so they are reported as unknown (null) rather than guessed.
 */
import pc from 'picocolors'
import { describeEntries, groupByVersion } from '../entries'
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
  const groups = groupByVersion(describeEntries(scanFunctions(functions).entries, 'header', 'reading entries'))
  const result = functions.map((fn) => {
    const records = fn.hashes.flatMap((hash) => groups.get(`${fn.segment}/${hash}`) ?? [])
    const readable = records.filter((record) => record.info !== undefined)
    const computeMs = readable.reduce((sum, record) => sum + record.info!.durationMs, 0)
    return {
      id: fn.id,
      versions: fn.hashes.length,
      entries: records.length,
      corrupt: records.length - readable.length,
      bytes: records.reduce((sum, record) => sum + record.size, 0),
      /** Total recorded compute time of the entries: what one hit on every entry saves. */
      computeMs,
      meanComputeMs: readable.length > 0 ? computeMs / readable.length : null,
      hits: null,
      misses: null,
      timeSavedMs: null,
    }
  })
  const data = {
    dir: cache.root,
    countersRecorded: false,
    note: 'hits, misses and time saved are counted per process (persisted(fn).stats()); the cache does not record them on disk',
    functions: result,
  }
  print(options, data, () => {
    if (result.length === 0) return `no cached functions in ${cache.root}`
    const rows = result.map((fn) => [
      fn.id,
      String(fn.entries) + (fn.corrupt > 0 ? pc.red(` (${fn.corrupt} corrupt)`) : ''),
      formatBytes(fn.bytes),
      formatDuration(fn.computeMs),
      fn.meanComputeMs === null ? '-' : formatDuration(fn.meanComputeMs),
    ])
    return `${renderTable(
      [{ title: 'FUNCTION' }, { title: 'ENTRIES', align: 'right' }, { title: 'SIZE', align: 'right' }, { title: 'COMPUTE STORED', align: 'right' }, { title: 'SAVED PER HIT', align: 'right' }],
      rows,
    )}\n${pc.dim('Hits and misses are not recorded on disk; persisted(fn).stats() gives them for a running process.')}`
  })
}
