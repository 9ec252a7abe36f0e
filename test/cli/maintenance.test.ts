import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { entryFiles, persistCli, persistJson, runProject, sizeOf, useFilledCache } from './helpers'

// One real build and two runs fill a cache; every test works on its own copy of it.
const filled = useFilledCache()
const freshCache = filled.freshCache

const DAY = 86_400_000

/** Gives the entries distinct last-use times, oldest first in the order given; returns them in that order. */
function ageEntries(entries: string[], newest = Date.now()): string[] {
  entries.forEach((path, i) => {
    const time = new Date(newest - (entries.length - i) * DAY)
    utimesSync(path, time, time)
  })
  return entries
}

describe('persist gc', () => {
  it('evicts the least recently used entries down to --max-entries; --dry-run removes nothing', () => {
    const cache = freshCache()
    const entries = ageEntries(entryFiles(cache))
    expect(entries).toHaveLength(6)
    const dry = persistJson(['gc', '--max-entries', '2', '--dry-run', '--dir', cache])
    expect(dry.removed).toHaveLength(4)
    expect(entryFiles(cache)).toEqual(entries)
    const done = persistJson(['gc', '--max-entries', '2', '--dir', cache])
    expect(done.after.entries).toBe(2)
    expect(entryFiles(cache)).toEqual(entries.slice(4).sort())
  })

  it('evicts down to --max-bytes', () => {
    const cache = freshCache()
    const entries = ageEntries(entryFiles(cache))
    const budget = sizeOf(entries.slice(3))
    persistJson(['gc', '--max-bytes', String(budget), '--dir', cache])
    expect(entryFiles(cache)).toEqual(entries.slice(3).sort())
  })

  it('evicts entries not used within --max-age, which the next run recomputes', () => {
    const cache = freshCache()
    const stale = [entryFiles(cache, 'src__steps.ts#greet')[0]!, entryFiles(cache, 'src__steps.ts#scaled')[0]!]
    const old = new Date(Date.now() - 40 * DAY)
    for (const path of stale) utimesSync(path, old, old)
    const out = persistJson(['gc', '--max-age', '30d', '--dir', cache])
    expect(out.removed.map((entry: any) => entry.path).sort()).toEqual(stale.sort())
    expect(entryFiles(cache)).toHaveLength(4)
    expect(stale.some((path) => existsSync(path))).toBe(false)
    expect(runProject(filled.project(), { PERSIST_DIR: cache })).toEqual(['greet', 'scaled'])
  })
})

describe('persist verify', () => {
  it('removes a bit-flipped entry and an old temporary file, keeps a fresh temporary file', () => {
    const cache = freshCache()
    const entries = entryFiles(cache, 'src__steps.ts#scaled')
    const victim = entries[1]!
    const bytes = readFileSync(victim)
    bytes[bytes.length - 1]! ^= 0x01
    writeFileSync(victim, bytes)
    const staleTmp = join(dirname(entries[0]!), '.0123456789abcdef.4242.aaaaaaaaaaaa.tmp')
    const freshTmp = join(dirname(entries[2]!), '.fedcba9876543210.4243.bbbbbbbbbbbb.tmp')
    writeFileSync(staleTmp, 'half an entry')
    writeFileSync(freshTmp, 'an entry being written')
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000)
    utimesSync(staleTmp, twoHoursAgo, twoHoursAgo)

    const dry = persistCli(['verify', '--dry-run', '--json', '--dir', cache])
    expect(dry.status).toBe(1)
    expect(JSON.parse(dry.stdout).corrupt.map((entry: any) => entry.path)).toEqual([victim])
    expect(existsSync(victim) && existsSync(staleTmp)).toBe(true)

    const out = persistJson(['verify', '--dir', cache])
    expect(out.corrupt).toEqual([{ path: victim, reason: 'checksum mismatch' }])
    expect(out.staleTemporary).toEqual([staleTmp])
    expect(out.freshTemporary).toBe(1)
    expect(existsSync(victim)).toBe(false)
    expect(existsSync(staleTmp)).toBe(false)
    expect(existsSync(freshTmp)).toBe(true)
    expect(entryFiles(cache)).toHaveLength(5)
    expect(persistJson(['verify', '--dry-run', '--dir', cache]).corrupt).toEqual([])
  })

  it('removes a truncated entry, which the next run recomputes', () => {
    const cache = freshCache()
    const victim = entryFiles(cache, 'src__steps.ts#greet')[0]!
    writeFileSync(victim, readFileSync(victim).subarray(0, 20))
    expect(persistJson(['verify', '--dir', cache]).corrupt).toHaveLength(1)
    expect(runProject(filled.project(), { PERSIST_DIR: cache })).toEqual(['greet'])
  })
})

