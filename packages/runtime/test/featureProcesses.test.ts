import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const fixture = fileURLToPath(new URL('./fixtures/outFilesAndRandom.mjs', import.meta.url))
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url))

describe('out-files and random() across processes (built runtime)', () => {
  let dir = ''
  let env: NodeJS.ProcessEnv = {}
  beforeEach(() => {
    expect(existsSync(built), 'build @persist/runtime first (pnpm build)').toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'persist-features-'))
    env = { ...process.env, PERSIST_DIR: join(dir, 'cache'), LOG_FILE: join(dir, 'log'), PERSIST_MODE: '' }
    writeFileSync(join(dir, 'log'), '')
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const run = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [fixture, ...args], { env, encoding: 'utf8' })) as unknown
  const bodyRuns = () => readFileSync(join(dir, 'log'), 'utf8').split('\n').filter(Boolean).length

  it('restores an out-file in a fresh process after the original was deleted, without running the body', () => {
    expect(run('render', 'hello', join(dir, 'first.txt'))).toBe(5)
    rmSync(join(dir, 'first.txt'))
    expect(run('render', 'hello', join(dir, 'second.txt'))).toBe(5)
    expect(readFileSync(join(dir, 'second.txt'), 'utf8')).toBe('HELLO')
    expect(bodyRuns()).toBe(1)
  })

  it('draws the same numbers for the same call in two processes, and others for other arguments', () => {
    const first = run('sample', '7')
    rmSync(join(dir, 'cache'), { recursive: true })
    const second = run('sample', '7')
    expect(bodyRuns()).toBe(2)
    expect(second).toEqual(first)
    expect(run('sample', '8')).not.toEqual(first)
  })
})
