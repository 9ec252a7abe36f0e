import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KEY_FORMAT } from '../src/key/encode'
import { persisted } from '../src/index'
import { Codec, decodeEntry, encodeEntry, isObsoleteKeyFormat, OtherKeyFormatError, readHeader } from '../src/value/entryFile'
import { persistedFn, useSandbox } from './helpers'
import { copyWithKeyFormat, withKeyFormat } from './olderKeyFormat'

const sandbox = useSandbox()

/** A path in the same version directory as `entry`, named like a key of another format would be. */
function pathBeside(entry: string, seed: string): string {
  const digest = createHash('sha256').update(seed).digest('hex')
  return join(dirname(dirname(entry)), digest.slice(0, 2), digest)
}

async function listedArgs(fn: (x: number) => unknown): Promise<unknown[]> {
  const listed: unknown[] = []
  for await (const entry of persisted(fn).entries()) listed.push(entry.args)
  return listed.sort()
}

describe('entries written under another key format', () => {
  it('entries() lists each call once after an upgrade: entries of the older key format are skipped without a warning', async () => {
    const f = persistedFn((x: number) => x * 2)
    f(1)
    f(2)
    // As the previous version left them: the same calls under their format-2 names, next to the current ones.
    for (const x of [1, 2]) {
      const current = (await persisted(f).path(x))!
      copyWithKeyFormat(current, pathBeside(current, `format 2 ${x}`), 0)
    }
    expect(await listedArgs(f)).toEqual([[1], [2]])
    expect(sandbox.warnings).toEqual([])
  })

  it('entries() skips entries of a newer key format too (a newer persist sharing the cache) and leaves them in place', async () => {
    const f = persistedFn((x: number) => x * 2)
    f(1)
    const current = (await persisted(f).path(1))!
    const newer = pathBeside(current, 'format next')
    copyWithKeyFormat(current, newer, KEY_FORMAT + 1)
    expect(await listedArgs(f)).toEqual([[1]])
    expect(existsSync(newer)).toBe(true)
    expect(sandbox.warnings).toEqual([])
  })

  /** A writer that stores `value` for f(1), and a reader of the same function that would compute 'fresh'. */
  function writerAndReader(id: string, value: string) {
    const options = () => ({ store: 'disk' as const })
    const writer = persistedFn((_x: number) => value, { id, options })
    const reader = persistedFn((_x: number) => 'fresh', { id, options })
    return { writer, reader }
  }

  it('an entry of the current key format is recalled from disk', async () => {
    const { writer, reader } = writerAndReader('src/k.ts#current', 'stored')
    writer(1)
    expect(reader(1)).toBe('stored')
    expect(reader.calls.count).toBe(0)
  })

  it('an entry of another key format is never served, even under the current key\'s name: the call is computed', async () => {
    for (const keyFormat of [0, KEY_FORMAT - 1, KEY_FORMAT + 1]) {
      const { writer, reader } = writerAndReader(`src/k.ts#format${keyFormat}`, 'stored')
      writer(1)
      const path = (await persisted(writer).path(1))!
      copyWithKeyFormat(path, path, keyFormat)
      expect(reader(1)).toBe('fresh')
      expect(reader.calls.count).toBe(1)
    }
    expect(sandbox.warnings).toEqual([])
  })

  it('whatever the key format byte, an intact entry decodes to its value exactly when it is the current one; only older ones are obsolete', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.oneof(fc.constant(KEY_FORMAT), fc.integer({ min: 0, max: 255 })), (value, keyFormat) => {
        const encoded = encodeEntry(value, { createdAt: 1, durationMs: 2 }, [value], { codec: Codec.V8 })
        const bytes = withKeyFormat(Buffer.concat(encoded.parts), keyFormat)
        expect(isObsoleteKeyFormat(readHeader(bytes, bytes.length))).toBe(keyFormat < KEY_FORMAT)
        if (keyFormat === KEY_FORMAT) expect(decodeEntry(bytes, { codec: Codec.V8 }).value).toEqual(value)
        else expect(() => decodeEntry(bytes, { codec: Codec.V8 })).toThrow(OtherKeyFormatError)
      }),
    )
  })
})
