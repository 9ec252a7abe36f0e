import type { Comment } from 'oxc-parser'
import { type Diagnostic, diagnosticAt } from './diagnostics'

/** An oxc ESTree node, typed loosely: this module only reads `type`, offsets and a few fields. */
export type AstNode = { type: string; start: number; end: number; [field: string]: any }

/** A function marked with `/* @persist *\/`. */
export interface AnnotatedFunction {
  /** Qualified name: `load`, `Svc.compute`, `default`. */
  name: string
  /** Instance methods key `this`; static methods and functions do not. */
  kind: 'function' | 'method' | 'static-method'
  /** The function node: FunctionDeclaration, FunctionExpression or ArrowFunctionExpression. */
  node: AstNode
  /** The node owning the function: its statement, VariableDeclarator or MethodDefinition. */
  owner: AstNode
  /** The class node of a method. */
  classNode?: AstNode
  /** The class name of a method. */
  className?: string
  /** True for `export default function () {}` and `export default () => …`, which have no local binding. */
  anonymousDefault: boolean
  /** The annotation comment; offsets cover the whole comment including its delimiters. */
  comment: { start: number; end: number; value: string }
  /** The text of the object literal in `/* @persist({ … }) *\/`, if any. */
  optionsText?: string
  /** Offset of `optionsText` in the file. */
  optionsStart?: number
}

/** `@persist` at the start of a comment line, not `@persist:done` (what the rewrite leaves behind). */
const ANNOTATION_RE = /(^|\n)[\t ]*\**[\t ]*@persist(?![\w:-])/

/** Whether a block comment's text is a persist annotation. */
export function isAnnotation(commentValue: string): boolean {
  return ANNOTATION_RE.test(commentValue)
}

interface Candidate {
  name: string
  kind: AnnotatedFunction['kind']
  node: AstNode
  owner: AstNode
  classNode?: AstNode
  className?: string
  anonymousDefault: boolean
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'])

function isFunction(node: AstNode | null | undefined): boolean {
  return !!node && FUNCTION_TYPES.has(node.type)
}

/** Strips `(expr)`, `expr as T`, `expr satisfies T` so `const f = (async () => 1) as F` is still found. */
function unwrapExpression(node: AstNode | null | undefined): AstNode | null | undefined {
  while (node && (node.type === 'ParenthesizedExpression' || node.type === 'TSAsExpression' || node.type === 'TSSatisfiesExpression')) {
    node = node.expression
  }
  return node
}

function methodName(key: AstNode, computed: boolean): string | undefined {
  if (key.type === 'PrivateIdentifier') return `#${key.name}`
  if (!computed && key.type === 'Identifier') return key.name
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) return String(key.value)
  return undefined
}

/**
 * Every place an annotation may attach to, keyed by the offset where the annotated code starts.
 * An annotation belongs to the candidate that begins at the first non-blank character after the comment.
 */
function collectCandidates(program: AstNode): Map<number, Candidate> {
  const at = new Map<number, Candidate>()
  const add = (starts: number[], candidate: Candidate) => {
    for (const start of starts) if (!at.has(start)) at.set(start, candidate)
  }

  const addClass = (cls: AstNode, className: string) => {
    for (const member of cls.body?.body ?? []) {
      if (member.type !== 'MethodDefinition' || member.kind !== 'method' || !isFunction(member.value)) continue
      const name = methodName(member.key, member.computed)
      if (name === undefined) continue
      const decoratorStarts = (member.decorators ?? []).map((d: AstNode) => d.start)
      add([member.start, ...decoratorStarts, member.key.start], {
        name: `${className}.${name}`,
        kind: member.static ? 'static-method' : 'method',
        node: member.value,
        owner: member,
        classNode: cls,
        className,
        anonymousDefault: false,
      })
    }
  }

  const addVariable = (decl: AstNode, statementStarts: number[]) => {
    const declarators: AstNode[] = decl.declarations ?? []
    const functions = declarators.filter((d) => d.id?.type === 'Identifier' && isFunction(unwrapExpression(d.init)))
    for (const d of declarators) {
      const init = unwrapExpression(d.init)
      if (d.id?.type !== 'Identifier' || !init) continue
      if (isFunction(init)) {
        const candidate: Candidate = { name: d.id.name, kind: 'function', node: init, owner: d, anonymousDefault: false }
        // A comment before the whole statement picks its only function declarator.
        add([d.start, d.init.start, init.start, ...(functions.length === 1 ? statementStarts : [])], candidate)
      } else if (init.type === 'ClassExpression') {
        addClass(init, d.id.name)
      }
    }
  }

  const addDeclaration = (decl: AstNode, statementStarts: number[], isDefault: boolean) => {
    if (isFunction(decl) && !decl.declare && decl.body) {
      const anonymous = !decl.id
      add([...statementStarts, decl.start], {
        name: isDefault ? 'default' : decl.id.name,
        kind: 'function',
        node: decl,
        owner: decl,
        anonymousDefault: anonymous && isDefault,
      })
    } else if (decl.type === 'VariableDeclaration') {
      addVariable(decl, [...statementStarts, decl.start])
    } else if (decl.type === 'ClassDeclaration' || decl.type === 'ClassExpression') {
      addClass(decl, decl.id?.name ?? 'default')
    }
  }

  for (const statement of program.body as AstNode[]) {
    if (statement.type === 'ExportNamedDeclaration' && statement.declaration) {
      addDeclaration(statement.declaration, [statement.start], false)
    } else if (statement.type === 'ExportDefaultDeclaration') {
      const decl = unwrapExpression(statement.declaration)
      if (decl) addDeclaration(decl, [statement.start], true)
    } else {
      addDeclaration(statement, [statement.start], false)
    }
  }
  return at
}

