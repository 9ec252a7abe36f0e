import { parseSync } from 'oxc-parser'
import type { AnnotatedFunction, AstNode } from './annotations'
import { type Diagnostic, diagnosticAt } from './diagnostics'
import { functionOptionNames, suggest, validateFunctionOptions } from '@persist/runtime/options'

/** Options the build reads and the runtime never sees: `allowImpure` silences the analysis' impurity warnings. */
const BUILD_OPTION_NAMES = ['allowImpure'] as const

/** A value known at build time, or `FUNCTION` for a function literal, or `UNKNOWN` for anything computed. */
const FUNCTION = Symbol('function')
const UNKNOWN = Symbol('unknown')
type StaticValue = string | number | boolean | null | StaticValue[] | typeof FUNCTION | typeof UNKNOWN | { [key: string]: StaticValue }

/**
 * Checks the `{ … }` of a `/* @persist({ … }) *\/` comment at build time: it must be an object literal whose
 * names are runtime options, and the values that are literals must be valid. The literal itself is evaluated at
 * run time, in the module's scope, so it may name key functions; only what is visible in the text is checked.
 */
export function checkFunctionOptions(fn: AnnotatedFunction, code: string, file: string): Diagnostic[] {
  if (fn.optionsText === undefined || fn.optionsStart === undefined) return []
  const text = fn.optionsText
  const at = (textOffset: number) => originalOffset(text, code, fn.optionsStart!, textOffset)
  const error = (code_: string, message: string, textOffset: number) =>
    diagnosticAt('error', code_, message, file, code, at(textOffset))
  const where = `the \`@persist\` options of \`${fn.name}\``

  if (text.trim() === '') {
    return [error('PERSIST_OPTIONS_NOT_OBJECT', `${where} are empty. Write \`/* @persist */\`, or give an object: \`/* @persist({ version: 2 }) */\`.`, 0)]
  }
  // Parsed as TypeScript inside parentheses, so `{ key: (u: User) => u.id }` is an expression; offsets shift by 1.
  const parsed = parseSync('options.ts', `(${text})`)
  if (parsed.errors.length > 0) {
    const first = parsed.errors[0]!
    const offset = Math.max(0, (first.labels?.[0]?.start ?? 1) - 1)
    return [error('PERSIST_OPTIONS_SYNTAX', `${where} are not valid JavaScript: ${first.message}`, offset)]
  }
  const body = parsed.program.body as AstNode[]
  const literal = body.length === 1 && body[0]!.type === 'ExpressionStatement' ? unwrap(body[0]!.expression) : undefined
  if (!literal || literal.type !== 'ObjectExpression') {
    return [
      error(
        'PERSIST_OPTIONS_NOT_OBJECT',
        `${where} must be an object literal, like \`@persist({ ttl: '1h' })\`; got \`${text.trim().slice(0, 40)}\`.`,
        0,
      ),
    ]
  }

  const diagnostics: Diagnostic[] = []
  const given = new Map<string, AstNode>()
  let hasSpread = false
  for (const property of literal.properties as AstNode[]) {
    if (property.type === 'SpreadElement') {
      hasSpread = true
      continue
    }
    const name = propertyName(property)
    if (name === undefined) {
      diagnostics.push(error('PERSIST_OPTIONS_COMPUTED', `${where} use a computed name; write option names literally (\`ttl: …\`).`, property.start - 1))
      continue
    }
    if (BUILD_OPTION_NAMES.includes(name as never)) {
      const value = staticValue(property.value)
      if (value !== UNKNOWN && typeof value !== 'boolean') {
        diagnostics.push(error('PERSIST_OPTIONS_INVALID', `option \`${name}\` of \`${fn.name}\` must be true or false, in its \`@persist\` comment.`, property.value.start - 1))
      }
      continue
    }
    if (!knownNames.includes(name)) {
      const close = suggest(name, knownNames)
      diagnostics.push(
        error(
          'PERSIST_OPTIONS_UNKNOWN',
          `unknown option \`${name}\` in ${where}.${close ? ` Did you mean \`${close}\`?` : ''} Known options: ${knownNames.join(', ')}.`,
          property.key.start - 1,
        ),
      )
      continue
    }
    given.set(name, property)
    const problem = property.kind === 'init' && !property.method ? checkValue(name, staticValue(property.value), `\`${fn.name}\``) : undefined
    if (problem) diagnostics.push(error('PERSIST_OPTIONS_INVALID', `${problem.replace(/\.$/, '')}, in its \`@persist\` comment.`, property.value.start - 1))
  }
  if (!hasSpread && given.has('serialize') !== given.has('deserialize')) {
    const one = given.get('serialize') ?? given.get('deserialize')!
    diagnostics.push(
      error('PERSIST_OPTIONS_INVALID', `options \`serialize\` and \`deserialize\` in ${where} go together: give both or neither.`, one.start - 1),
    )
  }
  return diagnostics
}

function unwrap(node: AstNode): AstNode {
  while (node.type === 'ParenthesizedExpression' || node.type === 'TSAsExpression' || node.type === 'TSSatisfiesExpression') {
    node = node.expression
  }
  return node
}

function propertyName(property: AstNode): string | undefined {
  const key = property.key
  if (property.computed) return key.type === 'Literal' && typeof key.value === 'string' ? key.value : undefined
  if (key.type === 'Identifier') return key.name
  if (key.type === 'Literal') return String(key.value)
  return undefined
}

function staticValue(node: AstNode): StaticValue {
  node = unwrap(node)
  switch (node.type) {
    case 'Literal':
      return node.value instanceof RegExp || typeof node.value === 'bigint' ? UNKNOWN : node.value
    case 'TemplateLiteral':
      return node.expressions.length === 0 ? node.quasis[0].value.cooked : UNKNOWN
    case 'UnaryExpression': {
      const argument = staticValue(node.argument)
      if (typeof argument !== 'number') return UNKNOWN
      return node.operator === '-' ? -argument : node.operator === '+' ? argument : UNKNOWN
    }
    case 'ArrayExpression':
      return node.elements.map((element: AstNode | null) => (element && element.type !== 'SpreadElement' ? staticValue(element) : UNKNOWN))
    case 'ObjectExpression': {
      const object: Record<string, StaticValue> = {}
      for (const property of node.properties as AstNode[]) {
        const name = property.type === 'Property' ? propertyName(property) : undefined
        if (name === undefined) return UNKNOWN
        object[name] = property.kind === 'init' && !property.method ? staticValue(property.value) : FUNCTION
      }
      return object
    }
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      return FUNCTION
    default:
      return UNKNOWN
  }
}

const knownNames: readonly string[] = [...functionOptionNames, ...BUILD_OPTION_NAMES]

/**
 * The options literal as the runtime receives it: build-only options (`allowImpure`) are cut out, since the
 * runtime rejects names it does not know. Call only on text {@link checkFunctionOptions} accepted.
 */
export function runtimeOptionsText(text: string): string {
  const literal = parseObjectLiteral(text)
  if (!literal) return text
  const properties = literal.properties as AstNode[]
  let out = text
  // From the last to the first, so earlier offsets stay valid; offsets are shifted by the opening parenthesis.
  for (let i = properties.length - 1; i >= 0; i--) {
    const property = properties[i]!
    if (property.type !== 'Property' || !BUILD_OPTION_NAMES.includes(propertyName(property) as never)) continue
    const next = properties[i + 1]
    const previous = properties[i - 1]
    const [from, to] = next ? [property.start, next.start] : previous ? [previous.end, property.end] : [property.start, property.end]
    out = out.slice(0, from - 1) + out.slice(to - 1)
  }
  return out
}

/** The value of option `name` in an options literal when it is a plain string, as the runtime will see it. */
export function staticStringOption(text: string, name: string): string | undefined {
  const literal = parseObjectLiteral(text)
  const property = (literal?.properties as AstNode[] | undefined)?.find((p) => p.type === 'Property' && propertyName(p) === name)
  const value = property ? staticValue(property.value) : undefined
  return typeof value === 'string' ? value : undefined
}

function parseObjectLiteral(text: string): AstNode | undefined {
  const parsed = parseSync('options.ts', `(${text})`)
  if (parsed.errors.length > 0) return undefined
  const body = parsed.program.body as AstNode[]
  const literal = body.length === 1 && body[0]!.type === 'ExpressionStatement' ? unwrap(body[0]!.expression) : undefined
  return literal?.type === 'ObjectExpression' ? literal : undefined
}

/** A build-time stand-in for a value: functions become a no-op, anything not known stops the check. */
function toRuntimeValue(value: StaticValue): { known: boolean; value?: unknown } {
  if (value === UNKNOWN) return { known: false }
  if (value === FUNCTION) return { known: true, value: () => undefined }
  if (Array.isArray(value)) {
    const items = value.map(toRuntimeValue)
    return items.every((item) => item.known) ? { known: true, value: items.map((item) => item.value) } : { known: false }
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, toRuntimeValue(v)] as const)
    return entries.every(([, v]) => v.known) ? { known: true, value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])) } : { known: false }
  }
  return { known: true, value }
}

