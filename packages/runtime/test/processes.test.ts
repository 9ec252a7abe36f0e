import { execFile, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const run = promisify(execFile)

describe('across processes (built runtime)', () => {
  let dir = ''
  let env: NodeJS.ProcessEnv = {}
  beforeEach(() => {
    expect(existsSync(built), 'build @persist/runtime first (pnpm build)').toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'persist-processes-'))
    env = { ...process.env, PERSIST_DIR: join(dir, 'cache'), COUNTER_FILE: join(dir, 'counter'), PERSIST_MODE: '' }
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const check = (count: number) =>
    JSON.parse(execFileSync(process.execPath, [fixture('entries.mjs'), 'check', String(count)], { env, encoding: 'utf8' })) as {
      ok: number
      missing: number
      bad: number
      listed: number
    }

  it('runs the body once across two processes sharing PERSIST_DIR', () => {
    const outputs = [1, 2].map(() => execFileSync(process.execPath, [fixture('twoProcess.mjs')], { env, encoding: 'utf8' }))
    for (const output of outputs) expect(JSON.parse(output)).toEqual({ path: 'data.csv', n: 3, last: 3, total: 6 })
    const lines = readFileSync(join(dir, 'counter'), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines.filter((line) => line.startsWith('sum'))).toHaveLength(1)
  })

  it('16 processes racing on the same keys all get correct values and leave no torn entry', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, () => run(process.execPath, [fixture('entries.mjs'), 'write', '0', '12'], { env })),
    )
    for (const { stdout } of results) expect(stdout).toBe('done')
    expect(check(12)).toEqual({ ok: 12, missing: 0, bad: 0, listed: 12 })
  })

  it('a writer killed with SIGKILL at random moments never leaves a wrong entry', async () => {
    let kills = 0
    for (let round = 0; round < 10; round++) {
      const child = spawn(process.execPath, [fixture('entries.mjs'), 'write', '0', '400'], { env, stdio: 'ignore' })
      await new Promise((resolve) => setTimeout(resolve, 60 + Math.random() * 250))
      if (child.kill('SIGKILL')) kills++
      await new Promise((resolve) => child.once('exit', resolve))
    }
    expect(kills).toBeGreaterThan(0)
    const result = check(400)
    expect(result.bad).toBe(0)
    expect(result.ok).toBeGreaterThan(0)
    expect(result.ok + result.missing).toBe(400)
    expect(result.listed).toBe(result.ok)
    // Leftover temporary files (the killed writes) are never taken for entries.
    const names: string[] = []
    const walk = (path: string) => {
      for (const name of readdirSync(path)) {
        if (statSync(join(path, name)).isDirectory()) walk(join(path, name))
        else names.push(name)
      }
    }
    walk(join(dir, 'cache'))
    for (const name of names.filter((n) => n.startsWith('.'))) expect(name).toMatch(/\.tmp$/)
  })
})
