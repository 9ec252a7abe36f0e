import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, lstatSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { serialize } from 'node:v8'
import { crc32 } from 'node:zlib'
import { configure, link, register, type FunctionOptions, type Registration } from '@persist/runtime'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KEY_FORMAT } from '../../packages/runtime/src/key/encode'
import { builtRuntime, entryFilesUnder, filesUnder, runWorker, useWorkspace, warningLines, worker } from './helpers'

/**
 * A valid entry file (see packages/runtime/src/value/entryFile.ts) holding `payload`: what someone with write
 * access to the cache directory could plant. The checksum is right, so only decoding stands between it and the user.
 */
function craftEntry(payload: Uint8Array, codec: 0 | 1, flags: number, meta = ''): Buffer {
  const metaBytes = Buffer.from(meta)
  const header = Buffer.alloc(48)
  header.writeUInt32LE(0x54535250, 0)
  header[4] = 1
  header[5] = codec
  header[6] = flags
  header.writeUInt32LE(metaBytes.length, 8)
  header.writeUInt32LE(0, 12)
  header.writeUIntLE(payload.byteLength, 16, 6)
  // Written under the current key format: the runtime never decodes an entry of another one.
  header[22] = KEY_FORMAT
  header.writeDoubleLE(Date.now(), 24)
  header.writeDoubleLE(1, 32)
  header.writeUInt32LE(crc32(payload, crc32(metaBytes, crc32(header.subarray(0, 40)))), 40)
  return Buffer.concat([header, metaBytes, payload])
}

const TAGGED = 1
const RAW = 4
const BLOBS = 8
const blobRef = serialize({ '\u0000persist:blob': 0 })
/** Metadata listing `count` empty binary sections after the v8 part (real ones are each at least 64 KiB). */
const emptySections = (count: number) => JSON.stringify({ v8: blobRef.length, blobs: Array.from({ length: count }, () => ['Uint8Array', 0]) })
const polluting = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"list":[{"__proto__":{"polluted":1}}]}'

let ids = 0
function persistedFn(options: FunctionOptions, id = `test/reliability/security.ts#fn${ids++}`) {
  let registration: Registration | undefined
  const get = () => (registration ??= register({ id, hash: 's1', params: ['x'], async: false, kind: 'function', options: () => options }))
  const fn = Object.assign((x: number): unknown => get().call(undefined, [x], () => (fn.runs++, { computed: x })), { id, runs: 0 })
  return link(fn, get)
}

