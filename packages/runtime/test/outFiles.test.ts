import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { configure, persisted } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

/** Every blob file under `<cache>/.blobs`. */
function blobsIn(cache: string): string[] {
  const root = join(cache, '.blobs')
  if (!existsSync(root)) return []
  return readdirSync(root)
    .filter((shard) => !shard.startsWith('.'))
    .flatMap((shard) => readdirSync(join(root, shard)).map((name) => join(root, shard, name)))
}

describe('outFiles', () => {
  const sandbox = useSandbox()
  const cache = () => join(sandbox.dir(), 'cache')
  const out = (name: string) => join(sandbox.dir(), 'out', name)

  /** `render(text, dest)` writes `text` repeated to `dest` and returns its length; `dest` is an out-file. */
  function makeRender(options: Record<string, unknown> = {}) {
    return persistedFn(
      (text: string, dest: string) => {
        mkdirSync(join(dest, '..'), { recursive: true })
        writeFileSync(dest, text.repeat(3))
        return text.length * 3
      },
      { id: 'src/render.ts#render', params: ['text', 'dest'], options: () => ({ outFiles: ['dest'], ...options }) },
    )
  }

  it('restores the file after the original is deleted, without running the function', () => {
    const render = makeRender()
    expect(render('ab', out('a.txt'))).toBe(6)
    rmSync(join(sandbox.dir(), 'out'), { recursive: true })
    // A new registration reads from disk, like a new process.
    const again = makeRender()
    expect(again('ab', out('a.txt'))).toBe(6)
    expect(again.calls.count).toBe(0)
    expect(readFileSync(out('a.txt'), 'utf8')).toBe('ababab')
  })

  it('restores to a 250-byte basename (NAME_MAX is 255) without recomputing, and leaves nothing else there', () => {
    const name = `${'é'.repeat(123)}.txt`
    expect(Buffer.byteLength(name)).toBe(250)
    const render = makeRender()
    render('qr', out(name))
    rmSync(out(name))
    const again = makeRender()
    expect(again('qr', out(name))).toBe(6)
    expect(again.calls.count).toBe(0)
    expect(readFileSync(out(name), 'utf8')).toBe('qrqrqr')
    expect(readdirSync(join(sandbox.dir(), 'out'))).toEqual([name])
    expect(sandbox.warnings).toEqual([])
  })

  it('leaves the destination out of the key: a hit writes the file where this call asks', () => {
    const render = makeRender()
    render('xy', out('first.txt'))
    expect(render('xy', out('second.txt'))).toBe(6)
    expect(render.calls.count).toBe(1)
    expect(readFileSync(out('second.txt'), 'utf8')).toBe('xyxyxy')
    // A file: URL names the same path.
    expect(render('xy', pathToFileURL(out('third.txt')) as unknown as string)).toBe(6)
    expect(readFileSync(out('third.txt'), 'utf8')).toBe('xyxyxy')
    expect(render.calls.count).toBe(1)
  })

  it('gives an independent copy: writing to a restored file leaves the cache intact', () => {
    const render = makeRender({ store: 'disk' })
    render('cd', out('a.txt'))
    render('cd', out('b.txt'))
    writeFileSync(out('b.txt'), 'overwritten by the user')
    rmSync(out('a.txt'))
    render('cd', out('c.txt'))
    expect(readFileSync(out('c.txt'), 'utf8')).toBe('cdcdcd')
    expect(render.calls.count).toBe(1)
    expect(sandbox.warnings).toEqual([])
  })

  it('stores identical bytes once', () => {
    const write = persistedFn(
      (id: number, dest: string) => {
        writeFileSync(dest, 'same bytes')
        return id
      },
      { params: ['id', 'dest'], options: () => ({ outFiles: ['dest'] }) },
    )
    mkdirSync(join(sandbox.dir(), 'out'))
    write(1, out('1.txt'))
    write(2, out('2.txt'))
    expect(write.calls.count).toBe(2)
    expect(blobsIn(cache())).toHaveLength(1)
  })

  it('is an error naming the function and the parameter when the function did not write its out-file; nothing is cached', () => {
    const lazy = persistedFn((_text: string, _dest: string) => 1, {
      id: 'src/lazy.ts#lazy',
      params: ['text', 'dest'],
      options: () => ({ outFiles: ['dest'] }),
    })
    expect(() => lazy('a', out('never.txt'))).toThrow(/src\/lazy\.ts#lazy did not write its out-file "dest" \(.*never\.txt\)/)
    expect(() => lazy('a', out('never.txt'))).toThrow(/out-file "dest"/)
    expect(lazy.calls.count).toBe(2)
  })

  it('rejects an async function that did not write its out-file', async () => {
    const lazy = persistedFn(async (_dest: string) => 1, { id: 'src/lazy.ts#later', params: ['dest'], options: () => ({ outFiles: ['dest'] }) })
    await expect(lazy(out('never.txt'))).rejects.toThrow(/src\/lazy\.ts#later did not write its out-file "dest"/)
  })

  it('recomputes with one warning when a stored blob is damaged, and stores it again', () => {
    const render = makeRender({ store: 'disk' })
    render('ef', out('a.txt'))
    const [blob] = blobsIn(cache())
    writeFileSync(blob!, 'efefeX')
    expect(render('ef', out('b.txt'))).toBe(6)
    expect(render.calls.count).toBe(2)
    expect(readFileSync(out('b.txt'), 'utf8')).toBe('efefef')
    expect(sandbox.warnings).toHaveLength(1)
    expect(sandbox.warnings[0]).toMatch(/out-file "dest" of src\/render\.ts#render are damaged/)
    // Stored again: the next call is a hit with the right bytes.
    expect(render('ef', out('c.txt'))).toBe(6)
    expect(render.calls.count).toBe(2)
    expect(readFileSync(out('c.txt'), 'utf8')).toBe('efefef')
    expect(sandbox.warnings).toHaveLength(1)
  })

  it('leaves a damaged blob in place in a directory that is not persist\'s own, and recomputes', () => {
    const render = makeRender({ store: 'disk' })
    render('gh', out('a.txt'))
    const [blob] = blobsIn(cache())
    writeFileSync(blob!, 'ghghgX')
    // The directory is no longer persist's: no tag, and a user's file in it.
    rmSync(join(cache(), 'CACHEDIR.TAG'))
    writeFileSync(join(cache(), 'notes.txt'), 'mine')
    configure({ dir: cache() })
    const again = makeRender({ store: 'disk' })
    expect(again('gh', out('b.txt'))).toBe(6)
    expect(readFileSync(out('b.txt'), 'utf8')).toBe('ghghgh')
    expect(readFileSync(blob!, 'utf8')).toBe('ghghgX')
  })

  it('recomputes with one warning when a stored blob is missing, even from memory', async () => {
    const render = makeRender()
    render('gh', out('a.txt'))
    for (const blob of blobsIn(cache())) rmSync(blob)
    expect(await persisted(render).has('gh', out('b.txt'))).toBe(false)
    expect(render('gh', out('b.txt'))).toBe(6)
    expect(render.calls.count).toBe(2)
    expect(sandbox.warnings).toEqual([expect.stringMatching(/out-file "dest" of src\/render\.ts#render are missing/)])
    expect(await persisted(render).has('gh', out('b.txt'))).toBe(true)
  })

  it('recomputes rather than trust an entry stored before the function had out-files', () => {
    const body = (text: string, dest: string) => {
      writeFileSync(dest, text)
      return text.length
    }
    mkdirSync(join(sandbox.dir(), 'out'))
    const before = persistedFn(body, { id: 'src/w.ts#w', params: ['text', 'dest'], options: () => ({ key: { dest: null }, store: 'disk' }) })
    before('mn', out('a.txt'))
    const after = persistedFn(body, { id: 'src/w.ts#w', params: ['text', 'dest'], options: () => ({ outFiles: ['dest'], store: 'disk' }) })
    expect(after('mn', out('b.txt'))).toBe(2)
    expect(after.calls.count).toBe(1)
    expect(readFileSync(out('b.txt'), 'utf8')).toBe('mn')
  })

  it('returns results and writes the files when the cache directory cannot be written, with one warning', () => {
    writeFileSync(join(sandbox.dir(), 'not-a-dir'), '')
    configure({ dir: join(sandbox.dir(), 'not-a-dir', 'cache') })
    const render = makeRender()
    expect(render('op', out('a.txt'))).toBe(6)
    expect(render('op', out('b.txt'))).toBe(6)
    expect(readFileSync(out('b.txt'), 'utf8')).toBe('opopop')
    expect(render.calls.count).toBe(2)
    expect(sandbox.warnings).toEqual([expect.stringMatching(/cannot write to the cache directory .*not-a-dir.*ENOTDIR/)])
  })

  it('says clearly that a directory cannot be an out-file', () => {
    const makeDir = persistedFn((dest: string) => mkdirSync(dest, { recursive: true }), {
      id: 'src/dir.ts#makeDir',
      params: ['dest'],
      options: () => ({ outFiles: ['dest'] }),
    })
    expect(() => makeDir(out('folder'))).toThrow(/out-file "dest" of src\/dir\.ts#makeDir is a directory .*must be files for now/)
  })

  it('names the parameter when an out-file argument is not a path', () => {
    const render = persistedFn((_text: string, _dest: string) => 1, {
      id: 'src/render.ts#render',
      params: ['text', 'dest'],
      options: () => ({ outFiles: ['dest'] }),
    })
    expect(() => render('a', 42 as unknown as string)).toThrow(/out-file parameter "dest" of src\/render\.ts#render must be a path .* got number/)
  })

  it('rejects an outFiles option naming no parameter', () => {
    const bad = persistedFn((_dest: string) => 1, { id: 'src/bad.ts#bad', params: ['dest'], options: () => ({ outFiles: ['dst'] }) })
    expect(() => bad('x')).toThrow(/option outFiles of src\/bad\.ts#bad names "dst", which is not a parameter \(parameters: dest\)/)
  })

  it('lists out-files in entries(), and set() stores the files named by its arguments', async () => {
    const render = makeRender()
    render('ij', out('a.txt'))
    const listed = []
    for await (const entry of persisted(render).entries()) listed.push(entry)
    expect(listed).toHaveLength(1)
    expect(listed[0]!.outFiles).toEqual([{ param: 'dest', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: 6 }])

    writeFileSync(out('made-by-hand.txt'), 'by hand')
    await persisted(render).set(['kl', out('made-by-hand.txt')], 99)
    rmSync(out('made-by-hand.txt'))
    expect(render('kl', out('elsewhere.txt'))).toBe(99)
    expect(readFileSync(out('elsewhere.txt'), 'utf8')).toBe('by hand')
    expect(render.calls.count).toBe(1)
  })
})

describe('persisted(f).path()', () => {
  useSandbox()

  it('names the entry file of a call, before and after it exists', async () => {
    const f = persistedFn((x: number) => x + 1, { id: 'src/p.ts#f', params: ['x'] })
    const where = await persisted(f).path(1)
    expect(where).toMatch(/src__p\.ts#f[/\\]h1[/\\][0-9a-f]{2}[/\\][0-9a-f]{64}$/)
    expect(existsSync(where!)).toBe(false)
    f(1)
    expect(existsSync(where!)).toBe(true)
    expect(await persisted(f).path(2)).not.toBe(where)
  })

  it('is undefined for a memory-only function', async () => {
    const f = persistedFn((x: number) => x, { params: ['x'], options: () => ({ store: 'memory' }) })
    expect(await persisted(f).path(1)).toBeUndefined()
  })
})
