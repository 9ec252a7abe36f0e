import path from 'node:path'
import type { Resolution } from './resolver'
import { hashParts } from './hash'
import type { FileSummary, Finding, SourcePlace, UnitRef, UnitSummary } from './summary'

/** What the graph needs from the analyzer: summaries, resolution and external facts, all fresh. */
export interface GraphContext {
  summary(file: string): FileSummary | undefined
  resolve(fromFile: string, specifier: string): Resolution
  /** Name and version of the package a `package.json` belongs to, and the file they came from. */
  packageInfo(packageJson: string): { name: string; version: string; file: string } | undefined
  contentHash(file: string): string | undefined
  /** A file whose change can change a hash. */
  watch(file: string): void
}

/** A node of the dependency graph: a declaration, a persisted function, or something outside the code. */
export interface GraphNode {
  id: string
  /** Hash of the node's own content. */
  own: string
  /** Stable name of the node, used only inside cycles (where structure alone cannot order members). */
  identity: string
  /** Labelled edges: the label is the name the code uses, the target a node id. */
  edges: Array<[label: string, target: string]>
  /** For `deps`; absent for structural nodes (namespaces) and type-only declarations. */
  dep?: { file: string; declaration: string }
  /** Findings inside this node's code, with the file they are in. */
  findings?: { file: string; list: Finding[] }
}

/** Node kinds built from code summaries (cached across builders); the others are cheap and rebuilt. */
const CACHEABLE_RE = /^[rumn]:/

interface NodeInputs {
  files: Map<string, string | undefined>
  resolutions: Map<string, [from: string, specifier: string, result: string]>
  problems: GraphProblem[]
}

/** Built nodes with what they were built from, shared by the builders of one analyzer. */
export type NodeCache = Map<string, { node: GraphNode; inputs: NodeInputs }>

function resolutionKey(r: Resolution): string {
  switch (r.kind) {
    case 'code':
    case 'asset':
      return `${r.kind}:${r.path}`
    case 'package':
      return `package:${r.packageJson}`
    case 'builtin':
      return `builtin:${r.name}`
    case 'unresolved':
      return `unresolved:${r.error}`
  }
}

const NAMESPACE_HASH = hashParts(['namespace'])
const TYPE_HASH = hashParts(['type'])
/** The label of edges from a type position to the runtime declarations it names. */
const TYPES_LABEL = '@types'

/** Edge labels starting with this count for the hash but do not make their target "reached" for diagnostics. */
export const HIDDEN = '~'

interface Target {
  id: string
  attached: boolean
}

export interface GraphProblem {
  kind: 'unresolved'
  file: string
  place: SourcePlace
  message: string
}

/**
 * Builds the part of the dependency graph reachable from one persisted function, lazily, over cached
 * file summaries. Node ids: `u:<file>#<unit>`, `r:<file>#<root>`, `n:<file>` (namespace), `m:<file>`
 * (whole module), `p:<package.json>`, `b:<builtin>`, `a:<asset>`, `x:<unresolved>`.
 */
export class GraphBuilder {
  readonly nodes = new Map<string, GraphNode>()
  readonly problems: GraphProblem[] = []
  /** Code files the graph read. */
  readonly codeFiles = new Set<string>()
  private readonly ctx: GraphContext
  private readonly root: string
  private readonly cache: NodeCache
  private pending: string[] = []
  private queued = new Set<string>()
  /** What the node being built consults, so it can be reused while all of that is unchanged. */
  private tracking: NodeInputs | undefined

  /**
   * `cache` and `relCache` may be shared between builders of the same root (one per `analyzeFile`): a cached
   * node is reused only when every file it consulted has the same content and every import it resolved
   * resolves the same way.
   */
  constructor(ctx: GraphContext, root: string, cache: NodeCache = new Map(), relCache = new Map<string, string>()) {
    this.ctx = ctx
    this.root = root
    this.cache = cache
    this.relCache = relCache
  }

