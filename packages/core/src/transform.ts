import path from 'node:path'
import type { AnalyzedFile, FunctionSettings } from './analyzer'
import { ANNOTATION_RE } from './annotationMarker'
import { type AnnotatedFunction, type AstNode, findAnnotatedFunctions } from './annotations'
import { type Diagnostic, PersistBuildError, diagnosticAt, locate } from './diagnostics'
import { checkFunctionOptions, staticStringOption } from './functionOptions'
import { type OptionsResolved, cleanPath } from './options'
import { type ParsedModule, parseModule } from './analysis/parse'
import { type RewriteTarget, rewriteModule } from './rewrite/rewriteModule'

/** The part of the analyzer the transform needs. */
export interface TransformAnalyzer {
  analyzeFile(file: string, code?: string, settings?: Record<string, FunctionSettings>, parsed?: ParsedModule): AnalyzedFile
}

/** The source map of a transformed module (magic-string's, or one read back from the output cache). */
export interface TransformSourceMap {
  version: number
  file?: string | undefined
  sources: string[]
  sourcesContent?: Array<string | null> | undefined
  names: string[]
  mappings: string
  /** The map as JSON. */
  toString(): string
  /** The map as a `data:` URL, for an inline `sourceMappingURL` comment. */
  toUrl(): string
}

export interface TransformContext {
  options: OptionsResolved
  analyzer: TransformAnalyzer
  /**
   * Generate a source map; a bundler that makes none (esbuild without `sourcemap`) saves its cost.
   * @default true
   */
  sourcemap?: boolean
}

/** A persisted function as the manifest records it. */
export interface PersistedFunction {
  id: string
  hash: string
  /** Root-relative posix path. */
  file: string
  line: number
  deps: Array<{ file: string; declaration: string }>
}

export interface TransformResult {
  code: string
  /** Undefined when the context asked for none. */
  map: TransformSourceMap | undefined
  warnings: Diagnostic[]
  /** Every file the hashes depend on: a change to any of them must re-run this transform. */
  watchFiles: string[]
  functions: PersistedFunction[]
}

/**
 * Rewrites the `@persist` functions of one module. Returns `undefined` when the module has none (or only
 * `@persist:done` ones from an earlier pass). Throws a {@link PersistBuildError} listing every problem found.
 */
export function transform(code: string, id: string, ctx: TransformContext): TransformResult | undefined {
  if (!ANNOTATION_RE.test(code)) return undefined
  const file = path.resolve(cleanPath(id))
  // Parsed the way the analysis parses, so the analyzer can summarise this very AST instead of parsing again.
  const parsed = parseModule(file, code)
  if (parsed.errors.length > 0) {
    const first = parsed.errors[0]!
    throw new PersistBuildError([
      diagnosticAt('error', 'PERSIST_PARSE', `cannot parse the module: ${first.message}`, file, code, first.labels?.[0]?.start ?? 0),
    ])
  }
  const program = parsed.program
  const found = findAnnotatedFunctions(program, parsed.comments, code, file)
  const errors = found.diagnostics.filter((d) => d.level === 'error')
  const warnings = found.diagnostics.filter((d) => d.level === 'warning')
  for (const fn of found.functions) errors.push(...checkFunctionOptions(fn, code, file))
  if (errors.length > 0) throw new PersistBuildError(errors)
  if (found.functions.length === 0) return undefined

  const analysis = ctx.analyzer.analyzeFile(file, code, undefined, parsed)
  const analysisErrors = analysis.diagnostics.filter((d) => d.level === 'error')
  if (analysisErrors.length > 0) throw new PersistBuildError(analysisErrors)
  warnings.push(...analysis.diagnostics.filter((d) => d.level === 'warning'))

  const relativeFile = toPosix(path.relative(ctx.options.root, file))
  const targets: RewriteTarget[] = []
  const functions: PersistedFunction[] = []
  for (const fn of found.functions) {
    const result = analysis.functions.find((f) => f.start === fn.node.start) ?? analysis.functions.find((f) => f.name === fn.name)
    if (!result) {
      throw new PersistBuildError([
        diagnosticAt('error', 'PERSIST_NOT_ANALYZED', `the analysis returned no hash for \`${fn.name}\`; this is a bug in persist.`, file, code, fn.node.start),
      ])
    }
    const line = locate(code, fn.kind === 'function' ? fn.node.start : fn.owner.start).line
    targets.push({ fn: withWrittenBody(fn, code, parsed.comments), id: result.id, hash: result.hash, line })
    // The runtime stores entries under the `name` option when there is one: so does the manifest.
    const runtimeId = (fn.optionsText && staticStringOption(fn.optionsText, 'name')) ?? result.id
    functions.push({ id: runtimeId, hash: result.hash, file: relativeFile, line, deps: result.deps })
  }

  const { s, diagnostics } = rewriteModule(code, program, targets, {
    file,
    relativeFile,
    runtimeImport: ctx.options.runtimeImport,
    defaults: ctx.options.defaults,
  })
  const rewriteErrors = diagnostics.filter((d) => d.level === 'error')
  if (rewriteErrors.length > 0) throw new PersistBuildError(rewriteErrors)
  warnings.push(...diagnostics.filter((d) => d.level === 'warning'))
  if (!s.hasChanged()) return undefined
  return {
    code: s.toString(),
    map: ctx.sourcemap === false ? undefined : s.generateMap({ source: file, includeContent: true, hires: 'boundary' }),
    warnings,
    watchFiles: analysis.watchFiles,
    functions,
  }
}

/**
 * The parse shared with the analysis drops parentheses, so `=> ({ a })` has the bare object as its body; the
 * rewrite wraps the body as written. The arrow still ends at the last `)`, and only `(` and trivia lie between
 * `=>` and the bare body: the written body runs from the first of those `(` to the arrow's end.
 */
function withWrittenBody(fn: AnnotatedFunction, code: string, comments: ReadonlyArray<{ start: number; end: number }>): AnnotatedFunction {
  const body = fn.node.body as AstNode
  if (fn.node.type !== 'ArrowFunctionExpression' || body.type === 'BlockStatement' || fn.node.end === body.end) return fn
  let start = body.start
  for (let i = start - 1; i >= fn.node.start; i--) {
    const comment = comments.find((c) => c.end === i + 1)
    if (comment) i = comment.start
    else if (code[i] === '(') start = i
    else if (!/\s/.test(code[i]!)) break
  }
  return { ...fn, node: { ...fn.node, body: { ...body, start, end: fn.node.end } } }
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/')
}
