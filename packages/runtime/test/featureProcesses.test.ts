import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const fixture = fileURLToPath(new URL('./fixtures/outFilesAndRandom.mjs', import.meta.url))
const killAt = fileURLToPath(new URL('./fixtures/killAt.mjs', import.meta.url))
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

  it('leaves nothing in the user\'s folder after a restore killed before its copy was in place', () => {
    const out = join(dir, 'out')
    mkdirSync(out)
    writeFileSync(join(out, 'notes.txt'), 'the user\'s own file')
    expect(run('render', 'hello', join(out, 'first.txt'))).toBe(5)
    rmSync(join(out, 'first.txt'))
    const killed = spawnSync(process.execPath, ['--import', killAt, fixture, 'render', 'hello', join(out, 'second.txt')], {
      env: { ...env, KILL_DIR: out },
      encoding: 'utf8',
    })
    expect(killed.signal).toBe('SIGKILL')
    // The crash left the restore's copy behind (persist's own file, not the user's: it is not second.txt).
    const leftovers = readdirSync(out).filter((name) => name !== 'notes.txt')
    expect(leftovers).toHaveLength(1)
    // A minute later (a fresh file of a pid this host does not see may be another host's restore in progress).
    const minutesAgo = new Date(Date.now() - 2 * 60_000)
    utimesSync(join(out, leftovers[0]!), minutesAgo, minutesAgo)
    expect(run('render', 'hello', join(out, 'third.txt'))).toBe(5)
    expect(readdirSync(out).sort()).toEqual(['notes.txt', 'third.txt'])
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('the user\'s own file')
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
