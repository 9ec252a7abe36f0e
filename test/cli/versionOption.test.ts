import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProject, cacheOf, createProject, fixtureFiles, persistCli, persistJson, runProject } from './helpers'

// A function whose `version` option is a value of the running program: the build's hash does not change with it.
const files = {
  ...fixtureFiles,
  'src/steps.ts': `import { appendFileSync } from 'node:fs'

function log(name: string) { if (process.env.LOG_FILE) appendFileSync(process.env.LOG_FILE, name + '\\n') }

/* @persist({ version: process.env.MODEL ?? 'a' }) */
export function scaled(x: number) { log('scaled'); return x * 3 }

export function greet() { return 'hi' }
export function tenantTotal() { return 0 }
`,
}
const ID = 'src/steps.ts#scaled'
let project: string
let cache: string

function liveHash(): string {
  return JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8')).functions[ID].hash
}

beforeAll(async () => {
  project = createProject(files)
  cache = cacheOf(project)
  await buildProject(project)
  expect(runProject(project)).toEqual(['scaled', 'scaled', 'scaled'])
  expect(runProject(project, { MODEL: 'b' })).toEqual(['scaled', 'scaled', 'scaled'])
})

afterAll(() => rmSync(project, { recursive: true, force: true }))

describe('the version option on disk', () => {
  it('keeps each version in <hash>@v<version>; ls marks every version of the live hash live and prune keeps them', () => {
    const hash = liveHash()
    expect(readdirSync(join(cache, 'src__steps.ts#scaled')).sort()).toEqual([`${hash}@va`, `${hash}@vb`])
    const versions = persistJson(['ls', '--dir', cache]).functions.find((fn: any) => fn.id === ID).versions
    expect(versions.map((v: any) => [v.hash, v.live, v.entries])).toEqual([[`${hash}@va`, true, 3], [`${hash}@vb`, true, 3]])
    expect(persistJson(['prune', '--dir', cache]).removed).toEqual([])
    expect(runProject(project, { MODEL: 'a' })).toEqual([])
  })

  it('adopt carries the entries of one version to the same version under the new hash', async () => {
    const old = liveHash()
    const path = join(project, 'src/steps.ts')
    writeFileSync(path, readFileSync(path, 'utf8').replace('return x * 3', 'const tripled = x * 3; return tripled'))
    await buildProject(project)
    expect(liveHash()).not.toBe(old)
    const ambiguous = persistCli(['adopt', ID, '--from', old.slice(0, 12), '--dir', cache])
    expect(ambiguous.status).toBe(1)
    expect(ambiguous.stderr).toContain('matches 2 versions')
    const out = persistJson(['adopt', ID, '--from', `${old.slice(0, 12)}@vb`, '--dir', cache])
    expect(out).toMatchObject({ from: `${old}@vb`, to: `${liveHash()}@vb`, adopted: 3 })
    expect(runProject(project, { MODEL: 'b' })).toEqual([])
    expect(runProject(project, { MODEL: 'a' })).toEqual(['scaled', 'scaled', 'scaled'])
  })
})
