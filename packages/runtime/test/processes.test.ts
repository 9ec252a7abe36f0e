import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url))

describe('across processes (built runtime)', () => {
  let dir = ''
  let env: NodeJS.ProcessEnv = {}
  beforeEach(() => {
    expect(existsSync(built), 'build @persist/runtime first (pnpm build)').toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'persist-processes-'))
    env = { ...process.env, PERSIST_DIR: join(dir, 'cache'), COUNTER_FILE: join(dir, 'counter'), PERSIST_MODE: '' }
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('runs the body once across two processes sharing PERSIST_DIR', () => {
    const outputs = [1, 2].map(() => execFileSync(process.execPath, [fixture('twoProcess.mjs')], { env, encoding: 'utf8' }))
    for (const output of outputs) expect(JSON.parse(output)).toEqual({ path: 'data.csv', n: 3, last: 3, total: 6 })
    const lines = readFileSync(join(dir, 'counter'), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines.filter((line) => line.startsWith('sum'))).toHaveLength(1)
  })

  it('under PERSIST_MODE=refresh, each process computes each key once and serves its own value to the repeat', () => {
    const refresh = { ...env, PERSIST_MODE: 'refresh' }
    const outputs = [1, 2].map(() => JSON.parse(execFileSync(process.execPath, [fixture('refreshTwice.mjs')], { env: refresh, encoding: 'utf8' })))
    for (const { first, second } of outputs) expect(second).toEqual(first)
    // Each value carries the pid of the process that computed it: the second process did not serve the first's.
    expect(outputs[1].first).not.toEqual(outputs[0].first)
    const lines = readFileSync(join(dir, 'counter'), 'utf8').trim().split('\n')
    const runs = (name: string) => new Set(lines.filter((line) => line.startsWith(`${name} `))).size
    expect(lines).toHaveLength(6)
    expect([runs('load'), runs('sum'), runs('onDisk')]).toEqual([2, 2, 2])
  })
  // Racing writers, SIGKILLed writers and locks across processes: test/reliability.
})
