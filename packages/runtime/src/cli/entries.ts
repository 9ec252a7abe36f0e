/** Entries with what listings need: size and last use from the file, and optionally the header and arguments. */
import { type EntryInfo, readEntryInfo } from './entryInfo'
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
}

/** Stats (and with `readHeaders`, reads the headers of) the entries, with a progress bar on a terminal. */
export function describeEntries(locations: EntryLocation[], readHeaders: false | 'header' | 'args', label: string): EntryRecord[] {
  const progress = createProgress(label, locations.length)
  const records: EntryRecord[] = []
  for (const location of locations) {
    progress.tick()
    const stats = statFile(location.path)
    if (!stats) continue
    const record: EntryRecord = { ...location, size: stats.size, lastUsedMs: stats.mtimeMs }
    if (readHeaders) {
      try {
        record.info = readEntryInfo(location.path, readHeaders === 'args')
      } catch {
        // Corrupt: listed without header fields; `persist verify` removes it.
      }
    }
    records.push(record)
  }
  progress.done()
  return records
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
