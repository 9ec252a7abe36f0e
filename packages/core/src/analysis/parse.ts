import { createRequire } from 'node:module'
import path from 'node:path'
import type { Comment, OxcError } from 'oxc-parser'
import type { AstNode } from '../annotations'

type OxcParser = typeof import('oxc-parser')

let oxc: OxcParser | undefined
/** oxc-parser, loaded on first use: a warm build whose analyses are all reused never parses. */
export function oxcParser(): OxcParser {
  return (oxc ??= createRequire(import.meta.url)('oxc-parser') as OxcParser)
}

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
  const result = oxcParser().parseSync(file, code, { lang, sourceType, preserveParens: false })
  return { program: result.program as unknown as AstNode, comments: result.comments, errors: result.errors }
}
