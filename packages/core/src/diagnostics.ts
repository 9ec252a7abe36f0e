/** A build-time message with the place it is about. */
export interface Diagnostic {
  level: 'error' | 'warning'
  /** A stable machine-readable code, e.g. `PERSIST_GENERATOR`. */
  code: string
  message: string
  /** Absolute path of the file. */
  file: string
  /** 1-based line. */
  line: number
  /** 1-based column. */
  column: number
  /** Source offset the diagnostic points at. */
  offset: number
  /** A few lines of source around the place, with a caret under it. */
  frame?: string
}

/** Converts a source offset to a 1-based line and column. */
export function locate(source: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: offset - lineStart + 1 }
}

/** Renders the lines around `offset` with a caret under the column, the way Vite and Rollup show errors. */
export function codeFrame(source: string, offset: number, context = 2): string {
  const { line, column } = locate(source, offset)
  const lines = source.split('\n')
  const first = Math.max(1, line - context)
  const last = Math.min(lines.length, line + context)
  const width = String(last).length
  const out: string[] = []
  for (let n = first; n <= last; n++) {
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${lines[n - 1]}`)
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(column - 1)}^`)
  }
  return out.join('\n')
}

/** Builds a diagnostic that points at `offset` in `source`. */
export function diagnosticAt(
  level: Diagnostic['level'],
  code: string,
  message: string,
  file: string,
  source: string,
  offset: number,
): Diagnostic {
  const { line, column } = locate(source, offset)
  return { level, code, message, file, line, column, offset, frame: codeFrame(source, offset) }
}

/** `file:line:col: message` followed by the code frame, for terminals and thrown errors. */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.message}`
  return d.frame ? `${head}\n${d.frame}` : head
}

/** Marks a {@link PersistBuildError} across copies of this module (a plugin may bundle its own). */
const BUILD_ERROR = Symbol.for('persist.buildError')

/** Thrown by the build when a diagnostic of level `error` is met. */
export class PersistBuildError extends Error {
  readonly diagnostics: Diagnostic[]
  readonly [BUILD_ERROR] = true
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n\n'))
    this.name = 'PersistBuildError'
    this.diagnostics = diagnostics
  }
}

/**
 * Whether `error` is a {@link PersistBuildError}, also one thrown by another copy of this module: the esbuild
 * plugin bundles the parser-free part of core, and the transform it loads later throws core's own class.
 */
export function isPersistBuildError(error: unknown): error is PersistBuildError {
  return error instanceof Error && (error as unknown as Record<symbol, unknown>)[BUILD_ERROR] === true
}
