import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { createAnalyzer } from '../../src/analyzer'
import { PersistBuildError } from '../../src/diagnostics'
import { type Project, declarationsOf, useProjects } from './project'

const project = useProjects()

const main = "import { a } from './a'\n/* @persist */\nexport function main() { return a }\n"

describe('a tsconfig that cannot be loaded', () => {
  test('a syntax error fails the build naming the file, instead of hashing every import as unresolved', () => {
    const p = project({ 'src/main.ts': main, 'src/a.ts': 'export const a = 1\n', 'tsconfig.json': '{ "compilerOptions": { ' })
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const run = () => analyzer.analyzeFile(path.join(p.root, 'src/main.ts'))
    expect(run).toThrow(PersistBuildError)
    expect(run).toThrow(`cannot load tsconfig ${path.join(p.root, 'tsconfig.json')}`)
    expect(run).toThrow(`found above ${p.root}; fix it or pass \`tsconfig: false\``)
  })

  test('a tsconfig option naming a missing file fails the build, naming the option', () => {
    const p = project({ 'src/main.ts': main, 'src/a.ts': 'export const a = 1\n' })
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false, tsconfig: 'tsconfig.app.json' })
    expect(() => analyzer.analyzeFile(path.join(p.root, 'src/main.ts'))).toThrow(
      /cannot load tsconfig .*tsconfig\.app\.json \(.*not found.*\), given by the plugin option `tsconfig`/i,
    )
  })

  test('once fixed, the same analyzer resolves the import again', () => {
    const p = project({ 'src/main.ts': main, 'src/a.ts': 'export const a = 1\n', 'tsconfig.json': '{' })
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const file = path.join(p.root, 'src/main.ts')
    expect(() => analyzer.analyzeFile(file)).toThrow(PersistBuildError)
    p.write({ 'tsconfig.json': '{}' })
    analyzer.invalidate(path.join(p.root, 'tsconfig.json'))
    const { functions, diagnostics } = analyzer.analyzeFile(file)
    expect(diagnostics).toEqual([])
    expect(declarationsOf(functions[0]!.deps)).toEqual([{ file: 'src/a.ts', declaration: 'a' }])
  })
})

describe('strict', () => {
  const files = { 'src/main.ts': "import { a } from './missing'\n/* @persist */\nexport function main() { return a }\n", 'tsconfig.json': '{}' }

  test('an import that cannot be resolved is a warning by default and an error with strict', () => {
    const p = project(files)
    const file = path.join(p.root, 'src/main.ts')
    const levels = (strict: boolean) =>
      createAnalyzer({ root: p.root, cacheDir: false, strict })
        .analyzeFile(file)
        .diagnostics.filter((d) => d.code === 'PERSIST_UNRESOLVED_IMPORT')
        .map((d) => d.level)
    expect(levels(false)).toEqual(['warning'])
    expect(levels(true)).toEqual(['error'])
  })
})

describe('a tsconfig that extends another', () => {
  const files = {
    'src/main.ts': "import { value } from '@cfg'\n/* @persist */\nexport function main() { return value }\n",
    'src/a.ts': 'export const value = 1\n',
    'src/b.ts': 'export const value = 2\n',
    'tsconfig.json': '{\n  // the project config\n  "extends": "./config/tsconfig.base",\n  "compilerOptions": { "strict": true, },\n}\n',
    'config/tsconfig.base.json': JSON.stringify({ compilerOptions: { baseUrl: '..', paths: { '@cfg': ['src/a.ts'] } } }),
  }
  const pointAtB = (p: Project) => p.write({ 'config/tsconfig.base.json': p.read('config/tsconfig.base.json').replace('src/a.ts', 'src/b.ts') })

  test('watches the base config, and an edit to its paths changes the hash of a long-lived analyzer', () => {
    const p = project(files)
    const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
    const file = path.join(p.root, 'src/main.ts')
    const before = analyzer.analyzeFile(file)
    expect(declarationsOf(before.functions[0]!.deps)).toEqual([{ file: 'src/a.ts', declaration: 'value' }])
    expect(before.watchFiles).toContain(path.join(p.root, 'config/tsconfig.base.json'))
    pointAtB(p)
    const after = analyzer.analyzeFile(file)
    expect(declarationsOf(after.functions[0]!.deps)).toEqual([{ file: 'src/b.ts', declaration: 'value' }])
    expect(after.functions[0]!.hash).not.toBe(before.functions[0]!.hash)
  })

  test('an edit to the base config reaches a fresh analyzer reading the disk cache', () => {
    const p = project(files)
    const cacheDir = path.join(p.root, 'cache')
    const file = path.join(p.root, 'src/main.ts')
    p.age()
    const first = createAnalyzer({ root: p.root, cacheDir })
    const before = first.analyzeFile(file).functions[0]!.hash
    first.flush()
    pointAtB(p)
    // Only the base config changes: old times, and no directory listing changes.
    const past = new Date(Date.now() - 120_000)
    fs.utimesSync(path.join(p.root, 'config/tsconfig.base.json'), past, past)
    const fresh = createAnalyzer({ root: p.root, cacheDir }).analyzeFile(file).functions[0]!
    expect(declarationsOf(fresh.deps)).toEqual([{ file: 'src/b.ts', declaration: 'value' }])
    expect(fresh.hash).not.toBe(before)
    expect(fresh.hash).toBe(createAnalyzer({ root: p.root, cacheDir: false }).analyzeFile(file).functions[0]!.hash)
  })

  test('follows a base config from a package and an array of bases', () => {
    const p = project({
      ...files,
      'tsconfig.json': JSON.stringify({ extends: ['@org/tsconfig/base.json', './config/tsconfig.base.json'] }),
      'node_modules/@org/tsconfig/package.json': '{ "name": "@org/tsconfig", "version": "1.0.0" }',
      'node_modules/@org/tsconfig/base.json': '{ "compilerOptions": { "strict": true } }',
    })
    const { watchFiles } = createAnalyzer({ root: p.root, cacheDir: false }).analyzeFile(path.join(p.root, 'src/main.ts'))
    expect(watchFiles).toContain(path.join(p.root, 'node_modules/@org/tsconfig/base.json'))
    expect(watchFiles).toContain(path.join(p.root, 'config/tsconfig.base.json'))
  })
})
