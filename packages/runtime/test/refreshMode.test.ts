import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configure, persisted } from '../src/index'
import type { FunctionOptions } from '../src/options'
import { persistedFn, useSandbox } from './helpers'

/**
 * `refresh` recomputes each key once per process, then serves what it computed. A new registration of the same id
 * stands for a new process: it shares the cache directory but none of the first one's memory.
 */
describe('refresh mode', () => {
  const sandbox = useSandbox()

  /** A function of `id` that returns `value` tagged with its argument; its calls count its runs. */
  function syncFn(id: string, value: string, options: FunctionOptions = {}) {
    return persistedFn((x: number) => `${value}:${x}`, { id, options: () => options })
  }
  function asyncFn(id: string, value: string, options: FunctionOptions = {}) {
    return persistedFn(async (x: number) => `${value}:${x}`, { id, options: () => options })
  }

  for (const store of ['hybrid', 'disk', 'memory'] as const) {
    it(`a sync ${store} function computes each key once per process, then serves the fresh value`, () => {
      const id = `src/refresh.ts#sync-${store}`
      syncFn(id, 'old', { store })(1)
      configure({ mode: 'refresh' })
      const f = syncFn(id, 'new', { store })
      expect([f(1), f(1), f(2), f(1), f(2)]).toEqual(['new:1', 'new:1', 'new:2', 'new:1', 'new:2'])
      expect(f.calls.count).toBe(2)
    })

    it(`an async ${store} function computes each key once per process, then serves the fresh value`, async () => {
      const id = `src/refresh.ts#async-${store}`
      await asyncFn(id, 'old', { store })(1)
      configure({ mode: 'refresh' })
      const f = asyncFn(id, 'new', { store })
      expect([await f(1), await f(1), await f(2), await f(1)]).toEqual(['new:1', 'new:1', 'new:2', 'new:1'])
      expect(f.calls.count).toBe(2)
    })
  }

  for (const store of ['hybrid', 'disk'] as const) {
    it(`another process under refresh computes again (${store}), and its value is what \`on\` serves next`, () => {
      const id = `src/refresh.ts#again-${store}`
      configure({ mode: 'refresh' })
      const first = syncFn(id, 'first', { store })
      first(1)
      first(1)
      const second = syncFn(id, 'second', { store })
      expect([second(1), second(1)]).toEqual(['second:1', 'second:1'])
      expect([first.calls.count, second.calls.count]).toEqual([1, 1])
      configure({ mode: 'on' })
      const reader = syncFn(id, 'never', { store })
      expect(reader(1)).toBe('second:1')
      expect(reader.calls.count).toBe(0)
    })
  }

  it('switching configure({ mode: "refresh" }) after calls under `on` recomputes instead of serving their memory entries', async () => {
    let result = 'old'
    const f = persistedFn((x: number) => `${result}:${x}`, { id: 'src/refresh.ts#switch' })
    const g = persistedFn(async (x: number) => `${result}:${x}`, { id: 'src/refresh.ts#switchAsync' })
    expect([f(1), f(1), await g(1), await g(1)]).toEqual(['old:1', 'old:1', 'old:1', 'old:1'])
    configure({ mode: 'refresh' })
    result = 'new'
    expect([f(1), f(1), await g(1), await g(1)]).toEqual(['new:1', 'new:1', 'new:1', 'new:1'])
    expect([f.calls.count, g.calls.count]).toEqual([2, 2])
  })

  it('a handle lookup under refresh reads the old entry without making the next call serve it', async () => {
    const id = 'src/refresh.ts#handle-read'
    syncFn(id, 'old')(1)
    configure({ mode: 'refresh' })
    const f = syncFn(id, 'new')
    expect(await persisted(f).get(1)).toBe('old:1')
    expect(f(1)).toBe('new:1')
    expect(f.calls.count).toBe(1)
  })

  it('a configure() that changes nothing keeps what refresh computed', () => {
    configure({ mode: 'refresh' })
    const f = syncFn('src/refresh.ts#kept', 'v')
    f(1)
    configure({ mode: 'refresh' })
    expect(f(1)).toBe('v:1')
    expect(f.calls.count).toBe(1)
  })

  for (const store of ['hybrid', 'disk'] as const) {
    it(`an out-file function (${store}) computes once, then restores the file it wrote`, () => {
      const dest = join(sandbox.dir(), 'out', 'a.txt')
      const render = persistedFn(
        (text: string, path: string) => {
          mkdirSync(join(path, '..'), { recursive: true })
          writeFileSync(path, text.repeat(2))
          return text.length
        },
        { id: `src/refresh.ts#render-${store}`, params: ['text', 'dest'], options: () => ({ outFiles: ['dest'], store }) },
      )
      configure({ mode: 'refresh' })
      expect(render('ab', dest)).toBe(2)
      rmSync(dest)
      expect(render('ab', dest)).toBe(2)
      expect(render.calls.count).toBe(1)
      expect(readFileSync(dest, 'utf8')).toBe('abab')
    })
  }
})
