import { parseSync } from 'oxc-parser'
import { describe, expect, it } from 'vitest'
import { findAnnotatedFunctions } from '../src/annotations'

function find(code: string) {
  const { program, comments } = parseSync('/p/src/x.ts', code, { sourceType: 'module' })
  return findAnnotatedFunctions(program as never, comments, code, '/p/src/x.ts')
}

describe('findAnnotatedFunctions', () => {
  it('finds every supported form with its qualified name and kind', () => {
    const { functions, diagnostics } = find(`
/* @persist({ version: 2 }) */
export async function load(path: string, n = 3) { return n }
/**
 * Doc text.
 * @persist
 */
export const f = (x: number) => x
export const g = /* @persist */ async function (x: number) { return x }
const h = 1, /* @persist */ k = () => 2
class Svc {
  /* @persist */
  static async compute(a: number) { return a }
  /* @persist */ m(b: number) { return b }
}
/* @persist */
export default function () {}
`)
    expect(diagnostics).toEqual([])
    expect(functions.map((f) => [f.name, f.kind, f.anonymousDefault])).toEqual([
      ['load', 'function', false],
      ['f', 'function', false],
      ['g', 'function', false],
      ['k', 'function', false],
      ['Svc.compute', 'static-method', false],
      ['Svc.m', 'method', false],
      ['default', 'function', true],
    ])
    expect(functions[0]!.optionsText).toBe('{ version: 2 }')
  })

  it('reads options that span JSDoc lines', () => {
    const code = `/**
 * @persist({
 *   version: 3,
 * })
 */
function a() {}`
    const [fn] = find(code).functions
    expect(fn!.optionsText!.replace(/\s+/g, ' ')).toBe('{ version: 3, }')
  })

  it('ignores @persist:done, line comments and prose that mentions @persist mid-line', () => {
    const { functions, diagnostics } = find(`
/* @persist:done */ function a() {}
// @persist
function b() {}
/* see the @persist docs */ function c() {}
`)
    expect(functions).toEqual([])
    expect(diagnostics).toEqual([])
  })

  it('reports an annotation on something that is not a function, with its location', () => {
    const { diagnostics } = find(`const x = 1\n/* @persist */\nconst y = 2\n`)
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics[0]).toMatchObject({ level: 'error', code: 'PERSIST_NOT_A_FUNCTION', line: 2, column: 1 })
  })

  it('reports a nested function, which cannot be persisted', () => {
    const { functions, diagnostics } = find(`function outer() {\n  /* @persist */\n  function inner() {}\n}\n`)
    expect(functions).toEqual([])
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics[0]).toMatchObject({ code: 'PERSIST_NOT_A_FUNCTION', line: 2, column: 3 })
  })

  it('rejects generators with the reason', () => {
    const { diagnostics } = find(`/* @persist */\nexport function* gen() { yield 1 }\n`)
    expect(diagnostics[0]).toMatchObject({ code: 'PERSIST_GENERATOR', line: 2, column: 8 })
    expect(diagnostics[0]!.message).toContain('`gen` is a generator')
  })
})
