import type { Diagnostic } from '../diagnostics'

/** A name a declaration reads from module scope (a local declaration or an import binding). */
export interface UnitRef {
  name: string
  /** `ns.member`: only this member of a namespace import is used here. */
  member?: string
  /** Only used in type positions: reaches classes (their runtime code), nothing else contributes. */
  type?: boolean
  /** Where it is first read (as a value), to point at it. */
  offset: number
  line: number
  column: number
}

/** Something a persisted function should be warned about, located in the file that contains it. */
export interface Finding {
  kind: 'impure' | 'mutable' | 'opaque'
  /** What was found, e.g. `Date.now()` or "module-level `let count`, reassigned at line 4". */
  what: string
  offset: number
  line: number
  column: number
}

/** One module-level declaration (or top-level statement): the unit a function hash depends on. */
export interface UnitSummary {
  /** Shown in `deps`: `helper`, `Svc`, `default`, `{ a, b }`, `statement at line 12`. */
  name: string
  kind: 'value' | 'class' | 'type' | 'statement'
  /** Hash of its canonical code; empty for type-only declarations, which contribute nothing themselves. */
  hash: string
  refs: UnitRef[]
  /** Literal specifiers of `import('…')` / `require('…')` inside it: the whole module namespace counts. */
  modules: Array<{ source: string; place: SourcePlace }>
  /** Contains `eval`, `new Function` or a computed dynamic import: the whole file counts. */
  opaque: boolean
  findings: Finding[]
  /** Declares a module-level `let`/`var` that is reassigned: reading it makes a function impure. */
  mutable?: { name: string; kind: string; line: number }
}

/** A persisted function found in the file. */
export interface RootSummary {
  name: string
  kind: 'function' | 'method' | 'static-method'
  /** `node.start` of the function node. */
  start: number
  /** Hash of its own canonical code plus its options. */
  hash: string
  refs: UnitRef[]
  modules: Array<{ source: string; place: SourcePlace }>
  opaque: boolean
  findings: Finding[]
  /** Index of the module-level unit that contains it. */
  unit: number
  /** The function depends on its enclosing unit too (a method using `this`, or names from an enclosing scope). */
  needsUnit: boolean
  /** `allowImpure: true` appears in its options: impurity warnings are accepted knowingly. */
  allowImpure: boolean
}

/** Where a specifier is written, to point warnings at it. */
export interface SourcePlace {
  offset: number
  line: number
  column: number
}

export interface ImportEntry {
  source: string
  imported: string
  place: SourcePlace
}

export type ExportEntry = { local: string } | { source: string; imported: string; place: SourcePlace }

/** What the analysis keeps of a parsed file; serialisable, cached by content hash. */
export interface FileSummary {
  /** local name → the module and the name imported from it (`default`, `*` for a namespace). */
  imports: Map<string, ImportEntry>
  /** exported name → local binding or re-export. */
  exports: Map<string, ExportEntry>
  /** `export * from '…'` specifiers, in order. */
  stars: Array<{ source: string; place: SourcePlace }>
  units: UnitSummary[]
  /** module-level name → indices of the units declaring it. */
  declared: Map<string, number[]>
  /** module-level name → other units that assign it or touch it at top level (they shape its value). */
  attached: Map<string, number[]>
  roots: RootSummary[]
  /** Reads `module`, `exports` or `require` as globals: its exports cannot be known statically. */
  commonjs: boolean
  /** Annotation errors and parse errors, located in this file. */
  diagnostics: Diagnostic[]
}
