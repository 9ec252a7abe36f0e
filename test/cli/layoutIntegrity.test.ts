import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskStore } from '../../packages/runtime/src/stores/disk'
import { decodeSegment, toSegment } from '../../packages/runtime/src/stores/layout'
import { Codec } from '../../packages/runtime/src/value/entryFile'
import { persistCli, persistJson } from './helpers'

// Caches written straight through the runtime's DiskStore (no build): what matters here is the layout on disk.
const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

function newCache(): string {
  const root = mkdtempSync(join(tmpdir(), 'persist-layout-'))
  roots.push(root)
  return join(root, 'cache')
}

function storeOf(cache: string, id: string): DiskStore {
  return new DiskStore({ dir: cache, id, hash: 'abc123', format: { codec: Codec.V8 }, recordUse: false })
}

/** Writes one entry per argument; returns the entry files. */
function writeEntries(cache: string, id: string, scope: string, values: unknown[]): string[] {
  const store = storeOf(cache, id)
  return values.map((value) => {
    const text = `${id}|${scope}|${JSON.stringify(value)}`
    const key = { text, scope, digest: createHash('sha256').update(text).digest('hex') }
    store.set(key, { value, args: [value], createdAt: Date.now(), durationMs: 5, bytes: 0 })
    return store.pathOf(key)
  })
}

async function valuesOf(store: DiskStore, scope?: string): Promise<unknown[]> {
  const values: unknown[] = []
  for await (const entry of store.entries(scope)) values.push(entry.value)
  return values.sort()
}

describe('directory names', () => {
  it('are one-to-one and readable, and decode back to the id', () => {
    expect(toSegment('src/jobs.ts#load')).toBe('src__jobs.ts#load')
    expect(toSegment('src/my_jobs.ts#load_all')).toBe('src__my_jobs.ts#load_all')
    const names = ['src/a.ts#f', 'src__a.ts#f', 'src_/a.ts#f', 'src/_a.ts#f', 'src___a.ts#f', 'a//b', 'a/__/b', 'a\\b', 'a%2Fb', '', '\0', '.x', '%2Ex', 'ü/名前', 'a~b', '_', '__']
    const segments = names.map(toSegment)
    expect(new Set(segments).size).toBe(names.length)
    for (const [i, name] of names.entries()) expect(decodeSegment(segments[i]!)).toBe(name)
  })

  it('keep names that differ only in a lone surrogate apart, and decode back to them', () => {
    const long = 'x'.repeat(300)
    // A lone lead, a lone trail, U+FFFD, an emoji and its halves swapped, and well-formed text spelling an escape.
    const names = ['\uD800', '\uDC00', '\uDBFF', '\uFFFD', '😀', '\uDE00\uD83D', 'a\uD83Db', 'a\uFFFDb', '%ED%A0%80', '\uD800\uD800', '\uD800\uFFFD']
    const segments = names.map(toSegment)
    expect(new Set(segments).size).toBe(names.length)
    for (const [i, name] of names.entries()) expect(decodeSegment(segments[i]!)).toBe(name)
    // Shortened names keep them apart too: the hash suffix is over the exact name.
    expect(toSegment(`${long}\uD800`)).not.toBe(toSegment(`${long}\uFFFD`))
  })

  it('keep ids that used to share a directory apart: clearing one leaves the other', async () => {
    const cache = newCache()
    const kept = writeEntries(cache, 'src/a.ts#f', '', [1, 2])
    const cleared = writeEntries(cache, 'src__a.ts#f', '', [3])
    const result = persistJson(['clear', 'src__a.ts#f', '--dir', cache])
    expect(result.entries).toBe(1)
    expect(cleared.filter(existsSync)).toEqual([])
    expect(kept.filter(existsSync)).toEqual(kept)
    expect(await valuesOf(storeOf(cache, 'src/a.ts#f'))).toEqual([1, 2])
  })

  it('keep scopes that used to share a directory apart, in DiskStore.clear and persist clear --scope', async () => {
    const cache = newCache()
    const id = 'src/a.ts#f'
    const slash = writeEntries(cache, id, 'a/b', [1])
    const underscores = writeEntries(cache, id, 'a__b', [2])
    expect(await valuesOf(storeOf(cache, id), 'a/b')).toEqual([1])
    await storeOf(cache, id).clear('a__b')
    expect(underscores.filter(existsSync)).toEqual([])
    expect(slash.filter(existsSync)).toEqual(slash)

    writeEntries(cache, id, 'a__b', [2])
    expect(persistJson(['clear', id, '--scope', 'a/b', '--dir', cache]).entries).toBe(1)
    expect(slash.filter(existsSync)).toEqual([])
    expect(await valuesOf(storeOf(cache, id))).toEqual([2])
  })

  it('keep a lone surrogate scope apart from U+FFFD: persist clear --scope U+FFFD leaves the other, as DiskStore.clear does', async () => {
    const cache = newCache()
    const id = 'src/a.ts#f'
    const lone = writeEntries(cache, id, '\uD800', [1])
    const replacement = writeEntries(cache, id, '\uFFFD', [2])
    expect(await valuesOf(storeOf(cache, id), '\uD800')).toEqual([1])
    expect(await valuesOf(storeOf(cache, id), '\uFFFD')).toEqual([2])
    // A command line cannot carry a lone surrogate (arguments are UTF-8), but it can name U+FFFD.
    expect(persistJson(['clear', id, '--scope', '\uFFFD', '--dir', cache]).entries).toBe(1)
    expect(replacement.filter(existsSync)).toEqual([])
    expect(lone.filter(existsSync)).toEqual(lone)
    await storeOf(cache, id).clear('\uD800')
    expect(lone.filter(existsSync)).toEqual([])
  })
})

