import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProject, cacheOf, copyCache, createProject, entryFiles, persistJson, runProject } from './helpers'

// Out-files keep their bytes in `<dir>/.blobs`: the CLI must not leave them behind, nor keep damaged ones.
const files: Record<string, string> = {
  'package.json': '{ "name": "fixture-out-files", "type": "module" }',
  'src/main.ts': `import { appendFileSync, writeFileSync } from 'node:fs'
/* @persist({ outFiles: ['dest'] }) */
export function render(n: number, dest: string) {
  if (process.env.LOG_FILE) appendFileSync(process.env.LOG_FILE, 'render ' + n + '\\n')
  writeFileSync(dest, 'x'.repeat(n))
  return n
}
console.log(render(3, 'out-a.txt'), render(5, 'out-b.txt'))
`,
}

let project: string
let original: string
const copies: string[] = []

function freshCache(): string {
  const copy = copyCache(original)
  copies.push(copy)
  return copy
}

function blobsOf(cache: string): string[] {
  const dir = join(cache, '.blobs')
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((shard) => readdirSync(join(dir, shard)).map((name) => join(dir, shard, name))).sort()
}

function ageBlobs(cache: string): void {
  const old = new Date(Date.now() - 2 * 3_600_000)
  for (const blob of blobsOf(cache)) utimesSync(blob, old, old)
}

beforeAll(async () => {
  project = createProject(files)
  original = cacheOf(project)
  await buildProject(project)
  expect(runProject(project)).toEqual(['render 3', 'render 5'])
  expect(blobsOf(original)).toHaveLength(2)
})

afterAll(() => {
  rmSync(project, { recursive: true, force: true })
  for (const copy of copies) rmSync(dirname(copy), { recursive: true, force: true })
})

describe('out-file blobs', () => {
  it('verify removes a damaged blob and the entry that needs it; the next run recomputes only that call', () => {
    const cache = freshCache()
    const blob = blobsOf(cache).find((path) => readFileSync(path, 'utf8') === 'xxx')!
    writeFileSync(blob, 'xyx')
    const out = persistJson(['verify', '--dir', cache])
    expect(out.corruptBlobs.map((problem: any) => problem.path)).toEqual([blob])
    expect(out.corrupt).toHaveLength(1)
    expect(out.corrupt[0].reason).toContain('out-file blob')
    expect(entryFiles(cache)).toHaveLength(1)
    expect(existsSync(blob)).toBe(false)
    expect(runProject(project, { PERSIST_DIR: cache })).toEqual(['render 3'])
  })

  it('clear keeps young blobs (a writer may be about to use them); verify removes them once old', () => {
    const cache = freshCache()
    const cleared = persistJson(['clear', 'src/main.ts#render', '--dir', cache])
    expect(cleared.orphanBlobs.removed).toEqual([])
    expect(blobsOf(cache)).toHaveLength(2)
    ageBlobs(cache)
    expect(persistJson(['verify', '--dir', cache]).orphanBlobs).toHaveLength(2)
    expect(blobsOf(cache)).toEqual([])
  })

  it('verify leaves a user\'s folder in .blobs alone, whatever its files are named', () => {
    const cache = freshCache()
    // Only two-hex-digit folders are blob shards: `notes/` is the user's, even holding an old file named like a blob.
    const userFile = join(cache, '.blobs/notes', 'cd'.padEnd(64, 'e'))
    mkdirSync(dirname(userFile))
    writeFileSync(userFile, 'my notes')
    const old = new Date(Date.now() - 2 * 3_600_000)
    utimesSync(userFile, old, old)
    persistJson(['verify', '--dir', cache])
    expect(readFileSync(userFile, 'utf8')).toBe('my notes')
  })

  it('gc removes the blobs of the entries it evicts, and keeps those still needed', () => {
    const cache = freshCache()
    ageBlobs(cache)
    const [older, newer] = entryFiles(cache)
    utimesSync(older!, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000))
    const before = blobsOf(cache)
    const out = persistJson(['gc', '--max-entries', '1', '--dir', cache])
    expect(out.removed.map((entry: any) => entry.path)).toEqual([older])
    expect(out.orphanBlobs.removed).toHaveLength(1)
    expect(blobsOf(cache)).toHaveLength(1)
    expect(before).toContain(blobsOf(cache)[0])
    expect(entryFiles(cache)).toEqual([newer])
  })
})
