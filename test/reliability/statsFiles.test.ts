import { cpSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readRecordedStats } from '../../packages/runtime/src/stores/diskStats'
import { FOLD_AT } from '../../packages/runtime/src/stores/statsFold'
import { persistJson } from '../cli/helpers'
import { runWorker, runWorkerAsync, useWorkspace } from './helpers'

const killAt = fileURLToPath(new URL('../../packages/runtime/test/fixtures/killAt.mjs', import.meta.url))
const PROCESSES = 30
const KEYS = Array.from({ length: 10 }, (_, i) => String(i))

describe('hits and misses recorded by many processes', () => {
  const workspace = useWorkspace()

  it(`${PROCESSES} processes at once leave a bounded number of stats files, and persist stats counts every call exactly once`, async () => {
    // One process computes the keys (10 misses); then every process hits all of them, most of them at once.
    expect(runWorker(['call', 'sync', ...KEYS], workspace.env()).stdout).toBe('10')
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => runWorkerAsync(['call', 'sync', ...KEYS], workspace.env())))
    for (const result of results) expect(result.stdout).toBe('10')
    expect(runWorker(['call', 'sync', ...KEYS], workspace.env()).stdout).toBe('10')

    const statsDir = join(workspace.cache(), 'test__reliability__worker.mjs#make', 'w1', '.stats')
    // Each of the 32 processes wrote its counts; whoever found more than FOLD_AT files summed them into one.
    expect(readdirSync(statsDir).length).toBeLessThanOrEqual(FOLD_AT)
    // No process was killed: no claimed or half-written file is left.
    expect(readdirSync(statsDir).filter((name) => name.startsWith('.'))).toEqual([])
    const stats = persistJson(['stats', '--dir', workspace.cache()]).functions
    expect(stats.find((fn: any) => fn.id === 'test/reliability/worker.mjs#make')).toMatchObject({ hits: (PROCESSES + 1) * KEYS.length, misses: KEYS.length })
  }, 120_000)

  it('a process killed at any step of a fold loses no count but its own and counts nothing twice', () => {
    const versionDir = join(workspace.cache(), 'test__reliability__worker.mjs#make', 'w1')
    const statsDir = join(versionDir, '.stats')
    const total = () => {
      const counts = readRecordedStats(versionDir)
      return counts.hits + counts.misses
    }
    // FOLD_AT processes, one call each, leave FOLD_AT files: the next process to exit folds.
    for (let run = 0; run < FOLD_AT; run++) expect(runWorker(['call', 'sync', '0'], workspace.env()).status).toBe(0)
    const before = join(workspace.dir(), 'stats-before')
    cpSync(statsDir, before, { recursive: true })
    expect(total()).toBe(FOLD_AT)

    let step = 0
    for (let completed = false; !completed; step++) {
      rmSync(statsDir, { recursive: true })
      cpSync(before, statsDir, { recursive: true })
      // Dies before its step-th rename or unlink in .stats: writing its own file, claiming, summing, deleting.
      const killed = runWorker(['call', 'sync', '0'], { ...workspace.env(), KILL_DIR: statsDir, KILL_AT: String(step) }, ['--import', killAt])
      completed = killed.status === 0
      expect(completed || killed.status === null, killed.stderr).toBe(true)
      // Step 0 is the rename of its own file into place: only a kill there loses its count.
      const recorded = FOLD_AT + (step === 0 ? 0 : 1)
      expect(total(), `killed at step ${step}`).toBe(recorded)
      // What the kill left is recognisable as persist's leftovers, as in every other directory of the cache.
      for (const name of readdirSync(statsDir).filter((file) => file.startsWith('.'))) expect(name).toMatch(/^\..*\.tmp$/)
      // The next process folds what the dead one left, or adds to it: still exact.
      expect(runWorker(['call', 'sync', '0'], workspace.env()).status).toBe(0)
      expect(total(), `after a kill at step ${step}`).toBe(recorded + 1)
    }
    // Its own file, FOLD_AT + 1 claims, the sum, FOLD_AT + 1 deletions: every step was a kill once.
    expect(step).toBe(2 * (FOLD_AT + 1) + 3)
  }, 120_000)
})
