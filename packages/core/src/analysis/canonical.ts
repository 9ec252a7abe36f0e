import type { AstNode } from '../annotations'

/** Fields that never affect what the code does: positions, TypeScript-only annotations and modifiers. */
const SKIPPED_FIELDS = new Set([
  'start',
  'end',
  'range',
  'loc',
  'typeAnnotation',
  'returnType',
  'typeParameters',
  'typeArguments',
  'superTypeArguments',
  'implements',
  'accessibility',
  'override',
  'readonly',
  'definite',
  'declare',
  'importKind',
  'exportKind',
])

/** Nodes that vanish when TypeScript is compiled to JavaScript. */
const TYPE_ONLY_NODES = new Set([
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSDeclareFunction',
  'TSAbstractMethodDefinition',
  'TSAbstractPropertyDefinition',
  'TSAbstractAccessorProperty',
  'TSIndexSignature',
  'TSNamespaceExportDeclaration',
])

/** Wrappers whose runtime value is their inner expression. */
const TS_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSInstantiationExpression', 'ParenthesizedExpression'])

/** `optional` is runtime syntax only on `a?.b` and `a?.()`; elsewhere it is TypeScript's `x?: T`. */
const OPTIONAL_CHAIN_NODES = new Set(['MemberExpression', 'CallExpression'])

function isTypeOnly(node: AstNode): boolean {
  if (TYPE_ONLY_NODES.has(node.type)) return true
  if (node.declare === true) return true
  if (node.importKind === 'type' && node.type === 'ImportDeclaration') return true
  if (node.exportKind === 'type' && (node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration')) return true
  return false
}

/**
 * Prints an AST node as a canonical string: what the code does, not how it is written.
 * Comments, whitespace, parentheses, quote style, number spelling and TypeScript-only syntax leave no trace,
 * so reformatting a file or changing a type does not change the hash built from this text.
 */
export function canonicalPrint(node: AstNode): string {
  out = ''
  print(node)
  const text = out
  out = ''
  return text
}

/** Strings that `JSON.stringify` would only put quotes around: most are identifiers and short literals. */
const PLAIN_STRING_RE = /^[\w$ .,:;!?'()[\]{}<>=+*/-]*$/

/** The text being printed: appending to one string is cheaper than collecting and joining pieces. */
let out = ''

function print(value: unknown): void {
  if (value === null || value === undefined) {
    out += '~'
    return
  }
  switch (typeof value) {
    case 'string':
      out += PLAIN_STRING_RE.test(value) ? `"${value}"` : JSON.stringify(value)
      return
    case 'number':
    case 'boolean':
      out += String(value)
      return
    case 'bigint':
      out += `${value}n`
      return
    case 'object':
      break
    default:
      return
  }
  if (Array.isArray(value)) {
    out += '['
    for (const item of value) {
      if (item && typeof item === 'object' && typeof item.type === 'string' && isTypeOnly(item)) continue
      // TypeScript's `this: T` parameter is not a runtime parameter.
      if (item && item.type === 'Identifier' && item.name === 'this' && item.typeAnnotation) continue
      print(item)
      out += ','
    }
    out += ']'
    return
  }
  if (value instanceof RegExp) {
    out += String(value)
    return
  }
  let node = value as AstNode
  if (typeof node.type !== 'string') {
    printFields(node, '')
    return
  }
  while (TS_WRAPPERS.has(node.type)) node = node.expression
  if (isTypeOnly(node)) {
    out += '~'
    return
  }
  out += node.type
  if (node.type === 'Literal') {
    // The value, not its spelling: `'a'` and `"a"`, `0x10` and `16` are the same program.
    if (node.regex) print(`/${node.regex.pattern}/${node.regex.flags}`)
    else if (node.bigint !== undefined && node.bigint !== null) print(`${node.bigint}n`)
    else print(node.value)
    return
  }
  printFields(node, node.type)
}

function printFields(node: AstNode, type: string): void {
  out += '{'
  for (const key in node) {
    if (key === 'type' || SKIPPED_FIELDS.has(key)) continue
    if (key === 'optional' && !OPTIONAL_CHAIN_NODES.has(type)) continue
    out += `${key}:`
    print(node[key])
    out += ';'
  }
  out += '}'
}
