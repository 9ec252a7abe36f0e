/** Binary values recalled from disk own their memory: nothing aliases the buffer an entry was read into (issue 11, item 1). */
import { describe, expect, it } from 'vitest'
import { persisted } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

/** A result holding small binary values of several kinds, each filled with `n`. */
function binaryResult(n: number) {
  return {
    bytes: new Uint8Array(16).fill(n),
    floats: new Float64Array(3).fill(n),
    buffer: Buffer.alloc(5, n),
    view: new DataView(new Uint8Array(4).fill(n).buffer),
  }
}

/** Every binary value in a recalled result, with what it must hold. */
function viewsOf(result: ReturnType<typeof binaryResult>): ArrayBufferView[] {
  return [result.bytes, result.floats, result.buffer, result.view]
}

describe('binary values recalled from small entries', () => {
  const sandbox = useSandbox()

  it('keep their own bytes after later reads, and their .buffer holds nothing else', () => {
    const id = 'test/owned.ts#binary'
    const first = persistedFn(binaryResult, { id })
    for (const n of [1, 2, 3]) first(n)
    // A new registration is a new run: its memory tier is empty, so every value comes from disk.
    const second = persistedFn(binaryResult, { id })
    const recalled = [1, 2, 3].map((n) => second(n))
    expect(second.calls.count).toBe(0)
    const buffers = new Set<ArrayBufferLike>()
    recalled.forEach((result, i) => {
      expect(result).toEqual(binaryResult(i + 1))
      for (const view of viewsOf(result)) {
        expect(view.byteOffset).toBe(0)
        expect(view.buffer.byteLength).toBe(view.byteLength)
        buffers.add(view.buffer)
      }
    })
    expect(buffers.size).toBe(recalled.length * 4)
    // The memory tier holds the same, unchanged values.
    expect([1, 2, 3].map((n) => second(n))).toEqual([1, 2, 3].map(binaryResult))
  })

  it('that are empty are recalled too, not taken for corrupt entries', () => {
    const make = (kind: number) => [new Uint8Array(0), new ArrayBuffer(0), Buffer.alloc(0), { empty: new Float64Array(0) }][kind]
    const id = 'test/owned.ts#empty'
    const first = persistedFn(make, { id })
    for (const kind of [0, 1, 2, 3]) first(kind)
    const second = persistedFn(make, { id })
    for (const kind of [0, 1, 2, 3]) expect(second(kind)).toEqual(make(kind))
    expect(second.calls.count).toBe(0)
    expect(sandbox.warnings).toEqual([])
  })

  it('listed by entries() as arguments own their memory too', async () => {
    const id = 'test/owned.ts#args'
    const f = persistedFn((bytes: Uint8Array) => bytes.length, { id })
    f(new Uint8Array(8).fill(7))
    f(new Uint8Array(8).fill(9))
    const listed: Uint8Array[] = []
    for await (const entry of persisted(f).entries()) listed.push(entry.args![0] as Uint8Array)
    expect(listed.map((bytes) => bytes[0]).sort()).toEqual([7, 9])
    for (const bytes of listed) expect(bytes.buffer.byteLength).toBe(8)
  })
})
