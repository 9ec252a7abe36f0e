import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { filesUnder, runWorkerAsync, until, useWorkspace, warningLines, worker } from './helpers'

const PROCESSES = 16
const KEYS = ['0', '1', '2', '3', '4', '5']

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
}


describe('lock: true across processes', () => {
  const workspace = useWorkspace()

  it(`${PROCESSES} processes run each body exactly once per key (sync and async functions)`, async () => {
    const log = join(workspace.dir(), 'log')
    writeFileSync(log, '')
    const env = { ...workspace.env(), LOCK: '1', WORK_MS: '150', LOG_FILE: log }
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, k) => runWorkerAsync(['call', k % 2 ? 'async' : 'sync', ...KEYS], env)),
    )
    for (const result of results) expect(result.stdout).toBe(String(KEYS.length))
    const computed = lines(log).map((line) => line.split(' ').slice(1).join(' '))
    expect(computed.sort()).toEqual([...KEYS.map((key) => `make ${key}`), ...KEYS.map((key) => `makeAsync ${key}`)].sort())
    // Locks are released: only entries remain.
    expect(filesUnder(workspace.cache()).filter((path) => basename(path).startsWith('.'))).toEqual([])
  }, 60_000)

  it('recovers when the lock owner is SIGKILLed mid-computation: one other process computes, all get the value', async () => {
    const log = join(workspace.dir(), 'log')
    const started = join(workspace.dir(), 'started')
    const env = { ...workspace.env(), LOCK: '1', LOG_FILE: log, STARTED_FILE: started }
    const owner = spawn(process.execPath, [worker, 'call', 'sync', '7'], { env: { ...env, WORK_MS: '30000' }, stdio: 'ignore' })
    const ownerExit = new Promise((resolve) => owner.once('exit', resolve))
    await until(() => lines(started).length === 1, 'the owner started computing')
    const waiters = Array.from({ length: 4 }, () => runWorkerAsync(['call', 'sync', '7'], { ...env, WORK_MS: '1000' }))
    await new Promise((resolve) => setTimeout(resolve, 300))
    owner.kill('SIGKILL')
    await ownerExit
    for (const result of await Promise.all(waiters)) expect(result.stdout).toBe('1')
    // The owner started and died; exactly one waiter took over.
    expect(lines(started)).toHaveLength(2)
    expect(lines(log)).toHaveLength(1)
    expect(lines(log)[0]).not.toContain(String(owner.pid))
  }, 60_000)

  it('a waiter whose wait exceeds the bound computes anyway, with one warning naming the lock', async () => {
    const started = join(workspace.dir(), 'started')
    const env = { ...workspace.env(), LOCK: '1', STARTED_FILE: started }
    const owner = spawn(process.execPath, [worker, 'call', 'sync', '8'], { env: { ...env, WORK_MS: '30000' }, stdio: 'ignore' })
    try {
      await until(() => lines(started).length === 1, 'the owner started computing')
      const waiter = await runWorkerAsync(['call', 'sync', '8'], { ...env, PERSIST_LOCK_WAIT_MS: '200' })
      expect(waiter.stdout).toBe('1')
      expect(owner.exitCode).toBe(null)
      expect(lines(started)).toHaveLength(2)
      const warnings = warningLines(waiter.stderr)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/\.lock/)
      expect(warnings[0]).toContain(`pid ${owner.pid}`)
    } finally {
      owner.kill('SIGKILL')
    }
  }, 60_000)

  it(`${PROCESSES} lockers, 4 of them SIGKILLed at random moments: the others get correct values, few recomputes`, async () => {
    const log = join(workspace.dir(), 'log')
    const env = { ...workspace.env(), LOCK: '1', WORK_MS: '100', LOG_FILE: log }
    const children = Array.from({ length: PROCESSES }, (_, k) => {
      const child = spawn(process.execPath, [worker, 'call', k % 2 ? 'async' : 'sync', ...KEYS], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
      const exit = new Promise<{ signal: NodeJS.Signals | null; stdout: string }>((resolve) =>
        child.once('exit', (_code, signal) => resolve({ signal, stdout })),
      )
      return { child, exit }
    })
    const victims = [...children].sort(() => Math.random() - 0.5).slice(0, 4)
    for (const victim of victims) setTimeout(() => victim.child.kill('SIGKILL'), 100 + Math.random() * 700)
    const results = await Promise.all(children.map((child) => child.exit))
    const killed = results.filter((result) => result.signal === 'SIGKILL').length
    expect(killed).toBeGreaterThan(0)
    for (const result of results.filter((result) => result.signal !== 'SIGKILL')) expect(result.stdout).toBe(String(KEYS.length))
    // Each key of each function is computed once, plus once more for each owner killed while holding its lock.
    const counts = new Map<string, number>()
    for (const line of lines(log)) {
      const call = line.split(' ').slice(1).join(' ')
      counts.set(call, (counts.get(call) ?? 0) + 1)
    }
    for (const count of counts.values()) expect(count).toBeLessThanOrEqual(1 + killed)
    expect([...counts.values()].reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(2 * KEYS.length + killed)
  }, 60_000)
})
