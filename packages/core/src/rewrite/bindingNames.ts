import type { AstNode } from '../annotations'

/**
 * Every name a parameter list binds, in order: `(a, { b, c: [d] } = {}, ...rest)` → `a, b, d, rest`.
 * TypeScript's `this` parameter binds nothing.
 */
export function bindingNames(params: readonly AstNode[]): string[] {
  const names: string[] = []
  const visit = (node: AstNode | null | undefined): void => {
    if (!node) return
    switch (node.type) {
      case 'Identifier':
        if (node.name !== 'this') names.push(node.name)
        break
      case 'AssignmentPattern':
        visit(node.left)
        break
      case 'RestElement':
        visit(node.argument)
        break
      case 'ArrayPattern':
        for (const element of node.elements) visit(element)
        break
      case 'ObjectPattern':
        for (const property of node.properties) visit(property.type === 'RestElement' ? property : property.value)
        break
      case 'TSParameterProperty':
        visit(node.parameter)
        break
    }
  }
  for (const param of params) visit(param)
  return names
}

/** Parameters that receive a positional argument: all but TypeScript's `this` parameter. */
export function positionalParams(params: readonly AstNode[]): AstNode[] {
  return params.filter((p) => !(p.type === 'Identifier' && p.name === 'this'))
}