/**
 * Why a statically known value is invalid for option `name`, by the runtime's own validation, so build and run
 * time never disagree; `undefined` when valid or not known until run time.
 */
function checkValue(name: string, value: StaticValue, where: string): string | undefined {
  const converted = toRuntimeValue(value)
  if (!converted.known) return undefined
  const options: Record<string, unknown> = { [name]: converted.value }
  // The pairing of serialize/deserialize is checked over the whole literal, not per option.
  if (name === 'serialize') options.deserialize = () => undefined
  if (name === 'deserialize') options.serialize = () => undefined
  try {
    validateFunctionOptions(options, where)
    return undefined
  } catch (error) {
    return error instanceof TypeError ? error.message.replace(/^persist: /, '') : String(error)
  }
}

/**
 * Maps an offset in `text` to the file. `text` is the file from `start` on, minus the `*` that opens JSDoc
 * continuation lines, so matching characters in order finds the original place.
 */
function originalOffset(text: string, code: string, start: number, textOffset: number): number {
  let j = start
  for (let i = 0; i < textOffset && i < text.length; i++, j++) {
    while (j < code.length && code[j] !== text[i]) j++
  }
  while (j < code.length && code[j] !== text[textOffset] && textOffset < text.length) j++
  return Math.min(j, code.length)
}
