import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProject, cacheOf, createProject, entryFiles, persistCli, persistJson, runProject } from './helpers'

// A user's loop on one project, in order: build and run, edit, rebuild and rerun, then look after the cache.
let project: string
let cache: string
let firstManifest: string

function edit(file: string, from: string, to: string): void {
  const path = join(project, file)
  const before = readFileSync(path, 'utf8')
  if (!before.includes(from)) throw new Error(`edit of ${file} did not apply: ${from}`)
  writeFileSync(path, before.replace(from, to))
}

function hashOf(id: string): string {
  return JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8')).functions[id].hash
}

function versionsOf(id: string): Array<{ hash: string; live: boolean; entries: number }> {
  return persistJson(['ls', '--dir', cache]).functions.find((fn: any) => fn.id === id)?.versions ?? []
}

const SCALED = 'src/steps.ts#scaled'

beforeAll(async () => {
  project = createProject()
  cache = cacheOf(project)
  await buildProject(project)
  runProject(project)
  firstManifest = join(project, 'manifest-first.json')
  cpSync(join(cache, 'manifest.json'), firstManifest, { preserveTimestamps: true })
})

afterAll(() => rmSync(project, { recursive: true, force: true }))

describe('versions across an edit', () => {
  it('explain lists the declarations a hash covers', () => {
    const out = persistJson(['explain', SCALED, '--dir', cache])
    expect(out.hash).toBe(hashOf(SCALED))
    expect(out.file).toBe('src/steps.ts')
    expect(out.deps).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'src/math.ts', declaration: 'scale' })]))
    expect(out.cachedVersions).toEqual([{ hash: hashOf(SCALED), live: true }])
  })

  it('after an edit and a rebuild, ls shows the old version as stale and explain names the changed declaration', async () => {
    const before = hashOf(SCALED)
    edit('src/math.ts', 'FACTOR = 3', 'FACTOR = 4')
    await buildProject(project)
    expect(runProject(project)).toEqual(['scaled', 'scaled', 'scaled'])
    expect(hashOf(SCALED)).not.toBe(before)
    const versions = versionsOf(SCALED)
    expect(versions.map((v) => [v.hash, v.live, v.entries]).sort()).toEqual(
      [[before, false, 3], [hashOf(SCALED), true, 3]].sort(),
    )
    const since = persistJson(['explain', SCALED, '--since', firstManifest, '--dir', cache], { cwd: project }).since
    expect(since).toMatchObject({ present: true, hash: before, hashChanged: true, added: [], removed: [], modifiedFiles: null })
    // Both manifests hold each dependency's own hash: the one declaration edited is named, not just its file.
    expect(since.changed.map((dep: any) => `${dep.file}#${dep.declaration}`)).toEqual(['src/math.ts#FACTOR'])
    const greet = persistJson(['explain', 'src/steps.ts#greet', '--since', firstManifest, '--dir', cache], { cwd: project }).since
    expect(greet.hashChanged).toBe(false)
  })

  it('prune --dry-run removes nothing; prune removes only the stale version', () => {
    const stale = versionsOf(SCALED).find((v) => !v.live)!.hash
    const staleDir = join(cache, 'src__steps.ts#scaled', stale)
    const others = entryFiles(cache).filter((path) => !path.startsWith(staleDir))
    const dry = persistJson(['prune', '--dry-run', '--dir', cache])
    expect(dry.removed.map((v: any) => [v.id, v.hash, v.entries])).toEqual([[SCALED, stale, 3]])
    expect(existsSync(staleDir)).toBe(true)
    persistJson(['prune', '--dir', cache])
    expect(existsSync(staleDir)).toBe(false)
    expect(entryFiles(cache)).toEqual(others)
    expect(runProject(project)).toEqual([])
  })

  it('prune without a manifest fails and removes nothing', () => {
    const result = persistCli(['prune', '--manifest', join(project, 'no-manifest.json'), '--dir', cache])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('no build manifest')
    expect(entryFiles(cache)).toHaveLength(5)
  })
})

describe('persist adopt', () => {
  it('makes the next run after a harmless edit recall instead of recompute, keeping the old version', async () => {
    const old = hashOf(SCALED)
    const oldEntries = entryFiles(cache, 'src__steps.ts#scaled')
    expect(oldEntries).toHaveLength(3)
    edit('src/steps.ts', "log('scaled'); return scale(x)", "log('scaled'); const scaledValue = scale(x); return scaledValue")
    await buildProject(project)
    expect(hashOf(SCALED)).not.toBe(old)
    const out = persistJson(['adopt', SCALED, '--from', old.slice(0, 12), '--dir', cache])
    expect(out).toMatchObject({ from: old, to: hashOf(SCALED), adopted: 3 })
    expect(runProject(project)).toEqual([])
    expect(entryFiles(cache, 'src__steps.ts#scaled').filter((path) => path.includes(old))).toEqual(oldEntries)
    expect(entryFiles(cache, 'src__steps.ts#scaled')).toHaveLength(6)
  })

  it('names the versions when --from matches none, quoting the hash exactly as typed', () => {
    const result = persistCli(['adopt', SCALED, '--from', '0123', '--dir', cache])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('has no cached version 0123 (versions: ')
  })
})
