import fs from 'node:fs'
import path from 'node:path'
import { parseSync } from 'oxc-parser'
import { describe, expect, it } from 'vitest'
import { type AstNode, findAnnotatedFunctions } from '../../src/annotations'
import { PersistBuildError } from '../../src/diagnostics'
import { type Options, resolveOptions } from '../../src/options'
import { type TransformAnalyzer, transform } from '../../src/transform'

const here = import.meta.dirname

/** Answers `hash:<name>` for every annotated function: these tests are about the rewrite, not the hash. */
const analyzer: TransformAnalyzer = {
  analyzeFile(file, code = fs.readFileSync(file, 'utf8')) {
    const parsed = parseSync(file, code)
    const { functions } = findAnnotatedFunctions(parsed.program as unknown as AstNode, parsed.comments, code, file)
    const relative = path.relative(here, file).split(path.sep).slice(1).join('/')
    return {
      functions: functions.map((fn) => ({ name: fn.name, id: `${relative}#${fn.name}`, hash: `hash:${fn.name}`, start: fn.node.start, deps: [] })),
      watchFiles: [file],
      diagnostics: [],
    }
  },
}

function inputOf(dir: string): string {
  return fs.readdirSync(dir).find((f) => f.startsWith('input.'))!
}

function run(dir: string, options: Options = {}) {
  const file = path.join(dir, inputOf(dir))
  const code = fs.readFileSync(file, 'utf8')
  const ctx = { options: resolveOptions({ root: path.dirname(dir), manifest: false, ...options }), analyzer }
  return { file, code, ctx, result: transform(code, file, ctx) }
}

function cases(folder: string): string[] {
  return fs.readdirSync(path.join(here, folder)).sort()
}

describe('forms', () => {
  it.each(cases('fixtures'))('%s', async (name) => {
    const dir = path.join(here, 'fixtures', name)
    const { file, ctx, result } = run(dir)
    expect(result).toBeDefined()
    await expect(result!.code).toMatchFileSnapshot(path.join(dir, `output${path.extname(file)}.snap`))
    // The output parses as the same language, and a second pass over it changes nothing.
    expect(parseSync(file, result!.code).errors).toEqual([])
    expect(transform(result!.code, file, ctx)).toBeUndefined()
  })
})

describe('options in the comment', () => {
  it.each(cases('options'))('%s', async (name) => {
    const dir = path.join(here, 'options', name)
    const configFile = path.join(dir, 'config.json')
    const config = fs.existsSync(configFile) ? (JSON.parse(fs.readFileSync(configFile, 'utf8')) as Options) : {}
    const { file, ctx, result } = run(dir, config)
    await expect(result!.code).toMatchFileSnapshot(path.join(dir, 'output.ts.snap'))
    expect(parseSync(file, result!.code).errors).toEqual([])
    expect(transform(result!.code, file, ctx)).toBeUndefined()
  })
})

/** [case, diagnostic code, line, column, part of the message] */
const errorCases: Array<[string, string, number, number, string]> = [
  ['generator', 'PERSIST_GENERATOR', 3, 8, '`numbers` is a generator'],
  ['async-generator', 'PERSIST_GENERATOR', 5, 8, '`pages` is a generator'],
  ['arrow-arguments', 'PERSIST_ARROW_ARGUMENTS', 4, 10, 'Use a rest parameter'],
  ['unknown-option', 'PERSIST_OPTIONS_UNKNOWN', 2, 15, 'unknown option `tll` in the `@persist` options of `load`. Did you mean `ttl`?'],
  ['not-object', 'PERSIST_OPTIONS_NOT_OBJECT', 2, 13, 'must be an object literal'],
  ['invalid-ttl', 'PERSIST_OPTIONS_INVALID', 2, 20, 'option "ttl" of `load` must be a positive number of seconds'],
  ['invalid-ttl-string', 'PERSIST_OPTIONS_INVALID', 2, 20, '(got "soon")'],
  ['invalid-max-size', 'PERSIST_OPTIONS_INVALID', 3, 12, 'option "maxSize" of `load` must be a positive integer (got 0)'],
  ['invalid-store', 'PERSIST_OPTIONS_INVALID', 2, 22, `must be 'memory', 'disk' or 'hybrid' (got "redis")`],
  ['invalid-name', 'PERSIST_OPTIONS_INVALID', 2, 21, 'must not contain ".." or "." segments'],
  ['jsdoc-unknown-option', 'PERSIST_OPTIONS_UNKNOWN', 5, 6, 'Did you mean `store`?'],
]

describe('build errors', () => {
  it.each(errorCases)('%s', (name, code, line, column, message) => {
    const dir = path.join(here, 'errors', name)
    let thrown: unknown
    try {
      run(dir)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(PersistBuildError)
    const error = thrown as PersistBuildError
    const file = path.join(dir, 'input.ts')
    expect(error.diagnostics).toHaveLength(1)
    expect(error.diagnostics[0]).toMatchObject({ level: 'error', code, file, line, column })
    expect(error.diagnostics[0]!.message).toContain(message)
    // One message carries file:line:col and a code frame with a caret under the column.
    expect(error.message).toContain(`${file}:${line}:${column}: `)
    expect(error.message).toMatch(new RegExp(`> +${line} \\| .*\\n +\\| {${column}}\\^`))
  })
})

describe('guards', () => {
  const ctx = { options: resolveOptions({ root: here, manifest: false }), analyzer }
  it('returns undefined for code without an annotation, an import of the runtime, or only @persist:done', () => {
    expect(transform('export const x = 1', '/p/a.ts', ctx)).toBeUndefined()
    expect(transform('import { persisted } from "@persist/runtime"\nexport const x = 1', '/p/a.ts', ctx)).toBeUndefined()
    expect(transform('/* @persist:done */\nfunction f() {}', '/p/a.ts', ctx)).toBeUndefined()
  })

  it('records a function under its `name` option in the manifest, as the runtime stores it', () => {
    const code = "/* @persist({ name: 'reports/daily', ttl: 60 }) */\nexport function daily(x) {\n  return x\n}\n"
    const result = transform(code, path.join(here, 'named.ts'), ctx)
    expect(result!.functions.map((f) => f.id)).toEqual(['reports/daily'])
    expect(result!.code).toMatch(/id: "[^"]*#daily"/)
  })

  it('warns when a plain function reads `this`, which only methods key', () => {
    const code = '/* @persist */\nexport function f(x) {\n  return this.base + x\n}\n'
    const result = transform(code, path.join(here, 'this.ts'), ctx)
    expect(result!.warnings).toMatchObject([{ level: 'warning', code: 'PERSIST_FUNCTION_THIS', line: 3, column: 10 }])
    expect(result!.warnings[0]!.message).toContain('`f` reads `this`, which is not part of its cache key')
  })

  it('maps the rewritten module back to the original (source map of the transform)', () => {
    const { result, file } = run(path.join(here, 'fixtures', 'export-function'))
    expect(result!.map?.sources).toEqual([file])
    expect(result!.map?.sourcesContent?.[0]).toBe(fs.readFileSync(file, 'utf8'))
    expect(result!.watchFiles).toEqual([file])
    expect(result!.functions).toEqual([{ id: 'export-function/input.ts#load', hash: 'hash:load', file: 'export-function/input.ts', line: 5, deps: [] }])
  })
})
