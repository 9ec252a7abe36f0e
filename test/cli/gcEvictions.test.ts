import { describe, expect, it } from 'vitest'
import { chooseEvictions } from '../../packages/runtime/src/cli/commands/gc'
import type { EntryRecord } from '../../packages/runtime/src/cli/entries'

const NOW = 1_000_000_000
const DAY = 86_400_000

/** Entries named by their age in days, each of `size` bytes. */
function records(ages: number[], size = 100): EntryRecord[] {
  return ages.map((days) => ({ path: `e${days}`, segment: 'f', hash: 'h', scope: '', size, lastUsedMs: NOW - days * DAY }))
}

const paths = (list: EntryRecord[]) => list.map((record) => record.path)

describe('persist gc: which entries go', () => {
  it('evicts least recently used first, only until every limit holds', () => {
    const all = records([1, 5, 3, 9, 2])
    expect(paths(chooseEvictions(all, { maxEntries: 3 }, NOW))).toEqual(['e9', 'e5'])
    expect(paths(chooseEvictions(all, { maxBytes: 250 }, NOW))).toEqual(['e9', 'e5', 'e3'])
    expect(paths(chooseEvictions(all, { maxAgeMs: 2.5 * DAY }, NOW))).toEqual(['e9', 'e5', 'e3'])
    expect(paths(chooseEvictions(all, { maxEntries: 10, maxBytes: 10_000, maxAgeMs: 30 * DAY }, NOW))).toEqual([])
  })

  it('applies the strictest of several limits', () => {
    const all = records([1, 5, 3, 9, 2])
    expect(paths(chooseEvictions(all, { maxEntries: 4, maxAgeMs: 4 * DAY }, NOW))).toEqual(['e9', 'e5'])
    expect(paths(chooseEvictions(all, { maxEntries: 1, maxAgeMs: 4 * DAY }, NOW))).toEqual(['e9', 'e5', 'e3', 'e2'])
    expect(paths(chooseEvictions(all, { maxEntries: 0 }, NOW))).toHaveLength(5)
  })

  it('weighs bytes, not counts, against --max-bytes', () => {
    const all = [...records([8], 1000), ...records([1, 2, 3], 10)]
    expect(paths(chooseEvictions(all, { maxBytes: 100 }, NOW))).toEqual(['e8'])
  })
})
