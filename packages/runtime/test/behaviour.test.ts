import { afterEach, describe, expect, it, vi } from 'vitest'
import { configure, link, persisted, register, registerType, type Registration } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

describe('calls', () => {
  useSandbox()

  it('keeps sync functions sync and async functions async', async () => {
    const sync = persistedFn((x: number) => x * 2)
    expect(sync(2)).toBe(4)
    expect(sync(2)).toBe(4)
    const asyncFn = persistedFn(async (x: number) => x * 3)
    const first = asyncFn(2)
    expect(first).toBeInstanceOf(Promise)
    expect(await first).toBe(6)
    const second = asyncFn(2)
    expect(second).toBeInstanceOf(Promise)
    expect(await second).toBe(6)
    expect(asyncFn.calls.count).toBe(1)
  })

  it('computes once per key, on disk across registrations (a new process sees the same files)', () => {
    const body = (x: number) => ({ x })
    const a = persistedFn(body, { id: 'src/a.ts#f', hash: 'h' })
    a(1)
    a(1)
    expect(a.calls.count).toBe(1)
    const b = persistedFn(body, { id: 'src/a.ts#f', hash: 'h' })
    expect(b(1)).toEqual({ x: 1 })
    expect(b.calls.count).toBe(0)
    const changed = persistedFn(body, { id: 'src/a.ts#f', hash: 'h2' })
    changed(1)
    expect(changed.calls.count).toBe(1)
  })

  it('shares one computation between concurrent async calls of a key', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const f = persistedFn(async (x: number) => {
      await gate
      return x + 1
    })
    const calls = [f(1), f(1), f(1), f(2)]
    release()
    expect(await Promise.all(calls)).toEqual([2, 2, 2, 3])
    expect(f.calls.count).toBe(2)
  })

  it('caches neither a throw nor a rejection', async () => {
    let fail = true
    const sync = persistedFn((x: number) => {
      if (fail) throw new Error('boom')
      return x
    })
    const asyncFn = persistedFn(async (x: number) => {
      if (fail) throw new Error('async boom')
      return x
    })
    expect(() => sync(1)).toThrow('boom')
    await expect(asyncFn(1)).rejects.toThrow('async boom')
    fail = false
    expect(sync(1)).toBe(1)
    expect(await asyncFn(1)).toBe(1)
    expect(sync.calls.count).toBe(2)
    expect(asyncFn.calls.count).toBe(2)
  })

  it('rejects a call whose argument cannot be keyed, as an async rejection for async functions', async () => {
    const f = persistedFn(async (opts: unknown) => opts, { id: 'src/a.ts#load', params: ['opts'] })
    await expect(f({ callbacks: [() => 1] })).rejects.toThrow(/src\/a.ts#load: opts.callbacks\[0\] is a function/)
  })

  it('applies the parameter defaults of the wrapper before keying', () => {
    let registration: Registration | undefined
    const getRegistration = () =>
      (registration ??= register({ id: 'src/d.ts#f', hash: 'h', params: ['x', 'y'], async: false, kind: 'function' }))
    let runs = 0
    function f(x: number, y = 2): number {
      return getRegistration().call(undefined, [x, y], () => (runs++, x + y)) as number
    }
    link(f, getRegistration)
    expect(f(1)).toBe(3)
    expect(f(1, 2)).toBe(3)
    expect(runs).toBe(1)
  })
})

