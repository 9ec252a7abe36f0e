import { type AstNode, findAnnotatedFunctions } from '../annotations'
import { diagnosticAt } from '../diagnostics'
import { canonicalPrint } from './canonical'
import { hashParts, HASH_FORMAT_VERSION } from './hash'
import { createLineIndex } from './lines'
import { type ParsedModule, oxcParser, parseModule } from './parse'
import { analyzeScopes, type Reference, type ScopeAnalysis } from './scope'
import type { ExportEntry, FileSummary, Finding, RootSummary, SourcePlace, UnitRef, UnitSummary } from './summary'

type LineIndex = ReturnType<typeof createLineIndex>

interface UnitDraft {
  summary: UnitSummary
  names: string[]
  start: number
  end: number
}

const ALLOW_IMPURE_RE = /\ballowImpure\s*:\s*true\b/

function exportedName(node: AstNode): string {
  return node.type === 'Identifier' ? node.name : String(node.value)
}

function patternNames(pattern: AstNode | null, out: string[] = []): string[] {
  if (!pattern) return out
  switch (pattern.type) {
    case 'Identifier':
      out.push(pattern.name)
      break
    case 'ObjectPattern':
      for (const p of pattern.properties) patternNames(p.type === 'RestElement' ? p.argument : p.value, out)
      break
    case 'ArrayPattern':
      for (const e of pattern.elements) patternNames(e, out)
      break
    case 'AssignmentPattern':
      patternNames(pattern.left, out)
      break
    case 'RestElement':
      patternNames(pattern.argument, out)
      break
  }
  return out
}

/** Canonical text by node, within one file: a persisted function declaration is both a unit and a root. */
type Printer = (node: AstNode) => string

function createPrinter(): Printer {
  const printed = new Map<AstNode, string>()
  return (node) => {
    let text = printed.get(node)
    if (text === undefined) printed.set(node, (text = canonicalPrint(node)))
    return text
  }
}

/** Hash of what a unit's code does; the format version is part of every hash. */
function codeHash(kind: string, node: AstNode, print: Printer): string {
  return hashParts([`v${HASH_FORMAT_VERSION}`, kind, print(node)])
}

/** Options are code (evaluated at run time), so they count in their canonical form too. */
function optionsHash(optionsText: string | undefined): string {
  if (optionsText === undefined) return ''
  const parsed = oxcParser().parseSync('options.ts', `(${optionsText})`, { lang: 'ts', preserveParens: false })
  const statement = parsed.program.body[0] as AstNode | undefined
  if (parsed.errors.length === 0 && statement?.type === 'ExpressionStatement') return canonicalPrint(statement.expression)
  return optionsText.replace(/\s+/g, ' ')
}

/**
 * Parses a file and reduces it to what hashing needs: its imports and exports, one hashed unit per
 * module-level declaration with the module-level names it reads, and its persisted functions.
 */
