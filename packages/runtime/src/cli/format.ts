/** Human renderings: sizes, durations, times and aligned tables. */
import pc from 'picocolors'
import { hashOfVersionDir, versionSuffixOf } from '../stores/layout'

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/**
 * A count with its noun in agreement: `plural(1, 'entry', 'entries')` → `1 entry`, `plural(2, …)` → `2 entries`.
 * Every CLI message that counts something goes through here, so none says `1 entries` or `function(s)`.
 */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`
}

export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}

/** `3 min ago`, `2 d ago`; a date far in the past reads as its ISO day. */
export function formatAgo(time: number, now = Date.now()): string {
  const ms = Math.max(0, now - time)
  if (ms < 60_000) return 'just now'
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`
  if (ms < 60 * 86_400_000) return `${Math.floor(ms / 86_400_000)} d ago`
  return new Date(time).toISOString().slice(0, 10)
}

export function isoTime(time: number | undefined): string | null {
  return time === undefined || !Number.isFinite(time) ? null : new Date(time).toISOString()
}

/**
 * Hashes are long; 12 characters identify one in practice, and `adopt --from` accepts a unique prefix. A version
 * directory keeps its `version` option whole: `3f2a…@v2` → `3f2a9c41d0e7@v2`.
 */
export function shortHash(versionDir: string): string {
  const hash = hashOfVersionDir(versionDir)
  return (hash.length > 12 ? hash.slice(0, 12) : hash) + versionSuffixOf(versionDir)
}

// Colour codes take no room on screen: pad by the visible length.
// oxlint-disable-next-line no-control-regex -- matching the escape character is the point
const ANSI_RE = /\x1b\[[0-9;]*m/g

function visibleLength(text: string): number {
  return text.replace(ANSI_RE, '').length
}

export interface Column {
  title: string
  align?: 'left' | 'right'
}

/** An aligned table with a dim header row; right-aligned columns for numbers. */
export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((column, i) => Math.max(column.title.length, ...rows.map((row) => visibleLength(row[i] ?? ''))))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - visibleLength(cell))
        return columns[i]!.align === 'right' ? pad + cell : cell + pad
      })
      .join('  ')
      .trimEnd()
  return [pc.dim(line(columns.map((column) => column.title))), ...rows.map(line)].join('\n')
}