describe('what an entry is', () => {
  it('a stray file in a version directory is not an entry: verify keeps it, ls and entries() do not count it', async () => {
    const cache = newCache()
    const [entry] = writeEntries(cache, 'src/a.ts#f', '', [1])
    const stray = join(dirname(entry!), 'notes.txt')
    writeFileSync(stray, 'my notes')
    const verified = persistJson(['verify', '--dir', cache])
    expect(verified.checked).toBe(1)
    expect(verified.corrupt).toEqual([])
    expect(readFileSync(stray, 'utf8')).toBe('my notes')
    const listed = persistJson(['ls', '--dir', cache])
    expect(JSON.stringify(listed)).not.toContain('notes.txt')
    expect(listed.functions[0].entries).toBe(1)
    expect(await valuesOf(storeOf(cache, 'src/a.ts#f'))).toEqual([1])
  })

  it('a damaged entry is reported corrupt by show, its arguments not shown', () => {
    const cache = newCache()
    const [entry] = writeEntries(cache, 'src/a.ts#f', '', ['secret-arg'])
    const bytes = readFileSync(entry!)
    // Flip one bit of the payload's last byte: header, metadata and arguments still parse.
    bytes[bytes.length - 1]! ^= 1
    writeFileSync(entry!, bytes)
    const shown = persistJson(['show', 'src/a.ts#f', '--dir', cache])
    expect(shown.entries).toHaveLength(1)
    expect(shown.entries[0].corrupt).toBe(true)
    expect(shown.entries[0].args).toBeNull()
    const verified = persistJson(['verify', '--dir', cache])
    expect(verified.corrupt).toEqual([{ path: entry, reason: 'checksum mismatch' }])
  })
})

describe('persist verify and out-file blobs', () => {
  it('never removes a young blob no entry names yet, even with --tmp-age 0', () => {
    const cache = newCache()
    writeEntries(cache, 'src/a.ts#f', '', [1])
    const content = Buffer.from('bytes a writer just stored')
    const sha = createHash('sha256').update(content).digest('hex')
    const blob = join(cache, '.blobs', sha.slice(0, 2), sha)
    mkdirSync(dirname(blob), { recursive: true })
    writeFileSync(blob, content)
    const result = persistCli(['verify', '--tmp-age', '0', '--dir', cache, '--json'])
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout).orphanBlobs).toEqual([])
    expect(existsSync(blob)).toBe(true)
  })
})
