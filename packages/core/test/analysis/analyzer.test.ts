import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { createAnalyzer, functionId } from '../../src/analyzer'
import { type Project, declarationsOf, useProjects } from './project'

const project = useProjects()

const cycleProject = {
  'src/main.ts': "import { ping } from './ping'\nimport data from './data.json'\nimport { z } from 'zed'\n/* @persist */\nexport function main(x: number) { return ping(x) + data.k + z }\n",
  'src/ping.ts': "import { pong } from './pong'\nexport function ping(n: number): number { return n <= 0 ? 0 : pong(n - 1) }\n",
  'src/pong.ts': "import { ping } from './ping'\nexport function pong(n: number): number { return n <= 0 ? 1 : ping(n - 1) }\n",
  'src/data.json': '{ "k": 1 }',
  'node_modules/zed/package.json': '{ "name": "zed", "version": "1.0.0", "type": "module", "exports": "./index.js" }',
  'node_modules/zed/index.js': 'export const z = 1',
}

describe('createAnalyzer().analyzeFile()', () => {
  test('reports id, start offset and a hex SHA-256 per function; a name setting overrides the id', () => {
    const code = "/* @persist */\nexport function load() { return 1 }\nexport class Svc {\n  /* @persist */\n  static run() { return 2 }\n}\n"
    const p = project({ 'src/jobs.ts': code })
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const file = path.join(p.root, 'src/jobs.ts')
    const { functions } = analyzer.analyzeFile(file, code, { load: { name: 'loadV2' } })
    expect(functions.map((f) => [f.name, f.id, code.slice(f.start, f.start + 8)])).toEqual([
      ['load', 'src/jobs.ts#loadV2', 'function'],
      ['Svc.run', 'src/jobs.ts#Svc.run', '() { ret'],
    ])
    for (const f of functions) expect(f.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(functionId(p.root, file, 'x')).toBe('src/jobs.ts#x')
  })

  test('the code argument wins over the file on disk', () => {
    const p = project({ 'src/main.ts': '/* @persist */\nexport function main() { return 1 }\n' })
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const file = path.join(p.root, 'src/main.ts')
    const onDisk = analyzer.analyzeFile(file).functions[0]!.hash
    const edited = analyzer.analyzeFile(file, '/* @persist */\nexport function main() { return 2 }\n').functions[0]!.hash
    expect(edited).not.toBe(onDisk)
    expect(analyzer.analyzeFile(file).functions[0]!.hash).toBe(onDisk)
  })

  test('the same project in another directory gets the same hashes (a CI checkout and a laptop agree)', () => {
    const a = project(cycleProject)
    const b = project(cycleProject)
    const hashOf = (p: Project) => createAnalyzer({ root: p.root, cacheDir: false }).analyzeFile(path.join(p.root, 'src/main.ts')).functions[0]!
    expect(hashOf(a).hash).toBe(hashOf(b).hash)
    expect(hashOf(a).deps).toEqual(hashOf(b).deps)
    expect(declarationsOf(hashOf(a).deps)).toEqual([
      { file: 'node_modules/zed/package.json', declaration: 'zed@1.0.0' },
      { file: 'src/data.json', declaration: '(content)' },
      { file: 'src/ping.ts', declaration: 'ping' },
      { file: 'src/pong.ts', declaration: 'pong' },
    ])
  })

  test("a dependency's hash changes with its own code alone: an edit in a cycle changes one, and the function's", () => {
    const p = project(cycleProject)
    const analyzeMain = () => createAnalyzer({ root: p.root, cacheDir: false }).analyzeFile(path.join(p.root, 'src/main.ts')).functions[0]!
    const hashesByDeclaration = (deps: Array<{ declaration: string; hash: string }>) => Object.fromEntries(deps.map((d) => [d.declaration, d.hash]))
    const before = analyzeMain()
    p.write({ 'src/pong.ts': "import { ping } from './ping'\nexport function pong(n: number): number { return n <= 0 ? 2 : ping(n - 1) }\n" })
    const after = analyzeMain()
    expect(after.hash).not.toBe(before.hash)
    const [was, is] = [hashesByDeclaration(before.deps), hashesByDeclaration(after.deps)]
    expect(Object.keys(is).filter((declaration) => is[declaration] !== was[declaration])).toEqual(['pong'])
  })

  test('watchFiles covers code, JSON, the package.json of a package and the tsconfig', () => {
    const p = project({ ...cycleProject, 'tsconfig.json': '{}' })
    const { watchFiles } = createAnalyzer({ root: p.root, cacheDir: false }).analyzeFile(path.join(p.root, 'src/main.ts'))
    expect(watchFiles.map((f) => path.relative(p.root, f)).sort()).toEqual([
      'node_modules/zed/package.json',
      'src/data.json',
      'src/main.ts',
      'src/ping.ts',
      'src/pong.ts',
      'tsconfig.json',
    ])
  })

  test('a dependency that does not parse warns and counts as its whole text', () => {
    const p = project({
      'src/main.ts': "import { broken } from './broken'\n/* @persist */\nexport function main() { return broken }\n",
      'src/broken.ts': 'export const broken = (\n',
    })
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const main = path.join(p.root, 'src/main.ts')
    const first = analyzer.analyzeFile(main)
    expect(first.diagnostics.map((d) => [d.code, path.relative(p.root, d.file)])).toEqual([['PERSIST_PARSE_ERROR', 'src/broken.ts']])
    p.write({ 'src/broken.ts': 'export const broken = (\n\n' })
    expect(analyzer.analyzeFile(main).functions[0]!.hash).not.toBe(first.functions[0]!.hash)
  })

  test('a file without annotations yields no functions', () => {
    const p = project({ 'src/plain.ts': 'export const a = 1\n' })
    expect(createAnalyzer({ root: p.root, cacheDir: false }).analyzeFile(path.join(p.root, 'src/plain.ts')).functions).toEqual([])
  })
})
