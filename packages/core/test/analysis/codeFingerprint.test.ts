import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterEach, expect, test, vi } from 'vitest'

afterEach(() => {
  vi.restoreAllMocks()
  vi.resetModules()
})

test('the cache format covers the installed parser, resolver, magic-string and runtime versions', async () => {
  const { dependencyVersions } = await import('../../src/codeFingerprint')
  const require = createRequire(path.join(import.meta.dirname, '../../src/codeFingerprint.ts'))
  for (const name of ['oxc-parser', 'oxc-resolver', 'magic-string', '@persist/runtime']) {
    const dir = require.resolve.paths(name)!.map((d) => path.join(d, name)).find((d) => fs.existsSync(path.join(d, 'package.json')))!
    const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }
    expect(dependencyVersions().split(' ')).toContain(`${name}@${version}`)
  }
})

test('a fingerprint that cannot be computed is unique to the process, so no other build trusts it', async () => {
  vi.spyOn(fs, 'readdirSync').mockImplementation(() => {
    throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' })
  })
  const { codeFingerprint } = await import('../../src/codeFingerprint')
  expect(codeFingerprint()).toMatch(new RegExp(`^unknown-${process.pid}-\\d+$`))
})
