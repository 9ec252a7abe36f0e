import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { configure } from '../src/config'
import { entryFiles, persistedFn, useSandbox } from './helpers'

// The file system calls the disk store makes, observable and, for one test, made to fail the way a process that
// ran out of file descriptors fails.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>()
  return { ...actual, openSync: vi.fn(actual.openSync), mkdirSync: vi.fn(actual.mkdirSync) }
})

const sandbox = useSandbox()
const disk = { options: () => ({ store: 'disk' as const }) }

afterEach(() => {
  vi.mocked(fs.openSync).mockRestore()
  vi.mocked(fs.mkdirSync).mockRestore()
})

/** Makes the next `count` exclusive creations (the disk store's temporary files) fail with `code`. */
function failCreations(code: string, count: number): void {
  const real = vi.mocked(fs.openSync).getMockImplementation()!
  let left = count
  vi.mocked(fs.openSync).mockImplementation((path, flags, mode) => {
    if (flags === 'wx' && left-- > 0) throw Object.assign(new Error(`${code}: simulated, open '${String(path)}'`), { code })
    return real(path, flags, mode)
  })
}

describe('a write that fails for a moment (EMFILE)', () => {
  it('loses that one result, with one warning; later calls of the same function are cached again', () => {
    const f = persistedFn((x: number) => ({ x }), { id: 'src/a.ts#f', ...disk })
    failCreations('EMFILE', 1)
    expect(f(1)).toEqual({ x: 1 })
    expect(f(2)).toEqual({ x: 2 })
    // A fresh registration (as in the next process) finds f(2) on disk; f(1) was never saved.
    const again = persistedFn((x: number) => ({ x: -x }), { id: 'src/a.ts#f', ...disk })
    expect(again(2)).toEqual({ x: 2 })
    expect(again.calls.count).toBe(0)
    expect(again(1)).toEqual({ x: -1 })
    expect(entryFiles(join(sandbox.dir(), 'cache'))).toHaveLength(2)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/EMFILE.*later calls try again/)
  })
})

describe('a refresh whose write fails (disk-only function)', () => {
  it('never serves the entry it was to replace: the next call of the key computes again', () => {
    persistedFn((x: number) => `old:${x}`, { id: 'src/a.ts#r', ...disk })(1)
    configure({ mode: 'refresh' })
    const f = persistedFn((x: number) => `new:${x}`, { id: 'src/a.ts#r', ...disk })
    failCreations('EMFILE', 1)
    expect(f(1)).toBe('new:1')
    expect(f(1)).toBe('new:1')
    expect(f.calls.count).toBe(2)
    // That second computation was written: the key is now served from what this process wrote.
    expect(f(1)).toBe('new:1')
    expect(f.calls.count).toBe(2)
  })
})

describe('directories removed under a write again and again (persist clear in another process)', () => {
  it('lose at most that one result, without a warning; the next call of the function is cached', () => {
    const f = persistedFn((x: number) => ({ x }), { id: 'src/a.ts#f', ...disk })
    f(0)
    const fnDir = join(sandbox.dir(), 'cache', 'src__a.ts#f')
    // Each of the next three temporary files finds its directories just removed, as a concurrent clear leaves them.
    const real = vi.mocked(fs.openSync).getMockImplementation()!
    let left = 3
    vi.mocked(fs.openSync).mockImplementation((path, flags, mode) => {
      if (flags === 'wx' && left-- > 0) fs.rmSync(fnDir, { recursive: true, force: true })
      return real(path, flags, mode)
    })
    expect(f(1)).toEqual({ x: 1 })
    expect(f(2)).toEqual({ x: 2 })
    const again = persistedFn((x: number) => ({ x: -x }), { id: 'src/a.ts#f', ...disk })
    expect(again(2)).toEqual({ x: 2 })
    expect(again.calls.count).toBe(0)
    expect(sandbox.warnings).toEqual([])
  })
})

describe('a cache root that can never be written (a file in its place)', () => {
  it('is given up after one warning: later calls make no further attempt to create it', () => {
    const root = join(sandbox.dir(), 'a-file')
    fs.writeFileSync(root, 'not a directory')
    configure({ dir: root })
    const f = persistedFn((x: number) => x + 1, { id: 'src/a.ts#f', ...disk })
    const g = persistedFn((x: number) => x + 2, { id: 'src/b.ts#g', ...disk })
    expect(f(1)).toBe(2)
    const attempts = vi.mocked(fs.mkdirSync).mock.calls.length + vi.mocked(fs.openSync).mock.calls.filter(([, flags]) => flags === 'wx').length
    for (let i = 2; i < 20; i++) expect([f(i), g(i)]).toEqual([i + 1, i + 2])
    const after = vi.mocked(fs.mkdirSync).mock.calls.length + vi.mocked(fs.openSync).mock.calls.filter(([, flags]) => flags === 'wx').length
    expect(after).toBe(attempts)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/ENOTDIR/)
  })
})
