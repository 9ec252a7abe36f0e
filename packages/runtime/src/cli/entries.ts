/** Entries with what listings need: size and last use from the file, and optionally the header and arguments. */
import { type EntryInfo, readEntryFileState, readEntryInfo } from './entryInfo'
import { type EntryLocation, statFile } from './layoutScan'
import { createProgress } from './progress'

export interface EntryRecord extends EntryLocation {
  size: number
  /**
   * When persist last wrote (or, once the runtime records it, last used) the entry: the file's mtime, which the
   * runtime sets by writing the entry. Never the atime, which many systems do not keep.
   */
  lastUsedMs: number
  /** Header fields; undefined when not asked for or the entry is corrupt. */
  info?: EntryInfo
  /**
   * Written under an older key format, so no call can hit it again (value/entryFile.ts): listings do not count it,
   * `gc` removes it. Known only when headers (or, with 'keyFormat', their first 48 bytes) were read.
   */
  obsolete?: boolean
}

/**
 * How much of each entry to read: false only stats it; 'keyFormat' reads its 48 header bytes (whether it is
 * obsolete); 'header' verifies it and reads its metadata; 'args' its arguments too.
 */
export type EntryDetail = false | 'keyFormat' | 'header' | 'args'

/** Stats (and with `readHeaders`, reads the headers of) the entries, with a progress bar on a terminal. */
export function describeEntries(locations: EntryLocation[], readHeaders: EntryDetail, label: string): EntryRecord[] {
  const progress = createProgress(label, locations.length)
  const records: EntryRecord[] = []
  for (const location of locations) {
    progress.tick()
    // One open, fstat and 48-byte read instead of a stat: the same walk then knows which entries are obsolete.
    const stats: { size: number; mtimeMs: number; obsolete?: boolean } | undefined =
      readHeaders === 'keyFormat' ? readEntryFileState(location.path) : statFile(location.path)
    if (!stats) continue
    const record: EntryRecord = { ...location, size: stats.size, lastUsedMs: stats.mtimeMs }
    if (stats.obsolete !== undefined) record.obsolete = stats.obsolete
    if (readHeaders === 'header' || readHeaders === 'args') {
      try {
        record.info = readEntryInfo(location.path, readHeaders === 'args')
        record.obsolete = record.info.obsolete
      } catch {
        // Corrupt: listed without header fields; `persist verify` removes it.
      }
    }
    records.push(record)
  }
  progress.done()
  return records
}

/** The records of entries a current runtime can still hit, and those of an older key format (never counted). */
export function splitObsolete(records: EntryRecord[]): { current: EntryRecord[]; obsolete: EntryRecord[] } {
  const current: EntryRecord[] = []
  const obsolete: EntryRecord[] = []
  for (const record of records) (record.obsolete ? obsolete : current).push(record)
  return { current, obsolete }
}

/** Records grouped by function directory and version: `groupByVersion(records).get(segment + '/' + hash)`. */
export function groupByVersion(records: EntryRecord[]): Map<string, EntryRecord[]> {
  const groups = new Map<string, EntryRecord[]>()
  for (const record of records) {
    const key = `${record.segment}/${record.hash}`
    const group = groups.get(key)
    if (group) group.push(record)
    else groups.set(key, [record])
  }
  return groups
}
