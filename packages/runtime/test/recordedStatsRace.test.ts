import type * as fs from 'node:fs'
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readRecordedStats } from '../src/stores/diskStats'
import { useSandbox } from './helpers'

// Reads of chosen files fail with ENOENT, as when a fold renames them between the listing and the read.
const vanishing = new Set<string>()
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof fs>()
  const readFileSync = ((path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (typeof path === 'string' && vanishing.has(basename(path))) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' })
    }
    return (actual.readFileSync as (...args: unknown[]) => unknown)(path, ...rest)
  }) as typeof actual.readFileSync
  return { ...actual, default: { ...actual, readFileSync }, readFileSync }
})

const sandbox = useSandbox()
afterEach(() => vanishing.clear())

describe('persist stats while folds keep renaming the files it reads', () => {
  it('reports the counts it could read, not zero, when a file vanishes on every attempt', () => {
    const versionDir = join(sandbox.dir(), 'cache', 'src__a.ts#f', 'h1')
    const statsDir = join(versionDir, '.stats')
    mkdirSync(statsDir, { recursive: true })
    const files = { '101-aaaaaaaaaaaa.json': { hits: 3, misses: 1, timeSavedMs: 30 }, '102-bbbbbbbbbbbb.json': { hits: 5, misses: 2, timeSavedMs: 50 } }
    for (const [name, counts] of Object.entries(files)) writeFileSync(join(statsDir, name), JSON.stringify(counts))
    writeFileSync(join(statsDir, '103-cccccccccccc.json'), JSON.stringify({ hits: 7, misses: 0, timeSavedMs: 70 }))
    vanishing.add('103-cccccccccccc.json')
    const readable = Object.values(files)
    expect(readRecordedStats(versionDir)).toEqual({
      hits: readable.reduce((sum, counts) => sum + counts.hits, 0),
      misses: readable.reduce((sum, counts) => sum + counts.misses, 0),
      timeSavedMs: readable.reduce((sum, counts) => sum + counts.timeSavedMs, 0),
    })
  })

})
