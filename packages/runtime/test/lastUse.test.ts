import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configure, persisted } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

const sandbox = useSandbox()
const LONG_AGO = new Date('2020-01-01T00:00:00Z')
const ID = 'src/jobs.ts#load'

function age(path: string): void {
  utimesSync(path, LONG_AGO, LONG_AGO)
}

function mtimeOf(path: string): number {
  return statSync(path).mtimeMs
}

const double = (x: number) => x * 2

describe('last use, recorded on the entry file', () => {
  it('a hit in a new registration (a new process) sets the entry mtime to now', async () => {
    for (const store of ['disk', 'hybrid'] as const) {
      const id = `${ID}.${store}`
      persistedFn(double, { id, options: () => ({ store }) })(1)
      const again = persistedFn(double, { id, options: () => ({ store }) })
      const path = (await persisted(again).path(1))!
      age(path)
      const before = Date.now()
      expect(again(1)).toBe(2)
      expect(again.calls.count).toBe(0)
      expect(mtimeOf(path)).toBeGreaterThanOrEqual(before - 1000)
    }
  })

  it('records it once per entry per process: later hits leave the file alone', async () => {
    persistedFn(double, { id: ID, options: () => ({ store: 'disk' }) })(1)
    const reader = persistedFn(double, { id: ID, options: () => ({ store: 'disk' }) })
    reader(1)
    const path = (await persisted(reader).path(1))!
    age(path)
    expect(reader(1)).toBe(2)
    expect(reader.calls.count).toBe(0)
    expect(mtimeOf(path)).toBe(LONG_AGO.getTime())
  })

  it('async functions record it too', async () => {
    const asyncDouble = async (x: number) => x * 2
    await persistedFn(asyncDouble, { id: ID, async: true, options: () => ({ store: 'disk' }) })(1)
    const again = persistedFn(asyncDouble, { id: ID, async: true, options: () => ({ store: 'disk' }) })
    const path = (await persisted(again).path(1))!
    age(path)
    expect(await again(1)).toBe(2)
    expect(mtimeOf(path)).toBeGreaterThan(LONG_AGO.getTime())
  })

  it('readonly mode does not write it', async () => {
    persistedFn(double, { id: ID, options: () => ({ store: 'disk' }) })(1)
    configure({ mode: 'readonly' })
    const reader = persistedFn(double, { id: ID, options: () => ({ store: 'disk' }) })
    const path = (await persisted(reader).path(1))!
    age(path)
    expect(reader(1)).toBe(2)
    expect(reader.calls.count).toBe(0)
    expect(mtimeOf(path)).toBe(LONG_AGO.getTime())
  })

  it('an out-file stored again with bytes the cache already holds refreshes that blob', () => {
    const write = (text: string, dest: string) => {
      mkdirSync(join(dest, '..'), { recursive: true })
      writeFileSync(dest, text)
      return text.length
    }
    const render = persistedFn(write, { id: 'src/render.ts#render', params: ['text', 'dest'], options: () => ({ outFiles: ['dest'] }) })
    render('same bytes', join(sandbox.dir(), 'out/a.txt'))
    const blobs = join(sandbox.dir(), 'cache/.blobs')
    const shard = readdirSync(blobs).find((name) => !name.startsWith('.'))!
    const blob = join(blobs, shard, readdirSync(join(blobs, shard))[0]!)
    age(blob)
    const other = persistedFn(write, { id: 'src/render.ts#other', params: ['text', 'dest'], options: () => ({ outFiles: ['dest'] }) })
    other('same bytes', join(sandbox.dir(), 'out/b.txt'))
    expect(existsSync(blob)).toBe(true)
    expect(mtimeOf(blob)).toBeGreaterThan(LONG_AGO.getTime())
  })
})
