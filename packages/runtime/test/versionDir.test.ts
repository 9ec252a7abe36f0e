import { existsSync, readdirSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { persisted } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

const sandbox = useSandbox()
const ID = 'src/jobs.ts#load'
const FN_DIR = 'src__jobs.ts#load'

function versioned(version: string | number | undefined) {
  return persistedFn((x: number) => `${String(version)}:${x}`, { id: ID, hash: 'abc', options: () => (version === undefined ? {} : { version }) })
}

/** The version directory of an entry path, relative to the function's directory. */
async function versionDirOf(fn: (x: number) => string): Promise<string> {
  const path = (await persisted(fn).path(1))!
  return relative(join(sandbox.dir(), 'cache', FN_DIR), dirname(dirname(path)))
}

describe('the version option in the path', () => {
  it('puts entries in <hash> without a version and in <hash>@v<version> with one', async () => {
    expect(await versionDirOf(versioned(undefined))).toBe('abc')
    expect(await versionDirOf(versioned(2))).toBe('abc@v2')
    expect(await versionDirOf(versioned('2024-06 model'))).toBe('abc@v2024-06%20model')
  })

  it('a new version leaves the old one\'s entries in their own directory, where switching back finds them', async () => {
    const v1 = versioned(1)
    v1(1)
    v1(2)
    const v2 = versioned(2)
    expect(v2(1)).toBe('2:1')
    expect(v2.calls.count).toBe(1)
    expect(readdirSync(join(sandbox.dir(), 'cache', FN_DIR)).sort()).toEqual(['abc@v1', 'abc@v2'])
    const listed = []
    for await (const entry of persisted(v2).entries()) listed.push(entry.args)
    expect(listed).toEqual([[1]])
    const back = versioned(1)
    expect(back(2)).toBe('1:2')
    expect(back.calls.count).toBe(0)
  })

  it('keeps unsafe and long versions inside the function directory', async () => {
    const climbing = await versionDirOf(versioned('../../../etc'))
    expect(climbing.startsWith('abc@v')).toBe(true)
    expect(climbing).not.toContain('/')
    const long = await versionDirOf(versioned('v'.repeat(500)))
    expect(long.length).toBeLessThan(100)
    const f = versioned('../../../etc')
    f(1)
    expect(existsSync(join(sandbox.dir(), 'cache', FN_DIR, climbing))).toBe(true)
    expect(basename(dirname(join(sandbox.dir(), 'cache', FN_DIR, climbing)))).toBe(FN_DIR)
  })
})
