import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import { beforeAll, describe, expect, it } from 'vitest'
import { persistDir } from '../../packages/core/src/options'
import { type Bundler, build, bundlers, linkRuntime } from '../utils/build'
import { runNode } from '../utils/run'

const fixture = path.join(import.meta.dirname, 'fixture')

const expected = {
  square: 90,
  fetchTotal: 6,
  double: 42,
  withDefaultsShort: 7,
  withDefaultsLong: 7,
  price: { amount: 5, total: 15 },
  convert: '4.00 EUR',
  labels: ['marker-before 1', 'marker-after 2'],
}

const formsFile = path.join(fixture, 'src', 'forms.ts')
const formsSource = fs.readFileSync(formsFile, 'utf8')

/** 1-based line and 0-based column of the first occurrence of `text` in `source`. */
function positionOf(source: string, text: string): { line: number; column: number } {
  const offset = source.indexOf(text)
  if (offset === -1) throw new Error(`${text} not found`)
  const before = source.slice(0, offset).split('\n')
  return { line: before.length, column: before.at(-1)!.length }
}

/** Where a string literal ended up in the bundle, whatever quotes the bundler chose. */
function generatedPositionOf(code: string, content: string): { line: number; column: number } {
  for (const quote of [`'`, `"`, '`']) {
    if (code.includes(`${quote}${content}`)) return positionOf(code, `${quote}${content}`)
  }
  throw new Error(`${content} not found in the bundle`)
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'persist-bundlers-'))
}

function runs(countFile: string): Record<string, number> {
  const counts: Record<string, number> = {}
  if (!fs.existsSync(countFile)) return counts
  for (const name of fs.readFileSync(countFile, 'utf8').split('\n').filter(Boolean)) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

/** Where the manifest goes by default; each build below writes it afresh. */
const defaultManifest = path.join(persistDir(fixture), 'manifest.json')

beforeAll(() => linkRuntime(fixture))

describe.each(bundlers)('%s', (bundler: Bundler) => {
  let output: string
  beforeAll(async () => {
    fs.rmSync(defaultManifest, { force: true })
    // No plugin options: the defaults must work (Rollup, which has no root of its own, gets `root`).
    output = await build[bundler]({ root: fixture, entry: 'src/main.ts', outDir: path.join(fixture, 'dist', bundler) })
  })

  it('writes a manifest of every persisted function with the hashes baked into the bundle', () => {
    const manifest = JSON.parse(fs.readFileSync(defaultManifest, 'utf8'))
    expect(manifest.version).toBe(1)
    const names = ['square', 'fetchTotal', 'double', 'withDefaults', 'Pricing.price', 'Pricing.convert', 'fails']
    expect(Object.keys(manifest.functions).sort()).toEqual(names.map((name) => `src/forms.ts#${name}`).sort())
    const square = manifest.functions['src/forms.ts#square']
    expect(square).toMatchObject({ file: 'src/forms.ts', line: positionOf(formsSource, 'export function square').line })
    expect(square.deps).toContainEqual({ file: 'src/helper.ts', declaration: 'scale', hash: expect.stringMatching(/^[0-9a-f]{64}$/) })
    const bundled = [...fs.readFileSync(output, 'utf8').matchAll(/hash: "([0-9a-f]+)"/g)].map((m) => m[1]).sort()
    expect(bundled).toEqual(Object.values(manifest.functions).map((f: any) => f.hash).sort())
  })

  it('runs each persisted body once across two processes and recalls the computed values', () => {
    const dir = tmpDir()
    const env = { PERSIST_DIR: path.join(dir, 'cache'), COUNT_FILE: path.join(dir, 'count') }
    const first = runNode(output, env)
    expect(first.stderr).toBe('')
    expect(first.status).toBe(0)
    expect(JSON.parse(first.stdout)).toEqual(expected)
    const once = { square: 1, fetchTotal: 1, double: 1, withDefaults: 1, 'Pricing.price': 1, 'Pricing.convert': 1 }
    // `withDefaults(2)` and `withDefaults(2, 2, 3)` are one entry: defaults apply before the key is built.
    expect(runs(env.COUNT_FILE)).toEqual(once)

    const second = runNode(output, env)
    expect(second.status).toBe(0)
    expect(JSON.parse(second.stdout)).toEqual(expected)
    expect(runs(env.COUNT_FILE)).toEqual(once)
  })

  it.each([
    ['before', `'marker-before `],
    ['inside', `'marker-inside'`],
    ['after', `'marker-after `],
  ])('maps a token %s a rewritten function back to its original line and column', (_, token) => {
    const code = fs.readFileSync(output, 'utf8')
    const map = new TraceMap(fs.readFileSync(`${output}.map`, 'utf8'))
    const content = token.slice(1).replace(/'$/, '')
    const original = originalPositionFor(map, generatedPositionOf(code, content))
    expect(original.source).toMatch(/(^|\/)src\/forms\.ts$/)
    expect({ line: original.line, column: original.column }).toEqual(positionOf(formsSource, token))
  })

  it('names the original file and line in a stack trace thrown inside a persisted function', () => {
    const dir = tmpDir()
    const env = { PERSIST_DIR: path.join(dir, 'cache'), COUNT_FILE: path.join(dir, 'count'), THROW: '1' }
    const result = runNode(output, env, ['--enable-source-maps'])
    expect(result.status).toBe(1)
    const { line } = positionOf(formsSource, 'throw new Error(`boom')
    expect(result.stderr).toContain('Error: boom: inside')
    expect(result.stderr).toMatch(new RegExp(`src/forms\\.ts:${line}:\\d+`))
  })
})
