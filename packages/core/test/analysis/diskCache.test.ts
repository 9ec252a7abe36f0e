import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { createAnalyzer } from '../../src/analyzer'
import { createProject, type Project } from './project'

const projects: Project[] = []
afterAll(() => {
  for (const p of projects) p.remove()
})

const files = {
  'src/main.ts': "import { helper } from './helper'\n/* @persist */\nexport function main(x: number) { return helper(x) }\n",
  'src/helper.ts': "import { deep } from './deep'\nexport function helper(x: number) { return deep(x) + 1 }\n",
  'src/deep.ts': 'export function deep(x: number) { return x * 2 }\n',
}

function setup() {
  const p = createProject(files)
  projects.push(p)
  // Files older than the racy window, so their stat can be trusted.
  const past = new Date(Date.now() - 60_000)
  for (const f of Object.keys(files)) fs.utimesSync(path.join(p.root, f), past, past)
  const cacheDir = path.join(p.root, '.cache')
  const run = () => {
    const analyzer = createAnalyzer({ root: p.root, cacheDir })
    const result = analyzer.analyzeFile(path.join(p.root, 'src/main.ts'))
    expect(analyzer.flush()).toBeUndefined()
    return { hash: result.functions[0]!.hash, stats: { ...analyzer.stats } }
  }
  return { p, cacheDir, run }
}

describe('disk cache', () => {
  test('a second process on the same cache gives the same hash without parsing or reading unchanged files', () => {
    const { run } = setup()
    const cold = run()
    expect(cold.stats.parses).toBe(3)
    const warm = run()
    expect(warm.hash).toBe(cold.hash)
    expect(warm.stats).toMatchObject({ parses: 0, reads: 0 })
  })

  test('an edited file is re-parsed, alone, and changes the hash', () => {
    const { p, run } = setup()
    const cold = run()
    p.write({ 'src/deep.ts': files['src/deep.ts'].replace('x * 2', 'x * 3') })
    const warm = run()
    expect(warm.stats.parses).toBe(1)
    expect(warm.hash).not.toBe(cold.hash)
  })

  test('an edit that keeps the size and the mtime is still seen', () => {
    const { p, run } = setup()
    const cold = run()
    const file = path.join(p.root, 'src/deep.ts')
    const before = fs.statSync(file)
    fs.writeFileSync(file, files['src/deep.ts'].replace('x * 2', 'x * 3'))
    fs.utimesSync(file, before.atime, before.mtime)
    expect(fs.statSync(file).size).toBe(before.size)
    expect(run().hash).not.toBe(cold.hash)
  })

  test('a corrupt cache file is ignored', () => {
    const { cacheDir, run } = setup()
    const cold = run()
    const cacheFiles = fs.readdirSync(cacheDir).map((f) => path.join(cacheDir, f))
    expect(cacheFiles.map((f) => path.basename(f)).sort()).toEqual(['index.bin', 'summaries.bin'])
    for (const file of cacheFiles) {
      const bytes = fs.readFileSync(file)
      bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff
      fs.writeFileSync(file, bytes)
    }
    const again = run()
    expect(again.hash).toBe(cold.hash)
    expect(again.stats.parses).toBe(3)
    for (const file of cacheFiles) fs.writeFileSync(file, 'garbage')
    expect(run().stats.parses).toBe(3)
  })

  test('a cache directory that cannot be written gives a warning once, and the analysis still works', () => {
    const { p } = setup()
    const blocker = path.join(p.root, 'blocker')
    fs.writeFileSync(blocker, 'a file where the cache directory should be')
    const analyzer = createAnalyzer({ root: p.root, cacheDir: path.join(blocker, 'cache') })
    expect(analyzer.analyzeFile(path.join(p.root, 'src/main.ts')).functions).toHaveLength(1)
    expect(analyzer.flush()).toMatch(/could not write the analysis cache/)
    analyzer.analyzeFile(path.join(p.root, 'src/main.ts'), "/* @persist */\nexport function main() { return 2 }\n")
    expect(analyzer.flush()).toBeUndefined()
  })

  test('the in-memory cache does not re-parse unchanged files across calls (watch mode)', () => {
    const { p } = setup()
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const main = path.join(p.root, 'src/main.ts')
    const first = analyzer.analyzeFile(main).functions[0]!.hash
    expect(analyzer.stats.parses).toBe(3)
    expect(analyzer.analyzeFile(main).functions[0]!.hash).toBe(first)
    expect(analyzer.stats.parses).toBe(3)
    p.write({ 'src/helper.ts': files['src/helper.ts'].replace('+ 1', '+ 2') })
    analyzer.invalidate(path.join(p.root, 'src/helper.ts'))
    expect(analyzer.analyzeFile(main).functions[0]!.hash).not.toBe(first)
    expect(analyzer.stats.parses).toBe(4)
  })

  test('watchFiles lists every file of the closure', () => {
    const { p } = setup()
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const { watchFiles } = analyzer.analyzeFile(path.join(p.root, 'src/main.ts'))
    expect(watchFiles.map((f) => path.relative(p.root, f)).sort()).toEqual(['src/deep.ts', 'src/helper.ts', 'src/main.ts'])
  })
})
