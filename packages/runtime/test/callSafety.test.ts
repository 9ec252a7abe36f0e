/**
 * The call path under hostile use: clocks that disagree with the entry's writer, a function that calls itself with
 * a key-equal argument, arguments too large to keep, a mistyped PERSIST_MODE, and the handle in `off` mode.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { configure, persisted } from '../src/index'
import { entryFiles, persistedFn, useSandbox } from './helpers'

const HOUR = 3_600_000

/** Rejects when `promise` has not settled after `ms`: a call that waits on itself never would. */
function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle: it waits on itself`)), ms)
  })
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer))
}

describe('ttl against clocks that disagree', () => {
  useSandbox()
  afterEach(() => vi.restoreAllMocks())

  it('an entry written by a clock an hour ahead is stale, on disk and in memory, not fresh for an extra hour', () => {
    const now = Date.now()
    const id = 'src/ttl.ts#price'
    const make = () => persistedFn((x: number) => x * 2, { id, options: () => ({ ttl: '1d' }) })
    const writer = make()
    vi.spyOn(Date, 'now').mockReturnValue(now + HOUR)
    expect(writer(1)).toBe(2)
    // Our clock is back at `now` (a skewed writer, or a clock stepped back): that entry's age cannot be known.
    vi.spyOn(Date, 'now').mockReturnValue(now)
    const reader = make() // a registration of its own: an empty memory tier, so the disk entry answers
    expect(reader(1)).toBe(2)
    expect(reader.calls.count).toBe(1)
    // The writer's memory tier holds the same future-dated entry: stale there too.
    expect(writer(1)).toBe(2)
    expect(writer.calls.count).toBe(2)
    // What the reader wrote now is fresh for the next process.
    const later = make()
    expect(later(1)).toBe(2)
    expect(later.calls.count).toBe(0)
  })

  it('an entry a few hundred milliseconds in the future (clock jitter) is still a hit', () => {
    const now = Date.now()
    const id = 'src/ttl.ts#jitter'
    vi.spyOn(Date, 'now').mockReturnValue(now + 300)
    persistedFn((x: number) => x + 1, { id, options: () => ({ ttl: '1h' }) })(1)
    vi.spyOn(Date, 'now').mockReturnValue(now)
    const reader = persistedFn((x: number) => x + 1, { id, options: () => ({ ttl: '1h' }) })
    expect(reader(1)).toBe(2)
    expect(reader.calls.count).toBe(0)
  })

  it('has() and get() apply the same rule as calls', async () => {
    const now = Date.now()
    // Disk only, so the lookups read the future-dated entry file.
    const load = persistedFn(async (x: number) => x, { id: 'src/ttl.ts#load', options: () => ({ ttl: '1d', store: 'disk' }) })
    vi.spyOn(Date, 'now').mockReturnValue(now + HOUR)
    await load(1)
    vi.spyOn(Date, 'now').mockReturnValue(now)
    expect(await persisted(load).has(1)).toBe(false)
    expect(await persisted(load).get(1)).toBeUndefined()
  })
})

describe('a call made from inside its own computation', () => {
  useSandbox()

  it('an async function calling itself with a key-equal argument completes instead of joining its own flight', async () => {
    // `depth` is left out of the key, so f(3, 1) and f(3, 0) are the same entry.
    const f: (n: number, depth: number) => Promise<number> = persistedFn(
      async (n: number, depth: number): Promise<number> => {
        await Promise.resolve()
        return depth === 0 ? (await f(n, depth + 1)) + 1 : n * 10
      },
      { id: 'src/rec.ts#f', params: ['n', 'depth'], options: () => ({ key: { depth: null } }) },
    )
    await expect(settlesWithin(f(3, 0), 10_000, 'f(3, 0)')).resolves.toBe(31)
  })

  it('also through another persisted function in between', async () => {
    const outer: (n: number, via: string) => Promise<number> = persistedFn(
      async (n: number, via: string): Promise<number> => (via === 'top' ? inner(n) : n + 100),
      { id: 'src/rec.ts#outer', params: ['n', 'via'], options: () => ({ key: { via: null } }) },
    )
    const inner = persistedFn(async (n: number) => {
      await new Promise((resolve) => setImmediate(resolve))
      return (await outer(n, 'inner')) * 2
    }, { id: 'src/rec.ts#inner', params: ['n'] })
    await expect(settlesWithin(outer(1, 'top'), 10_000, 'outer(1)')).resolves.toBe(202)
  })

  it('with lock: true, a sync function calling itself with a key-equal argument does not wait for its own lock', () => {
    const f: (n: number, depth: number) => number = persistedFn(
      (n: number, depth: number): number => (depth === 0 ? f(n, 1) + 1 : n),
      { id: 'src/rec.ts#locked', params: ['n', 'depth'], options: () => ({ key: { depth: null }, lock: true }) },
    )
    // Before, the inner call polled its own lock until PERSIST_LOCK_WAIT_MS (10 minutes by default) ran out.
    expect(f(5, 0)).toBe(6)
  })

  it('with lock: true, an async function calling itself does not wait for its own lock either', async () => {
    const f: (n: number, depth: number) => Promise<number> = persistedFn(
      async (n: number, depth: number): Promise<number> => (depth === 0 ? (await f(n, 1)) + 1 : n),
      { id: 'src/rec.ts#lockedAsync', params: ['n', 'depth'], options: () => ({ key: { depth: null }, lock: true }) },
    )
    await expect(settlesWithin(f(5, 0), 10_000, 'f(5, 0)')).resolves.toBe(6)
  })

  it('two concurrent calls with one key from outside still share one computation', async () => {
    const f = persistedFn(async (n: number) => {
      await new Promise((resolve) => setImmediate(resolve))
      return n
    }, { id: 'src/rec.ts#shared' })
    expect(await Promise.all([f(1), f(1), f(1)])).toEqual([1, 1, 1])
    expect(f.calls.count).toBe(1)
  })
})

describe('what the memory tier keeps alive', () => {
  useSandbox()

  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void

  it('not the arguments: large buffers passed to a function that returns a number can be collected', async () => {
    const checksum = persistedFn((bytes: Uint8Array) => bytes.reduce((sum, byte) => sum + byte, 0), { id: 'src/mem.ts#checksum' })
    const refs: WeakRef<Uint8Array>[] = []
    // In a function of its own, so no stack slot of the test keeps the last buffer.
    const callWithFreshBuffer = (i: number) => {
      const bytes = new Uint8Array(1 << 20).fill(i)
      refs.push(new WeakRef(bytes))
      return checksum(bytes)
    }
    for (let i = 0; i < 20; i++) expect(callWithFreshBuffer(i)).toBe((1 << 20) * i)
    await new Promise((resolve) => setTimeout(resolve, 0))
    gc()
    expect(refs.map((ref, i) => (ref.deref() === undefined ? -1 : i)).filter((i) => i >= 0)).toEqual([])
    // Still cached: the memory tier holds the result under the argument's key.
    expect(checksum(new Uint8Array(1 << 20).fill(3))).toBe((1 << 20) * 3)
    expect(checksum.calls.count).toBe(20)
  })

  it('not a long string argument through its key either', async () => {
    const length = persistedFn((text: string) => text.length, { id: 'src/mem.ts#length', options: () => ({ store: 'memory' }) })
    gc()
    const before = process.memoryUsage().heapUsed
    // 40 distinct strings of 4 MiB (8 MiB each in memory when two-byte): 320 MiB if the keys held them.
    for (let i = 0; i < 40; i++) length(`${String.fromCharCode(0x4e00 + i)}${'字'.repeat(1 << 22)}`)
    await new Promise((resolve) => setTimeout(resolve, 0))
    gc()
    const grew = process.memoryUsage().heapUsed - before
    expect(grew).toBeLessThan(64 * 1024 * 1024)
    expect(length(`${String.fromCharCode(0x4e00 + 3)}${'字'.repeat(1 << 22)}`)).toBe((1 << 22) + 1)
    expect(length.calls.count).toBe(40)
  })
})

describe('long string arguments in the memory tier', () => {
  useSandbox()

  it('are kept apart exactly, also when they differ only in a lone surrogate', () => {
    const echo = persistedFn((text: string) => text, { id: 'src/mem.ts#echo', options: () => ({ store: 'memory' }) })
    const long = 'x'.repeat(5000)
    const variants = [`${long}\uD800`, `${long}\uFFFD`, `${long}\uDC00`, `${long}y`, `y${long}`]
    for (const text of variants) expect(echo(text)).toBe(text)
    for (const text of variants) expect(echo(text)).toBe(text)
    expect(echo.calls.count).toBe(variants.length)
  })
})

describe('an unknown PERSIST_MODE', () => {
  const sandbox = useSandbox()
  afterEach(() => {
    delete process.env.PERSIST_MODE
  })

  it('in other case is that mode, with one warning, instead of making every call throw', async () => {
    process.env.PERSIST_MODE = 'On'
    const f = persistedFn((x: number) => x + 1, { id: 'src/mode.ts#f' })
    const g = persistedFn(async (x: number) => x + 2, { id: 'src/mode.ts#g' })
    expect(f(1)).toBe(2)
    expect(f(1)).toBe(2)
    expect(await g(1)).toBe(3)
    expect(f.calls.count).toBe(1)
    expect(sandbox.warnings).toEqual([expect.stringMatching(/PERSIST_MODE is "On", which is not a mode; using "on"\. Fix: set it to one of on, off, refresh, readonly/)])
  })

  it('`Refresh` recomputes, as refresh does, rather than serving the entry it was set to replace', () => {
    const id = 'src/mode.ts#changed'
    persistedFn((_: number) => 'old', { id })(1)
    process.env.PERSIST_MODE = 'Refresh'
    configure()
    const changed = persistedFn((_: number) => 'new', { id })
    expect(changed(1)).toBe('new')
    delete process.env.PERSIST_MODE
    configure()
    expect(persistedFn((_: number) => 'other', { id })(1)).toBe('new')
  })

  it('a typo is `off`: never a stale value, no writes, one warning suggesting the mode', () => {
    const id = 'src/mode.ts#typo'
    persistedFn((_: number) => 'old', { id })(1)
    const files = entryFiles(sandbox.dir()).sort()
    process.env.PERSIST_MODE = 'refesh'
    configure()
    const changed = persistedFn((_: number) => 'new', { id })
    expect(changed(1)).toBe('new')
    expect(changed(2)).toBe('new')
    expect(entryFiles(sandbox.dir()).sort()).toEqual(files)
    expect(sandbox.warnings).toEqual([expect.stringMatching(/PERSIST_MODE is "refesh", which is not a mode; using "off" \(no cache reads or writes\).*did you mean "refresh"\?/)])
  })

  it('configure({ mode }) with an unknown mode still throws at its caller', () => {
    expect(() => configure({ mode: 'Off' as never })).toThrow(/configure\(\{ mode \}\) is "Off"; use one of on, off, refresh, readonly\. Did you mean "off"\?/)
  })
})

describe('the handle in `off` mode', () => {
  const sandbox = useSandbox()
  afterEach(() => {
    delete process.env.PERSIST_MODE
  })

  it('neither reads nor writes the cache, and says so once per operation', async () => {
    const load = persistedFn(async (x: number) => x * 3, { id: 'src/off.ts#load' })
    await load(1)
    const filesBefore = entryFiles(sandbox.dir())
    expect(filesBefore.length).toBeGreaterThan(0)

    process.env.PERSIST_MODE = 'off'
    configure()
    const handle = persisted(load)
    expect(await handle.has(1)).toBe(false)
    expect(await handle.get(1)).toBeUndefined()
    const listed = []
    for await (const entry of handle.entries()) listed.push(entry)
    expect(listed).toEqual([])
    await handle.set([2], 99)
    expect(await handle.delete(1)).toBe(false)
    await handle.clear()
    expect(entryFiles(sandbox.dir()).sort()).toEqual(filesBefore.sort())
    for (const op of ['has', 'get', 'entries', 'set', 'delete', 'clear']) {
      expect(sandbox.warnings.filter((w) => w.includes(`.${op} did nothing: the cache is off`))).toHaveLength(1)
    }

    delete process.env.PERSIST_MODE
    configure()
    expect(await handle.get(1)).toBe(3)
    expect(await handle.has(2)).toBe(false)
  })
})
