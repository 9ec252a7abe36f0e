import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, it } from 'vitest'
import { createManifest, readManifest } from '../../src/manifest'

const entry = (id: string, file: string) => ({ id, hash: `hash-${id}`, file, line: 3, deps: [{ file: 'src/helper.ts', declaration: 'scale' }] })

it('writes { version, functions } and merges a later build over it, file by file', () => {
  const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'persist-manifest-')), 'nested', 'manifest.json')
  const first = createManifest()
  first.set('/p/src/a.ts', [entry('src/a.ts#one', 'src/a.ts'), entry('src/a.ts#two', 'src/a.ts')])
  first.set('/p/src/b.ts', [entry('src/b.ts#three', 'src/b.ts')])
  first.write(target)
  expect(readManifest(target)).toEqual({
    version: 1,
    functions: {
      'src/a.ts#one': { hash: 'hash-src/a.ts#one', file: 'src/a.ts', line: 3, deps: [{ file: 'src/helper.ts', declaration: 'scale' }] },
      'src/a.ts#two': { hash: 'hash-src/a.ts#two', file: 'src/a.ts', line: 3, deps: [{ file: 'src/helper.ts', declaration: 'scale' }] },
      'src/b.ts#three': { hash: 'hash-src/b.ts#three', file: 'src/b.ts', line: 3, deps: [{ file: 'src/helper.ts', declaration: 'scale' }] },
    },
  })

  // A build that saw only a.ts, where `two` is gone: b.ts stays, a.ts is replaced.
  const second = createManifest()
  second.set('/p/src/a.ts', [entry('src/a.ts#one', 'src/a.ts')])
  second.write(target)
  expect(Object.keys(readManifest(target)!.functions)).toEqual(['src/a.ts#one', 'src/b.ts#three'])
  expect(fs.readdirSync(path.dirname(target))).toEqual(['manifest.json'])
})

it('treats a corrupt manifest as none', () => {
  const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'persist-manifest-')), 'manifest.json')
  fs.writeFileSync(target, '{ not json')
  expect(readManifest(target)).toBeUndefined()
  const manifest = createManifest()
  manifest.set('/p/src/a.ts', [entry('src/a.ts#one', 'src/a.ts')])
  expect(Object.keys(manifest.write(target).functions)).toEqual(['src/a.ts#one'])
})
