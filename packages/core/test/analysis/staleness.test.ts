import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { createAnalyzer } from '../../src/analyzer'
import { createProject, type Project } from './project'

const projects: Project[] = []
afterAll(() => {
  for (const p of projects) p.remove()
})

function setup(files: Record<string, string>) {
  const p = createProject(files)
  projects.push(p)
  p.age()
  const cacheDir = path.join(p.root, '.cache')
  const main = path.join(p.root, 'src/main.ts')
  const hashWith = (analyzer: ReturnType<typeof createAnalyzer>) => analyzer.analyzeFile(main).functions[0]!.hash
  return { p, cacheDir, hashWith }
}

const barrelProject = {
  'src/main.ts': "import { rate } from './lib'\n/* @persist */\nexport function main(x: number) { return x * rate() }\n",
  'src/lib/index.ts': 'export function rate() { return 2 }\n',
}

describe('reused analyses are never stale', () => {
  test('an unchanged closure is reused whole, in the same process and in the next one', () => {
    const { cacheDir, hashWith } = setup(barrelProject)
    const first = createAnalyzer({ root: projects.at(-1)!.root, cacheDir })
    const hash = hashWith(first)
    expect(hashWith(first)).toBe(hash)
    expect(first.stats.reuses).toBe(1)
    first.flush()
    const second = createAnalyzer({ root: projects.at(-1)!.root, cacheDir })
    expect(hashWith(second)).toBe(hash)
    expect(second.stats).toEqual({ parses: 0, reads: 0, reuses: 1 })
  })

  test('a new import in a watch session resolves against the files as they are now, not as first seen', () => {
    const p = createProject({
      'src/main.ts': "import { rate } from './rate'\n/* @persist */\nexport function main(x: number) { return x * rate }\n",
      'src/sub/other.ts': "import { rate } from '../rate'\n/* @persist */\nexport function other(x: number) { return x + rate }\n",
    })
    projects.push(p)
    p.age()
    const longLived = createAnalyzer({ root: p.root, cacheDir: false })
    const build = (file: string) => {
      longLived.beginBuild()
      const hash = longLived.analyzeFile(path.join(p.root, file)).functions[0]!.hash
      longLived.endBuild()
      return hash
    }
    // The first build looks for src/rate.* and finds nothing; then the file is created.
    build('src/main.ts')
    p.write({ 'src/rate.ts': 'export const rate = 3\n' })
    const fresh = createAnalyzer({ root: p.root, cacheDir: false }).analyzeFile(path.join(p.root, 'src/sub/other.ts')).functions[0]!.hash
    expect(build('src/sub/other.ts')).toBe(fresh)
  })

  test('an edited dependency is seen by a long-lived analyzer that was not told', () => {
    const { p, hashWith } = setup(barrelProject)
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const before = hashWith(analyzer)
    p.write({ 'src/lib/index.ts': 'export function rate() { return 3 }\n' })
    expect(hashWith(analyzer)).not.toBe(before)
  })

  test('a new file that now wins the resolution is seen, in the same process and in the next one', () => {
    const { p, cacheDir, hashWith } = setup(barrelProject)
    const analyzer = createAnalyzer({ root: p.root, cacheDir })
    const before = hashWith(analyzer)
    analyzer.flush()
    // './lib' resolved to lib/index.ts; a lib.ts next to the folder takes precedence.
    p.write({ 'src/lib.ts': 'export function rate() { return 5 }\n' })
    const inProcess = hashWith(analyzer)
    expect(inProcess).not.toBe(before)
    expect(hashWith(createAnalyzer({ root: p.root, cacheDir }))).toBe(inProcess)
  })

  test('a package relinked to another version is seen', () => {
    const { p, cacheDir, hashWith } = setup({
      'src/main.ts': "import { pad } from 'pad'\n/* @persist */\nexport function main(x: number) { return pad(x) }\n",
      'node_modules/.pnpm/pad@1.0.0/node_modules/pad/package.json': '{ "name": "pad", "version": "1.0.0", "main": "index.js" }',
      'node_modules/.pnpm/pad@1.0.0/node_modules/pad/index.js': 'exports.pad = (x) => x',
      'node_modules/.pnpm/pad@2.0.0/node_modules/pad/package.json': '{ "name": "pad", "version": "2.0.0", "main": "index.js" }',
      'node_modules/.pnpm/pad@2.0.0/node_modules/pad/index.js': 'exports.pad = (x) => x',
    })
    const link = path.join(p.root, 'node_modules/pad')
    fs.symlinkSync(path.join(p.root, 'node_modules/.pnpm/pad@1.0.0/node_modules/pad'), link)
    p.age()
    const analyzer = createAnalyzer({ root: p.root, cacheDir })
    const before = hashWith(analyzer)
    analyzer.flush()
    // pnpm upgrades by relinking node_modules/pad to another store folder; the old one stays untouched.
    fs.rmSync(link)
    fs.symlinkSync(path.join(p.root, 'node_modules/.pnpm/pad@2.0.0/node_modules/pad'), link)
    const after = createAnalyzer({ root: p.root, cacheDir })
    expect(hashWith(after)).not.toBe(before)
    expect(hashWith(analyzer)).toBe(hashWith(after))
  })
})