describe('persist prune', () => {
  it('keeps functions the manifest does not name unless --unknown is given', () => {
    const cache = freshCache()
    const manifest = JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8'))
    delete manifest.functions['src/steps.ts#greet']
    const partial = join(dirname(cache), 'partial-manifest.json')
    writeFileSync(partial, JSON.stringify(manifest))
    const kept = persistJson(['prune', '--manifest', partial, '--dir', cache])
    expect(kept.removed).toEqual([])
    expect(kept.kept.map((fn: any) => fn.id)).toEqual(['src/steps.ts#greet'])
    expect(entryFiles(cache)).toHaveLength(6)
    const removed = persistJson(['prune', '--unknown', '--manifest', partial, '--dir', cache])
    expect(removed.removed.map((version: any) => version.id)).toEqual(['src/steps.ts#greet'])
    expect(existsSync(join(cache, 'src__steps.ts#greet'))).toBe(false)
    expect(entryFiles(cache)).toHaveLength(5)
  })
})

describe('persist clear', () => {
  it('clears one function by its exact id, and refuses a partial id', () => {
    const cache = freshCache()
    const partial = persistCli(['clear', 'scaled', '--dir', cache])
    expect(partial.status).toBe(1)
    expect(partial.stderr).toContain('src/steps.ts#scaled')
    expect(entryFiles(cache)).toHaveLength(6)
    expect(persistJson(['clear', 'src/steps.ts#scaled', '--dir', cache]).entries).toBe(3)
    expect(existsSync(join(cache, 'src__steps.ts#scaled'))).toBe(false)
    expect(entryFiles(cache)).toHaveLength(3)
    expect(runProject(filled.project(), { PERSIST_DIR: cache })).toEqual(['scaled', 'scaled', 'scaled'])
  })

  it('clears one scope only', () => {
    const cache = freshCache()
    expect(persistJson(['clear', '--scope', 'acme', '--dir', cache]).entries).toBe(1)
    const left = persistJson(['show', 'tenantTotal', '--dir', cache]).entries.map((entry: any) => entry.scope)
    expect(left).toEqual(['public'])
    expect(entryFiles(cache)).toHaveLength(5)
    expect(runProject(filled.project(), { PERSIST_DIR: cache, TENANT: 'acme' })).toEqual(['tenantTotal'])
  })

  it('clears everything but keeps the directory, its manifest and its analysis cache', () => {
    const cache = freshCache()
    const dry = persistJson(['clear', '--dry-run', '--dir', cache])
    expect(dry.entries).toBe(6)
    expect(entryFiles(cache)).toHaveLength(6)
    persistJson(['clear', '--dir', cache])
    expect(entryFiles(cache)).toEqual([])
    expect(readdirSync(cache).sort()).toEqual(['CACHEDIR.TAG', 'analysis', 'manifest.json'])
    expect(persistJson(['ls', '--dir', cache]).functions).toEqual([])
  })
})

