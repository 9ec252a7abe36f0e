import type { AstNode } from '../annotations'

/** Nodes that give `this` and `arguments` a new meaning for everything inside them. */
const OWN_CONTEXT = new Set(['FunctionDeclaration', 'FunctionExpression'])
const TYPE_ONLY = new Set([
  'TSTypeAnnotation',
  'TSTypeAliasDeclaration',
  'TSInterfaceDeclaration',
  'TSTypeParameterDeclaration',
  'TSTypeParameterInstantiation',
])

/**
 * The first `arguments` reference in `node` that belongs to the function owning `node`, ignoring nested
 * non-arrow functions (they have their own) and property names (`x.arguments`, `{ arguments: 1 }`).
 */
export function findArgumentsReference(node: AstNode): AstNode | undefined {
  return find(node, (n) => n.type === 'Identifier' && n.name === 'arguments', OWN_CONTEXT)
}

/** The first `this` in `node` that belongs to the function owning `node` (class bodies bind their own). */
export function findThisReference(node: AstNode): AstNode | undefined {
  return find(node, (n) => n.type === 'ThisExpression', new Set([...OWN_CONTEXT, 'ClassBody']))
}

function find(node: AstNode, matches: (node: AstNode) => boolean, stopAt: ReadonlySet<string>): AstNode | undefined {
  let found: AstNode | undefined
  const visit = (current: AstNode): void => {
    if (found) return
    if (matches(current)) {
      found = current
      return
    }
    if (stopAt.has(current.type) || TYPE_ONLY.has(current.type)) return
    for (const key in current) {
      if (isNameKey(current, key)) continue
      const value = current[key]
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item)
      } else if (isNode(value)) visit(value)
    }
  }
  visit(node)
  return found
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string'
}

/** Keys holding a name rather than a reference: `o.arguments`, `{ arguments: 1 }`, `label:`. */
function isNameKey(node: AstNode, key: string): boolean {
  if (key === 'property') return node.type === 'MemberExpression' && !node.computed
  if (key === 'key') return !node.computed
  return key === 'label'
}
