import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configure, persisted } from '../src/index'
import { toSegment } from '../src/stores/layout'
import { Codec, decodeEntry } from '../src/value/entryFile'
import { entryFiles, persistedFn, useSandbox } from './helpers'

describe('disk layout', () => {
  const sandbox = useSandbox()

  it('writes <dir>/<id>/<hash>/<shard>/<key>, tags the directory and leaves no temporary file', () => {
    const f = persistedFn((x: number) => x * 2, { id: 'src/jobs.ts#load', hash: 'abc123', options: () => ({ store: 'disk' }) })
    for (let i = 0; i < 20; i++) f(i)
    const cache = join(sandbox.dir(), 'cache')
    const files = entryFiles(cache)
    expect(files).toHaveLength(20)
    for (const file of files) {
      const rel = file.slice(cache.length + 1).split('/')
      expect(rel[0]).toBe('src__jobs.ts#load')
      expect(rel[1]).toBe('abc123')
      expect(rel[3]).toMatch(/^[0-9a-f]{64}$/)
      expect(rel[2]).toBe(rel[3]!.slice(0, 2))
    }
    expect(readFileSync(join(cache, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55/)
  })

  it('keeps ids readable and inside the directory', () => {
    expect(toSegment('src/jobs.ts#load')).toBe('src__jobs.ts#load')
    for (const id of ['..', '../x', '/etc/passwd', '.', '.hidden', 'a/../../b', 'C:\\x', 'ü/名前', 'a'.repeat(400)]) {
      const segment = toSegment(id)
      expect(segment).not.toMatch(/[/\\]/)
      expect(segment.startsWith('.')).toBe(false)
      expect(segment.length).toBeLessThanOrEqual(200)
    }
  })
})

describe('damaged entries', () => {
  const sandbox = useSandbox()

  const damage: [string, (file: string) => void][] = [
    ['truncated', (file) => truncateSync(file, statSync(file).size - 3)],
    ['zero-length', (file) => writeFileSync(file, '')],
    ['bit-flipped', (file) => {
      const bytes = readFileSync(file)
      bytes[bytes.length - 2]! ^= 0x10
      writeFileSync(file, bytes)
    }],
    ['foreign', (file) => writeFileSync(file, 'hello, I am not an entry at all, but long enough to have a header')],
  ]

  it.each(damage)('a %s entry is a miss with one warning, then overwritten', (_, hurt) => {
    const f = persistedFn((x: number) => ({ doubled: x * 2 }), { options: () => ({ store: 'disk' }) })
    expect(f(21)).toEqual({ doubled: 42 })
    const [file] = entryFiles(join(sandbox.dir(), 'cache'))
    hurt(file!)
    expect(f(21)).toEqual({ doubled: 42 })
    expect(f.calls.count).toBe(2)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toContain(file)
    expect(f(21)).toEqual({ doubled: 42 })
    expect(f.calls.count).toBe(2)
  })
})

describe('a cache directory that cannot be written', () => {
  const sandbox = useSandbox()

  it.each([
    ['a path that is a file', (root: string) => (writeFileSync(root, 'x'), root)],
    ['a directory under a file', (root: string) => (writeFileSync(root, 'x'), join(root, 'sub', 'cache'))],
  ])('%s: computes, warns once naming the directory and the fix, goes on', (_, makeDir) => {
    const dir = makeDir(join(sandbox.dir(), 'blocked'))
    configure({ dir })
    const f = persistedFn((x: number) => x + 1)
    const g = persistedFn(async (x: number) => x + 2)
    expect(f(1)).toBe(2)
    expect(f(2)).toBe(3)
    return g(1).then((value) => {
      expect(value).toBe(3)
      expect(sandbox.warnings).toHaveLength(1)
      expect(sandbox.warnings[0]).toContain(dir)
      expect(sandbox.warnings[0]).toMatch(/PERSIST_DIR|configure\(\{ dir \}\)/)
    })
  })

  it('stays usable when the parent exists but the cache directory is missing', () => {
    const dir = join(sandbox.dir(), 'missing', 'deeper')
    configure({ dir })
    const f = persistedFn((x: number) => x + 1, { options: () => ({ store: 'disk' }) })
    f(1)
    f(1)
    expect(f.calls.count).toBe(1)
    expect(entryFiles(dir)).toHaveLength(1)
  })
})

describe('binary results', () => {
  useSandbox()

  it.each([
    ['small Float64Array', () => new Float64Array([1.5, -2, NaN])],
    ['large Float64Array (read into its own buffer)', () => new Float64Array(300_000).map((_, i) => i / 3)],
    ['Buffer', () => Buffer.from('hello')],
    ['ArrayBuffer', () => new Uint16Array([1, 2, 3]).buffer],
    ['BigInt64Array', () => new BigInt64Array([1n, -2n])],
    ['subarray view', () => new Int32Array([1, 2, 3, 4, 5]).subarray(1, 3)],
  ])('round-trips a %s through disk with its type and bytes', (_, make) => {
    const f = persistedFn((_n: number) => make(), { options: () => ({ store: 'disk' }) })
    const expected = make()
    f(1)
    const back = f(1) as ArrayBufferView | ArrayBuffer
    expect(f.calls.count).toBe(1)
    expect(back.constructor).toBe(expected.constructor)
    expect(back).toEqual(expected)
    if (ArrayBuffer.isView(back)) expect(back.byteLength).toBe(back.buffer.byteLength)
  })

  it('reads a large entry of an async function without blocking, and gets the same value', async () => {
    const make = () => ({ big: new Float64Array(300_000).map((_, i) => i), label: 'x' })
    const writer = persistedFn(async (_n: number) => make(), { id: 'src/big.ts#f', options: () => ({ store: 'disk' }) })
    await writer(1)
    const reader = persistedFn(async (_n: number) => ({ big: new Float64Array(0), label: 'recomputed' }), {
      id: 'src/big.ts#f',
      options: () => ({ store: 'disk' }),
    })
    const pending = reader(1)
    expect(pending).toBeInstanceOf(Promise)
    expect(await pending).toEqual(make())
    expect(reader.calls.count).toBe(0)
  })
})

describe('large binary values inside a result', () => {
  const sandbox = useSandbox()
  const make = () => {
    const shared = new Float64Array(20_000).map((_, i) => i * 1.5)
    return { a: shared, b: shared, bytes: new Uint8Array(70_000).fill(7), small: new Int16Array([1, -2]), label: 'frame' }
  }

  it.each([false, true])('round-trip through disk (async function: %s), keeping shared references', async (isAsync) => {
    const body = (_n: number) => make()
    const meta = { id: `src/frame.ts#f${isAsync}`, options: () => ({ store: 'disk' as const }) }
    const writer = persistedFn<[number], unknown>(isAsync ? async (n: number) => body(n) : body, meta)
    await writer(1)
    const reader = persistedFn<[number], unknown>(isAsync ? async (_n: number) => ({}) : (_n: number) => ({}), meta)
    const back = (await reader(1)) as ReturnType<typeof make>
    expect(reader.calls.count).toBe(0)
    expect(back).toEqual(make())
    expect(back.a).toBe(back.b)
    expect(back.a.buffer.byteLength).toBe(back.a.byteLength)
    const [file] = entryFiles(join(sandbox.dir(), 'cache'))
    expect(decodeEntry(readFileSync(file!), { codec: Codec.V8 }).value).toEqual(make())
  })
})

describe('the cache directory marker', () => {
  const sandbox = useSandbox()

  it('does not claim an existing directory that holds other files', () => {
    const dir = join(sandbox.dir(), 'mine')
    mkdirSync(dir)
    writeFileSync(join(dir, 'notes.txt'), 'keep me')
    configure({ dir })
    persistedFn((x: number) => x)(1)
    expect(existsSync(join(dir, 'CACHEDIR.TAG'))).toBe(false)
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me')
  })
})

describe('directories removed while the process runs', () => {
  const sandbox = useSandbox()

  it('are made again on the next write, without a warning', async () => {
    const f = persistedFn((x: number) => x * 3, { options: () => ({ store: 'disk' }) })
    f(1)
    rmSync(join(sandbox.dir(), 'cache'), { recursive: true, force: true })
    f(2)
    f(2)
    expect(f.calls.count).toBe(2)
    await persisted(f).clear()
    f(3)
    f(3)
    expect(f.calls.count).toBe(3)
    expect(sandbox.warnings).toEqual([])
  })
})

describe('links planted in the cache directory', () => {
  const sandbox = useSandbox()

  it('are never written through', () => {
    const cache = join(sandbox.dir(), 'cache')
    const outside = join(sandbox.dir(), 'outside')
    mkdirSync(cache, { recursive: true })
    mkdirSync(outside)
    symlinkSync(outside, join(cache, 'src__evil.ts#f'))
    const f = persistedFn((x: number) => x + 1, { id: 'src/evil.ts#f', options: () => ({ store: 'disk' }) })
    expect(f(1)).toBe(2)
    expect(readdirSync(outside)).toEqual([])
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/symlink/)
  })
})