/** Writes `files` (path → text) under `dir`; returns `dir`. */
function plant(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

/** Every file under `dir` with its text. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name)] = readFileSync(join(entry.parentPath, entry.name), 'utf8')
  }
  return out
}

describe('what persist did not create', () => {
  it('a home directory used as the cache is refused by clear, gc, prune and verify, which delete nothing', () => {
    // As after a build with PERSIST_DIR=$HOME: the plugin's manifest.json next to a folder named like a function.
    const home = plant(join(dirname(freshCache()), 'home'), {
      'manifest.json': '{ "version": 1, "functions": {} }',
      'src__steps.ts#scaled/h1/ab/letter.txt': 'dear persist',
    })
    const before = contents(home)
    for (const args of [['clear'], ['clear', 'src/steps.ts#scaled'], ['gc', '--max-entries', '0'], ['prune', '--unknown'], ['verify']]) {
      const result = persistCli([...args, '--dir', home])
      expect(result.status, args.join(' ')).toBe(1)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toContain('was not created by persist')
      expect(result.stderr).toContain('src__steps.ts#scaled')
    }
    expect(contents(home)).toEqual(before)
  })

  it('a directory holding only a user\'s empty folders (a/b/) is refused by clear and gc, which leave the folders', () => {
    const mine = join(dirname(freshCache()), 'mine')
    mkdirSync(join(mine, 'a/b'), { recursive: true })
    for (const args of [['clear'], ['gc', '--max-entries', '0']]) {
      const result = persistCli([...args, '--dir', mine])
      expect(result.status, args.join(' ')).toBe(1)
      expect(result.stderr).toContain('was not created by persist')
    }
    expect(readdirSync(join(mine, 'a'))).toEqual(['b'])
  })

  it('clear and prune --unknown in persist\'s cache remove the entries and leave folders a user put at function paths', () => {
    const cache = freshCache()
    const userFiles = {
      'src__steps.ts#scaled/notes/todo.txt': 'keep me',
      'src__steps.ts#gone/photos/cat.jpg': 'jpeg',
    }
    plant(cache, userFiles)
    const pruned = persistJson(['prune', '--unknown', '--dir', cache])
    // The user's folders look like versions no manifest names: pruned as such, their files left.
    expect(pruned.removed.map((version: any) => `${version.id} ${version.hash} ${version.entries}`)).toEqual(['src/steps.ts#gone photos 0', 'src/steps.ts#scaled notes 0'])
    expect(pruned.keptForeign.sort()).toEqual([join(cache, 'src__steps.ts#gone/photos/cat.jpg'), join(cache, 'src__steps.ts#scaled/notes/todo.txt')])
    const cleared = persistJson(['clear', '--dir', cache])
    expect(cleared.entries).toBe(6)
    expect(cleared.kept).toEqual([join(cache, 'src__steps.ts#gone/photos/cat.jpg'), join(cache, 'src__steps.ts#scaled/notes/todo.txt')])
    expect(entryFiles(cache)).toEqual([])
    for (const [path, text] of Object.entries(userFiles)) expect(readFileSync(join(cache, path), 'utf8')).toBe(text)
    expect(runProject(filled.project(), { PERSIST_DIR: cache })).toEqual(['greet', 'scaled', 'scaled', 'scaled', 'tenantTotal'])
  })
  it('a folder in a version directory holding a file named like a key is neither listed nor deleted by ls, verify, gc or clear', () => {
    const cache = freshCache()
    const fnDir = join(cache, 'src__steps.ts#scaled')
    const [version] = readdirSync(fnDir)
    // Only two-hex-digit folders are shards: `notes/` is the user's, whatever its files are named.
    const userFile = join(fnDir, version!, 'notes', 'ab'.padEnd(64, 'c'))
    mkdirSync(dirname(userFile))
    writeFileSync(userFile, 'my notes')
    const listed = persistJson(['ls', 'scaled', '--dir', cache])
    expect(listed.functions.map((fn: any) => fn.entries)).toEqual([3])
    persistJson(['verify', '--dir', cache])
    expect(readFileSync(userFile, 'utf8')).toBe('my notes')
    persistJson(['gc', '--max-entries', '0', '--dir', cache])
    expect(readFileSync(userFile, 'utf8')).toBe('my notes')
    persistJson(['clear', '--dir', cache])
    expect(readFileSync(userFile, 'utf8')).toBe('my notes')
    expect(entryFiles(cache)).toEqual([userFile])
  })
})
