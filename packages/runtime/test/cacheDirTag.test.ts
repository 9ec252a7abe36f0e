import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configure } from '../src/config'
import { persistedFn, useSandbox } from './helpers'

const sandbox = useSandbox()

/** What a build with the plugin leaves in the default cache directory before the program first runs. */
function buildLikeDir(extra: Record<string, string> = {}): string {
  const dir = join(sandbox.dir(), 'node_modules/.cache/persist')
  mkdirSync(join(dir, 'analysis'), { recursive: true })
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: 1, functions: { 'src/a.ts#f': { hash: 'abc', deps: [] } } }))
  // Whatever files core keeps there, each starts with its magic.
  writeFileSync(join(dir, 'analysis/index.bin'), 'persist-analysis\nformat-1\n...')
  writeFileSync(join(dir, 'analysis/outputs.bin'), 'persist-analysis\nformat-2\n...')
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text)
  configure({ dir })
  return dir
}

describe('tagging the cache directory', () => {
  it('claims the directory a build prepared (manifest.json and analysis/) on the first call', () => {
    const dir = buildLikeDir()
    expect(persistedFn((x: number) => x + 1)(1)).toBe(2)
    expect(readFileSync(join(dir, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n.*persist/)
  })

  it('claims it with a manifest being rewritten and out-file blobs in it', () => {
    const dir = buildLikeDir({ 'manifest.json.123.abc.tmp': '{' })
    mkdirSync(join(dir, '.blobs/ab'), { recursive: true })
    writeFileSync(join(dir, '.blobs/ab', 'ab'.padEnd(64, '0')), 'bytes')
    persistedFn((x: number) => x)(1)
    expect(existsSync(join(dir, 'CACHEDIR.TAG'))).toBe(true)
  })

  it('claims it while another process is writing its tag (CACHEDIR.TAG.<pid>.<random>.tmp)', () => {
    const dir = buildLikeDir({ 'CACHEDIR.TAG.4242.0a1b2c3d4e5f.tmp': 'Signature: 8a47' })
    expect(persistedFn((x: number) => x * 2)(2)).toBe(4)
    expect(readFileSync(join(dir, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n.*persist/)
    expect(sandbox.warnings).toEqual([])
  })

  it('does not claim it when anything else lies there too', () => {
    const dir = buildLikeDir({ 'package.json': '{}' })
    persistedFn((x: number) => x)(1)
    expect(existsSync(join(dir, 'CACHEDIR.TAG'))).toBe(false)
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe('{}')
  })

  it('does not claim it when analysis/ holds a file core did not write', () => {
    const dir = buildLikeDir()
    writeFileSync(join(dir, 'analysis/notes.bin'), 'mine')
    persistedFn((x: number) => x)(1)
    expect(existsSync(join(dir, 'CACHEDIR.TAG'))).toBe(false)
  })

  it('does not claim it when manifest.json is not a persist manifest', () => {
    const dir = buildLikeDir()
    writeFileSync(join(dir, 'manifest.json'), '{"name":"my-app"}')
    persistedFn((x: number) => x)(1)
    expect(existsSync(join(dir, 'CACHEDIR.TAG'))).toBe(false)
  })

  it('does not claim a folder whose only content is a user\'s empty folder (a/b/), and leaves that folder', () => {
    const dir = join(sandbox.dir(), 'mine')
    mkdirSync(join(dir, 'a/b'), { recursive: true })
    configure({ dir })
    expect(persistedFn((x: number) => x + 1)(1)).toBe(2)
    expect(existsSync(join(dir, 'CACHEDIR.TAG'))).toBe(false)
    expect(readdirSync(join(dir, 'a'))).toEqual(['b'])
    expect(sandbox.warnings.join('\n')).toContain(join(dir, 'a'))
  })

  it('still claims a prepared directory holding empty folders persist names (a shard, out-file blobs)', () => {
    const dir = buildLikeDir()
    mkdirSync(join(dir, '.blobs/ab'), { recursive: true })
    persistedFn((x: number) => x)(1)
    expect(existsSync(join(dir, 'CACHEDIR.TAG'))).toBe(true)
  })
})
