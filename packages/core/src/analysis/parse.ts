import path from 'node:path'
import { type Comment, type OxcError, parseSync } from 'oxc-parser'
import type { AstNode } from '../annotations'

export interface ParsedModule {
  program: AstNode
  comments: Comment[]
  errors: OxcError[]
}

/** Parses a module the way the analysis needs it: no parenthesis nodes, language from the extension. */
export function parseModule(file: string, code: string): ParsedModule {
  const ext = path.extname(file)
  const lang = ext === '.tsx' ? 'tsx' : ext === '.ts' || ext === '.mts' || ext === '.cts' ? 'ts' : 'jsx'
  const sourceType = ext === '.cjs' || ext === '.cts' ? 'commonjs' : 'module'
  const result = parseSync(file, code, { lang, sourceType, preserveParens: false })
  return { program: result.program as unknown as AstNode, comments: result.comments, errors: result.errors }
}
