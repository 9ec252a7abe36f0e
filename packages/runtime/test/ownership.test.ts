import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { configure } from '../src/config'
import { persisted } from '../src/handle'
import { entryFiles, persistedFn, useSandbox } from './helpers'

const sandbox = useSandbox()
const disk = { options: () => ({ store: 'disk' as const }) }

/** Writes `files` (path → text) under `dir`. */
function plant(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

/** Every file under `dir` with its text: what a user would find there. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(entryFiles(dir).map((path) => [path, readFileSync(path, 'utf8')]))
}

/**
 * A home directory used as the cache (`PERSIST_DIR=$HOME`) holding a folder named like the function's directory
 * (`src/jobs.ts#load` → `src__jobs.ts#load`), shaped like a version and a shard, as a user could have made it.
 */
const homeFiles = {
  '.bashrc': 'export PATH=~/bin:$PATH\n',
  'src__jobs.ts#load/notes.md': 'my notes',
  'src__jobs.ts#load/h1/ab/letter.txt': 'dear persist',
  'src__jobs.ts#load/h1/~public/cd/photo.jpg': 'jpeg',
}

describe('a cache directory that is a user\'s folder (PERSIST_DIR=$HOME)', () => {
  it('calls compute and return, clear(), delete() and set() leave every user file in place, with one warning naming the fix', async () => {
    const home = join(sandbox.dir(), 'home')
    plant(home, homeFiles)
    process.env.PERSIST_DIR = home
    configure()
    onTestFinished(() => void delete process.env.PERSIST_DIR)
    const before = contents(home)
    const load = persistedFn((x: number) => ({ x }), { id: 'src/jobs.ts#load', ...disk })
    expect(load(1)).toEqual({ x: 1 })
    expect(load(1)).toEqual({ x: 1 })
    expect(load.calls.count).toBe(2)
    await persisted(load).set([2], { x: 2 })
    expect(await persisted(load).delete(1)).toBe(false)
    await persisted(load).clear()
    await persisted(load).clear({ scope: 'public' })
    expect(contents(home)).toEqual(before)
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toContain(home)
    expect(sandbox.warnings[0]).toMatch(/PERSIST_DIR.*configure\(\{ dir \}\).*directory of its own/)
  })
})

describe('a folder a user put at a function\'s path in persist\'s own cache', () => {
  it('clear() removes the entries and leaves the folder\'s files', async () => {
    const cache = join(sandbox.dir(), 'cache')
    const load = persistedFn((x: number) => ({ x }), { id: 'src/jobs.ts#load', ...disk })
    load(1)
    load(2)
    const entries = entryFiles(cache)
    expect(entries).toHaveLength(2)
    // Inside the function directory persist made: a folder of the user's, and a file in a version directory.
    plant(join(cache, 'src__jobs.ts#load'), { 'notes/todo.txt': 'keep', 'h1/readme.txt': 'keep too' })
    const userFiles = contents(join(cache, 'src__jobs.ts#load', 'notes'))
    await persisted(load).clear()
    expect(entryFiles(cache).sort()).toEqual([join(cache, 'src__jobs.ts#load/h1/readme.txt'), join(cache, 'src__jobs.ts#load/notes/todo.txt')])
    expect(contents(join(cache, 'src__jobs.ts#load', 'notes'))).toEqual(userFiles)
    load(1)
    expect(load.calls.count).toBe(3)
    expect(sandbox.warnings).toEqual([])
  })

  it('clear({ scope }) removes that scope\'s entries and leaves a user\'s file in the scope directory', async () => {
    const cache = join(sandbox.dir(), 'cache')
    const load = persistedFn((x: number) => ({ x }), { id: 'src/jobs.ts#load', options: () => ({ store: 'disk', scope: () => 'acme' }) })
    load(1)
    const [entry] = entryFiles(cache)
    plant(join(cache, 'src__jobs.ts#load/h1/~acme'), { 'mine.txt': 'keep' })
    await persisted(load).clear({ scope: 'acme' })
    expect(entryFiles(cache)).toEqual([join(cache, 'src__jobs.ts#load/h1/~acme/mine.txt')])
    expect(entry).toMatch(/~acme/)
  })
})

describe('one function directory that cannot be written', () => {
  it('turns caching off for that function only: another function of the process still caches to disk', () => {
    const cache = join(sandbox.dir(), 'cache')
    const first = persistedFn((x: number) => x, { id: 'src/a.ts#first', ...disk })
    first(1)
    const outside = join(sandbox.dir(), 'outside')
    mkdirSync(outside)
    symlinkSync(outside, join(cache, 'src__evil.ts#f'))
    const evil = persistedFn((x: number) => x + 1, { id: 'src/evil.ts#f', ...disk })
    expect(evil(1)).toBe(2)
    expect(evil(1)).toBe(2)
    expect(evil.calls.count).toBe(2)
    const other = persistedFn((x: number) => x * 10, { id: 'src/b.ts#other', ...disk })
    expect(other(1)).toBe(10)
    // A fresh registration (as in the next process) finds the entry on disk.
    const again = persistedFn((x: number) => x * 10, { id: 'src/b.ts#other', ...disk })
    expect(again(1)).toBe(10)
    expect(again.calls.count).toBe(0)
    expect(entryFiles(join(cache, 'src__b.ts#other'))).toHaveLength(1)
    expect(entryFiles(outside)).toEqual([])
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/src__evil\.ts#f.*symlink/)
  })
})
