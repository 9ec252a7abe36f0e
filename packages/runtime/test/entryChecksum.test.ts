import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { checkEntryFile } from '../src/cli/entryInfo'
import { ChecksumKind, createChecksum } from '../src/value/checksum'
import { entryFiles, persistedFn, useSandbox } from './helpers'

/** Large entries carry a poly1305 checksum instead of crc32 (value/checksum.ts): the same guarantees must hold. */

const flipByte = (at: (size: number) => number) => (file: string) => {
  const bytes = readFileSync(file)
  bytes[at(bytes.length)]! ^= 0x10
  writeFileSync(file, bytes)
}

const damage: [string, (file: string) => void][] = [
  ['bit-flipped in the middle of the payload', flipByte((size) => Math.floor(size / 2))],
  ['bit-flipped in the last byte', flipByte((size) => size - 1)],
  ['bit-flipped in the checksum', flipByte(() => 45)],
  ['with its checksum kind changed', flipByte(() => 7)],
  ['truncated', (file) => truncateSync(file, statSync(file).size - 8)],
]

/** Each one makes an entry over the 256 KB from which poly1305 is used. */
const results: [string, () => unknown][] = [
  ['a typed array', () => new Float64Array(40_000).map((_, i) => i / 3)],
  ['an object holding a typed array', () => ({ data: new Float64Array(40_000).map((_, i) => i / 3), label: 'frame' })],
  ['a v8 value', () => Array.from({ length: 10_000 }, (_, i) => `row ${i} of a table that is large enough`)],
]

describe('large entries', () => {
  const sandbox = useSandbox()

  it.each(results)('%s round-trips through disk, sync and async, and verifies', async (_, make) => {
    const options = () => ({ store: 'disk' as const })
    const sync = persistedFn((_n: number) => make(), { id: 'src/large.ts#sync', options })
    const async = persistedFn(async (_n: number) => make(), { id: 'src/large.ts#async', options })
    sync(1)
    await async(1)
    const syncReader = persistedFn((_n: number): unknown => undefined, { id: 'src/large.ts#sync', options })
    const asyncReader = persistedFn(async (_n: number): Promise<unknown> => undefined, { id: 'src/large.ts#async', options })
    expect(syncReader(1)).toEqual(make())
    expect(await asyncReader(1)).toEqual(make())
    expect(syncReader.calls.count + asyncReader.calls.count).toBe(0)
    const files = entryFiles(join(sandbox.dir(), 'cache'))
    expect(files).toHaveLength(2)
    for (const file of files) {
      expect(readFileSync(file)[7]).toBe(ChecksumKind.Poly1305) // header byte 7: the checksum kind
      expect(checkEntryFile(file)).toEqual({ state: 'ok', blobs: [] })
    }
    expect(sandbox.warnings).toEqual([])
  })

  const cases = damage.flatMap(([what, hurt]) => [true, false].map((isAsync) => [what, isAsync, hurt] as const))

  it.each(cases)('one %s (async function: %s) is a miss with one warning, then overwritten; verify calls it corrupt', async (_, isAsync, hurt) => {
    const make = () => ({ data: new Float64Array(40_000).map((_, i) => i / 3) })
    const f = persistedFn<[number], unknown>(isAsync ? async (_n: number) => make() : (_n: number) => make(), { options: () => ({ store: 'disk' }) })
    await f(1)
    const [file] = entryFiles(join(sandbox.dir(), 'cache'))
    hurt(file!)
    expect(checkEntryFile(file!).state).toBe('corrupt')
    expect(await f(1)).toEqual(make())
    expect(f.calls.count).toBe(2)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toContain(file)
    expect(checkEntryFile(file!)).toEqual({ state: 'ok', blobs: [] })
    expect(await f(1)).toEqual(make())
    expect(f.calls.count).toBe(2)
  })
})

describe('checksums', () => {
  it.each([ChecksumKind.Crc32, ChecksumKind.Poly1305])('kind %i does not depend on how the bytes are split', (kind) => {
    const bytes = new Uint8Array(100_003).map((_, i) => (i * 31) % 251)
    const whole = createChecksum(kind)!
    whole.update(bytes)
    const expected = whole.digest()
    for (const cuts of [[40], [1, 2, 3, 17, 40, 4096], [15, 16, 33, 99_999], [65_536]]) {
      const split = createChecksum(kind)!
      let start = 0
      for (const cut of [...cuts, bytes.length]) {
        split.update(bytes.subarray(start, cut))
        start = cut
      }
      expect(split.digest().equals(expected)).toBe(true)
    }
    const flipped = createChecksum(kind)!
    flipped.update(bytes.map((byte, i) => (i === 50_000 ? byte ^ 1 : byte)))
    expect(flipped.digest().equals(expected)).toBe(false)
  })
})

describe('entries of format 1 (crc32 only, before poly1305 came in)', () => {
  const sandbox = useSandbox()

  it('are still hits', () => {
    const f = persistedFn((x: number) => ({ doubled: x * 2 }), { options: () => ({ store: 'disk' }) })
    f(21)
    const [file] = entryFiles(join(sandbox.dir(), 'cache'))
    const bytes = readFileSync(file!)
    expect(bytes[4]).toBe(2)
    bytes[4] = 1
    bytes.writeUInt32LE(crc32(bytes.subarray(48), crc32(bytes.subarray(0, 40))), 40)
    writeFileSync(file!, bytes)
    expect(f(21)).toEqual({ doubled: 42 })
    expect(f.calls.count).toBe(1)
    expect(sandbox.warnings).toEqual([])
  })
})
