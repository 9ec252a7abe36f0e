/**
 * `persist clear [id] [--scope s]`: removes every entry of one function, of one scope (of one function or of
 * all), or of the whole cache. The directory itself, its tag and the build manifest stay.
 */
import { join } from 'node:path'
import { SCOPE_PREFIX, toSegment } from '../../stores/layout'
import { sweepOrphanBlobs } from '../blobs'
import { describeEntries } from '../entries'
import { findFunction, type KnownFunction } from '../functions'
import { formatBytes, plural } from '../format'
import { scanFunctions } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'
import { keptLines, removeTree } from '../remove'
import { tidyStats } from '../tidyStats'
import { addRemoval, type Removal } from '../../stores/removeOwned'

export interface ClearOptions extends CommonOptions {
  scope?: string
  dryRun?: boolean
}

export function clear(name: string | undefined, options: ClearOptions): void {
  const cache = openCache(options)
  // Deleting needs the exact id: a substring could name the wrong function.
  const functions: KnownFunction[] = name === undefined ? cache.functions : [findFunction(cache.functions, name, false)]
  const scope = options.scope === undefined ? undefined : String(options.scope)
  const scopeSegment = scope === undefined ? undefined : toSegment(scope)
  const records = describeEntries(scanFunctions(functions).entries, false, 'clearing').filter(
    (record) => scopeSegment === undefined || record.scope === scopeSegment,
  )
  // What was found, for a dry run; what was removed otherwise (a concurrent writer may add or replace entries meanwhile).
  const done: Removal = { entries: records.length, bytes: records.reduce((sum, record) => sum + record.size, 0), kept: [] }
  if (!options.dryRun) {
    done.entries = 0
    done.bytes = 0
    for (const fn of functions) {
      if (scopeSegment === undefined) addRemoval(done, removeTree(cache.root, fn.path, 'function'))
      else for (const hash of fn.hashes) addRemoval(done, removeTree(cache.root, join(fn.path, hash, SCOPE_PREFIX + scopeSegment), 'bucket'))
    }
    tidyStats(cache.root, functions, records.map((record) => record.path))
  }
  const blobs = sweepOrphanBlobs(cache.root, cache.functions, new Set(records.map((record) => record.path)), Boolean(options.dryRun))
  const data = {
    dir: cache.root,
    dryRun: Boolean(options.dryRun),
    functions: functions.map((fn) => fn.id),
    scope: scope ?? null,
    entries: done.entries,
    bytes: done.bytes,
    kept: done.kept,
    orphanBlobs: blobs,
  }
  print(options, data, () => {
    const what = `${name === undefined ? 'all functions' : functions[0]!.id}${scope === undefined ? '' : `, scope ${JSON.stringify(scope)}`}`
    const line = `${options.dryRun ? 'would remove' : 'removed'} ${plural(done.entries, 'entry', 'entries')} (${formatBytes(done.bytes)}) of ${what}`
    return [line, ...keptLines(done.kept)].join('\n')
  })
}
