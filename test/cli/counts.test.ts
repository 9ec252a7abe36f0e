import { describe, expect, it } from 'vitest'
import { entryFiles, persistCli, useFilledCache } from './helpers'

// One real build and two runs fill a cache (6 entries); every test works on its own copy of it.
const filled = useFilledCache()

/** A cache left with exactly one entry, and the `gc` output that got it there. */
function cacheWithOneEntry(): { cache: string; gcOutput: string } {
  const cache = filled.freshCache()
  const gc = persistCli(['gc', '--max-entries', '1', '--dir', cache])
  expect(gc.status).toBe(0)
  expect(entryFiles(cache)).toHaveLength(1)
  return { cache, gcOutput: gc.stdout }
}

/** Counts whose noun disagrees with the number, or that dodge it with `(s)`. */
const DISAGREEING = /\b1 (entries|functions|versions|blobs|files|items|declarations)\b|\(s\)/

describe('CLI counts agree in number', () => {
  it('gc, ls and clear on a cache with one entry say "1 entry" and "1 function"', () => {
    const { cache, gcOutput } = cacheWithOneEntry()
    expect(gcOutput).toMatch(/^removed 5 of 6 entries \(.+\); 1 entry, .+ remains$/m)
    expect(gcOutput).not.toMatch(DISAGREEING)

    const ls = persistCli(['ls', '--dir', cache]).stdout
    expect(ls).toMatch(/^1 function, /m)
    expect(ls).not.toMatch(DISAGREEING)

    const clear = persistCli(['clear', '--dir', cache]).stdout
    expect(clear).toMatch(/^removed 1 entry \(/m)
    expect(clear).not.toMatch(DISAGREEING)
    expect(entryFiles(cache)).toHaveLength(0)
  })

  it('verify on a cache with one entry says "1 entry checked"', () => {
    const { cache } = cacheWithOneEntry()
    const verify = persistCli(['verify', '--dir', cache]).stdout
    expect(verify).toMatch(/^1 entry checked, 1 intact; removed 0 corrupt entries, /m)
    expect(verify).not.toMatch(DISAGREEING)
  })
})
