import { type Diagnostic, isPersistBuildError, formatDiagnostic } from '@persist/core/lite'

/** A message in the shape every bundler's `this.error` / `this.warn` takes, with a place and a code frame. */
export interface PlaceMessage {
  message: string
  id: string
  code: string
  frame?: string
  loc: { file: string; line: number; column: number }
}

/** Diagnostics → messages; `column` is 0-based, as Rollup and unplugin expect. */
export function toMessage(d: Diagnostic): PlaceMessage {
  return {
    message: formatDiagnostic(d),
    id: d.file,
    code: d.code,
    ...(d.frame ? { frame: d.frame } : {}),
    loc: { file: d.file, line: d.line, column: d.column - 1 },
  }
}

/** The message of an error thrown by the transform: every diagnostic of a `PersistBuildError`, joined. */
export function errorMessage(error: unknown): PlaceMessage | undefined {
  if (!(isPersistBuildError(error)) || error.diagnostics.length === 0) return undefined
  const first = toMessage(error.diagnostics[0]!)
  return { ...first, message: error.diagnostics.map(formatDiagnostic).join('\n\n') }
}
