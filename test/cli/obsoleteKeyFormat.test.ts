import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KEY_FORMAT } from '../../packages/runtime/src/key/encode'
import { copyWithKeyFormat } from '../../packages/runtime/test/olderKeyFormat'
import { entryFiles, persistCli, persistJson, runProject, sizeOf, useFilledCache } from './helpers'

// One real build and two runs fill a cache; every test works on its own copy, where each entry also has a twin
// as the previous persist (key format 2) wrote it: the same call under its old name, in the same version directory.
const filled = useFilledCache()

/** Where a key of another format names the entry at `path`: a 64-hex name in the same bucket. */
function twinPath(path: string, keyFormat: number): string {
  const digest = createHash('sha256').update(`key format ${keyFormat} ${basename(path)}`).digest('hex')
  return join(dirname(dirname(path)), digest.slice(0, 2), digest)
}

/** A copy of the cache whose entries each have a twin of `keyFormat` (0: as key formats 1 and 2 wrote them). */
function upgradedCache(keyFormat = 0): { cache: string; current: string[]; twins: string[] } {
  const cache = filled.freshCache()
  const current = entryFiles(cache)
  const twins = current.map((path) => {
    const twin = twinPath(path, keyFormat)
    copyWithKeyFormat(path, twin, keyFormat)
    return twin
  })
  return { cache, current, twins: twins.sort() }
}

describe('entries of an older key format', () => {
  it('persist ls counts only current entries and their bytes, and says how many obsolete ones there are', () => {
    const { cache, current, twins } = upgradedCache()
    const out = persistJson(['ls', '--dir', cache])
    expect(out.functions.map((fn: any) => [fn.id, fn.entries])).toEqual([
      ['src/steps.ts#greet', 1],
      ['src/steps.ts#scaled', 3],
      ['src/steps.ts#tenantTotal', 2],
    ])
    expect(out.functions.reduce((sum: number, fn: any) => sum + fn.bytes, 0)).toBe(sizeOf(current))
    expect(out.obsolete).toEqual({ entries: twins.length, bytes: sizeOf(twins) })
    expect(persistCli(['ls', '--dir', cache]).stdout).toContain(`${twins.length} entries of an older key format`)
  })

  it('persist stats and show count and list only current entries, none of them corrupt', () => {
    const { cache, current } = upgradedCache()
    const stats = persistJson(['stats', '--dir', cache])
    expect(stats.functions.reduce((sum: number, fn: any) => sum + fn.entries, 0)).toBe(current.length)
    expect(stats.functions.reduce((sum: number, fn: any) => sum + fn.bytes, 0)).toBe(sizeOf(current))
    expect(stats.functions.every((fn: any) => fn.corrupt === 0)).toBe(true)
    const shown = persistJson(['show', 'src/steps.ts#scaled', '--dir', cache]).entries
    expect(shown.map((entry: any) => entry.path).sort()).toEqual(entryFiles(cache, 'src__steps.ts#scaled').filter((path) => current.includes(path)))
  })

  it('persist gc removes them whatever the limits and says how many; current entries stay and still hit', () => {
    const { cache, current, twins } = upgradedCache()
    const dry = persistJson(['gc', '--max-entries', '1000', '--dry-run', '--dir', cache])
    expect(dry.obsolete.entries).toBe(twins.length)
    expect(entryFiles(cache)).toEqual([...current, ...twins].sort())
    const done = persistJson(['gc', '--max-entries', '1000', '--dir', cache])
    // Each twin is as large as the entry it was made from (only its key format byte and checksum differ).
    expect(done.obsolete).toEqual({ entries: twins.length, bytes: sizeOf(current), paths: expect.arrayContaining(twins) })
    expect(done.before).toEqual({ entries: current.length, bytes: sizeOf(current) })
    expect(done.removed).toEqual([])
    expect(entryFiles(cache)).toEqual(current)
    expect(runProject(filled.project(), { PERSIST_DIR: cache })).toEqual([])
    const text = persistCli(['gc', '--max-entries', '1000', '--dir', cache])
    expect(text.stdout).not.toContain('older key format')
  })

  it('gc limits count only current entries: --max-entries N keeps N current entries', () => {
    const { cache, current } = upgradedCache()
    const out = persistJson(['gc', '--max-entries', String(current.length), '--dir', cache])
    expect(out.removed).toEqual([])
    expect(entryFiles(cache)).toEqual(current)
  })

  it('persist verify reports them as obsolete, not corrupt, and removes them (--dry-run only reports)', () => {
    const { cache, current, twins } = upgradedCache()
    const dry = persistCli(['verify', '--dry-run', '--json', '--dir', cache])
    const report = JSON.parse(dry.stdout)
    expect(report.corrupt).toEqual([])
    expect(report.obsolete.map((problem: any) => problem.path).sort()).toEqual(twins)
    expect(report.ok).toBe(current.length)
    expect(dry.status).toBe(1)
    expect(entryFiles(cache)).toEqual([...current, ...twins].sort())
    const done = persistJson(['verify', '--dir', cache])
    expect(done.obsolete).toHaveLength(twins.length)
    expect(entryFiles(cache)).toEqual(current)
    expect(runProject(filled.project(), { PERSIST_DIR: cache })).toEqual([])
  })
})

describe('persist adopt', () => {
  it('does not carry entries of an older key format into the new version', () => {
    const { cache } = upgradedCache()
    const fnDir = join(cache, 'src__steps.ts#scaled')
    const from = persistJson(['ls', 'scaled', '--dir', cache]).functions[0].versions[0].hash
    const out = persistJson(['adopt', 'src/steps.ts#scaled', '--from', from, '--to', 'nexthash', '--dir', cache])
    expect([out.adopted, out.obsolete]).toEqual([3, 3])
    expect(entryFiles(cache, 'src__steps.ts#scaled').filter((path) => path.startsWith(join(fnDir, 'nexthash')))).toHaveLength(3)
  })
})

describe('entries of a newer key format (a newer persist sharing the cache)', () => {
  it('are neither obsolete nor corrupt to gc and verify: they are left for the runtime that wrote them', () => {
    const { cache, twins } = upgradedCache(KEY_FORMAT + 1)
    expect(persistJson(['gc', '--max-entries', '1000', '--dir', cache]).obsolete.entries).toBe(0)
    const verified = persistJson(['verify', '--dir', cache])
    expect([verified.corrupt, verified.obsolete]).toEqual([[], []])
    expect(twins.every((path) => existsSync(path))).toBe(true)
  })
})
