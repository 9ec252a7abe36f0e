import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProject, cacheOf, createProject, entryFiles, persistCli, persistJson, runProject, sizeOf } from './helpers'

// One real build and two real runs (two tenants) fill the cache every test here reads.
let project: string
let cache: string

beforeAll(async () => {
  project = createProject()
  cache = cacheOf(project)
  await buildProject(project)
  expect(runProject(project)).toEqual(['greet', 'scaled', 'scaled', 'scaled', 'tenantTotal'])
  expect(runProject(project, { TENANT: 'acme' })).toEqual(['tenantTotal'])
})

afterAll(() => rmSync(project, { recursive: true, force: true }))

describe('persist ls', () => {
  it('lists every function with its live version, entry count and bytes on disk', () => {
    const out = persistJson(['ls', '--dir', cache])
    expect(out.dir).toBe(cache)
    expect(out.functions.map((fn: any) => [fn.id, fn.entries, fn.versions.length, fn.versions[0].live])).toEqual([
      ['src/steps.ts#greet', 1, 1, true],
      ['src/steps.ts#scaled', 3, 1, true],
      ['src/steps.ts#tenantTotal', 2, 1, true],
    ])
    for (const fn of out.functions) {
      expect(fn.bytes).toBe(sizeOf(entryFiles(cache, fn.dir)))
      expect(Date.parse(fn.versions[0].lastUsed)).toBeGreaterThan(0)
    }
  })

  it('filters by a substring or a glob', () => {
    expect(persistJson(['ls', 'scaled', '--dir', cache]).functions.map((fn: any) => fn.id)).toEqual(['src/steps.ts#scaled'])
    expect(persistJson(['ls', '*#g*', '--dir', cache]).functions.map((fn: any) => fn.id)).toEqual(['src/steps.ts#greet'])
  })

  it('prints a table marking the live version', () => {
    const result = persistCli(['ls', '--dir', cache])
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/src\/steps\.ts#scaled\s+\w{12}\s+live\s+3\s/)
    expect(result.stderr).toBe('')
  })

  it('finds the default cache from the project directory, PERSIST_DIR from anywhere, and --dir over both', () => {
    expect(persistJson(['ls'], { cwd: join(project, 'src') }).dir).toBe(cache)
    expect(persistJson(['ls'], { env: { PERSIST_DIR: cache } }).dir).toBe(cache)
    const other = mkdtempSync(join(tmpdir(), 'persist-cli-missing-'))
    const result = persistCli(['ls', '--dir', cache, '--json'], { env: { PERSIST_DIR: join(other, 'nothing') } })
    expect(JSON.parse(result.stdout).dir).toBe(cache)
    rmSync(other, { recursive: true })
  })
})

describe('persist show', () => {
  it('lists entries with their arguments after defaults, created time, compute time and size', () => {
    const scaled = persistJson(['show', 'src/steps.ts#scaled', '--dir', cache])
    // Listed oldest first; calls made within one millisecond have no order between them.
    expect(scaled.entries.map((entry: any) => entry.args).sort()).toEqual([[1], [2], [3]])
    const times = scaled.entries.map((entry: any) => Date.parse(entry.createdAt))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    for (const entry of scaled.entries) {
      expect(entry.live).toBe(true)
      expect(Date.parse(entry.createdAt)).toBeGreaterThan(Date.now() - 10 * 60_000)
      expect(entry.durationMs).toBeGreaterThanOrEqual(0)
      expect(entry.bytes).toBe(sizeOf([entry.path]))
    }
    expect(persistJson(['show', 'greet', '--dir', cache]).entries.map((entry: any) => entry.args)).toEqual([['ada', '!']])
  })

  it('shows the scope of scoped entries', () => {
    const tenant = persistJson(['show', 'tenantTotal', '--dir', cache])
    expect(tenant.entries.map((entry: any) => entry.scope).sort()).toEqual(['acme', 'public'])
  })

  it('fails with a one-line message for an unknown function', () => {
    const result = persistCli(['show', 'nosuch', '--dir', cache])
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('no cached function "nosuch"')
  })
})

describe('persist stats', () => {
  it('reports entries, bytes, the compute time the entries stand for, and the hits and misses the runs recorded', () => {
    const out = persistJson(['stats', '--dir', cache])
    const scaled = out.functions.find((fn: any) => fn.id === 'src/steps.ts#scaled')
    const shown = persistJson(['show', 'src/steps.ts#scaled', '--dir', cache]).entries
    expect(scaled.entries).toBe(3)
    expect(scaled.bytes).toBe(sizeOf(entryFiles(cache, scaled.id.replace('/', '__'))))
    expect(scaled.computeMs).toBeCloseTo(shown.reduce((sum: number, entry: any) => sum + entry.durationMs, 0), 6)
    // First run: three misses; second run: the same three calls hit, each saving its entry's recorded duration.
    expect([scaled.hits, scaled.misses]).toEqual([3, 3])
    expect(scaled.timeSavedMs).toBeCloseTo(scaled.computeMs, 6)
    const tenant = out.functions.find((fn: any) => fn.id === 'src/steps.ts#tenantTotal')
    expect([tenant.hits, tenant.misses]).toEqual([0, 2])
  })
})

describe('directories persist did not create', () => {
  it('refuses a foreign directory with one line, and deletes nothing in it', () => {
    const foreign = mkdtempSync(join(tmpdir(), 'persist-cli-foreign-'))
    mkdirSync(join(foreign, 'src/deep/er'), { recursive: true })
    writeFileSync(join(foreign, 'package.json'), '{}')
    writeFileSync(join(foreign, 'manifest.json'), '{ "version": 1, "functions": {} }')
    writeFileSync(join(foreign, 'src/deep/er/file.ts'), 'export {}')
    for (const args of [['clear'], ['gc', '--max-entries', '0'], ['verify'], ['ls']]) {
      const result = persistCli([...args, '--dir', foreign])
      expect(result.status).toBe(1)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toContain('was not created by persist')
    }
    expect(readdirSync(join(foreign, 'src/deep/er'))).toEqual(['file.ts'])
    rmSync(foreign, { recursive: true })
  })

  it('reports a missing directory with one line', () => {
    const result = persistCli(['ls', '--dir', join(tmpdir(), 'persist-cli-does-not-exist')])
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('no persist cache at')
  })
})

describe('exit codes', () => {
  it.each([
    [['frobnicate'], 'unknown command'],
    [['ls', '--frobnicate'], 'Unknown option'],
    [['show'], 'missing required args'],
    [['gc'], 'at least one limit'],
    [['gc', '--max-bytes', 'lots'], 'is not a size'],
    [['gc', '--max-age', 'forever'], 'is not an age'],
    [['adopt', 'src/steps.ts#scaled'], '--from'],
  ])('exits 2 on a usage error: persist %j', (args, message) => {
    const result = persistCli([...args, '--dir', cache])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('exits 0 with the help text', () => {
    const result = persistCli(['--help'])
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('persist')
  })
})
