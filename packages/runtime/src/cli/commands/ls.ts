/** `persist ls [pattern]`: functions, their versions, entry counts, bytes and last use; the live version marked. */
import pc from 'picocolors'
import { describeEntries, groupByVersion, splitObsolete } from '../entries'
import { isLiveVersion, matchesPattern } from '../functions'
import { formatAgo, formatBytes, isoTime, plural, renderTable, shortHash } from '../format'
import { scanFunctions } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'

export interface LsOptions extends CommonOptions {
  manifest?: string
}

interface VersionRow {
  hash: string
  live: boolean
  entries: number
  bytes: number
  lastUsed: string | null
  lastUsedMs: number | undefined
}

export function ls(pattern: string | undefined, options: LsOptions): void {
  const cache = openCache(options)
  const functions = cache.functions.filter((fn) => matchesPattern(fn.id, pattern))
  // Entries of an older key format can never be hit: not counted, only mentioned (gc and verify remove them).
  const { current, obsolete } = splitObsolete(describeEntries(scanFunctions(functions).entries, 'keyFormat', 'listing'))
  const groups = groupByVersion(current)
  const obsoleteBytes = obsolete.reduce((sum, record) => sum + record.size, 0)
  const result = functions.map((fn) => {
    const versions: VersionRow[] = fn.hashes.map((hash) => {
      const mine = groups.get(`${fn.segment}/${hash}`) ?? []
      const lastUsedMs = mine.length > 0 ? mine.reduce((latest, record) => Math.max(latest, record.lastUsedMs), 0) : undefined
      return {
        hash,
        live: isLiveVersion(fn, hash),
        entries: mine.length,
        bytes: mine.reduce((sum, record) => sum + record.size, 0),
        lastUsed: isoTime(lastUsedMs),
        lastUsedMs,
      }
    })
    return {
      id: fn.id,
      dir: fn.segment,
      inManifest: fn.liveHash !== undefined,
      entries: versions.reduce((sum, version) => sum + version.entries, 0),
      bytes: versions.reduce((sum, version) => sum + version.bytes, 0),
      versions,
    }
  })
  const data = {
    dir: cache.root,
    manifest: cache.manifest?.path ?? null,
    functions: result.map(({ versions, ...fn }) => ({ ...fn, versions: versions.map(({ lastUsedMs: _ms, ...version }) => version) })),
    obsolete: { entries: obsolete.length, bytes: obsoleteBytes },
  }
  print(options, data, () => {
    if (result.length === 0) return pattern ? `no cached function matches ${JSON.stringify(pattern)} in ${cache.root}` : `no cached functions in ${cache.root}`
    const rows = result.flatMap((fn) =>
      fn.versions.map((version, i) => [
        i === 0 ? fn.id : '',
        shortHash(version.hash),
        version.live ? pc.green('live') : fn.inManifest ? pc.dim('stale') : pc.dim('not built'),
        String(version.entries),
        formatBytes(version.bytes),
        version.lastUsedMs === undefined ? '-' : formatAgo(version.lastUsedMs),
      ]),
    )
    const total = result.reduce((sum, fn) => sum + fn.bytes, 0)
    const note =
      (cache.manifest ? '' : pc.dim('\n(no build manifest found: live versions are not marked)')) +
      (obsolete.length > 0
        ? pc.dim(`\n(${plural(obsolete.length, 'entry', 'entries')} of an older key format, ${formatBytes(obsoleteBytes)}, not counted: no call can hit them; persist gc or persist verify removes them)`)
        : '')
    return `${renderTable(
      [{ title: 'FUNCTION' }, { title: 'VERSION' }, { title: 'STATE' }, { title: 'ENTRIES', align: 'right' }, { title: 'SIZE', align: 'right' }, { title: 'LAST USE' }],
      rows,
    )}\n${pc.dim(`${plural(result.length, 'function', 'functions')}, ${formatBytes(total)} in ${cache.root}`)}${note}`
  })
}
