import { spawn } from 'node:child_process'
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { readRecordedStats } from '../../packages/runtime/src/stores/diskStats'
import { FOLD_AT, foldStats } from '../../packages/runtime/src/stores/statsFold'
import { persistJson } from '../cli/helpers'
import { runWorker, runWorkerAsync, useWorkspace, worker } from './helpers'

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

  /**
   * Leaves FOLD_AT files of counts, then starts a process that folds them and suspends it once it has claimed the
   * first: resolves with the stopped process and a promise of its exit.
   */
  async function suspendedFold(statsDir: string) {
    for (let run = 0; run < FOLD_AT; run++) expect(runWorker(['call', 'sync', '0'], workspace.env()).status).toBe(0)
    const mark = join(workspace.dir(), 'stopped')
    // Its own file (step 0), its first claim, then it stops before its second.
    const env = { ...workspace.env(), KILL_DIR: statsDir, KILL_AT: '2', KILL_SIGNAL: 'SIGSTOP', KILL_MARK: mark }
    const child = spawn(process.execPath, ['--import', killAt, worker, 'call', 'sync', '0'], { env, stdio: 'ignore' })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    for (let waited = 0; !existsSync(mark); waited++) {
      expect(waited, 'the folding process never reached its second claim').toBeLessThan(600)
      await sleep(50)
    }
    return { child, exited }
  }

  /** Tidies and folds `versionDir` as a process would `ms` from now. */
  function foldLater(versionDir: string, ms: number): void {
    const now = Date.now()
    vi.spyOn(Date, 'now').mockReturnValue(now + ms)
    try {
      foldStats(versionDir, FOLD_AT + 1)
    } finally {
      vi.restoreAllMocks()
    }
  }

  it('a fold suspended for hours (SIGSTOP, a sleeping laptop) keeps its claims, and counts nothing twice when it wakes up', async () => {
    const versionDir = join(workspace.cache(), 'test__reliability__worker.mjs#make', 'w1')
    const statsDir = join(versionDir, '.stats')
    const total = () => {
      const counts = readRecordedStats(versionDir)
      return counts.hits + counts.misses
    }
    const { child, exited } = await suspendedFold(statsDir)
    try {
      expect(total()).toBe(FOLD_AT + 1)
      foldLater(versionDir, 2 * 3_600_000)
      expect(total()).toBe(FOLD_AT + 1)
    } finally {
      child.kill('SIGCONT')
    }
    expect(await exited).toBe(0)
    expect(total()).toBe(FOLD_AT + 1)
    expect(readdirSync(statsDir).filter((name) => name.startsWith('.'))).toEqual([])
  }, 120_000)

  it("a dead fold's claims are given back their names an hour later, and still count once", async () => {
    const versionDir = join(workspace.cache(), 'test__reliability__worker.mjs#make', 'w1')
    const statsDir = join(versionDir, '.stats')
    const { child, exited } = await suspendedFold(statsDir)
    child.kill('SIGKILL')
    expect(await exited).toBe(null)
    foldLater(versionDir, 2 * 3_600_000)
    expect(readdirSync(statsDir).filter((name) => name.startsWith('.'))).toEqual([])
    const counts = readRecordedStats(versionDir)
    expect(counts.hits + counts.misses).toBe(FOLD_AT + 1)
  }, 120_000)
})
