import MagicString from 'magic-string'
import type { AnnotatedFunction, AstNode } from '../annotations'
import { type Diagnostic, diagnosticAt } from '../diagnostics'
import { runtimeOptionsText } from '../functionOptions'
import type { FunctionOptionDefaults } from '../options'
import { bindingNames, positionalParams } from './bindingNames'
import { findArgumentsReference, findThisReference } from './findReference'
import { type RegistrationMeta, registrationCode } from './registration'

/** One annotated function with what the analysis says about it. */
export interface RewriteTarget {
  fn: AnnotatedFunction
  id: string
  hash: string
  /** 1-based line of the function, for runtime messages. */
  line: number
}

export interface RewriteModuleOptions {
  /** Absolute path, for diagnostics. */
  file: string
  /** Root-relative posix path, baked into the registration for runtime messages. */
  relativeFile: string
  runtimeImport: string
  defaults: FunctionOptionDefaults
}

const MARK = '@persist'
const EXISTING_INDEX_RE = /\b__persist_h?(\d+)\b/g

/**
 * Rewrites every target so its body runs through the runtime (shape in docs/ARCHITECTURE.md). Original text is
 * only inserted around, never moved, so source maps stay exact for every original token.
 */
export function rewriteModule(
  code: string,
  program: AstNode,
  targets: readonly RewriteTarget[],
  options: RewriteModuleOptions,
): { s: MagicString; diagnostics: Diagnostic[] } {
  const s = new MagicString(code)
  const diagnostics: Diagnostic[] = []
  const headerAt = headerOffset(code, program)
  const linkAt = linkOffset(program, headerAt)
  const links: string[] = []
  const registrations: string[] = []
  let next = firstFreeIndex(code)

  for (const target of targets) {
    const { fn } = target
    const node = fn.node
    const getter = `__persist_${next}`
    const holder = `__persist_h${next}`
    next++

    const names = bindingNames(node.params)
    const values = [...names]
    const params = [...names]
    const argumentsRef = findArgumentsReference(node.body)
    if (argumentsRef) {
      if (node.type === 'ArrowFunctionExpression') {
        diagnostics.push(
          diagnosticAt(
            'error',
            'PERSIST_ARROW_ARGUMENTS',
            `\`${fn.name}\` is an arrow function reading \`arguments\`, which belong to the enclosing function and are not part of the cache key. Use a rest parameter (\`...args\`) instead.`,
            options.file,
            code,
            argumentsRef.start,
          ),
        )
        continue
      }
      const positional = positionalParams(node.params)
      // A rest parameter already holds every extra argument; otherwise the extras join the key.
      if (!positional.some((p) => p.type === 'RestElement')) {
        values.push(`Array.prototype.slice.call(arguments, ${positional.length})`)
        params.push('...arguments')
      }
    }

    if (fn.kind === 'function' && node.type !== 'ArrowFunctionExpression') {
      const thisRef = findThisReference(node.body)
      if (thisRef) {
        diagnostics.push(
          diagnosticAt(
            'warning',
            'PERSIST_FUNCTION_THIS',
            `\`${fn.name}\` reads \`this\`, which is not part of its cache key (only class methods key \`this\`): calls with different \`this\` values share entries. Pass the value as a parameter, or make the function a method.`,
            options.file,
            code,
            thisRef.start,
          ),
        )
      }
    }

    wrapBody(s, node, getter, values)
    linkFunction(s, fn, getter, links)
    s.appendLeft(code.indexOf(MARK, fn.comment.start) + MARK.length, ':done')

    const meta: RegistrationMeta = {
      id: target.id,
      hash: target.hash,
      params,
      async: !!node.async,
      kind: fn.kind,
      file: options.relativeFile,
      line: target.line,
    }
    const optionsText = fn.optionsText === undefined ? undefined : runtimeOptionsText(fn.optionsText)
    registrations.push(registrationCode(getter, holder, meta, optionsText, options.defaults))
  }
  if (registrations.length === 0) return { s, diagnostics }

  if (!code.includes('register as __persist_register')) {
    const importLine = `import { register as __persist_register, link as __persist_link } from ${JSON.stringify(options.runtimeImport)};`
    s.appendLeft(headerAt, headerAt === 0 ? `${importLine}\n` : `\n${importLine}`)
  }
  if (links.length > 0) s.appendLeft(linkAt, linkAt === 0 ? `${links.join('\n')}\n` : `\n${links.join('\n')}`)
  s.append(`\n${registrations.join('\n')}\n`)
  return { s, diagnostics }
}

