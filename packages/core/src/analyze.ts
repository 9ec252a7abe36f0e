import fs from 'node:fs'
import path from 'node:path'
import { parseModule } from './analysis/parse'
import { type AnalyzerOptions, createAnalyzer, type FunctionDependency } from './analyzer'
import { findAnnotatedFunctions } from './annotations'
import type { Diagnostic } from './diagnostics'
import { staticStringOption } from './functionOptions'

/** Options of {@link analyze}: those of the analyzer, with a root that defaults to the working directory. */
export interface AnalyzeOptions extends Partial<AnalyzerOptions> {}

/** The whole-program answer for a CLI: every persisted function's id, hash and what the hash covers. */
export interface AnalyzeResult {
  /** `id` is the one the runtime and the manifest use: the function's `name` option when it has one. */
  functions: Array<{ id: string; hash: string; file: string; deps: FunctionDependency[] }>
  /** Diagnostics of every level (errors included), located at file:line:col. */
  warnings: Diagnostic[]
}

/**
 * Analyses the persisted functions of `files` (paths relative to the root or absolute), e.g. for a CLI
 * that explains why a function's hash changed by diffing `deps` between two runs.
 */
export function analyze(files: string[], options: AnalyzeOptions = {}): AnalyzeResult {
  const root = path.resolve(options.root ?? process.cwd())
  const analyzer = createAnalyzer({ ...options, root })
  const result: AnalyzeResult = { functions: [], warnings: [] }
  const seen = new Set<string>()
  for (const file of files) {
    const abs = path.resolve(root, file)
    if (!fs.existsSync(abs)) {
      result.warnings.push({ level: 'error', code: 'PERSIST_FILE_NOT_FOUND', message: `${file} does not exist (resolved to ${abs}); pass paths relative to ${root} or absolute ones.`, file: abs, line: 1, column: 1, offset: 0 })
      continue
    }
    result.warnings.push(...analyzer.annotationDiagnostics(abs))
    const analysis = analyzer.analyzeFile(abs)
    const names = nameOptions(abs)
    for (const fn of analysis.functions) {
      result.functions.push({ id: names.get(fn.start) ?? fn.id, hash: fn.hash, file: path.relative(root, abs).split(path.sep).join('/'), deps: fn.deps })
    }
    for (const d of analysis.diagnostics) {
      const key = `${d.code}\0${d.file}\0${d.offset}\0${d.message}`
      if (!seen.has(key)) {
        seen.add(key)
        result.warnings.push(d)
      }
    }
  }
  const flushWarning = analyzer.flush()
  if (flushWarning) result.warnings.push({ level: 'warning', code: 'PERSIST_CACHE_WRITE', message: flushWarning, file: root, line: 1, column: 1, offset: 0 })
  return result
}

/** The `name` option of each annotated function of `file` that has one, by the function's start offset. */
function nameOptions(file: string): Map<number, string> {
  const names = new Map<number, string>()
  const code = fs.readFileSync(file, 'utf8')
  // Only a file that names a function needs a second parse: the analyzer keeps its own AST to itself.
  if (!/\bname\s*:/.test(code)) return names
  const parsed = parseModule(file, code)
  for (const fn of findAnnotatedFunctions(parsed.program, parsed.comments, code, file).functions) {
    const name = fn.optionsText && staticStringOption(fn.optionsText, 'name')
    if (name) names.set(fn.node.start, name)
  }
  return names
}
