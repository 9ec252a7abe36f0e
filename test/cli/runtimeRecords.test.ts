import { existsSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProject, cacheOf, copyCache, createProject, entryFiles, persistCli, persistJson, runProject } from './helpers'

// What the runtime records on disk for the CLI: the directory's tag, last use, hits and misses.
let project: string
let cache: string
const LONG_AGO = new Date('2020-01-01T00:00:00Z')

beforeAll(async () => {
  project = createProject()
  cache = cacheOf(project)
  await buildProject(project)
  // Before the program runs, the build left manifest.json and analysis/ there: the first run must still tag it.
  expect(existsSync(join(cache, 'CACHEDIR.TAG'))).toBe(false)
  expect(runProject(project)).toEqual(['greet', 'scaled', 'scaled', 'scaled', 'tenantTotal'])
})

afterAll(() => rmSync(project, { recursive: true, force: true }))

/** How many files each version's `.stats` directory holds, by version directory. */
function statsFileCounts(dir: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const fn of readdirSync(dir, { withFileTypes: true })) {
    if (!fn.isDirectory() || fn.name === 'analysis') continue
    for (const version of readdirSync(join(dir, fn.name))) {
      const stats = join(dir, fn.name, version, '.stats')
      if (existsSync(stats)) counts[`${fn.name}/${version}`] = readdirSync(stats).length
    }
  }
  return counts
}

/** Hits and misses per function, as `persist stats` reports them. */
function recordedCounts(dir: string): Record<string, { hits: number; misses: number }> {
  const counts: Record<string, { hits: number; misses: number }> = {}
  for (const fn of persistJson(['stats', '--dir', dir]).functions) counts[fn.id] = { hits: fn.hits, misses: fn.misses }
  return counts
}

function statsOf(dir: string, id: string): { hits: number; misses: number; timeSavedMs: number } {
  return persistJson(['stats', '--dir', dir]).functions.find((fn: any) => fn.id === id)
}

describe('the runtime records what the CLI reads', () => {
  it('tags the default cache directory the build prepared, on the first run', () => {
    expect(readFileSync(join(cache, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55/)
  })

  it('hits and misses of every run add up in persist stats; a readonly run records none', () => {
    const dir = copyCache(cache)
    expect(statsOf(dir, 'src/steps.ts#scaled')).toMatchObject({ hits: 0, misses: 3 })
    expect(runProject(project, { PERSIST_DIR: dir })).toEqual([])
    expect(runProject(project, { PERSIST_DIR: dir, COUNT: '5' })).toEqual(['scaled', 'scaled'])
    expect(statsOf(dir, 'src/steps.ts#scaled')).toMatchObject({ hits: 6, misses: 5 })
    runProject(project, { PERSIST_DIR: dir, PERSIST_MODE: 'readonly' })
    expect(statsOf(dir, 'src/steps.ts#scaled')).toMatchObject({ hits: 6, misses: 5 })
    expect(persistCli(['stats', '--dir', dir]).stdout).toMatch(/HITS\s+MISSES/)
  })

  it('verify, gc, clear and prune are not confused by the recorded counts', () => {
    const dir = copyCache(cache)
    runProject(project, { PERSIST_DIR: dir })
    const entries = entryFiles(dir)
    expect(persistCli(['verify', '--dry-run', '--dir', dir]).status).toBe(0)
    expect(persistJson(['gc', '--max-entries', '100', '--dir', dir]).removed).toEqual([])
    expect(persistJson(['prune', '--dir', dir]).removed).toEqual([])
    expect(entryFiles(dir)).toEqual(entries)
    persistJson(['clear', '--dir', dir])
    expect(entryFiles(dir)).toEqual([])
    expect(readdirSync(dir).sort()).toEqual(['CACHEDIR.TAG', 'analysis', 'manifest.json'])
  })

  it('gc, verify, prune and clear fold the counts of each version into one file, adopt those of the adopted function, and persist stats reports the same totals', () => {
    const dir = copyCache(cache)
    const scaledDir = join(dir, 'src__steps.ts#scaled')
    const live = readdirSync(scaledDir)[0]!
    const commands = [
      ['gc', '--max-entries', '100'],
      ['verify'],
      ['prune'],
      ['clear', '--scope', 'nobody'],
      ['adopt', 'src/steps.ts#scaled', '--from', live, '--to', 'feedbeef'],
    ]
    for (const command of commands) {
      // Every run adds one file to each version it used.
      runProject(project, { PERSIST_DIR: dir })
      runProject(project, { PERSIST_DIR: dir })
      expect(Math.max(...Object.values(statsFileCounts(dir)))).toBeGreaterThan(1)
      const totals = recordedCounts(dir)
      persistJson([...command, '--dir', dir])
      if (command[0] === 'adopt') {
        // Adopt changed one function only: the others' counts are left for a command that changes them.
        for (const [version, files] of Object.entries(statsFileCounts(dir))) {
          if (version.startsWith('src__steps.ts#scaled/')) expect(files, version).toBe(1)
          else expect(files, version).toBeGreaterThan(1)
        }
      } else expect(Object.values(statsFileCounts(dir)), command[0]).toEqual([1, 1, 1])
      expect(recordedCounts(dir), command[0]).toEqual(totals)
    }
  })

  it('gc removes the counts of a version it leaves without entries, so nothing outlives the entries', () => {
    const dir = copyCache(cache)
    runProject(project, { PERSIST_DIR: dir })
    persistJson(['gc', '--max-entries', '0', '--dir', dir])
    expect(entryFiles(dir)).toEqual([])
    expect(statsFileCounts(dir)).toEqual({})
    expect(readdirSync(dir).sort()).toEqual(['CACHEDIR.TAG', 'analysis', 'manifest.json'])
  })

  it('gc and verify keep the counts of a version they did not empty, even one without entries (none of its results could be stored, or its process has stored none yet)', () => {
    const dir = copyCache(cache)
    runProject(project, { PERSIST_DIR: dir })
    // The entries of scaled were never stored: only its counts are there.
    for (const path of entryFiles(dir).filter((file) => file.includes('src__steps.ts#scaled'))) rmSync(path)
    const totals = recordedCounts(dir)
    expect(totals['src/steps.ts#scaled']!.misses).toBeGreaterThan(0)
    persistJson(['gc', '--max-entries', '100', '--dir', dir])
    persistJson(['verify', '--dir', dir])
    expect(recordedCounts(dir)).toEqual(totals)
  })

  it('gc evicts by last use: entries a later run hit are kept', () => {
    const dir = copyCache(cache)
    for (const path of entryFiles(dir)) utimesSync(path, LONG_AGO, LONG_AGO)
    // Hits scaled(1), greet and tenantTotal; scaled(2) and scaled(3) stay unused since LONG_AGO.
    expect(runProject(project, { PERSIST_DIR: dir, COUNT: '1' })).toEqual([])
    const totals = recordedCounts(dir)
    const removed = persistJson(['gc', '--max-entries', '3', '--dir', dir]).removed
    expect(removed).toHaveLength(2)
    // Scaled's version still has an entry: it keeps its counts.
    expect(recordedCounts(dir)).toEqual(totals)
    expect(runProject(project, { PERSIST_DIR: dir })).toEqual(['scaled', 'scaled'])
  })
})
