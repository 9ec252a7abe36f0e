// A lone surrogate (what `s.slice(0, n)` leaves of an emoji) has no UTF-8 form: anything that hashes or names a
// string through UTF-8 sees U+FFFD instead. Each test here is one place where that made two different strings one.
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { persisted, random, stableHash } from '../src/index'
import { encodeValue } from '../src/key/encode'
import { entryFiles, persistedFn, useSandbox } from './helpers'

const LEAD = '\uD800'
const TRAIL = '\uDC00'
const REPLACEMENT = '\uFFFD'
const [SMILE_LEAD, SMILE_TRAIL] = ['😀'[0]!, '😀'[1]!]

describe('lone surrogates in keys', () => {
  const sandbox = useSandbox()
  const cache = () => join(sandbox.dir(), 'cache')

  // store: 'disk' leaves the memory tier out, so every call is answered by the disk key alone.
  it.each([
    ['a lone lead and U+FFFD', [LEAD, ''], [REPLACEMENT, '']],
    ['a lone trail and U+FFFD', [TRAIL, ''], [REPLACEMENT, '']],
    ['a lone lead and a lone trail', [LEAD, ''], [TRAIL, '']],
    ['an emoji split across two arguments, in either order', [SMILE_LEAD, SMILE_TRAIL], [SMILE_TRAIL, SMILE_LEAD]],
    ['an emoji split across two arguments and two U+FFFD', [SMILE_LEAD, SMILE_TRAIL], [REPLACEMENT, REPLACEMENT]],
    ['a lone surrogate inside an object key', [`{${LEAD}}`, 'x'], [`{${REPLACEMENT}}`, 'x']],
  ])('%s get an entry each on disk', (_, first, second) => {
    const f = persistedFn((a: string, b: string) => ({ a, b }), { options: () => ({ store: 'disk' }) })
    expect(f(first[0]!, first[1]!)).toEqual({ a: first[0], b: first[1] })
    expect(f(second[0]!, second[1]!)).toEqual({ a: second[0], b: second[1] })
    expect(f.calls.count).toBe(2)
    expect(entryFiles(cache())).toHaveLength(2)
    // Each is a hit of its own entry.
    expect(f(first[0]!, first[1]!)).toEqual({ a: first[0], b: first[1] })
    expect(f(second[0]!, second[1]!)).toEqual({ a: second[0], b: second[1] })
    expect(f.calls.count).toBe(2)
  })

  it('keeps scopes that differ only in a lone surrogate apart, and clear({ scope }) removes only its own', async () => {
    let user = LEAD
    const f = persistedFn((x: number) => `${user}:${x}`, { options: () => ({ store: 'disk', scope: () => user }) })
    expect(f(1)).toBe(`${LEAD}:1`)
    user = REPLACEMENT
    expect(f(1)).toBe(`${REPLACEMENT}:1`)
    expect(f.calls.count).toBe(2)
    await persisted(f).clear({ scope: LEAD })
    expect(f(1)).toBe(`${REPLACEMENT}:1`)
    expect(f.calls.count).toBe(2)
    user = LEAD
    expect(f(1)).toBe(`${LEAD}:1`)
    expect(f.calls.count).toBe(3)
  })

  it('keeps versions that differ only in a lone surrogate apart', () => {
    const id = 'src/v.ts#f'
    const lone = persistedFn(() => 'lone', { id, options: () => ({ store: 'disk', version: LEAD }) })
    const replacement = persistedFn(() => 'replacement', { id, options: () => ({ store: 'disk', version: REPLACEMENT }) })
    expect(lone()).toBe('lone')
    expect(replacement()).toBe('replacement')
    expect(lone()).toBe('lone')
    expect(lone.calls.count + replacement.calls.count).toBe(2)
  })

  it('keeps functions whose name options differ only in a lone surrogate apart', () => {
    const lone = persistedFn(() => 'lone', { id: 'src/a.ts#f', options: () => ({ store: 'disk', name: `job${LEAD}` }) })
    const replacement = persistedFn(() => 'replacement', { id: 'src/b.ts#f', options: () => ({ store: 'disk', name: `job${REPLACEMENT}` }) })
    expect(lone()).toBe('lone')
    expect(replacement()).toBe('replacement')
    expect(entryFiles(cache())).toHaveLength(2)
  })

  it('draws different random numbers for arguments that differ only in a lone surrogate', () => {
    const f = persistedFn((_s: string) => [random(), random()], { options: () => ({ store: 'memory' }) })
    expect(f(LEAD)).not.toEqual(f(REPLACEMENT))
    expect(f(SMILE_LEAD + SMILE_TRAIL)).not.toEqual(f(REPLACEMENT + REPLACEMENT))
  })
})

describe('stableHash and lone surrogates', () => {
  it('hashes a lone surrogate apart from U+FFFD and from the other half', () => {
    const hashes = [LEAD, TRAIL, REPLACEMENT, SMILE_LEAD + SMILE_TRAIL, SMILE_TRAIL + SMILE_LEAD].map((text) => stableHash({ text }))
    expect(new Set(hashes).size).toBe(hashes.length)
  })

  it('hashes well-formed text as before (the sha256 of the encoding in UTF-8), so stored hashes stay valid', () => {
    for (const value of ['plain', 'ü/名前', '😀', { [REPLACEMENT]: [1, '😀'] }]) {
      expect(stableHash(value)).toBe(createHash('sha256').update(encodeValue(value)).digest('hex'))
    }
  })
})
