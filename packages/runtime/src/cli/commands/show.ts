/** `persist show <id>`: the entries of one function with their arguments, created time, compute time and size. */
import { basename } from 'node:path'
import { inspect } from 'node:util'
import pc from 'picocolors'
import { describeEntries, splitObsolete } from '../entries'
import { findFunction, isLiveVersion } from '../functions'
import { formatBytes, formatDuration, isoTime, renderTable, shortHash } from '../format'
import { scanFunctions } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'

export interface ShowOptions extends CommonOptions {
  manifest?: string
}

const ARGS_WIDTH = 60

function describeArgs(args: unknown[] | undefined): string {
  if (args === undefined) return pc.dim('(not kept)')
  const text = inspect(args, { depth: 4, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 40 }).slice(1, -1).trim()
  return text.length > ARGS_WIDTH ? `${text.slice(0, ARGS_WIDTH - 1)}…` : text
}

export function show(name: string, options: ShowOptions): void {
  const cache = openCache(options)
  const fn = findFunction(cache.functions, name, true)
  // An entry of an older key format is not one of the function's entries any more: no call can hit it.
  const records = splitObsolete(describeEntries(scanFunctions([fn]).entries, 'args', 'reading entries')).current
  records.sort((a, b) => (a.info?.createdAt ?? 0) - (b.info?.createdAt ?? 0))
  const entries = records.map((record) => ({
    version: record.hash,
    live: isLiveVersion(fn, record.hash),
    scope: record.info?.scope ?? (record.scope || null),
    key: basename(record.path),
    args: record.info?.args ?? null,
    argsKept: record.info?.args !== undefined,
    createdAt: isoTime(record.info?.createdAt),
    durationMs: record.info?.durationMs ?? null,
    bytes: record.size,
    corrupt: record.info === undefined,
    path: record.path,
  }))
  print(options, { id: fn.id, dir: fn.segment, liveHash: fn.liveHash ?? null, entries }, () => {
    if (entries.length === 0) return `${fn.id}: no entries`
    const rows = records.map((record) => [
      `${shortHash(record.hash)}${isLiveVersion(fn, record.hash) ? pc.green('*') : ' '}`,
      record.info?.scope ?? (record.scope || ''),
      record.info ? describeArgs(record.info.args) : pc.red('corrupt (run persist verify)'),
      record.info ? new Date(record.info.createdAt).toISOString().replace('T', ' ').slice(0, 19) : '',
      record.info ? formatDuration(record.info.durationMs) : '',
      formatBytes(record.size),
    ])
    return `${pc.bold(fn.id)}\n${renderTable(
      [{ title: 'VERSION' }, { title: 'SCOPE' }, { title: 'ARGUMENTS' }, { title: 'CREATED (UTC)' }, { title: 'COMPUTE', align: 'right' }, { title: 'SIZE', align: 'right' }],
      rows,
    )}${fn.liveHash ? pc.dim('\n* the version the current build uses') : ''}`
  })
}
