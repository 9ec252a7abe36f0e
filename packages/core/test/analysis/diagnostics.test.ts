import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { createAnalyzer } from '../../src/analyzer'
import { analyze } from '../../src/analyze'
import { type Project, declarationsOf, useProjects } from './project'

const project = useProjects()

function diagnosticsOf(p: Project, options: { strict?: boolean } = {}, settings = {}) {
  const analyzer = createAnalyzer({ root: p.root, cacheDir: false, ...options })
  return analyzer.analyzeFile(path.join(p.root, 'src/main.ts'), undefined, settings).diagnostics.map((d) => ({
    level: d.level,
    code: d.code,
    at: `${path.relative(p.root, d.file)}:${d.line}:${d.column}`,
    message: d.message,
    frame: d.frame,
  }))
}

describe('impurity diagnostics', () => {
  const files = {
    'src/main.ts': "import { stamp } from './time'\n/* @persist */\nexport function main() {\n  return stamp() + Math.random()\n}\n",
    'src/time.ts': 'export function stamp() {\n  return Date.now() + String(process.env.HOME) + new Date().getTime()\n}\nexport const unrelated = () => performance.now()\n',
  }

  test('each non-deterministic source the function reaches is a warning at file:line:col', () => {
    const ds = diagnosticsOf(project(files))
    expect(ds.map((d) => [d.level, d.code, d.at])).toEqual([
      ['warning', 'PERSIST_IMPURE', 'src/main.ts:4:20'],
      ['warning', 'PERSIST_IMPURE', 'src/time.ts:2:10'],
      ['warning', 'PERSIST_IMPURE', 'src/time.ts:2:30'],
      ['warning', 'PERSIST_IMPURE', 'src/time.ts:2:50'],
    ])
    expect(ds[0]!.message).toContain('`main` (src/main.ts#main) reaches Math.random()')
    expect(ds[1]!.message).toContain('Date.now()')
    expect(ds[2]!.message).toContain('process.env')
    expect(ds[3]!.message).toContain('new Date()')
    expect(ds[1]!.frame).toContain('>')
  })

  test('strict makes them errors', () => {
    const levels = diagnosticsOf(project(files), { strict: true }).map((d) => d.level)
    expect(levels).toHaveLength(4)
    expect(new Set(levels)).toEqual(new Set(['error']))
  })

  test('allowImpure in the options comment silences them', () => {
    const p = project({ ...files, 'src/main.ts': files['src/main.ts'].replace('/* @persist */', '/* @persist({ allowImpure: true }) */') })
    expect(diagnosticsOf(p, { strict: true })).toEqual([])
  })

  test('allowImpure passed by the caller silences them', () => {
    expect(diagnosticsOf(project(files), {}, { main: { allowImpure: true } })).toEqual([])
  })

  test('a local that shadows a global is not reported', () => {
    const p = project({ 'src/main.ts': '/* @persist */\nexport function main() {\n  const Math = { random: () => 4 }\n  return Math.random()\n}\n' })
    expect(diagnosticsOf(p)).toEqual([])
  })
})

describe('mutable module-level bindings', () => {
  test('reading a reassigned let is a warning where it is read, naming the assignment line', () => {
    const p = project({
      'src/main.ts': "import { count } from './counter'\n/* @persist */\nexport function main() {\n  return count\n}\n",
      'src/counter.ts': 'export let count = 0\nexport const never = 1\n\nexport function bump() { count++ }\n',
    })
    const ds = diagnosticsOf(p)
    expect(ds.map((d) => [d.code, d.at])).toEqual([['PERSIST_MUTABLE_BINDING', 'src/main.ts:4:10']])
    expect(ds[0]!.message).toContain('`let count` of src/counter.ts that is reassigned at line 4')
  })

  test('a let in the same file that is read and reassigned', () => {
    const p = project({ 'src/main.ts': 'let factor = 1\nexport function setFactor(f: number) { factor = f }\n/* @persist */\nexport function main(x: number) {\n  return x * factor\n}\n' })
    expect(diagnosticsOf(p).map((d) => [d.code, d.at])).toEqual([['PERSIST_MUTABLE_BINDING', 'src/main.ts:5:14']])
  })

  test('a let that is never reassigned, and a const, are fine', () => {
    const p = project({ 'src/main.ts': 'let a = 1\nconst b = 2\n/* @persist */\nexport function main(x: number) {\n  return x * a * b\n}\n' })
    expect(diagnosticsOf(p)).toEqual([])
  })
})