  /** Adds the node of a persisted function and everything it reaches. */
  addRoot(file: string, rootIndex: number): string {
    const id = `r:${file}#${rootIndex}`
    this.request(id)
    while (this.pending.length > 0) this.materialize(this.pending.pop()!)
    return id
  }

  private readonly relCache: Map<string, string>
  private rel(file: string): string {
    let rel = this.relCache.get(file)
    if (rel === undefined) this.relCache.set(file, (rel = path.relative(this.root, file).split(path.sep).join('/')))
    return rel
  }

  private request(id: string): void {
    if (this.queued.has(id)) return
    this.queued.add(id)
    this.pending.push(id)
  }

  private materialize(id: string): void {
    if (this.nodes.has(id)) return
    const node = this.reuse(id) ?? this.buildTracked(id)
    this.nodes.set(id, node)
    for (const [, target] of node.edges) this.request(target)
  }

  /** Builds a node, recording its inputs when it is of a kind worth caching (code-derived nodes). */
  private buildTracked(id: string): GraphNode {
    const cacheable = CACHEABLE_RE.test(id)
    const inputs: NodeInputs = { files: new Map(), resolutions: new Map(), problems: [] }
    this.tracking = cacheable ? inputs : undefined
    const node = this.build(id)
    this.tracking = undefined
    // The same name can reach a node along several paths; an edge counts once.
    const seen = new Set<string>()
    node.edges = node.edges.filter(([label, target]) => {
      const key = `${label}\0${target}`
      return !seen.has(key) && seen.add(key) !== undefined
    })
    if (cacheable) this.cache.set(id, { node, inputs })
    return node
  }

  /** A cached node whose inputs are all unchanged, with its side effects (watch files, problems) replayed. */
  private reuse(id: string): GraphNode | undefined {
    const cached = this.cache.get(id)
    if (!cached) return undefined
    const { files, resolutions, problems } = cached.inputs
    for (const [file, hash] of files) if (this.ctx.contentHash(file) !== hash) return undefined
    for (const [from, specifier, result] of resolutions.values()) if (resolutionKey(this.ctx.resolve(from, specifier)) !== result) return undefined
    for (const file of files.keys()) {
      this.ctx.watch(file)
      this.codeFiles.add(file)
    }
    for (const p of problems) this.addProblem(p)
    return cached.node
  }

  private addProblem(problem: GraphProblem): void {
    if (!this.problems.some((p) => p.file === problem.file && p.place.offset === problem.place.offset)) this.problems.push(problem)
  }

  private build(id: string): GraphNode {
    const kind = id.slice(0, 1)
    const rest = id.slice(2)
    switch (kind) {
      case 'r':
      case 'u': {
        const hashAt = rest.lastIndexOf('#')
        const file = rest.slice(0, hashAt)
        const index = Number(rest.slice(hashAt + 1))
        return kind === 'r' ? this.buildRoot(id, file, index) : this.buildUnit(id, file, index)
      }
      case 'n':
        return this.buildNamespace(id, rest)
      case 'm':
        return this.buildWholeModule(id, rest)
      case 'p': {
        const info = this.ctx.packageInfo(rest)
        if (info) this.ctx.watch(info.file)
        const name = info ? `${info.name}@${info.version}` : `(unreadable ${this.rel(rest)})`
        return { id, own: hashParts(['package', name]), identity: id, edges: [], dep: { file: this.rel(info?.file ?? rest), declaration: name } }
      }
      case 'b':
        // A built-in counts as a whole module (`*`): its name is the file, and repeating it as the declaration made
        // `persist explain` print `node:fs node:fs`. The hash (`own`) does not involve the declaration.
        return { id, own: hashParts(['builtin', rest]), identity: id, edges: [], dep: { file: rest, declaration: '*' } }
      case 'a': {
        this.ctx.watch(rest)
        const content = this.ctx.contentHash(rest) ?? '(missing)'
        return { id, own: hashParts(['asset', content]), identity: `a:${this.rel(rest)}`, edges: [], dep: { file: this.rel(rest), declaration: '(content)' } }
      }
      default: {
        const [from = '', specifier = ''] = rest.split('\0')
        return { id, own: hashParts(['unresolved', specifier]), identity: id, edges: [], dep: { file: from, declaration: `(unresolved '${specifier}')` } }
      }
    }
  }

