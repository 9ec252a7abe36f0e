import { readFileSync } from 'node:fs'
import type { Diagnostic } from '@persist/core/lite'
import type { PartialMessage } from 'esbuild'

/** esbuild draws the location and its source line itself, so the text is the bare message. */
export function toEsbuildMessage(d: Diagnostic, source: string | undefined): PartialMessage {
  return { text: d.message, location: { file: d.file, line: d.line, column: d.column - 1, lineText: lineTextOf(d, source) } }
}

/** The marked line of a code frame: `> 33 | <line>`. */
const FRAME_LINE_RE = /^> *\d+ \| (.*?)\r?$/m

/**
 * The source line a diagnostic points at: from its code frame, which the output cache keeps (a warm build would
 * otherwise read a file for each warning), else from the source.
 */
function lineTextOf(d: Diagnostic, source: string | undefined): string {
  const marked = d.frame === undefined ? null : FRAME_LINE_RE.exec(d.frame)
  return marked ? marked[1]! : lineOf(source ?? readOrEmpty(d.file), d.line)
}

/** The 1-based `line` of `source`, without splitting the whole text. */
function lineOf(source: string, line: number): string {
  let start = 0
  for (let n = 1; n < line; n++) {
    start = source.indexOf('\n', start) + 1
    if (start === 0) return ''
  }
  const end = source.indexOf('\n', start)
  return source.slice(start, end === -1 ? undefined : end)
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