describe('values', () => {
  const sandbox = useSandbox()

  it('round-trips v8 values through disk: Map, Set, Date, BigInt, typed arrays, cycles', () => {
    const make = () => {
      const value: Record<string, unknown> = { m: new Map([[1, 'a']]), s: new Set([1]), d: new Date(7), b: 10n, t: new Float32Array([1.5]) }
      value.self = value
      return value
    }
    const f = persistedFn((_: number) => make(), { options: () => ({ store: 'disk' }) })
    f(1)
    const back = f(1) as Record<string, unknown>
    expect(f.calls.count).toBe(1)
    expect(back.m).toEqual(new Map([[1, 'a']]))
    expect(back.self).toBe(back)
    expect(back.t).toEqual(new Float32Array([1.5]))
  })

  it('keeps null prototypes, array properties and error causes through disk, also inside cycles', () => {
    const make = () => {
      const dict = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 })
      const list = Object.assign([1, 2, 3], { total: 4 })
      delete list[1] // a hole
      const value = { dict, list, error: new RangeError('out', { cause: dict }) }
      dict.back = value
      return value
    }
    const f = persistedFn((_: number) => make(), { options: () => ({ store: 'disk' }) })
    f(1)
    const back = f(1)
    expect(f.calls.count).toBe(1)
    expect(sandbox.warnings).toEqual([])
    expect(Object.getPrototypeOf(back.dict)).toBe(null)
    expect(back.dict.back).toBe(back)
    expect(back.error.cause).toBe(back.dict)
    expect(Object.getPrototypeOf(back.error)).toBe(RangeError.prototype)
    expect(1 in back.list).toBe(false)
    expect(back.list.total).toBe(4)
  })

  it('returns but does not cache a class instance v8 would flatten, with a warning naming the type and fix', () => {
    class Row {
      constructor(readonly id: number) {}
    }
    const f = persistedFn((x: number) => ({ rows: [new Row(x)] }), { id: 'src/rows.ts#rows' })
    expect(f(1).rows[0]).toBeInstanceOf(Row)
    expect(f(1).rows[0]).toBeInstanceOf(Row)
    expect(f.calls.count).toBe(2)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/src\/rows.ts#rows.*result\.rows\[0\] is an instance of Row.*registerType.*serialize/)
  })

  it('throws for such a value in strict mode', () => {
    class Row {}
    const f = persistedFn((_: number) => new Row(), { options: () => ({ strict: true }) })
    expect(() => f(1)).toThrow(/result is an instance of Row/)
  })

  it('stores registered types faithfully', () => {
    class Money {
      constructor(
        readonly cents: number,
        readonly currency: string,
      ) {}
    }
    registerType(Money, { serialize: (m) => [m.cents, m.currency], deserialize: ([c, cur]) => new Money(c, cur) })
    const f = persistedFn((x: number) => ({ total: new Money(x, 'EUR') }), { options: () => ({ store: 'disk' }) })
    f(5)
    const back = f(5)
    expect(f.calls.count).toBe(1)
    expect(back.total).toBeInstanceOf(Money)
    expect(back.total.cents).toBe(5)
  })

  it('refuses a cycle back to a registered instance, which deserialize(data) cannot rebuild, instead of recalling persist\'s tag record', () => {
    class TreeNode {
      parent: TreeNode | undefined
      constructor(readonly kids: TreeNode[] = []) {}
    }
    registerType(TreeNode, { serialize: (n) => ({ kids: n.kids, parent: n.parent }), deserialize: ({ kids }) => new TreeNode(kids) })
    const make = () => {
      const root = new TreeNode([new TreeNode()])
      root.kids[0]!.parent = root
      return root
    }
    const f = persistedFn((_: number) => make(), { id: 'src/tree.ts#tree', options: () => ({ store: 'disk' }) })
    const first = f(1)
    const second = f(1)
    expect(f.calls.count).toBe(2)
    expect(second.kids[0]!.parent).toBe(second)
    expect(first.kids[0]!.parent).toBe(first)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/src\/tree.ts#tree.*result\.kids\[0\]\.parent is a cycle back to an instance of TreeNode \(a registered type\).*Fix: let nothing inside what serialize returns for it refer back/)
  })

  it('refuses an error whose cause leads back to it, which v8 stores but cannot read back', () => {
    const make = () => {
      const error = new Error('loop', { cause: Object.create(null) as Record<string, unknown> })
      ;(error.cause as Record<string, unknown>).error = error
      return { error }
    }
    const f = persistedFn((_: number) => make(), { id: 'src/loop.ts#loop', options: () => ({ store: 'disk' }) })
    for (let run = 0; run < 3; run++) expect((f(1).error.cause as Record<string, unknown>).error).toBeInstanceOf(Error)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/src\/loop.ts#loop.*result\.error\.cause\.error is a cycle back to an error through its cause.*Fix: let nothing inside the error's cause refer back/)
  })

  it.each(['v8', 'json'] as const)('refuses (%s) array elements that are getters or hidden, without running the getter', (format) => {
    let getterRuns = 0
    const make = () => {
      const list = [1, 2, 3]
      Object.defineProperty(list, 1, { get: () => (getterRuns++, 2), enumerable: true, configurable: true })
      const hidden = [1, 2]
      Object.defineProperty(hidden, 0, { value: 1, writable: true, enumerable: false, configurable: true })
      return { list, hidden }
    }
    const getters = persistedFn((_: number) => ({ list: make().list }), { id: 'src/get.ts#get', options: () => ({ format, store: 'disk' }) })
    getters(1)
    getters(1)
    expect(getters.calls.count).toBe(2)
    expect(getterRuns).toBe(0)
    const hidden = persistedFn((_: number) => ({ hidden: make().hidden }), { id: 'src/hidden.ts#hidden', options: () => ({ format, store: 'disk' }) })
    expect(Object.getOwnPropertyDescriptor(hidden(1).hidden, 0)?.value).toBe(1)
    expect(Object.getOwnPropertyDescriptor(hidden(1).hidden, 0)?.value).toBe(1)
    expect(hidden.calls.count).toBe(2)
    expect(sandbox.warnings).toHaveLength(2)
    expect(sandbox.warnings[0]).toMatch(/src\/get.ts#get.*result\.list\[1\] is an accessor element/)
    expect(sandbox.warnings[1]).toMatch(/src\/hidden.ts#hidden.*result\.hidden\[0\] is a non-enumerable element/)
  })

  it('stores and recalls an array of length 2 ** 32 - 2 holding one element without walking its holes', () => {
    const make = () => {
      const sparse: number[] = []
      sparse[2 ** 32 - 2] = 1
      // A null-prototype object makes the entry tagged, so reading it walks the value too.
      return { sparse, tagged: Object.create(null) as object }
    }
    const f = persistedFn((_: number) => make(), { options: () => ({ store: 'disk' }) })
    f(1)
    const back = f(1)
    expect(f.calls.count).toBe(1)
    expect(back.sparse.length).toBe(2 ** 32 - 1)
    expect(Object.keys(back.sparse)).toEqual([String(2 ** 32 - 2)])
    expect(Object.getPrototypeOf(back.tagged)).toBe(null)
  })

  it('refuses a String object with an index key past its characters, which v8 drops', () => {
    const f = persistedFn((_: number) => ({ s: Object.assign(new String('ab'), { 5: 'x' }) }), { id: 'src/s.ts#s', options: () => ({ store: 'disk' }) })
    expect(f(1).s[5]).toBe('x')
    expect(f(1).s[5]).toBe('x')
    expect(f.calls.count).toBe(2)
    expect(sandbox.warnings[0]).toMatch(/src\/s.ts#s.*result\.s\[5\]|src\/s.ts#s.*result\.s\["5"\] is a String object with an own property/)
  })

  it('refuses a hidden own property on a typed array or Buffer of 1024 elements or more, which v8 drops', () => {
    const label = <T extends object>(view: T) => Object.defineProperty(view, 'label', { value: 'x', writable: true, enumerable: false, configurable: true })
    const f = persistedFn((kind: string) => ({ view: label(kind === 'buffer' ? Buffer.alloc(2048) : new Float64Array(2048)) }), {
      id: 'src/views.ts#views',
      options: () => ({ store: 'disk' }),
    })
    for (const kind of ['buffer', 'float64']) {
      expect(Object.getOwnPropertyDescriptor(f(kind).view, 'label')?.value).toBe('x')
      expect(Object.getOwnPropertyDescriptor(f(kind).view, 'label')?.value).toBe('x')
    }
    expect(f.calls.count).toBe(4)
    expect(sandbox.warnings[0]).toMatch(/src\/views.ts#views.*result\.view\.label is a binary value with an own property/)
  })

  it('supports format json and custom serialize/deserialize', async () => {
    const json = persistedFn((x: number) => ({ x }), { options: () => ({ format: 'json', store: 'disk' }) })
    json(1)
    expect(json(1)).toEqual({ x: 1 })
    expect(json.calls.count).toBe(1)
    const custom = persistedFn((x: number) => `v${x}`, {
      options: () => ({ store: 'disk', serialize: (v: string) => Buffer.from(v.toUpperCase()), deserialize: (b: Buffer) => b.toString() }),
    })
    custom(2)
    expect(custom(2)).toBe('V2')
  })
})

describe('options', () => {
  const sandbox = useSandbox()
  afterEach(() => vi.useRealTimers())

  it('expires entries after ttl', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    const f = persistedFn((x: number) => x, { options: () => ({ ttl: '1h' }) })
    f(1)
    vi.setSystemTime(new Date('2026-01-01T00:59:00Z'))
    f(1)
    expect(f.calls.count).toBe(1)
    vi.setSystemTime(new Date('2026-01-01T01:01:00Z'))
    f(1)
    expect(f.calls.count).toBe(2)
  })

  it('reports bad per-function options at the first call, naming the function', () => {
    const f = persistedFn((x: number) => x, { id: 'src/t.ts#f', options: () => ({ ttl: 'soon' }) })
    expect(() => f(1)).toThrow(/"ttl" of src\/t.ts#f/)
  })

  it('separates versions and stable names', () => {
    const v1 = persistedFn((x: number) => x, { id: 'a#f', options: () => ({ version: 1 }) })
    const v2 = persistedFn((x: number) => x, { id: 'a#f', options: () => ({ version: 2 }) })
    v1(1)
    v2(1)
    expect(v2.calls.count).toBe(1)
    const moved = persistedFn((x: number) => x, { id: 'b#f', options: () => ({ version: 1, name: 'stable' }) })
    const original = persistedFn((x: number) => x, { id: 'a#f', options: () => ({ version: 1, name: 'stable' }) })
    original(3)
    moved(3)
    expect(moved.calls.count).toBe(0)
  })

  it('scopes entries and clears one scope alone', async () => {
    let user = 'alice'
    const f = persistedFn((x: number) => `${user}:${x}`, { options: () => ({ scope: () => user }) })
    expect(f(1)).toBe('alice:1')
    user = 'bob'
    expect(f(1)).toBe('bob:1')
    expect(f.calls.count).toBe(2)
    await persisted(f).clear({ scope: 'alice' })
    user = 'alice'
    f(1)
    user = 'bob'
    f(1)
    expect(f.calls.count).toBe(3)
  })

  it('memory store keeps at most maxSize entries and writes nothing to disk', async () => {
    const f = persistedFn((x: number) => x, { options: () => ({ store: 'memory', maxSize: 2 }) })
    f(1)
    f(2)
    f(3)
    f(1)
    expect(f.calls.count).toBe(4)
    const { existsSync } = await import('node:fs')
    expect(existsSync(`${sandbox.dir()}/cache`)).toBe(false)
  })
})

describe('memory bounds', () => {
  useSandbox()

  it('maxBytes evicts the least recently used entries beyond the byte bound', () => {
    const f = persistedFn((n: number) => new Uint8Array(1000).fill(n), { options: () => ({ store: 'memory', maxBytes: 2500 }) })
    f(1)
    f(2)
    f(3)
    f(3)
    f(2)
    expect(f.calls.count).toBe(3)
    f(1)
    expect(f.calls.count).toBe(4)
  })
})

describe('modes', () => {
  useSandbox()

  it('off calls through', () => {
    configure({ mode: 'off' })
    const f = persistedFn((x: number) => x)
    f(1)
    f(1)
    expect(f.calls.count).toBe(2)
  })

  it('refresh recomputes and overwrites', () => {
    const id = 'src/m.ts#f'
    let result = 'old'
    const f = persistedFn((_: number) => result, { id })
    f(1)
    configure({ mode: 'refresh' })
    result = 'new'
    expect(f(1)).toBe('new')
    configure({ mode: 'on' })
    expect(persistedFn((_: number) => 'other', { id })(1)).toBe('new')
  })

  it('readonly reads but never writes', () => {
    const id = 'src/m.ts#g'
    persistedFn((x: number) => x, { id })(1)
    configure({ mode: 'readonly' })
    const f = persistedFn((x: number) => x, { id })
    f(1)
    f(2)
    f(2)
    expect(f.calls.count).toBe(2)
  })

  it('PERSIST_MODE wins over configure', () => {
    process.env.PERSIST_MODE = 'off'
    configure({ mode: 'on' })
    const f = persistedFn((x: number) => x)
    f(1)
    f(1)
    expect(f.calls.count).toBe(2)
  })
})

describe('the persisted() handle', () => {
  useSandbox()

  function makeLoad() {
    let registration: Registration | undefined
    const getRegistration = () =>
      (registration ??= register({ id: 'src/jobs.ts#load', hash: 'h9', params: ['path', 'n'], async: true, kind: 'function' }))
    const runs = { count: 0 }
    async function load(path: string, n = 3): Promise<string> {
      return getRegistration().call(undefined, [path, n], async () => (runs.count++, `${path}x${n}`)) as Promise<string>
    }
    link(load, getRegistration)
    return { load, runs }
  }

  it('has/get/set/delete use the same defaults and keys as calls, and never compute', async () => {
    const { load, runs } = makeLoad()
    const handle = persisted(load)
    expect(handle.id).toBe('src/jobs.ts#load')
    expect(handle.hash).toBe('h9')
    expect(await handle.has('a')).toBe(false)
    expect(await handle.get('a')).toBeUndefined()
    expect(runs.count).toBe(0)
    await load('a')
    expect(await handle.has('a')).toBe(true)
    expect(await handle.has('a', 3)).toBe(true)
    expect(await handle.has('a', 4)).toBe(false)
    expect(await handle.get('a')).toBe('ax3')
    await handle.set(['b'], 'preset')
    expect(await load('b', 3)).toBe('preset')
    expect(await handle.delete('a')).toBe(true)
    expect(await handle.has('a')).toBe(false)
    expect(runs.count).toBe(1)
  })

  it('uncached runs the body without reading or writing', async () => {
    const { load, runs } = makeLoad()
    const handle = persisted(load)
    expect(await handle.uncached('a')).toBe('ax3')
    expect(await handle.has('a')).toBe(false)
    await load('a')
    await handle.uncached('a')
    expect(runs.count).toBe(3)
    await load('a')
    expect(runs.count).toBe(3)
  })

  it('lists entries with args and metadata, counts stats, clears', async () => {
    const { load } = makeLoad()
    const handle = persisted(load)
    await load('a')
    await load('b', 5)
    await load('a')
    const listed = []
    for await (const entry of handle.entries()) listed.push(entry)
    expect(listed.map((e) => e.args).sort()).toEqual([['a', 3], ['b', 5]])
    expect(listed.every((e) => e.bytes > 0 && e.createdAt instanceof Date && e.durationMs >= 0)).toBe(true)
    expect(handle.stats()).toMatchObject({ hits: 1, misses: 2 })
    await handle.clear()
    expect(await handle.has('a')).toBe(false)
  })

  it('explains a function that is not persisted', () => {
    expect(() => persisted(function plain() {})).toThrow(/persisted\(plain\): this function is not persisted/)
  })
})

describe('a sync function returning a promise', () => {
  const sandbox = useSandbox()

  it('is not cached, with a warning telling to declare it async', async () => {
    const f = persistedFn((x: number) => Promise.resolve(x), { id: 'src/p.ts#f', async: false })
    expect(await f(1)).toBe(1)
    expect(await f(1)).toBe(1)
    expect(f.calls.count).toBe(2)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/src\/p.ts#f returns a promise but is not declared async/)
  })
})
