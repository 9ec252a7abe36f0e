import type { AstNode } from '../annotations'
import { oxcParser } from './parse'

/** How a name was declared; decides hoisting and whether a module-level binding may be reassigned. */
export type BindingKind =
  | 'var'
  | 'let'
  | 'const'
  | 'using'
  | 'function'
  | 'class'
  | 'param'
  | 'catch'
  | 'import'
  | 'enum'
  | 'namespace'
  | 'type'

export interface Binding {
  name: string
  kind: BindingKind
  scope: Scope
  /** Offset of the declaring identifier. */
  start: number
}

export interface Scope {
  parent: Scope | null
  /** `function` scopes receive `var` declarations; the module scope is one too. */
  kind: 'module' | 'function' | 'block'
  bindings: Map<string, Binding>
  /** The source range the scope covers. */
  start: number
  end: number
}

/** One occurrence of a name in a reference position. */
export interface Reference {
  name: string
  start: number
  scope: Scope
  /** Assigned to (`x = …`, `x++`, `for (x of …)`). */
  write: boolean
  /** Appears only in a type position (`x: Svc`, `typeof helper` in a type). */
  type: boolean
  /** `ns.member` / `ns['member']`: the statically known member read off this name. */
  member?: string
  /** Filled in by `resolve`: the binding the name refers to, or null for a global. */
  binding?: Binding | null
}

/** A construct the analysis cares about beyond plain names. */
export type ScopeEvent =
  | { kind: 'this'; start: number }
  /** `import('x')` / `require('x')` with a literal specifier. */
  | { kind: 'module'; start: number; specifier: string; ref?: Reference }
  /** Something whose dependencies cannot be seen statically; `ref` must be a global for it to count. */
  | { kind: 'opaque'; start: number; what: string; ref?: Reference }
  /** A non-deterministic source; `ref` (its root object) must be a global for it to count. */
  | { kind: 'impure'; start: number; what: string; ref: Reference }

export interface ScopeAnalysis {
  module: Scope
  references: Reference[]
  events: ScopeEvent[]
}

const TYPE_KEYS = new Set(['typeAnnotation', 'returnType', 'typeParameters', 'typeArguments', 'superTypeArguments', 'implements'])

const IMPURE_CALLS: Record<string, string[]> = {
  Date: ['now'],
  Math: ['random'],
  performance: ['now'],
  crypto: ['randomUUID', 'getRandomValues'],
}

function staticMemberName(node: AstNode): string | undefined {
  if (!node.computed) return node.property.type === 'Identifier' ? node.property.name : undefined
  const p = node.property
  if (p.type === 'Literal' && typeof p.value === 'string') return p.value
  if (p.type === 'TemplateLiteral' && p.expressions.length === 0) return p.quasis[0].value.cooked ?? undefined
  return undefined
}

function literalString(node: AstNode | undefined): string | undefined {
  if (!node) return undefined
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked ?? undefined
  return undefined
}

/** Strips TypeScript-only wrappers (`x as T`, `x!`, `<T>x`, `x satisfies T`) and parentheses. */
export function unwrapTs(node: AstNode): AstNode {
  while (
    node.type === 'TSAsExpression' ||
    node.type === 'TSSatisfiesExpression' ||
    node.type === 'TSNonNullExpression' ||
    node.type === 'TSTypeAssertion' ||
    node.type === 'TSInstantiationExpression' ||
    node.type === 'ParenthesizedExpression'
  ) {
    node = node.expression
  }
  return node
}

/**
 * Builds the scope tree of a module and resolves every name in a reference position to its binding.
 * Declarations are collected during one walk and references resolved after it, so hoisting
 * (`var`, function declarations, classes used before their line) comes out right without a second walk.
 */
