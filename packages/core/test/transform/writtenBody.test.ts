import path from 'node:path'
import { parseSync } from 'oxc-parser'
import { describe, expect, it } from 'vitest'
import { type AstNode, findAnnotatedFunctions } from '../../src/annotations'
import { resolveOptions } from '../../src/options'
import { type TransformAnalyzer, transform } from '../../src/transform'

// The transform shares its parse with the analysis, which drops parenthesis nodes; an arrow's expression body is
// still wrapped as written, parentheses and comments included, so the output is what it was with them kept.

const file = path.join(import.meta.dirname, 'virtual', 'input.ts')

const analyzer: TransformAnalyzer = {
  analyzeFile(f, code = '') {
    const parsed = parseSync(f, code)
    const { functions } = findAnnotatedFunctions(parsed.program as unknown as AstNode, parsed.comments, code, f)
    return {
      functions: functions.map((fn) => ({ name: fn.name, id: `input.ts#${fn.name}`, hash: 'h', start: fn.node.start, deps: [] })),
      watchFiles: [f],
      diagnostics: [],
    }
  },
}

/** The rewritten line of `f`. */
function rewrittenBody(declaration: string): string {
  const code = `/* @persist */\n${declaration}\nexport { f }\n`
  const result = transform(code, file, { options: resolveOptions({ root: path.dirname(file), manifest: false }), analyzer, sourcemap: false })
  const line = result!.code.split('\n').find((l) => l.startsWith('const f'))!
  expect(parseSync('out.ts', result!.code).errors).toEqual([])
  return line.slice(line.indexOf('() =>'))
}

describe('the body of an arrow function, as written', () => {
  it.each([
    ['const f = (a: number) => a + 1', 'a + 1'],
    ['const f = (a: number) => ({ a })', '({ a })'],
    ['const f = (a: number) => ((a))', '((a))'],
    ['const f = (a: number) => /* c */ ( a /* ) */ )', '( a /* ) */ )'],
    ['const f = (a: number) => (a, a + 1)', '(a, a + 1)'],
    ['const f = (a: number) => (a) + (a)', '(a) + (a)'],
  ])('%s', (declaration, written) => {
    expect(rewrittenBody(declaration)).toBe(`() => (${written})), __persist_0)`)
  })
})
