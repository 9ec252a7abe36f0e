import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { buildSync } from 'esbuild'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  acquireAsync,
  acquireSync,
  breakIfStale,
  DEFAULT_LOCK_TIMINGS,
  lockPathOf,
  staleReason,
  tryAcquire,
  type LockOwner,
} from '../src/lock'
import { isRunning } from '../src/liveness'

const run = promisify(execFile)
const fast = { ...DEFAULT_LOCK_TIMINGS, minPollMs: 2, maxPollMs: 20 }

let dir = ''
let entry = ''
let lock = ''
const children: ChildProcess[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'persist-lock-'))
  entry = join(dir, 'ab', 'abcdef')
  lock = lockPathOf(entry)
})
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** A process that stays alive until killed, to own a lock. */
function liveProcess(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  children.push(child)
  return child
}

function writeLock(owner: Partial<LockOwner>): void {
  mkdirSync(join(dir, 'ab'), { recursive: true })
  writeFileSync(lock, JSON.stringify({ host: hostname(), startedAt: Date.now(), token: 'other', ...owner }))
}

const io = {
  check: () => (existsSync(entry) ? readFileSync(entry, 'utf8') : undefined),
  prepare: () => mkdirSync(join(dir, 'ab'), { recursive: true }),
}

describe('the lock file', () => {
  it('sits next to the entry as a hidden file, holds pid, host and start time, and excludes a second owner', () => {
    expect(lock).toBe(join(dir, 'ab', '.abcdef.lock'))
    const held = tryAcquire(lock, io.prepare)
    if (typeof held === 'string') throw new Error(`expected the lock, got ${held}`)
    const owner = JSON.parse(readFileSync(lock, 'utf8'))
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() })
    expect(Math.abs(owner.startedAt - Date.now())).toBeLessThan(60_000)
    expect(tryAcquire(lock, io.prepare)).toBe('busy')
    held.release()
    expect(existsSync(lock)).toBe(false)
  })

  it('is not removed by an owner whose lock was broken and taken by another', () => {
    const held = tryAcquire(lock, io.prepare)
    if (typeof held === 'string') throw new Error(`expected the lock, got ${held}`)
    writeLock({ pid: process.pid, token: 'newer' })
    held.release()
    expect(JSON.parse(readFileSync(lock, 'utf8')).token).toBe('newer')
  })

  it('is unavailable (compute without it) when its directory cannot be made', () => {
    writeFileSync(join(dir, 'ab'), 'a file where the shard directory goes')
    expect(tryAcquire(lock, io.prepare)).toBe('unavailable')
  })
})

describe('stale locks', () => {
  it('are those of a dead or zombie owner on this host, never of a running one', async () => {
    const child = liveProcess()
    expect(staleReason({ pid: child.pid!, host: hostname(), startedAt: 0, token: 't' }, 0, Date.now(), 1)).toBeUndefined()
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    expect(isRunning(child.pid!)).toBe(false)
    expect(staleReason({ pid: child.pid!, host: hostname(), startedAt: 0, token: 't' }, Date.now(), Date.now(), 60_000)).toMatch(
      /not running/,
    )
  })

  it('are those of another host untouched for staleMs', () => {
    const owner = { pid: 1, host: 'elsewhere.example', startedAt: 0, token: 't' }
    expect(staleReason(owner, Date.now() - 1_000, Date.now(), 60_000)).toBeUndefined()
    expect(staleReason(owner, Date.now() - 61_000, Date.now(), 60_000)).toMatch(/elsewhere\.example/)
  })

  it('include an unreadable lock file only after a grace period', () => {
    writeLock({})
    writeFileSync(lock, '')
    expect(breakIfStale(lock, 60_000)).toBe('held')
    const old = new Date(Date.now() - 10_000)
    utimesSync(lock, old, old)
    expect(breakIfStale(lock, 60_000)).toBe('gone')
    expect(existsSync(lock)).toBe(false)
    expect(readdirSync(join(dir, 'ab'))).toEqual([])
  })
})

describe('waiting for a lock', () => {
  it('returns the entry its running owner writes, then releases nothing of its own', () => {
    const owner = liveProcess()
    writeLock({ pid: owner.pid! })
    // The owner "finishes" while the waiter polls: the entry appears, then the lock goes.
    const finisher = spawn(
      process.execPath,
      ['-e', `setTimeout(() => { require('fs').writeFileSync(${JSON.stringify(entry)}, 'value'); require('fs').unlinkSync(${JSON.stringify(lock)}) }, 150)`],
      { stdio: 'ignore' },
    )
    children.push(finisher)
    const outcome = acquireSync(lock, io, fast)
    expect(outcome).toEqual({ hit: 'value' })
  })

  it('takes over the lock of an owner killed mid-computation', async () => {
    const owner = liveProcess()
    writeLock({ pid: owner.pid! })
    setTimeout(() => owner.kill('SIGKILL'), 100)
    const outcome = await acquireAsync(lock, io, fast)
    if (!('lock' in outcome) || !outcome.lock) throw new Error(`expected to own the lock, got ${JSON.stringify(outcome)}`)
    expect(outcome.gaveUp).toBe(false)
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid)
    outcome.lock.release()
  })

  it('gives up after maxWaitMs and computes without the lock (never a deadlock)', () => {
    const owner = liveProcess()
    writeLock({ pid: owner.pid! })
    expect(acquireSync(lock, io, { ...fast, maxWaitMs: 150 })).toMatchObject({ lock: undefined, gaveUp: true, owner: { pid: owner.pid } })
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(owner.pid)
  })
})

describe('16 processes sharing one lock', () => {
  let script = ''
  const source = fileURLToPath(new URL('../src/lock.ts', import.meta.url))
  beforeAll(() => {
    const scriptDir = mkdtempSync(join(tmpdir(), 'persist-lock-script-'))
    script = join(scriptDir, 'compute.mjs')
    // Each child waits for the key, computes it at most once across all of them, and prints what it got.
    writeFileSync(
      join(scriptDir, 'compute.ts'),
      `
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { acquireSync, DEFAULT_LOCK_TIMINGS, lockPathOf } from ${JSON.stringify(source)}
const [entry, log, sync] = process.argv.slice(2)
const io = { check: () => (existsSync(entry) ? readFileSync(entry, 'utf8') : undefined), prepare: () => mkdirSync(dirname(entry), { recursive: true }) }
const timings = { ...DEFAULT_LOCK_TIMINGS, minPollMs: 2, maxPollMs: 20 }
const outcome = acquireSync(lockPathOf(entry), io, timings)
if ('hit' in outcome) process.stdout.write(outcome.hit)
else {
  appendFileSync(log, process.pid + '\\n')
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
  const tmp = entry + '.' + process.pid + '.tmp'
  writeFileSync(tmp, 'computed')
  renameSync(tmp, entry)
  outcome.lock?.release()
  process.stdout.write('computed')
}
`,
    )
    buildSync({
      entryPoints: [join(scriptDir, 'compute.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'silent',
    })
  })
  afterAll(() => rmSync(join(script, '..'), { recursive: true, force: true }))

  it('run the computation once and all read its result', async () => {
    const log = join(dir, 'log')
    writeFileSync(log, '')
    const results = await Promise.all(Array.from({ length: 16 }, () => run(process.execPath, [script, entry, log])))
    expect(results.map((result) => result.stdout)).toEqual(Array(16).fill('computed'))
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1)
    expect(readdirSync(join(dir, 'ab'))).toEqual(['abcdef'])
  })
})