describe('entries planted in the cache directory never run code or pollute prototypes', () => {
  const workspace = useWorkspace()
  let stderr: string[] = []
  beforeEach(() => {
    configure({ dir: workspace.cache() })
    stderr = []
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true))
  })
  afterEach(() => {
    vi.restoreAllMocks()
    delete (Object.prototype as Record<string, unknown>).polluted
    delete (globalThis as Record<string, unknown>).__persistPwned
  })

  /** Writes an entry for f(1), replaces its bytes, and reads it back through a fresh registration (a new process). */
  function plant(options: FunctionOptions, bytes: Buffer): { value: unknown; runs: number } {
    const first = persistedFn({ ...options, store: 'disk' })
    first(1)
    const [file] = entryFilesUnder(workspace.cache()).filter((path) => path.includes(basename(first.id.replace(/\//g, '__'))))
    writeFileSync(file!, bytes)
    const reader = persistedFn({ ...options, store: 'disk' }, first.id)
    return { value: reader(1), runs: reader.runs }
  }

  const unpolluted = () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect((globalThis as Record<string, unknown>).__persistPwned).toBeUndefined()
  }

  it.each([
    ['v8', {}, craftEntry(serialize(JSON.parse(polluting)), 0, 0)],
    ['v8 with registered-type tags (the revive walk)', {}, craftEntry(serialize(JSON.parse(polluting)), 0, TAGGED)],
    ['json', { format: 'json' as const }, craftEntry(Buffer.from(polluting), 1, 0)],
  ])('__proto__ and constructor keys in a %s payload stay plain data', (_, options, bytes) => {
    const { value, runs } = plant(options, bytes)
    unpolluted()
    expect(runs).toBe(0)
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.keys(value as object)).toEqual(['__proto__', 'constructor', 'list'])
    expect(Object.getPrototypeOf((value as { list: object[] }).list[0])).toBe(Object.prototype)
  })

  it.each([
    ['a type tag naming Function', craftEntry(serialize({ '\u0000persist:type': 'Function', data: 'globalThis.__persistPwned = 1' }), 0, TAGGED)],
    ['a type tag naming Object', craftEntry(serialize({ '\u0000persist:type': 'Object', data: { polluted: 1 } }), 0, TAGGED)],
    ['a binary section that is not there', craftEntry(serialize({ '\u0000persist:blob': 3 }), 0, TAGGED)],
    ['a raw type that is not binary', craftEntry(Buffer.from('globalThis.__persistPwned = 1'), 0, RAW, '{"raw":"Function"}')],
    ['a raw type inherited from Object.prototype', craftEntry(Buffer.from('x'), 0, RAW, '{"raw":"constructor"}')],
    // Each listed section used to cost an allocation before anything was checked: millions took seconds and gigabytes.
    ['thousands of empty binary sections', craftEntry(blobRef, 0, TAGGED | BLOBS, emptySections(5000))],
  ])('%s: a miss with one warning, recomputed, nothing constructed', (_, bytes) => {
    const { value, runs } = plant({}, bytes)
    unpolluted()
    expect(value).toEqual({ computed: 1 })
    expect(runs).toBe(1)
    expect(stderr.filter((line) => line.includes('ignoring the cache entry'))).toHaveLength(1)
  })

  it('an entry holding an array of length 2 ** 32 - 1 with one element is read without walking its holes', () => {
    const sparse: number[] = []
    sparse[2 ** 32 - 2] = 1
    // The null-prototype tag makes the read walk the value (reviveValue), which once looped to the array's length.
    const payload = serialize({ sparse, tagged: { '\u0000persist:null': true } })
    const { value, runs } = plant({}, craftEntry(payload, 0, TAGGED))
    expect(runs).toBe(0)
    const { sparse: back, tagged } = value as { sparse: number[]; tagged: object }
    expect(back.length).toBe(2 ** 32 - 1)
    expect(Object.keys(back)).toEqual([String(2 ** 32 - 2)])
    expect(Object.getPrototypeOf(tagged)).toBe(null)
  })

  it('the built runtime holds no eval, new Function or vm', () => {
    const dist = dirname(builtRuntime)
    for (const file of readdirSync(dist).filter((name) => name.endsWith('.js'))) {
      const code = readFileSync(join(dist, file), 'utf8')
      expect(code, file).not.toMatch(/\beval\s*\(|new Function\s*\(|from ["']node:vm["']|require\(["'](node:)?vm["']\)/)
    }
  })
})

describe('files and directories', () => {
  const workspace = useWorkspace()

  it.each([0o027, 0o077, 0o002])('are created with the user\'s umask (%o)', (umask) => {
    const result = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,process.umask(${umask})`, worker, 'call', 'sync', '1', '7'],
      { env: workspace.env(), encoding: 'utf8' },
    )
    expect(result.stdout, result.stderr).toBe('2')
    const files = filesUnder(workspace.cache())
    expect(files.length).toBeGreaterThanOrEqual(3)
    for (const file of files) expect((statSync(file).mode & 0o777).toString(8), file).toBe((0o666 & ~umask).toString(8))
    const dirs = [workspace.cache(), ...new Set(files.map((file) => dirname(file)))]
    for (const dir of dirs) expect((statSync(dir).mode & 0o777).toString(8), dir).toBe((0o777 & ~umask).toString(8))
  })
})

describe('a symlink planted inside the cache directory', () => {
  const workspace = useWorkspace()
  let outside = ''
  let entry = ''
  beforeEach(() => {
    outside = join(workspace.dir(), 'outside')
    mkdirSync(outside)
    writeFileSync(join(outside, 'precious'), 'do not touch')
    expect(runWorker(['call', 'sync', '1'], workspace.env()).stdout).toBe('1')
    entry = entryFilesUnder(workspace.cache())[0]!
  })

  const outsideUntouched = () => {
    expect(readdirSync(outside)).toEqual(['precious'])
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('do not touch')
  }

  it.each([
    ['a shard directory', () => dirname(entry)],
    ['the source-hash directory', () => dirname(dirname(entry))],
    ['the function directory', () => dirname(dirname(dirname(entry)))],
  ])('in place of %s is never written through; one warning names it', (_, where) => {
    const planted = where()
    rmSync(planted, { recursive: true })
    symlinkSync(outside, planted)
    const result = runWorker(['call', 'sync', '1', '2'], workspace.env())
    expect(result.stdout).toBe('2')
    outsideUntouched()
    const warnings = warningLines(result.stderr)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/symlink/)
  })

  it('in place of an entry: the write replaces the link, the file it pointed to is untouched', () => {
    rmSync(entry)
    symlinkSync(join(outside, 'precious'), entry)
    const result = runWorker(['call', 'sync', '1'], workspace.env())
    expect(result.stdout).toBe('1')
    outsideUntouched()
    expect(lstatSync(entry).isFile()).toBe(true)
  })

  it('in place of the lock file (lock: true): the lock never writes through it', () => {
    const lock = join(dirname(entry), `.${basename(entry)}.lock`)
    rmSync(entry)
    symlinkSync(join(outside, 'precious'), lock)
    const result = runWorker(['call', 'sync', '1'], { ...workspace.env(), LOCK: '1', PERSIST_LOCK_WAIT_MS: '3000' })
    expect(result.stdout).toBe('1')
    outsideUntouched()
  })
})
