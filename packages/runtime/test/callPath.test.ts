/** The call path: concurrent out-file calls, the seed option against key mappers, the memory tier across `configure`, bad input, readonly handles. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import { configure, persisted, random, register } from '../src/index'
import { setWarningSink } from '../src/warn'
import { persistedFn, useSandbox } from './helpers'

describe('concurrent calls of an out-files function', () => {
  const sandbox = useSandbox()
  const out = (name: string) => join(sandbox.dir(), 'out', name)

  it('writes the file of every call, also of calls that join a running one with another destination', async () => {
    const render = persistedFn(
      async (page: string, dest: string) => {
        await new Promise((resolve) => setImmediate(resolve))
        mkdirSync(join(dest, '..'), { recursive: true })
        writeFileSync(dest, `<h1>${page}</h1>`)
        return page.length
      },
      { id: 'src/render.ts#render', params: ['page', 'dest'], options: () => ({ outFiles: ['dest'] }) },
    )
    const results = await Promise.all([render('home', out('a.html')), render('home', out('b.html')), render('home', out('c.html'))])
    expect(results).toEqual([4, 4, 4])
    for (const name of ['a.html', 'b.html', 'c.html']) expect(readFileSync(out(name), 'utf8')).toBe('<h1>home</h1>')
    expect(render.calls.count).toBe(1)
  })

  it('rejects a joining call with the error of the call it joined', async () => {
    const render = persistedFn(
      async (_page: string, _dest: string) => {
        await new Promise((resolve) => setImmediate(resolve))
        throw new Error('template missing')
      },
      { id: 'src/render.ts#broken', params: ['page', 'dest'], options: () => ({ outFiles: ['dest'] }) },
    )
    const both = await Promise.allSettled([render('home', out('a.html')), render('home', out('b.html'))])
    expect(both.map((result) => result.status)).toEqual(['rejected', 'rejected'])
    expect(render.calls.count).toBe(1)
  })
})

describe('the seed option and the key option', () => {
  useSandbox()

  it('rejects a key mapper on the seed parameter, which would serve numbers drawn with another seed', () => {
    const train = persistedFn((_data: string, _seed: number) => random(), {
      id: 'src/train.ts#train',
      params: ['data', 'seed'],
      options: () => ({ seed: 'seed', key: { seed: () => 0 } }),
    })
    expect(() => train('a.csv', 1)).toThrow(
      /option seed of src\/train\.ts#train names "seed", which the key option maps \(key: \{ seed: \.\.\. \}\).*Fix: remove "seed" from key\./,
    )
  })
})

describe('the memory tier across configure()', () => {
  const sandbox = useSandbox()
  const memoryFn = () => persistedFn((n: number) => n * 2, { options: () => ({ store: 'memory' }) })

  it('keeps its values through a configure() that changes nothing they depend on', () => {
    const f = memoryFn()
    expect(f(1)).toBe(2)
    configure({ strict: false })
    configure({ ttl: '1h' })
    expect(f(1)).toBe(2)
    expect(f.calls.count).toBe(1)
  })

  it('drops them when the version, the name, the key option or the cache directory changes', () => {
    const f = memoryFn()
    f(1)
    configure({ version: 2 })
    f(1)
    expect(f.calls.count).toBe(2)
    configure({ name: 'renamed' })
    f(1)
    expect(f.calls.count).toBe(3)
    configure({ key: { p0: () => 'all the same' } })
    f(1)
    expect(f.calls.count).toBe(4)
    const hybrid = persistedFn((n: number) => n * 3)
    hybrid(1)
    configure({ dir: join(sandbox.dir(), 'other-cache') })
    hybrid(1)
    expect(hybrid.calls.count).toBe(2)
  })
})

describe('bad input to configure and register', () => {
  const sandbox = useSandbox()

  it('accepts configure() with no argument and keeps the settings', () => {
    const f = persistedFn((n: number) => n + 1, { options: () => ({ store: 'disk' }) })
    f(1)
    expect(() => configure()).not.toThrow()
    expect(f(1)).toBe(2)
    expect(f.calls.count).toBe(1)
    expect(existsSync(join(sandbox.dir(), 'cache'))).toBe(true)
  })

  it('rejects configure(null) and configure(array) with a message naming the fix', () => {
    expect(() => configure(null as never)).toThrow(/persist: configure\(options\) takes an object of options, got null\. Fix:/)
    expect(() => configure([] as never)).toThrow(/got an array/)
  })

  const meta = { id: 'src/a.ts#f', hash: 'h', params: ['x'], async: false, kind: 'function' }
  it.each([
    ['async is not a boolean', { async: 'yes' }, /meta\.async must be a boolean, got string/],
    ['kind is unknown', { kind: 'arrow' }, /meta\.kind must be one of function, method, static-method, got "arrow"/],
    ['options is not a function', { options: {} }, /meta\.options must be a function, got object/],
    ['a param is not a string', { params: [1] }, /meta\.params must be an array of strings/],
  ])('rejects meta whose %s, naming the function and the version mismatch', (_what, change, message) => {
    const call = () => register({ ...meta, ...change } as never)
    expect(call).toThrow(message)
    expect(call).toThrow(/register\(meta\) of src\/a\.ts#f: .*@persist\/unplugin.*@persist\/runtime/)
  })

  it('prints each warning with one "persist" prefix', () => {
    setWarningSink(undefined)
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      persistedFn((n: number) => Promise.resolve(n), { async: false })(1)
      persistedFn((n: number) => n, { options: () => ({ store: 'memory', lock: true }) })(1)
      const printed = write.mock.calls.map(([text]) => stripVTControlCharacters(String(text)))
      expect(printed.some((text) => text.includes('returns a promise but is not declared async'))).toBe(true)
      expect(printed.some((text) => text.includes('option lock of'))).toBe(true)
      for (const text of printed) expect(text).toMatch(/^persist (?!persist)/)
    } finally {
      write.mockRestore()
    }
  })
})

describe('persisted(f) writes in readonly mode', () => {
  const sandbox = useSandbox()

  it('set, delete and clear change nothing and warn, naming the mode', async () => {
    const f = persistedFn((n: number) => n * 10, { options: () => ({ store: 'disk' }) })
    f(1)
    configure({ mode: 'readonly' })
    const handle = persisted(f)
    await handle.set([2], 99)
    expect(await handle.has(2)).toBe(false)
    expect(await handle.delete(1)).toBe(false)
    await handle.clear()
    expect(await handle.get(1)).toBe(10)
    expect(sandbox.warnings.join('\n')).toMatch(/persisted\(.*\)\.set did nothing: the cache is readonly \(configure\(\{ mode: 'readonly' \}\)\)/)
    expect(sandbox.warnings.filter((warning) => warning.includes('did nothing'))).toHaveLength(3)
    configure({ mode: 'on' })
    expect(await handle.delete(1)).toBe(true)
  })
})
