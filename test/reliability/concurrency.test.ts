import { execFile } from 'node:child_process'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { checkEntries, entryFilesUnder, filesUnder, runWorker, runWorkerAsync, useWorkspace, warningLines } from './helpers'

const persistBin = join(import.meta.dirname, '../../packages/runtime/bin/persist.mjs')

/** Runs `persist <args>` without blocking; resolves with its exit code and output whatever the code. */
function persistAsync(args: string[], env: NodeJS.ProcessEnv): Promise<{ args: string[]; status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [persistBin, ...args], { env, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ args, status: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

const PROCESSES = 16
const STARTING = 16
const FRESH_DIRS = 200

describe('16 processes sharing a cache directory without a lock', () => {
  const workspace = useWorkspace()

  it('writers racing on the same keys all get correct values and leave only whole entries', async () => {
    // Process k computes keys k*4 … k*4+39: every key is written by up to ten processes at once.
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, k) =>
        runWorkerAsync(['write', String(k * 4), String(k * 4 + 40), k % 2 ? 'async' : 'sync'], workspace.env()),
      ),
    )
    // Each worker checks every value it got and exits with an error on a wrong one.
    for (const result of results) expect(result.stdout).toBe('40')
    const total = (PROCESSES - 1) * 4 + 40
    for (const flavour of ['sync', 'async'] as const) {
      const checked = checkEntries(total, workspace.env(), flavour)
      // Sync workers took the even k (keys 0…95), async ones the odd k (keys 4…99).
      expect(checked.ok).toBe(96)
      expect(checked.bad).toBe(0)
      expect(checked.listedBad).toBe(0)
      expect(checked.stderr).toBe('')
      expect(checked.listed).toBe(checked.ok)
    }
    // Nobody was killed: no temporary file is left behind.
    expect(filesUnder(workspace.cache()).filter((path) => basename(path).startsWith('.'))).toEqual([])
  }, 60_000)
})

describe('processes starting together on fresh cache directories', () => {
  const workspace = useWorkspace()

  it('none refuses a directory as a user\'s: each stores its value in every one, without a warning', async () => {
    // Each process claims the same fresh directories in the same order, so in each one some look at the directory
    // exactly while another tags it: the race of processes starting together on a new PERSIST_DIR, many times over.
    const env = { ...workspace.env(), PERSIST_DIR: '', START_AT: String(Date.now() + 1000) }
    const claims = (k: number) => runWorkerAsync(['claims', String(k), String(FRESH_DIRS), workspace.cache()], env)
    const results = await Promise.all(Array.from({ length: STARTING }, (_, k) => claims(k)))
    for (const result of results) {
      expect(warningLines(result.stderr)).toEqual([])
      expect(result.stdout).toBe(String(FRESH_DIRS))
    }
    for (let d = 0; d < FRESH_DIRS; d++) expect(entryFilesUnder(join(workspace.cache(), String(d))), `directory ${d}`).toHaveLength(STARTING)
  }, 60_000)
})

describe('maintenance commands while another process writes', () => {
  const workspace = useWorkspace()

  it('clear, gc, prune and verify finish, report and exit 0; writers go on caching and readers see whole entries or misses', async () => {
    const env = workspace.env()
    expect(runWorker(['call', 'sync', '1'], env).stdout).toBe('1')
    // A manifest naming another version of the worker's functions: prune removes the version being written.
    const manifest = { version: 1, functions: Object.fromEntries(['make', 'makeAsync'].map((name) => [`test/reliability/worker.mjs#${name}`, { hash: 'w0', file: 'worker.mjs', line: 1, deps: [] }])) }
    writeFileSync(join(workspace.cache(), 'manifest.json'), JSON.stringify(manifest))
    const COUNT = 400
    // Three writers (each checks every value it gets and fails on a wrong one), bounded in count.
    let writing = true
    const writers = Promise.all(
      ['sync', 'async', 'sync'].map((flavour) => runWorkerAsync(['write', '0', String(COUNT), flavour], env)),
    )
    void writers.finally(() => (writing = false)).catch(() => {})
    const runs: Array<Awaited<ReturnType<typeof persistAsync>>> = []
    const reads: string[] = []
    // Rounds of the commands at once (two clears racing each other too) and a reader, while the writers run.
    for (let round = 0; round < 40 && writing; round++) {
      const commands = [['clear'], ['clear'], ['gc', '--max-entries', '20'], ['prune'], ['verify']]
      const [read, ...done] = await Promise.all([
        runWorkerAsync(['check', String(COUNT), 'sync'], env),
        ...commands.map((command) => persistAsync([...command, '--json', '--dir', workspace.cache()], env)),
      ])
      reads.push(read.stdout)
      runs.push(...(done as typeof runs))
    }
    const written = await writers
    expect(written.map((result) => result.stdout)).toEqual([String(COUNT), String(COUNT), String(COUNT)])
    // An entry removed under a writer is written again or skipped, never a reason to stop caching (no warning).
    expect(written.flatMap((result) => warningLines(result.stderr))).toEqual([])
    expect(runs.length).toBeGreaterThanOrEqual(5)
    for (const run of runs) {
      expect({ args: run.args.join(' '), status: run.status, stderr: run.stderr }).toEqual({ args: run.args.join(' '), status: 0, stderr: '' })
      expect(JSON.parse(run.stdout)).toHaveProperty('dir', workspace.cache())
    }
    for (const read of reads) expect(JSON.parse(read)).toMatchObject({ bad: 0, listedBad: 0 })
    const after = checkEntries(COUNT, env)
    expect(after).toMatchObject({ bad: 0, listedBad: 0, stderr: '' })
  }, 120_000)
})
