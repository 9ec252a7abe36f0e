import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entryFilesUnder, filesUnder, runWorker, useWorkspace, warningLines, worker } from './helpers'

const injector = join(import.meta.dirname, 'fixtures', 'inject.mjs')

/** Runs `mount` with these arguments; false when this sandbox does not allow it (not root, no CAP_SYS_ADMIN). */
function tryMount(args: string[]): boolean {
  if (process.platform !== 'linux') return false
  try {
    execFileSync('mount', args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const mountRoot = mkdtempSync(join(tmpdir(), 'persist-reliability-mounts-'))
const fullDisk = join(mountRoot, 'full')
const readOnly = join(mountRoot, 'readonly')
mkdirSync(fullDisk)
mkdirSync(readOnly)
const canMountTmpfs = tryMount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', fullDisk])
// Fill the read-only directory with a cache first, then make it read-only with a bind mount over itself.
let canMountReadOnly = false

afterAll(() => {
  for (const point of [fullDisk, readOnly]) {
    try {
      execFileSync('umount', [point], { stdio: 'ignore' })
    } catch {
      // Never mounted.
    }
  }
  rmSync(mountRoot, { recursive: true, force: true })
})

/** Calls make(i) for `keys` in a new process: every value must be correct, whatever the directory does. */
function callAll(env: NodeJS.ProcessEnv, keys: number[], flavour: 'sync' | 'async' = 'sync') {
  const result = runWorker(['call', flavour, ...keys.map(String)], env)
  expect(result.status, result.stderr).toBe(0)
  expect(result.stdout).toBe(String(keys.length))
  return { ...result, warnings: warningLines(result.stderr) }
}

describe('a cache directory that cannot hold entries: values are returned with one clear warning', () => {
  const workspace = useWorkspace()

  it('PERSIST_DIR is a regular file', () => {
    const file = join(workspace.dir(), 'cache-file')
    writeFileSync(file, 'not a directory')
    const { warnings } = callAll({ ...workspace.env(), PERSIST_DIR: file }, [1, 2, 3])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(file)
    expect(warnings[0]).toContain(`cannot write to the cache directory ${file} (ENOTDIR: it or a parent is a file, not a directory)`)
    expect(warnings[0]).toMatch(/Fix: point PERSIST_DIR \(or configure\(\{ dir \}\)\) to a writable directory/)
    expect(readFileSync(file, 'utf8')).toBe('not a directory')
  })

  it.each(['sync', 'async'] as const)('its parent is a file, so it cannot be created (%s)', (flavour) => {
    const file = join(workspace.dir(), 'parent-file')
    writeFileSync(file, 'not a directory')
    const dir = join(file, 'cache')
    const { warnings } = callAll({ ...workspace.env(), PERSIST_DIR: dir }, [1, 2, 3, 1], flavour)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`cannot write to the cache directory ${dir} (ENOTDIR: it or a parent is a file, not a directory)`)
    expect(warnings[0]).toMatch(/Fix: point PERSIST_DIR/)
  })

  it.skipIf(!canMountTmpfs)('the disk is full (a 64 KB tmpfs): ENOSPC, the fix, no temporary file left', () => {
    const dir = join(fullDisk, 'cache')
    // Key 0 is ~1 MB: it cannot fit; the small ones before it do.
    const { warnings } = callAll({ ...workspace.env(), PERSIST_DIR: dir }, [1, 2, 0, 3, 14, 1])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`cannot write to the cache directory ${dir} (ENOSPC)`)
    expect(warnings[0]).toMatch(/Fix: free some disk space/)
    expect(filesUnder(dir).filter((path) => basename(path).endsWith('.tmp'))).toEqual([])
    // What was written before the disk filled up is whole and is hit by the next process.
    const log = join(workspace.dir(), 'log')
    writeFileSync(log, '')
    const again = callAll({ ...workspace.env(), PERSIST_DIR: dir, LOG_FILE: log }, [1, 2])
    expect(again.warnings).toEqual([])
    expect(readFileSync(log, 'utf8')).toBe('')
  })

  // Injected failures (fixtures/inject.mjs) run everywhere: no mount, and they work as root, whom chmod does not stop.
  it.each([
    ['a full disk', 'ENOSPC', 'writeSync', /Fix: free some disk space/, 'sync'],
    ['a full disk', 'ENOSPC', 'writeSync', /Fix: free some disk space/, 'async'],
    ['an exhausted quota', 'EDQUOT', 'writeSync', /Fix: free some disk space/, 'sync'],
    ['no permission', 'EACCES', 'mkdirSync,openSync', /Fix: point PERSIST_DIR/, 'sync'],
    ['no permission', 'EACCES', 'mkdirSync,openSync', /Fix: point PERSIST_DIR/, 'async'],
  ] as const)('%s (injected %s, %s… %s): one warning, no temporary file left', (_, errno, calls, fix, flavour) => {
    const dir = workspace.cache()
    const result = runWorker(['call', flavour, '1', '2', '0', '1'], { ...workspace.env(), INJECT_ERRNO: errno, INJECT_CALLS: calls }, [
      '--import',
      injector,
    ])
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toBe('4')
    const warnings = warningLines(result.stderr)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`cannot write to the cache directory ${dir} (${errno})`)
    expect(warnings[0]).toMatch(fix)
    expect(filesUnder(dir).filter((path) => basename(path).startsWith('.'))).toEqual([])
    expect(entryFilesUnder(dir)).toEqual([])
  })

  describe('read-only', () => {
    beforeAll(() => {
      const env = { ...process.env, PERSIST_DIR: join(readOnly, 'cache'), PERSIST_MODE: '', LOCK: '', STORE: '', LOG_FILE: '' }
      execFileSync(process.execPath, [worker, 'call', 'sync', '1', '2'], { env })
      // An abandoned lock (its owner is dead) where key 3's entry would go: it cannot be removed once read-only.
      const scratch = join(mountRoot, 'scratch')
      execFileSync(process.execPath, [worker, 'call', 'sync', '3'], { env: { ...env, PERSIST_DIR: scratch } })
      const entry = relative(scratch, entryFilesUnder(scratch)[0]!)
      const lock = join(readOnly, 'cache', dirname(entry), `.${basename(entry)}.lock`)
      mkdirSync(dirname(lock), { recursive: true })
      const dead = spawnSync(process.execPath, ['-e', '']).pid
      writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), startedAt: Date.now(), token: 'dead' }))
      canMountReadOnly = tryMount(['--bind', readOnly, readOnly]) && tryMount(['-o', 'remount,bind,ro', readOnly])
    })

    it('a read-only bind mount: existing entries are hit, new ones computed with one warning naming EROFS', (context) => {
      if (!canMountReadOnly) context.skip('mount --bind -o ro is not allowed in this sandbox')
      const dir = join(readOnly, 'cache')
      const log = join(workspace.dir(), 'log')
      writeFileSync(log, '')
      const entries = entryFilesUnder(dir)
      // The default hybrid store keeps what it cannot save in memory: 3 is computed once.
      const { warnings } = callAll({ ...workspace.env(), PERSIST_DIR: dir, LOG_FILE: log, STORE: 'hybrid' }, [1, 2, 3, 4, 3])
      expect(readFileSync(log, 'utf8').trim().split('\n').map((line) => line.split(' ').at(-1))).toEqual(['3', '4'])
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(`cannot write to the cache directory ${dir} (EROFS)`)
      expect(entryFilesUnder(dir)).toEqual(entries)
    })

    it('lock: true with an abandoned lock that cannot be removed: computes at once, one warning', (context) => {
      if (!canMountReadOnly) context.skip('mount --bind -o ro is not allowed in this sandbox')
      const dir = join(readOnly, 'cache')
      const { warnings } = callAll({ ...workspace.env(), PERSIST_DIR: dir, LOCK: '1', PERSIST_LOCK_WAIT_MS: '600000' }, [3, 1])
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(`cannot write to the cache directory ${dir} (EROFS)`)
    })
  })
})