/**
 * `{ body }` → `{return getter().call(this, [values], () => { body });}`; an expression body `e` becomes
 * `getter().call(this, [values], () => (e))`. The arrow keeps `this`, `arguments`, `new.target` and `super`.
 */
function wrapBody(s: MagicString, node: AstNode, getter: string, values: string[]): void {
  const head = `${getter}().call(this, [${values.join(', ')}], ${node.async ? 'async ' : ''}() => `
  const body = node.body
  if (body.type === 'BlockStatement') {
    s.appendLeft(body.start, `{return ${head}`)
    s.appendLeft(body.end, ');}')
  } else {
    s.appendLeft(body.start, `${head}(`)
    s.appendLeft(body.end, '))')
  }
}

/** Makes `persisted(fn)` find the registration: declarations after the imports, expressions in place, methods in a static block. */
function linkFunction(s: MagicString, fn: AnnotatedFunction, getter: string, links: string[]): void {
  const node = fn.node
  if (fn.kind !== 'function') {
    const target = methodReference(fn)
    if (target && fn.classNode) s.appendLeft(fn.classNode.body.end - 1, ` static { __persist_link(${target}, ${getter}); }`)
    return
  }
  if (node.type === 'FunctionDeclaration') {
    let name = node.id?.name as string | undefined
    if (!name) {
      // `export default function () {}` has no binding to link; naming it keeps it a hoisted declaration.
      name = `__persist_default_${getter.slice('__persist_'.length)}`
      const keyword = /\bfunction\b/.exec(s.original.slice(node.start, node.body.start))!
      s.appendLeft(node.start + keyword.index + keyword[0].length, ` ${name}`)
    }
    links.push(`__persist_link(${name}, ${getter});`)
    return
  }
  s.appendLeft(node.start, '__persist_link(')
  s.appendLeft(node.end, `, ${getter})`)
}

/** `this.prototype.name` / `this.name` inside a static block, or undefined when the method cannot be reached. */
function methodReference(fn: AnnotatedFunction): string | undefined {
  const owner = fn.owner
  const base = fn.kind === 'static-method' ? 'this' : 'this.prototype'
  const key = owner.key
  if (key.type === 'PrivateIdentifier') return fn.kind === 'static-method' ? `this.#${key.name}` : undefined
  if (!owner.computed && key.type === 'Identifier') return `${base}.${key.name}`
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) {
    return `${base}[${JSON.stringify(key.value)}]`
  }
  return undefined
}

/** Where the runtime import goes: after a hashbang and the directive prologue (`'use client'`). */
function headerOffset(code: string, program: AstNode): number {
  let offset = code.startsWith('#!') ? code.indexOf('\n') + 1 || code.length : 0
  for (const statement of program.body as AstNode[]) {
    if (statement.type !== 'ExpressionStatement' || typeof statement.directive !== 'string') break
    offset = statement.end
  }
  return offset
}

/** After the last top-level import, where linking a hoisted declaration is safe and easy to read. */
function linkOffset(program: AstNode, headerAt: number): number {
  let offset = headerAt
  for (const statement of program.body as AstNode[]) {
    if (statement.type === 'ImportDeclaration' || statement.type === 'TSImportEqualsDeclaration') {
      offset = Math.max(offset, statement.end)
    }
  }
  return offset
}

/** Numbers used by an earlier pass stay taken, so a file mixing `@persist:done` and new annotations is safe. */
function firstFreeIndex(code: string): number {
  let next = 0
  for (const match of code.matchAll(EXISTING_INDEX_RE)) next = Math.max(next, Number(match[1]) + 1)
  return next
}