describe('code the analysis cannot see through', () => {
  test('a computed dynamic import warns at its place and makes the whole module count', () => {
    const p = project({ 'src/main.ts': "export const other = 1\n/* @persist */\nexport async function main(name: string) {\n  return import('./locales/' + name)\n}\n" })
    const ds = diagnosticsOf(p)
    expect(ds.map((d) => [d.level, d.code, d.at])).toEqual([['warning', 'PERSIST_OPAQUE_DEPENDENCY', 'src/main.ts:4:10']])
    expect(ds[0]!.message).toContain('the whole module counts')
  })

  test('eval, new Function and a computed require warn too, also in a helper', () => {
    const p = project({
      'src/main.ts': "import { run } from './run'\n/* @persist */\nexport function main(code: string) {\n  return run(code) + eval(code)\n}\n",
      'src/run.ts': 'export function run(code: string) {\n  return new Function(code)() + require(code)\n}\n',
    })
    expect(diagnosticsOf(p).map((d) => [d.code, d.at, d.message.match(/reaches (.*?), whose/)?.[1]])).toEqual([
      ['PERSIST_OPAQUE_DEPENDENCY', 'src/main.ts:4:22', 'eval()'],
      ['PERSIST_OPAQUE_DEPENDENCY', 'src/run.ts:2:10', 'new Function()'],
      ['PERSIST_OPAQUE_DEPENDENCY', 'src/run.ts:2:33', 'require() with a computed specifier'],
    ])
  })

  test('an import that cannot be resolved warns at its specifier', () => {
    const p = project({ 'src/main.ts': "import { gone } from './gone'\n/* @persist */\nexport function main() {\n  return gone()\n}\n" })
    expect(diagnosticsOf(p).map((d) => [d.code, d.at])).toEqual([['PERSIST_UNRESOLVED_IMPORT', 'src/main.ts:1:22']])
  })
})

describe('analyze()', () => {
  test('a file that does not exist is an error naming it', () => {
    const p = project({ 'src/a.ts': 'export const a = 1\n' })
    const result = analyze(['src/missing.ts'], { root: p.root, cacheDir: false })
    expect(result.functions).toEqual([])
    expect(result.warnings.map((w) => [w.level, w.code])).toEqual([['error', 'PERSIST_FILE_NOT_FOUND']])
    expect(result.warnings[0]!.message).toContain('src/missing.ts does not exist')
  })

  test('lists every persisted function with its deps and all warnings', () => {
    const p = project({
      'src/main.ts': "import { helper } from './helper'\n/* @persist */\nexport function main(x: number) { return helper(x) }\n",
      'src/helper.ts': "import data from './data.json'\nimport { z } from 'zed'\nexport function helper(x: number) { return x * data.rate + z + Date.now() }\nexport function other() {}\n",
      'src/data.json': '{ "rate": 2 }',
      'src/svc.ts': 'export class Svc {\n  /* @persist */\n  static run() { return 1 }\n}\n/* @persist */\nconst notAFunction = 1\n',
      'node_modules/zed/package.json': '{ "name": "zed", "version": "2.1.0", "main": "index.js" }',
      'node_modules/zed/index.js': 'exports.z = 1',
    })
    const result = analyze(['src/main.ts', 'src/svc.ts'], { root: p.root, cacheDir: false })
    expect(result.functions.map((f) => f.id)).toEqual(['src/main.ts#main', 'src/svc.ts#Svc.run'])
    expect(declarationsOf(result.functions[0]!.deps)).toEqual([
      { file: 'node_modules/zed/package.json', declaration: 'zed@2.1.0' },
      { file: 'src/data.json', declaration: '(content)' },
      { file: 'src/helper.ts', declaration: 'helper' },
    ])
    expect(result.functions[0]!.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(result.warnings.map((w) => [w.code, `${path.relative(p.root, w.file)}:${w.line}:${w.column}`])).toEqual([
      ['PERSIST_IMPURE', 'src/helper.ts:3:64'],
      ['PERSIST_NOT_A_FUNCTION', 'src/svc.ts:5:1'],
    ])
  })

  test('reports a named function under its name, as the manifest and the runtime do', () => {
    const p = project({
      'src/jobs.ts': "/* @persist({ name: 'load-v2' }) */\nexport function load(x: number) { return x }\n/* @persist */\nexport function plain(x: number) { return x }\n",
    })
    const result = analyze(['src/jobs.ts'], { root: p.root, cacheDir: false })
    expect(result.functions.map((f) => f.id)).toEqual(['load-v2', 'src/jobs.ts#plain'])
  })
})