export function summarizeFile(file: string, code: string, parsed: ParsedModule = parseModule(file, code)): FileSummary {
  const summary: FileSummary = {
    imports: new Map(),
    exports: new Map(),
    stars: [],
    units: [],
    declared: new Map(),
    attached: new Map(),
    roots: [],
    commonjs: false,
    diagnostics: [],
  }
  if (parsed.errors.length > 0) {
    // Unparseable: the whole text counts, so nothing in it can go stale.
    const first = parsed.errors[0]!
    const offset = first.labels?.[0]?.start ?? 0
    summary.diagnostics.push(
      diagnosticAt('warning', 'PERSIST_PARSE_ERROR', `Cannot parse this file (${first.message}); its whole text counts toward the hash of functions that import it.`, file, code, offset),
    )
    summary.units.push({ name: '(whole file)', kind: 'statement', hash: hashParts([`v${HASH_FORMAT_VERSION}`, 'text', code]), refs: [], modules: [], opaque: false, findings: [] })
    return summary
  }

  const program = parsed.program
  const scopes = analyzeScopes(program)
  const lineOf = createLineIndex(code)
  const print = createPrinter()
  const drafts = collectUnits(program, lineOf, summary, print)
  drafts.sort((a, b) => a.start - b.start)
  summary.units = drafts.map((d) => d.summary)
  drafts.forEach((d, i) => {
    for (const name of d.names) push(summary.declared, name, i)
  })

  const unitAt = (offset: number): number => {
    let lo = 0
    let hi = drafts.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const d = drafts[mid]!
      if (offset < d.start) hi = mid - 1
      else if (offset >= d.end) lo = mid + 1
      else return mid
    }
    return -1
  }

  let readsRequire = false
  const mutable = findMutableBindings(scopes, lineOf)
  for (const [name, line] of mutable) {
    const b = scopes.module.bindings.get(name)!
    for (const i of summary.declared.get(name) ?? []) summary.units[i]!.mutable = { name, kind: b.kind, line }
  }
  const placeAt = (offset: number): SourcePlace => ({ offset, ...lineOf(offset) })
  const findingAt = (kind: Finding['kind'], what: string, offset: number): Finding => ({ kind, what, offset, ...lineOf(offset) })

  for (const ref of scopes.references) {
    const b = ref.binding
    if (b === null && (ref.name === 'module' || ref.name === 'exports')) summary.commonjs = true
    if (b === null && ref.name === 'require') readsRequire = true
    if (!b || b.scope !== scopes.module) continue
    const index = unitAt(ref.start)
    if (index === -1) continue
    const draft = drafts[index]!
    addRef(draft.summary.refs, ref, lineOf)
    if ((ref.write || draft.summary.kind === 'statement') && !draft.names.includes(ref.name)) {
      const list = summary.attached.get(ref.name) ?? []
      if (!list.includes(index)) list.push(index)
      summary.attached.set(ref.name, list)
    }
    const written = mutable.get(ref.name)
    if (written !== undefined && !ref.type) draft.summary.findings.push(findingAt('mutable', mutableWhat(b.kind, ref.name, written), ref.start))
  }

  // `require` alone does not make a module CommonJS when it also has ES exports.
  if (readsRequire && summary.exports.size === 0 && summary.stars.length === 0) summary.commonjs = true

  for (const event of scopes.events) {
    const index = unitAt(event.start)
    if (index === -1) continue
    const unit = drafts[index]!.summary
    if (event.kind === 'module') unit.modules.push({ source: event.specifier, place: placeAt(event.start) })
    else if (event.kind === 'opaque' && (!event.ref || event.ref.binding === null)) {
      unit.opaque = true
      unit.findings.push(findingAt('opaque', event.what, event.start))
    } else if (event.kind === 'impure' && event.ref.binding === null) unit.findings.push(findingAt('impure', event.what, event.start))
  }

  // Without the word no comment can be an annotation: most files reached are not annotated, and their comment
  // list (JSDoc included) need not be built at all.
  const annotated = code.includes('@persist') ? findAnnotatedFunctions(program, parsed.comments, code, file) : { functions: [], diagnostics: [] }
  summary.diagnostics.push(...annotated.diagnostics)
  for (const fn of annotated.functions) {
    const node = fn.node
    const root: RootSummary = {
      name: fn.name,
      kind: fn.kind,
      start: node.start,
      hash: hashParts([`v${HASH_FORMAT_VERSION}`, 'root', fn.kind, print(node), optionsHash(fn.optionsText)]),
      refs: [],
      modules: [],
      opaque: false,
      findings: [],
      unit: unitAt(node.start),
      needsUnit: false,
      allowImpure: ALLOW_IMPURE_RE.test(fn.optionsText ?? ''),
    }
    const inside = (offset: number) => offset >= node.start && offset < node.end
    for (const ref of scopes.references) {
      if (!inside(ref.start) || !ref.binding) continue
      const scope = ref.binding.scope
      if (scope === scopes.module) {
        addRef(root.refs, ref, lineOf)
        const written = mutable.get(ref.name)
        if (written !== undefined && !ref.type) root.findings.push(findingAt('mutable', mutableWhat(ref.binding.kind, ref.name, written), ref.start))
      } else if (!(scope.start >= node.start && scope.end <= node.end) && ref.binding.kind !== 'type') {
        root.needsUnit = true
      }
    }
    for (const event of scopes.events) {
      if (!inside(event.start)) continue
      if (event.kind === 'this') {
        if (fn.kind !== 'function') root.needsUnit = true
      } else if (event.kind === 'module') root.modules.push({ source: event.specifier, place: placeAt(event.start) })
      else if (event.kind === 'opaque' && (!event.ref || event.ref.binding === null)) {
        root.opaque = true
        root.findings.push(findingAt('opaque', event.what, event.start))
      } else if (event.kind === 'impure' && event.ref.binding === null) root.findings.push(findingAt('impure', event.what, event.start))
    }
    summary.roots.push(root)
  }
  return summary
}

