import { basename, dirname } from 'node:path'
import { describe, expect, it } from 'vitest'
import { persisted } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

useSandbox()

const ID = 'src/jobs.ts#load'

describe('source hash: the entry directory, not the entry name', () => {
  it('a module re-registering the same id with a new hash in the same process computes again (Vite HMR)', async () => {
    for (const store of ['hybrid', 'memory', 'disk'] as const) {
      const id = `${ID}.${store}`
      const before = persistedFn((x: number) => x * 2, { id, hash: 'aaaa', options: () => ({ store }) })
      expect(before(21)).toBe(42)
      expect(before(21)).toBe(42)
      expect(before.calls.count).toBe(1)
      const after = persistedFn((x: number) => x * 3, { id, hash: 'bbbb', options: () => ({ store }) })
      expect(after(21)).toBe(63)
      expect(after.calls.count).toBe(1)
      const async = persistedFn(async (x: number) => x * 4, { id, hash: 'cccc', async: true, options: () => ({ store }) })
      expect(await async(21)).toBe(84)
      expect(async.calls.count).toBe(1)
    }
  })

  it('names a call by the same file under every hash, in a directory per hash, so entries can be adopted', async () => {
    const a = persistedFn((x: number) => x, { id: ID, hash: 'aaaa' })
    const b = persistedFn((x: number) => x, { id: ID, hash: 'bbbb' })
    const pathA = (await persisted(a).path(1))!
    const pathB = (await persisted(b).path(1))!
    expect(basename(pathA)).toBe(basename(pathB))
    expect(dirname(pathA)).not.toBe(dirname(pathB))
  })

  it('still names a call differently under another version', async () => {
    const v1 = persistedFn((x: number) => x, { id: ID, hash: 'aaaa', options: () => ({ version: 1 }) })
    const v2 = persistedFn((x: number) => x, { id: ID, hash: 'aaaa', options: () => ({ version: 2 }) })
    expect(basename((await persisted(v1).path(1))!)).not.toBe(basename((await persisted(v2).path(1))!))
  })

  it('keeps hashes apart whose safe names would be alike', () => {
    const hashes = ['a/b', 'a__b', 'a\\b', 'a%2Fb', '.a', '%2Ea']
    for (const hash of hashes) {
      const f = persistedFn((x: number) => `${hash}:${x}`, { id: ID, hash, options: () => ({ store: 'disk' }) })
      expect(f(1)).toBe(`${hash}:1`)
      expect(f.calls.count).toBe(1)
    }
  })
})
