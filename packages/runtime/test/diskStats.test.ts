import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configure, persisted } from '../src/index'
import { flushStats, readRecordedStats } from '../src/stores/diskStats'
import { FOLD_AT } from '../src/stores/statsFold'
import { persistedFn, useSandbox } from './helpers'

const sandbox = useSandbox()
const double = (x: number) => x * 2

async function versionDirOf(fn: (x: number) => number): Promise<string> {
  return dirname(dirname((await persisted(fn).path(1))!))
}

describe('hits and misses on disk', () => {
  it('writes what was counted since the last flush to a file of its own per version; the sum stays exact', async () => {
    const f = persistedFn(double, { id: 'src/a.ts#f', options: () => ({ store: 'disk' }) })
    f(1)
    f(1)
    f(2)
    flushStats()
    const dir = await versionDirOf(f)
    expect(readRecordedStats(dir)).toMatchObject({ hits: 1, misses: 2 })
    const [first] = readdirSync(join(dir, '.stats'))
    expect(first).toMatch(new RegExp(`^${process.pid}-[0-9a-f]+\\.json$`))
    expect(JSON.parse(readFileSync(join(dir, '.stats', first!), 'utf8'))).toMatchObject({ hits: 1, misses: 2 })
    f(1)
    flushStats()
    // Nothing new: no file.
    flushStats()
    expect(readRecordedStats(dir)).toMatchObject({ hits: 2, misses: 2 })
    expect(readdirSync(join(dir, '.stats'))).toHaveLength(2)
  })

  it(`folds the files into one when a flush finds more than ${FOLD_AT}, keeping the sum; damaged files count as nothing`, async () => {
    const f = persistedFn(double, { id: 'src/a.ts#many', options: () => ({ store: 'disk' }) })
    f(1)
    flushStats()
    const dir = await versionDirOf(f)
    writeFileSync(join(dir, '.stats', '1-damaged.json'), '{"hits": 4')
    const hits = FOLD_AT - 2
    for (let flush = 0; flush < hits; flush++) {
      f(1)
      flushStats()
    }
    expect(readdirSync(join(dir, '.stats'))).toHaveLength(FOLD_AT)
    expect(readRecordedStats(dir)).toMatchObject({ hits, misses: 1 })
    // The flush that makes FOLD_AT + 1 files folds them.
    f(1)
    flushStats()
    expect(readdirSync(join(dir, '.stats'))).toHaveLength(1)
    expect(readRecordedStats(dir)).toMatchObject({ hits: hits + 1, misses: 1 })
  })

  it('counts toward the directory in use when they happened, across a change of directory', async () => {
    const f = persistedFn(double, { id: 'src/a.ts#moves', options: () => ({ store: 'disk' }) })
    f(1)
    const first = await versionDirOf(f)
    configure({ dir: join(sandbox.dir(), 'other') })
    f(1)
    f(1)
    flushStats()
    expect(readRecordedStats(first)).toMatchObject({ hits: 0, misses: 1 })
    expect(readRecordedStats(await versionDirOf(f))).toMatchObject({ hits: 1, misses: 1 })
  })

  it('records nothing in readonly mode or for memory-only functions', async () => {
    persistedFn(double, { id: 'src/a.ts#ro', options: () => ({ store: 'disk' }) })(1)
    configure({ mode: 'readonly' })
    const ro = persistedFn(double, { id: 'src/a.ts#ro', options: () => ({ store: 'disk' }) })
    ro(1)
    ro(2)
    const memoryOnly = persistedFn(double, { id: 'src/a.ts#mem', options: () => ({ store: 'memory' }) })
    memoryOnly(1)
    flushStats()
    // Only the writer's miss, from before readonly: the readonly hit and miss are not recorded.
    expect(readRecordedStats(await versionDirOf(ro))).toMatchObject({ hits: 0, misses: 1 })
    expect(readdirSync(join(sandbox.dir(), 'cache'))).not.toContain('src__a.ts#mem')
  })

  it('never throws and never recreates a removed or unwritable directory', async () => {
    const gone = persistedFn(double, { id: 'src/a.ts#gone', options: () => ({ store: 'disk' }) })
    gone(1)
    const goneDir = await versionDirOf(gone)
    rmSync(goneDir, { recursive: true })
    const locked = persistedFn(double, { id: 'src/a.ts#locked', options: () => ({ store: 'disk' }) })
    locked(1)
    const lockedDir = await versionDirOf(locked)
    chmodSync(lockedDir, 0o500)
    try {
      expect(() => flushStats()).not.toThrow()
      expect(readdirSync(dirname(goneDir))).toEqual([])
    } finally {
      chmodSync(lockedDir, 0o700)
    }
  })
})

describe('hits and misses on disk, with links planted in the cache', () => {
  it('never writes through a link in place of the version directory, the function directory or .stats', async () => {
    const outside = join(sandbox.dir(), 'outside')
    mkdirSync(join(outside, 'abc', '.stats'), { recursive: true })
    for (const [index, plant] of (['version', 'function', 'stats'] as const).entries()) {
      // A cache of its own per case: a planted link makes the runtime stop writing into that cache.
      configure({ dir: join(sandbox.dir(), `cache${index}`) })
      const f = persistedFn(double, { id: `src/a.ts#planted${index}`, hash: 'abc', options: () => ({ store: 'disk' }) })
      f(1)
      const versionDir = await versionDirOf(f)
      const target = plant === 'version' ? versionDir : plant === 'function' ? dirname(versionDir) : join(versionDir, '.stats')
      rmSync(target, { recursive: true, force: true })
      symlinkSync(plant === 'function' ? outside : plant === 'version' ? join(outside, 'abc') : join(outside, 'abc', '.stats'), target)
      f(1)
      flushStats()
      expect(readdirSync(join(outside, 'abc', '.stats'))).toEqual([])
      expect(readdirSync(outside)).toEqual(['abc'])
      expect(readdirSync(join(outside, 'abc'))).toEqual(['.stats'])
    }
  })
})
