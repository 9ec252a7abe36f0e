import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { configure } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

/** A tiny tmpfs, when this machine lets the test mount one (root on Linux). */
function mountTmpfs(options: string): string | undefined {
  if (process.platform !== 'linux') return undefined
  const mountPoint = mkdtempSync(join(tmpdir(), 'persist-mount-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mountPoint], { stdio: 'ignore' })
    return mountPoint
  } catch {
    rmSync(mountPoint, { recursive: true, force: true })
    return undefined
  }
}

function unmount(mountPoint: string | undefined): void {
  if (!mountPoint) return
  execFileSync('umount', [mountPoint])
  rmSync(mountPoint, { recursive: true, force: true })
}

function temporaryFiles(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...temporaryFiles(join(dir, entry.name)))
    else if (entry.name.endsWith('.tmp')) found.push(entry.name)
  }
  return found
}

const fullDisk = mountTmpfs('size=256k')
const readOnlyDisk = mountTmpfs('ro,size=64k')
const isRoot = process.getuid?.() === 0

describe('a cache directory on a disk that cannot take the entries', () => {
  const sandbox = useSandbox()
  afterAll(() => {
    unmount(fullDisk)
    unmount(readOnlyDisk)
  })

  it.skipIf(!fullDisk)('full disk: values are returned, one warning names ENOSPC and the fix, no temporary file is left', () => {
    configure({ dir: join(fullDisk!, 'cache') })
    const f = persistedFn((n: number) => new Float64Array(20_000).fill(n))
    for (let i = 0; i < 5; i++) expect(f(i)[0]).toBe(i)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/ENOSPC.*free some disk space/)
    expect(temporaryFiles(fullDisk!)).toEqual([])
  })

  it.skipIf(!readOnlyDisk)('read-only file system: values are returned with one warning naming EROFS', async () => {
    configure({ dir: join(readOnlyDisk!, 'cache') })
    const f = persistedFn(async (n: number) => n * 2)
    expect(await f(1)).toBe(2)
    expect(await f(2)).toBe(4)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(new RegExp(`${readOnlyDisk}.*EROFS`))
  })
})

/** A node binary `uid` can run: this one, or a copy in `dir` when this one sits where only root may enter (npx's cache). */
function nodeRunnableBy(uid: number, dir: string): string {
  if (spawnSync(process.execPath, ['-e', '0'], { uid, gid: uid }).status === 0) return process.execPath
  const copy = join(dir, 'node')
  copyFileSync(process.execPath, copy)
  chmodSync(copy, 0o755)
  return copy
}

describe.skipIf(!isRoot)('a cache directory the user has no permission to write', () => {
  it('another user gets correct values and one warning naming EACCES', () => {
    const dir = mkdtempSync(join(tmpdir(), 'persist-perm-'))
    try {
      const cache = join(dir, 'cache')
      mkdirSync(cache, { mode: 0o755 })
      const shared = join(dir, 'shared')
      mkdirSync(shared)
      chmodSync(shared, 0o777)
      chmodSync(dir, 0o755)
      const script = fileURLToPath(new URL('./fixtures/twoProcess.mjs', import.meta.url))
      const env = { ...process.env, PERSIST_DIR: cache, COUNTER_FILE: join(shared, 'counter'), PERSIST_MODE: '' }
      const child = spawnSync(nodeRunnableBy(65534, dir), [script], { env, uid: 65534, gid: 65534, encoding: 'utf8' })
      expect(child.status).toBe(0)
      expect(JSON.parse(child.stdout)).toEqual({ path: 'data.csv', n: 3, last: 3, total: 6 })
      const warnings = child.stderr.trim().split('\n')
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(new RegExp(`${cache}.*EACCES.*PERSIST_DIR`))
      expect(readFileSync(join(shared, 'counter'), 'utf8').trim().split('\n')).toHaveLength(2)
      expect(readdirSync(cache)).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