  private summaryOf(file: string): FileSummary | undefined {
    this.ctx.watch(file)
    this.codeFiles.add(file)
    if (this.tracking && !this.tracking.files.has(file)) this.tracking.files.set(file, this.ctx.contentHash(file))
    return this.ctx.summary(file)
  }

  private buildRoot(id: string, file: string, index: number): GraphNode {
    const summary = this.summaryOf(file)
    const root = summary?.roots[index]
    if (!summary || !root) return { id, own: hashParts(['missing-root', id]), identity: id, edges: [] }
    const edges: GraphNode['edges'] = []
    const findings = [...root.findings]
    this.refEdges(file, summary, root.refs, edges, findings)
    for (const m of root.modules) this.moduleEdge(file, m.source, m.place, edges)
    if (root.opaque) edges.push([`${HIDDEN}opaque`, `m:${file}`])
    if (root.needsUnit && root.unit >= 0) edges.push(['@enclosing', `u:${file}#${root.unit}`])
    return { id, own: root.hash, identity: `r:${this.rel(file)}#${root.name}`, edges, findings: { file, list: findings } }
  }

  private buildUnit(id: string, file: string, index: number): GraphNode {
    const summary = this.summaryOf(file)
    const unit = summary?.units[index]
    if (!summary || !unit) return { id, own: hashParts(['missing-unit', id]), identity: id, edges: [] }
    // Reached as a whole (a namespace used as a value, an opaque module): a type contributes nothing.
    if (unit.kind === 'type') return { id, own: TYPE_HASH, identity: `u:${this.rel(file)}#type:${unit.name}`, edges: [] }
    const edges: GraphNode['edges'] = []
    const findings = [...unit.findings]
    this.refEdges(file, summary, unit.refs, edges, findings)
    for (const m of unit.modules) this.moduleEdge(file, m.source, m.place, edges)
    if (unit.opaque) edges.push([`${HIDDEN}opaque`, `m:${file}`])
    const node: GraphNode = {
      id,
      own: hashParts([unit.kind, unit.hash]),
      identity: `u:${this.rel(file)}#${unit.kind}:${unit.kind === 'statement' ? unit.hash : unit.name}`,
      edges,
      dep: { file: this.rel(file), declaration: unit.name },
    }
    if (findings.length > 0) node.findings = { file, list: findings }
    return node
  }

  /** Every export of a module: what `import * as ns` used as a whole value reaches. */
  private buildNamespace(id: string, file: string): GraphNode {
    const summary = this.summaryOf(file)
    const edges: GraphNode['edges'] = []
    if (summary?.commonjs) edges.push(['*', `m:${file}`])
    if (summary) {
      for (const name of summary.exports.keys()) for (const t of this.exportTargets(file, name, new Set())) edges.push([`*${name}`, t.id])
      for (const star of summary.stars) {
        const target = this.resolveTo(file, star.source, star.place)
        edges.push(['*', target.kind === 'code' ? `n:${target.path}` : target.id])
      }
    }
    return { id, own: NAMESPACE_HASH, identity: `n:${this.rel(file)}`, edges }
  }

