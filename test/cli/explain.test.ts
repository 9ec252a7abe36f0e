import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { persistCli, persistJson } from './helpers'

// Manifests that record a hash per dependency let explain name the changed declarations exactly.
let dir: string

function manifest(name: string, functions: Record<string, unknown>): string {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify({ version: 1, functions }))
  return path
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'persist-cli-explain-'))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('persist explain', () => {
  it('names added, removed and changed dependencies against an older manifest', () => {
    const deps = (rate: string) => [
      { file: 'src/tax.ts', declaration: 'RATE', hash: rate },
      { file: 'src/tax.ts', declaration: 'round', hash: 'r1' },
    ]
    const old = manifest('old.json', { 'src/jobs.ts#total': { hash: 'aaa', file: 'src/jobs.ts', line: 3, deps: [...deps('t1'), { file: 'src/log.ts', declaration: 'log', hash: 'l1' }] } })
    const now = manifest('now.json', { 'src/jobs.ts#total': { hash: 'bbb', file: 'src/jobs.ts', line: 4, deps: [...deps('t2'), { file: 'src/fmt.ts', declaration: 'fmt', hash: 'f1' }] } })
    const out = persistJson(['explain', 'total', '--manifest', now, '--since', old, '--dir', join(dir, 'no-cache')])
    expect(out).toMatchObject({ id: 'src/jobs.ts#total', hash: 'bbb', file: 'src/jobs.ts', line: 4, cachedVersions: [] })
    expect(out.since).toMatchObject({
      present: true,
      hash: 'aaa',
      hashChanged: true,
      added: [{ file: 'src/fmt.ts', declaration: 'fmt' }],
      removed: [{ file: 'src/log.ts', declaration: 'log' }],
      changed: [{ file: 'src/tax.ts', declaration: 'RATE' }],
    })
    const human = persistCli(['explain', 'total', '--manifest', now, '--since', old, '--dir', join(dir, 'no-cache')])
    expect(human.status).toBe(0)
    expect(human.stdout).toContain('~ src/tax.ts RATE')
  })

  it('against a manifest from before built-ins were recorded as whole modules, lists no built-in as added or removed', () => {
    const fn = (builtin: string) => ({ hash: 'h', file: 'src/a.ts', line: 1, deps: [{ file: 'node:fs', declaration: builtin, hash: 'b1' }] })
    const old = manifest('builtin-old.json', { 'src/a.ts#f': fn('node:fs') })
    const now = manifest('builtin-now.json', { 'src/a.ts#f': fn('*') })
    const out = persistJson(['explain', 'f', '--manifest', now, '--since', old, '--dir', join(dir, 'no-cache')])
    expect(out.since).toMatchObject({ hashChanged: false, added: [], removed: [], changed: [] })
  })

  it('fails with one line for a function the manifest does not name', () => {
    const now = manifest('only.json', { 'src/a.ts#f': { hash: 'h', file: 'src/a.ts', line: 1, deps: [] } })
    const result = persistCli(['explain', 'src/b.ts#g', '--manifest', now])
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('has no function "src/b.ts#g"')
  })
})