export function analyzeScopes(program: AstNode): ScopeAnalysis {
  const { visitorKeys } = oxcParser()
  const module: Scope = { parent: null, kind: 'module', bindings: new Map(), start: program.start, end: program.end }
  const references: Reference[] = []
  const events: ScopeEvent[] = []

  const newScope = (parent: Scope, kind: Scope['kind'], node: AstNode): Scope => ({
    parent,
    kind,
    bindings: new Map(),
    start: node.start,
    end: node.end,
  })
  const functionScopeOf = (scope: Scope): Scope => {
    let s = scope
    while (s.kind === 'block' && s.parent) s = s.parent
    return s
  }
  const declare = (scope: Scope, id: AstNode, kind: BindingKind) => {
    const existing = scope.bindings.get(id.name)
    // A value wins over a type of the same name (`const User = …; type User = …`); both live in one table.
    if (existing && existing.kind !== 'type' && kind === 'type') return
    scope.bindings.set(id.name, { name: id.name, kind, scope, start: id.start })
  }
  const reference = (id: AstNode, scope: Scope, opts: { write?: boolean; type?: boolean; member?: string } = {}): Reference => {
    const ref: Reference = { name: id.name, start: id.start, scope, write: !!opts.write, type: !!opts.type }
    if (opts.member !== undefined) ref.member = opts.member
    references.push(ref)
    return ref
  }

  /** Generic descent over the children oxc lists for a node type; type-only children go to `visitType`. */
  const visitChildren = (node: AstNode, scope: Scope) => {
    const keys = visitorKeys[node.type]
    if (!keys) return
    for (const key of keys) {
      const child = node[key]
      if (!child) continue
      if (TYPE_KEYS.has(key)) {
        visitType(child, scope)
        continue
      }
      if (Array.isArray(child)) {
        for (const c of child) if (c) visit(c, scope)
      } else if (typeof child.type === 'string') {
        visit(child, scope)
      }
    }
  }

  /** Type positions: only the names a type refers to count (a class named in a type still brings its code). */
  const visitType = (node: AstNode | null | undefined, scope: Scope): void => {
    if (!node) return
    if (Array.isArray(node)) {
      for (const n of node) visitType(n, scope)
      return
    }
    switch (node.type) {
      case 'TSTypeReference':
        typeName(node.typeName, scope)
        visitType(node.typeArguments, scope)
        return
      case 'TSTypeQuery':
        typeName(node.exprName, scope)
        visitType(node.typeArguments, scope)
        return
      case 'TSClassImplements':
      case 'TSInterfaceHeritage':
        typeName(node.expression, scope)
        visitType(node.typeArguments, scope)
        return
      case 'TSImportType': {
        const spec = literalString(node.argument?.literal ?? node.argument ?? node.source)
        if (spec !== undefined) events.push({ kind: 'module', start: node.start, specifier: spec })
        return
      }
      case 'Identifier':
        visitType(node.typeAnnotation, scope)
        return
      case 'TSPropertySignature':
      case 'TSMethodSignature':
        if (node.computed) visit(node.key, scope)
        break
    }
    const keys = visitorKeys[node.type]
    if (!keys) return
    for (const key of keys) {
      if (key === 'key' && !node.computed) continue
      const child = node[key]
      if (child) visitType(child, scope)
    }
  }
  const typeName = (node: AstNode, scope: Scope) => {
    let member: string | undefined
    while (node.type === 'TSQualifiedName' || node.type === 'MemberExpression') {
      const right = node.right ?? node.property
      member = right?.type === 'Identifier' ? right.name : undefined
      node = node.left ?? node.object
    }
    if (node.type === 'Identifier') reference(node, scope, member === undefined ? { type: true } : { type: true, member })
  }

  const declarePattern = (pattern: AstNode | null, target: Scope, kind: BindingKind, exprScope: Scope): void => {
    if (!pattern) return
    switch (pattern.type) {
      case 'Identifier':
        declare(target, pattern, kind)
        visitType(pattern.typeAnnotation, exprScope)
        for (const d of pattern.decorators ?? []) visit(d, exprScope)
        return
      case 'ObjectPattern':
        for (const p of pattern.properties) {
          if (p.type === 'RestElement') declarePattern(p.argument, target, kind, exprScope)
          else {
            if (p.computed) visit(p.key, exprScope)
            declarePattern(p.value, target, kind, exprScope)
          }
        }
        visitType(pattern.typeAnnotation, exprScope)
        return
      case 'ArrayPattern':
        for (const e of pattern.elements) declarePattern(e, target, kind, exprScope)
        visitType(pattern.typeAnnotation, exprScope)
        return
      case 'AssignmentPattern':
        declarePattern(pattern.left, target, kind, exprScope)
        visit(pattern.right, exprScope)
        return
      case 'RestElement':
        declarePattern(pattern.argument, target, kind, exprScope)
        visitType(pattern.typeAnnotation, exprScope)
        return
      case 'TSParameterProperty':
        for (const d of pattern.decorators ?? []) visit(d, exprScope)
        declarePattern(pattern.parameter, target, kind, exprScope)
        return
      default:
        visit(pattern, exprScope)
    }
  }

  /** The left side of an assignment: names are written, everything else is read. */
  const visitTarget = (node: AstNode | null, scope: Scope): void => {
    if (!node) return
    switch (node.type) {
      case 'Identifier':
        reference(node, scope, { write: true })
        return
      case 'ObjectPattern':
        for (const p of node.properties) {
          if (p.type === 'RestElement') visitTarget(p.argument, scope)
          else {
            if (p.computed) visit(p.key, scope)
            visitTarget(p.value, scope)
          }
        }
        return
      case 'ArrayPattern':
        for (const e of node.elements) visitTarget(e, scope)
        return
      case 'AssignmentPattern':
        visitTarget(node.left, scope)
        visit(node.right, scope)
        return
      case 'RestElement':
        visitTarget(node.argument, scope)
        return
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'ParenthesizedExpression':
        visitTarget(node.expression, scope)
        visitType(node.typeAnnotation, scope)
        return
      default:
        visit(node, scope)
    }
  }

  const visitFunction = (fn: AstNode, outer: Scope) => {
    const scope = newScope(outer, 'function', fn)
    if (fn.type === 'FunctionExpression' && fn.id) declare(scope, fn.id, 'function')
    declareTypeParameters(fn.typeParameters, scope)
    for (const p of fn.params) {
      // TypeScript's `this: T` parameter is not a runtime parameter.
      if (p.type === 'Identifier' && p.name === 'this') visitType(p.typeAnnotation, scope)
      else declarePattern(p, scope, 'param', scope)
    }
    visitType(fn.returnType, scope)
    const body = fn.body
    if (!body) return
    if (body.type === 'BlockStatement') for (const s of body.body) visit(s, scope)
    else visit(body, scope)
  }

  const declareTypeParameters = (decl: AstNode | null | undefined, scope: Scope) => {
    if (!decl) return
    for (const p of decl.params) declare(scope, p.name, 'type')
    for (const p of decl.params) {
      visitType(p.constraint, scope)
      visitType(p.default, scope)
    }
  }

  const visitClass = (cls: AstNode, outer: Scope) => {
    for (const d of cls.decorators ?? []) visit(d, outer)
    const scope = newScope(outer, 'block', cls)
    if (cls.type === 'ClassExpression' && cls.id) declare(scope, cls.id, 'class')
    declareTypeParameters(cls.typeParameters, scope)
    if (cls.superClass) visit(cls.superClass, scope)
    visitType(cls.superTypeArguments, scope)
    visitType(cls.implements, scope)
    for (const member of cls.body.body) {
      for (const d of member.decorators ?? []) visit(d, scope)
      if (member.computed) visit(member.key, scope)
      switch (member.type) {
        case 'MethodDefinition':
        case 'TSAbstractMethodDefinition':
          if (member.value) visitFunction(member.value, scope)
          break
        case 'PropertyDefinition':
        case 'AccessorProperty':
        case 'TSAbstractPropertyDefinition':
        case 'TSAbstractAccessorProperty':
          visitType(member.typeAnnotation, scope)
          if (member.value) visit(member.value, newScope(scope, 'function', member))
          break
        case 'StaticBlock': {
          const block = newScope(scope, 'function', member)
          for (const s of member.body) visit(s, block)
          break
        }
        default:
          visitType(member, scope)
      }
    }
  }

  const visitStatements = (statements: AstNode[], scope: Scope) => {
    for (const s of statements) visit(s, scope)
  }

  const visit = (node: AstNode, scope: Scope): void => {
    switch (node.type) {
      case 'Identifier':
        reference(node, scope)
        return
      case 'ImportDeclaration':
        for (const s of node.specifiers) declare(module, s.local, 'import')
        return
      case 'TSImportEqualsDeclaration':
        declare(scope, node.id, 'import')
        if (node.moduleReference.type !== 'TSExternalModuleReference') typeName(node.moduleReference, scope)
        return
      case 'ExportNamedDeclaration':
        if (node.declaration) visit(node.declaration, scope)
        else if (!node.source) for (const s of node.specifiers) if (s.local.type === 'Identifier') reference(s.local, scope)
        return
      case 'ExportAllDeclaration':
        return
      case 'ExportDefaultDeclaration': {
        const d = node.declaration
        if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && !d.id) {
          if (d.type === 'FunctionDeclaration') visitFunction(d, scope)
          else visitClass(d, scope)
        } else visit(d, scope)
        return
      }
      case 'FunctionDeclaration':
      case 'TSDeclareFunction':
        if (node.id && node.body) declare(scope, node.id, 'function')
        visitFunction(node, scope)
        return
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        visitFunction(node, scope)
        return
      case 'ClassDeclaration':
        if (node.id && !node.declare) declare(scope, node.id, 'class')
        visitClass(node, scope)
        return
      case 'ClassExpression':
        visitClass(node, scope)
        return
      case 'VariableDeclaration': {
        const kind = node.kind === 'var' ? 'var' : node.kind === 'let' ? 'let' : node.kind === 'const' ? 'const' : 'using'
        const target = kind === 'var' ? functionScopeOf(scope) : scope
        for (const d of node.declarations) {
          declarePattern(d.id, target, kind, scope)
          if (d.init) visit(d.init, scope)
        }
        return
      }
      case 'BlockStatement':
      case 'StaticBlock':
        visitStatements(node.body, newScope(scope, 'block', node))
        return
      case 'ForStatement': {
        const s = newScope(scope, 'block', node)
        if (node.init) visit(node.init, s)
        if (node.test) visit(node.test, s)
        if (node.update) visit(node.update, s)
        visit(node.body, s)
        return
      }
      case 'ForInStatement':
      case 'ForOfStatement': {
        const s = newScope(scope, 'block', node)
        if (node.left.type === 'VariableDeclaration') visit(node.left, s)
        else visitTarget(node.left, s)
        visit(node.right, s)
        visit(node.body, s)
        return
      }
      case 'CatchClause': {
        const s = newScope(scope, 'block', node)
        if (node.param) declarePattern(node.param, s, 'catch', s)
        visit(node.body, s)
        return
      }
      case 'SwitchStatement': {
        visit(node.discriminant, scope)
        const s = newScope(scope, 'block', node)
        for (const c of node.cases) {
          if (c.test) visit(c.test, s)
          visitStatements(c.consequent, s)
        }
        return
      }
      case 'LabeledStatement':
        visit(node.body, scope)
        return
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
      case 'PrivateIdentifier':
      case 'Literal':
      case 'TemplateElement':
      case 'JSXText':
      case 'EmptyStatement':
      case 'DebuggerStatement':
        return
      case 'ThisExpression':
      case 'Super':
        events.push({ kind: 'this', start: node.start })
        return
      case 'MemberExpression': {
        const object = unwrapTs(node.object)
        const member = staticMemberName(node)
        if (object.type === 'Identifier') {
          const ref = reference(object, scope, member === undefined ? {} : { member })
          if (object.name === 'process' && member === 'env') events.push({ kind: 'impure', start: node.start, what: 'process.env', ref })
        } else visit(node.object, scope)
        if (node.computed) visit(node.property, scope)
        return
      }
      case 'Property':
        if (node.computed) visit(node.key, scope)
        visit(node.value, scope)
        return
      case 'AssignmentExpression':
        visitTarget(node.left, scope)
        visit(node.right, scope)
        return
      case 'UpdateExpression':
        visitTarget(node.argument, scope)
        return
      case 'CallExpression':
      case 'NewExpression':
        callEvents(node, scope)
        visitChildren(node, scope)
        return
      case 'ImportExpression': {
        const spec = literalString(node.source)
        if (spec !== undefined) events.push({ kind: 'module', start: node.start, specifier: spec })
        else events.push({ kind: 'opaque', start: node.start, what: 'import() with a computed specifier' })
        visitChildren(node, scope)
        return
      }
      case 'JSXOpeningElement':
      case 'JSXClosingElement': {
        if (node.type === 'JSXOpeningElement') {
          jsxName(node.name, scope)
          visitType(node.typeArguments, scope)
          for (const a of node.attributes) visit(a, scope)
        }
        return
      }
      case 'JSXAttribute':
        if (node.value) visit(node.value, scope)
        return
      case 'TSInterfaceDeclaration':
      case 'TSTypeAliasDeclaration': {
        declare(scope, node.id, 'type')
        const s = newScope(scope, 'block', node)
        declareTypeParameters(node.typeParameters, s)
        visitType(node.extends, s)
        visitType(node.body ?? node.typeAnnotation, s)
        return
      }
      case 'TSEnumDeclaration': {
        if (!node.declare) declare(scope, node.id, 'enum')
        const s = newScope(scope, 'block', node)
        const members = node.body?.members ?? node.members ?? []
        for (const m of members) if (m.id.type === 'Identifier') declare(s, m.id, 'const')
        for (const m of members) if (m.initializer) visit(m.initializer, s)
        return
      }
      case 'TSModuleDeclaration': {
        if (node.declare || node.kind === 'global') return
        if (node.id.type === 'Identifier') declare(scope, node.id, 'namespace')
        const s = newScope(scope, 'function', node)
        let body = node.body
        while (body && body.type === 'TSModuleDeclaration') body = body.body
        if (body) visitStatements(body.body, s)
        return
      }
      case 'TSExportAssignment':
        visit(node.expression, scope)
        return
      case 'TSNamespaceExportDeclaration':
        return
    }
    visitChildren(node, scope)
  }

  const jsxName = (name: AstNode, scope: Scope) => {
    if (name.type === 'JSXIdentifier') {
      // Lower-case tags are intrinsic elements (`<div>`), not variables.
      if (/^[A-Z_$]/.test(name.name)) reference(name, scope)
    } else if (name.type === 'JSXMemberExpression') {
      let object = name.object
      while (object.type === 'JSXMemberExpression') object = object.object
      if (object.type !== 'JSXIdentifier') return
      if (name.object === object) reference(object, scope, { member: name.property.name })
      else reference(object, scope)
    }
  }

  /** Records calls that read non-deterministic sources or hide their dependencies. */
  const callEvents = (node: AstNode, scope: Scope) => {
    const callee = unwrapTs(node.callee)
    if (callee.type === 'Identifier') {
      const name = callee.name
      if (name === 'require' && node.type === 'CallExpression') {
        const spec = literalString(node.arguments[0])
        const ref = reference(callee, scope)
        if (spec !== undefined) events.push({ kind: 'module', start: node.start, specifier: spec, ref })
        else events.push({ kind: 'opaque', start: node.start, what: 'require() with a computed specifier', ref })
      } else if (name === 'eval') {
        events.push({ kind: 'opaque', start: node.start, what: 'eval()', ref: reference(callee, scope) })
      } else if (name === 'Function') {
        events.push({ kind: 'opaque', start: node.start, what: 'new Function()', ref: reference(callee, scope) })
      } else if (name === 'Date' && (node.arguments.length === 0 || node.type === 'CallExpression')) {
        events.push({ kind: 'impure', start: node.start, what: node.type === 'NewExpression' ? 'new Date()' : 'Date()', ref: reference(callee, scope) })
      }
      return
    }
    if (callee.type === 'MemberExpression' && node.type === 'CallExpression') {
      const object = unwrapTs(callee.object)
      const member = staticMemberName(callee)
      if (object.type === 'Identifier' && member !== undefined && IMPURE_CALLS[object.name]?.includes(member)) {
        // The reference itself is recorded by the member-expression visit; this one only decides globalness.
        const probe: Reference = { name: object.name, start: object.start, scope, write: false, type: false }
        events.push({ kind: 'impure', start: node.start, what: `${object.name}.${member}()`, ref: probe })
        probes.push(probe)
      }
    }
  }
  const probes: Reference[] = []

  for (const s of program.body) visit(s, module)

  const resolve = (ref: Reference) => {
    for (let s: Scope | null = ref.scope; s; s = s.parent) {
      const b = s.bindings.get(ref.name)
      if (b) {
        ref.binding = b
        return
      }
    }
    ref.binding = null
  }
  for (const ref of references) resolve(ref)
  for (const ref of probes) resolve(ref)
  return { module, references, events }
}