  /** Every declaration and import of a module: what code that cannot be followed statically may reach. */
  private buildWholeModule(id: string, file: string): GraphNode {
    const summary = this.summaryOf(file)
    const edges: GraphNode['edges'] = []
    if (summary) {
      summary.units.forEach((_, i) => edges.push([`${HIDDEN}#${i}`, `u:${file}#${i}`]))
      for (const name of summary.imports.keys()) for (const t of this.nameTargets(file, summary, name)) edges.push([`${HIDDEN}${name}`, t.id])
      for (const star of summary.stars) {
        const target = this.resolveTo(file, star.source, star.place)
        edges.push(['*', target.kind === 'code' ? `n:${target.path}` : target.id])
      }
    }
    return { id, own: hashParts(['module', this.ctx.contentHash(file) ?? '']), identity: `m:${this.rel(file)}`, edges, dep: { file: this.rel(file), declaration: '*' } }
  }

  private refEdges(file: string, summary: FileSummary, refs: UnitRef[], edges: GraphNode['edges'], findings: Finding[]): void {
    for (const ref of refs) {
      const label = ref.member === undefined ? ref.name : `${ref.name}.${ref.member}`
      const typed: Target[] = []
      for (const target of this.nameTargets(file, summary, ref.name, ref.member)) {
        if (ref.type || this.unitOf(target.id)?.unit.kind === 'type') {
          typed.push(target)
          continue
        }
        edges.push([target.attached ? `${HIDDEN}${label}` : label, target.id])
        if (!target.attached) this.importedMutable(file, ref, target.id, findings)
      }
      if (typed.length === 0) continue
      // One label for the whole set: which interface or alias led to a class must not matter, only the class.
      const reached = new Set<string>()
      this.typeReach(typed, reached, new Set())
      for (const id of reached) edges.push([TYPES_LABEL, id])
    }
  }

  /**
   * What a type position reaches at run time. Interfaces and type aliases contribute nothing themselves, so
   * they are looked through; a class (or any runtime declaration) named in a type is what counts.
   */
  private typeReach(targets: Target[], out: Set<string>, visiting: Set<string>): void {
    for (const target of targets) {
      const found = this.unitOf(target.id)
      if (!found || found.unit.kind !== 'type') {
        out.add(target.id)
        continue
      }
      if (visiting.has(target.id)) continue
      visiting.add(target.id)
      for (const ref of found.unit.refs) this.typeReach(this.nameTargets(found.file, found.summary, ref.name, ref.member), out, visiting)
      for (const m of found.unit.modules) {
        const resolved = this.resolveTo(found.file, m.source, m.place)
        out.add(resolved.kind === 'code' ? `n:${resolved.path}` : resolved.id)
      }
    }
  }

  /** The summary and unit behind a `u:` node id. */
  private unitOf(id: string): { file: string; summary: FileSummary; unit: UnitSummary } | undefined {
    if (!id.startsWith('u:')) return undefined
    const hashAt = id.lastIndexOf('#')
    const file = id.slice(2, hashAt)
    const summary = this.summaryOf(file)
    const unit = summary?.units[Number(id.slice(hashAt + 1))]
    return summary && unit ? { file, summary, unit } : undefined
  }

  /** A read of another module's reassigned `let`/`var` through an import is reported where it is read. */
  private importedMutable(file: string, ref: UnitRef, target: string, findings: Finding[]): void {
    if (!target.startsWith('u:')) return
    const hashAt = target.lastIndexOf('#')
    const targetFile = target.slice(2, hashAt)
    if (targetFile === file) return
    const mutable = this.summaryOf(targetFile)?.units[Number(target.slice(hashAt + 1))]?.mutable
    if (!mutable) return
    findings.push({
      kind: 'mutable',
      what: `\`${ref.name}\`, a module-level \`${mutable.kind} ${mutable.name}\` of ${this.rel(targetFile)} that is reassigned at line ${mutable.line}`,
      offset: ref.offset,
      line: ref.line,
      column: ref.column,
    })
  }

  private moduleEdge(file: string, specifier: string, place: SourcePlace, edges: GraphNode['edges']): void {
    const target = this.resolveTo(file, specifier, place)
    edges.push([`@import:${specifier}`, target.kind === 'code' ? `n:${target.path}` : target.id])
  }