function mutableWhat(kind: string, name: string, writtenAt: number): string {
  return `module-level \`${kind} ${name}\`, which is reassigned at line ${writtenAt}`
}

function push(map: Map<string, number[]>, key: string, value: number) {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/** Index of each ref list by `name.member`, so a unit with many references stays linear. */
const refIndex = new WeakMap<UnitRef[], Map<string, UnitRef>>()

function addRef(refs: UnitRef[], ref: Reference, lineOf: LineIndex) {
  let index = refIndex.get(refs)
  if (!index) refIndex.set(refs, (index = new Map()))
  const key = ref.member === undefined ? ref.name : `${ref.name}\0${ref.member}`
  const existing = index.get(key)
  if (existing) {
    if (!ref.type && existing.type) {
      delete existing.type
      Object.assign(existing, { offset: ref.start, ...lineOf(ref.start) })
    }
    return
  }
  const entry: UnitRef = { name: ref.name, offset: ref.start, ...lineOf(ref.start) }
  if (ref.member !== undefined) entry.member = ref.member
  if (ref.type) entry.type = true
  refs.push(entry)
  index.set(key, entry)
}

/** Module-level bindings that are assigned after their declaration, with the line of the first assignment. */
function findMutableBindings(scopes: ScopeAnalysis, lineOf: LineIndex): Map<string, number> {
  const mutable = new Map<string, number>()
  for (const ref of scopes.references) {
    const b = ref.binding
    if (!ref.write || !b || b.scope !== scopes.module || mutable.has(ref.name)) continue
    if (b.kind === 'const' || b.kind === 'import') continue
    mutable.set(ref.name, lineOf(ref.start).line)
  }
  return mutable
}

function collectUnits(program: AstNode, lineOf: LineIndex, summary: FileSummary, print: Printer): UnitDraft[] {
  const drafts: UnitDraft[] = []
  const place = (offset: number): SourcePlace => ({ offset, ...lineOf(offset) })
  const unit = (name: string, kind: UnitSummary['kind'], names: string[], node: AstNode, hashed: AstNode) => {
    // Decorators of an exported class stand before `export`, outside the statement's range.
    const decorators: AstNode[] = [...(node.decorators ?? []), ...(hashed.decorators ?? []), ...(node.declaration?.decorators ?? [])]
    const start = Math.min(node.start, ...decorators.map((d) => d.start))
    const end = node.end
    drafts.push({
      summary: { name, kind, hash: kind === 'type' ? '' : codeHash(kind, hashed, print), refs: [], modules: [], opaque: false, findings: [] },
      names,
      start,
      end,
    })
  }

  const declaration = (decl: AstNode) => {
    switch (decl.type) {
      case 'FunctionDeclaration':
        if (decl.id && decl.body && !decl.declare) unit(decl.id.name, 'value', [decl.id.name], decl, decl)
        return true
      case 'TSDeclareFunction':
        return true
      case 'ClassDeclaration':
        if (decl.id) unit(decl.id.name, decl.declare ? 'type' : 'class', [decl.id.name], decl, decl)
        return true
      case 'VariableDeclaration':
        if (decl.declare) return true
        for (const d of decl.declarations) {
          const names = patternNames(d.id)
          const display = d.id.type === 'Identifier' ? d.id.name : `{ ${names.join(', ')} }`
          const isClass = d.init?.type === 'ClassExpression'
          unit(display, isClass ? 'class' : 'value', names, d, { type: 'VariableDeclaration', kind: decl.kind, declarations: [d], start: d.start, end: d.end })
        }
        return true
      case 'TSEnumDeclaration':
        unit(decl.id.name, decl.declare ? 'type' : 'value', [decl.id.name], decl, decl)
        return true
      case 'TSModuleDeclaration':
        if (decl.id.type === 'Identifier') unit(decl.id.name, decl.declare ? 'type' : 'value', [decl.id.name], decl, decl)
        return true
      case 'TSInterfaceDeclaration':
      case 'TSTypeAliasDeclaration':
        unit(decl.id.name, 'type', [decl.id.name], decl, decl)
        return true
    }
    return false
  }

  for (const statement of program.body as AstNode[]) {
    switch (statement.type) {
      case 'ImportDeclaration':
        for (const s of statement.specifiers) {
          const imported = s.type === 'ImportDefaultSpecifier' ? 'default' : s.type === 'ImportNamespaceSpecifier' ? '*' : exportedName(s.imported)
          summary.imports.set(s.local.name, { source: statement.source.value, imported, place: place(statement.source.start) })
        }
        continue
      case 'TSImportEqualsDeclaration':
        if (statement.moduleReference.type === 'TSExternalModuleReference') {
          summary.imports.set(statement.id.name, { source: statement.moduleReference.expression.value, imported: '*', place: place(statement.start) })
        } else unit(statement.id.name, 'value', [statement.id.name], statement, statement)
        continue
      case 'ExportAllDeclaration':
        if (statement.exported) summary.exports.set(exportedName(statement.exported), { source: statement.source.value, imported: '*', place: place(statement.source.start) })
        else summary.stars.push({ source: statement.source.value, place: place(statement.source.start) })
        continue
      case 'ExportNamedDeclaration':
        if (statement.declaration) {
          declaration(statement.declaration)
          for (const name of declaredNames(statement.declaration)) summary.exports.set(name, { local: name })
        }
        for (const s of statement.specifiers) {
          const entry: ExportEntry = statement.source
            ? { source: statement.source.value, imported: exportedName(s.local), place: place(statement.source.start) }
            : { local: exportedName(s.local) }
          summary.exports.set(exportedName(s.exported), entry)
        }
        continue
      case 'ExportDefaultDeclaration': {
        const d = statement.declaration
        if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id) {
          declaration(d)
          summary.exports.set('default', { local: d.id.name })
        } else if (d.type === 'TSInterfaceDeclaration') {
          declaration(d)
        } else {
          unit('default', d.type === 'ClassDeclaration' || d.type === 'ClassExpression' ? 'class' : 'value', ['*default*'], statement, d)
          summary.exports.set('default', { local: '*default*' })
        }
        continue
      }
      case 'TSExportAssignment':
        unit('default', 'value', ['*default*'], statement, statement.expression)
        summary.exports.set('default', { local: '*default*' })
        continue
      case 'TSNamespaceExportDeclaration':
        continue
    }
    if (declaration(statement)) continue
    unit(`statement at line ${lineOf(statement.start).line}`, 'statement', [], statement, statement)
  }
  return drafts
}

function declaredNames(decl: AstNode): string[] {
  if (decl.type === 'VariableDeclaration') return decl.declarations.flatMap((d: AstNode) => patternNames(d.id))
  return decl.id?.type === 'Identifier' ? [decl.id.name] : []
}