/** Finds the text of `( … )` after `@persist`, balancing brackets and skipping strings. */
function extractOptions(comment: Comment, code: string): { text: string; start: number } | undefined {
  const body = code.slice(comment.start + 2, comment.end - 2)
  const match = /@persist\s*\(/.exec(body)
  if (!match) return undefined
  const open = comment.start + 2 + match.index + match[0].length - 1
  let depth = 0
  let quote: string | undefined
  for (let i = open; i < comment.end - 2; i++) {
    const ch = code[i]
    if (quote) {
      if (ch === '\\') i++
      else if (ch === quote) quote = undefined
      continue
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch
    else if (ch === '(' || ch === '{' || ch === '[') depth++
    else if (ch === ')' || ch === '}' || ch === ']') {
      depth--
      if (depth === 0) {
        let text = code.slice(open + 1, i)
        // JSDoc continuation lines start with `*`, which is not part of the options.
        if (comment.value.startsWith('*')) text = text.replace(/\n[\t ]*\*(?!\/)/g, '\n')
        return { text: text.trim(), start: open + 1 + (text.length - text.trimStart().length) }
      }
    }
  }
  return { text: '', start: -1 }
}

/**
 * Finds the functions marked with `/* @persist *\/` (or `/** @persist *\/`) in a parsed module.
 * An annotation that stands before anything other than a module-level function, a `const` function,
 * or a class method is an error: silently not persisting would surprise the user.
 */
export function findAnnotatedFunctions(
  program: AstNode,
  comments: Comment[],
  code: string,
  file: string,
): { functions: AnnotatedFunction[]; diagnostics: Diagnostic[] } {
  const functions: AnnotatedFunction[] = []
  const diagnostics: Diagnostic[] = []
  const annotations = comments.filter((c) => c.type === 'Block' && isAnnotation(c.value))
  if (annotations.length === 0) return { functions, diagnostics }

  const candidates = collectCandidates(program)
  const seen = new Map<string, AnnotatedFunction>()
  for (const comment of annotations) {
    let next = comment.end
    while (next < code.length && /\s/.test(code[next]!)) next++
    const candidate = candidates.get(next)
    if (!candidate) {
      diagnostics.push(
        diagnosticAt(
          'error',
          'PERSIST_NOT_A_FUNCTION',
          '`@persist` must stand directly before a module-level function, a `const` holding a function, or a class method. Move the comment there, or remove it.',
          file,
          code,
          comment.start,
        ),
      )
      continue
    }
    const options = extractOptions(comment, code)
    if (options && options.start === -1) {
      diagnostics.push(
        diagnosticAt('error', 'PERSIST_OPTIONS_UNCLOSED', '`@persist(` has no closing `)` in its comment. Write the options as `/* @persist({ version: 2 }) */`.', file, code, comment.start),
      )
      continue
    }
    if (candidate.node.generator) {
      diagnostics.push(
        diagnosticAt(
          'error',
          'PERSIST_GENERATOR',
          `\`${candidate.name}\` is a generator: persist cannot cache a generator's lazy sequence. Return an array from a plain function instead.`,
          file,
          code,
          candidate.node.start,
        ),
      )
      continue
    }
    const duplicate = seen.get(candidate.name)
    if (duplicate) {
      if (duplicate.node === candidate.node) continue
      diagnostics.push(
        diagnosticAt('error', 'PERSIST_DUPLICATE_NAME', `Two persisted functions are named \`${candidate.name}\` in this file; give one a distinct \`name\` option.`, file, code, candidate.node.start),
      )
      continue
    }
    const fn: AnnotatedFunction = {
      ...candidate,
      comment: { start: comment.start, end: comment.end, value: comment.value },
      ...(options ? { optionsText: options.text, optionsStart: options.start } : {}),
    }
    seen.set(candidate.name, fn)
    functions.push(fn)
  }
  return { functions, diagnostics }
}