  /**
   * The nodes a module-level name in `file` stands for. `attached` marks units that only shape the
   * value (assignments elsewhere, top-level statements touching it): they count, but are not "reached".
   */
  private nameTargets(file: string, summary: FileSummary, name: string, member?: string): Target[] {
    const out: Target[] = []
    for (const i of summary.declared.get(name) ?? []) out.push({ id: `u:${file}#${i}`, attached: false })
    for (const i of summary.attached.get(name) ?? []) out.push({ id: `u:${file}#${i}`, attached: true })
    const imported = summary.imports.get(name)
    if (imported) {
      const target = this.resolveTo(file, imported.source, imported.place)
      if (target.kind !== 'code') out.push({ id: target.id, attached: false })
      else if (imported.imported !== '*') out.push(...this.exportTargets(target.path, imported.imported, new Set()))
      else if (member !== undefined) out.push(...this.exportTargets(target.path, member, new Set()))
      else out.push({ id: `n:${target.path}`, attached: false })
    }
    return out
  }

  /** The nodes an exported name of a module stands for, through re-exports and `export *`. */
  private exportTargets(file: string, name: string, visiting: Set<string>): Target[] {
    const key = `${file}\0${name}`
    if (visiting.has(key)) return []
    visiting.add(key)
    const summary = this.summaryOf(file)
    if (!summary || summary.commonjs) return [{ id: `m:${file}`, attached: false }]
    const entry = summary.exports.get(name)
    if (entry) {
      if ('local' in entry) return this.nameTargets(file, summary, entry.local)
      const target = this.resolveTo(file, entry.source, entry.place)
      if (target.kind !== 'code') return [{ id: target.id, attached: false }]
      return entry.imported === '*' ? [{ id: `n:${target.path}`, attached: false }] : this.exportTargets(target.path, entry.imported, visiting)
    }
    if (name !== 'default') {
      const found: Target[] = []
      for (const star of summary.stars) {
        const target = this.resolveTo(file, star.source, star.place)
        if (target.kind !== 'code') found.push({ id: target.id, attached: false })
        else if (this.exportsName(target.path, name, new Set())) found.push(...this.exportTargets(target.path, name, visiting))
      }
      if (found.length > 0) return found
    }
    // Not a known export (CommonJS, or a name the module does not have): the whole module counts.
    return [{ id: `m:${file}`, attached: false }]
  }

  private exportsName(file: string, name: string, visiting: Set<string>): boolean {
    if (visiting.has(file)) return false
    visiting.add(file)
    const summary = this.summaryOf(file)
    if (!summary) return false
    if (summary.exports.has(name)) return true
    if (name === 'default') return false
    return summary.stars.some((star) => {
      const target = this.resolveTo(file, star.source, star.place)
      return target.kind !== 'code' || this.exportsName(target.path, name, visiting)
    })
  }

  private resolveTo(file: string, specifier: string, place: SourcePlace): { kind: 'code'; path: string } | { kind: 'other'; id: string } {
    const r = this.ctx.resolve(file, specifier)
    this.tracking?.resolutions.set(`${file}\0${specifier}`, [file, specifier, resolutionKey(r)])
    switch (r.kind) {
      case 'code':
        return r
      case 'asset':
        return { kind: 'other', id: `a:${r.path}` }
      case 'package':
        return { kind: 'other', id: `p:${r.packageJson}` }
      case 'builtin':
        return { kind: 'other', id: `b:${r.name}` }
      case 'unresolved':
        {
          const problem: GraphProblem = { kind: 'unresolved', file, place, message: `cannot resolve '${specifier}' (${r.error}); only the specifier counts toward the hash` }
          this.tracking?.problems.push(problem)
          this.addProblem(problem)
        }
        return { kind: 'other', id: `x:${this.rel(file)}\0${specifier}` }
    }
  }
}
