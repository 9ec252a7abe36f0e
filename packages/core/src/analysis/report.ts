import { codeFrame, type Diagnostic } from '../diagnostics'
import { type GraphNode, type GraphProblem, HIDDEN } from './graph'
import type { Finding } from './summary'

const CODES: Record<Finding['kind'], string> = {
  impure: 'PERSIST_IMPURE',
  mutable: 'PERSIST_MUTABLE_BINDING',
  opaque: 'PERSIST_OPAQUE_DEPENDENCY',
}

function message(finding: Finding, name: string, id: string): string {
  switch (finding.kind) {
    case 'impure':
      return `Persisted function \`${name}\` (${id}) reaches ${finding.what}: its cached result will not change when this does. Pass the value as an argument, or set \`allowImpure: true\` in its @persist options if this is intended.`
    case 'mutable':
      return `Persisted function \`${name}\` (${id}) reads ${finding.what}: its cached result ignores later assignments. Pass the value as an argument, make it a \`const\`, or set \`allowImpure: true\` in its @persist options.`
    case 'opaque':
      return `Persisted function \`${name}\` (${id}) reaches ${finding.what}, whose dependencies cannot be followed statically: the whole module counts toward its hash, so any edit to this file recomputes it.`
  }
}

/**
 * The diagnostics of one persisted function: impure reads and opaque code found anywhere it reaches.
 * Impurity is a warning (an error with `strict`) unless the function allows it; opaque code always warns.
 */
export function functionDiagnostics(
  nodes: Map<string, GraphNode>,
  start: string,
  name: string,
  id: string,
  options: { strict: boolean; allowImpure: boolean },
  sourceOf: (file: string) => string | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = []
  const seen = new Set<string>()
  for (const nodeId of reachedForDiagnostics(nodes, start)) {
    const findings = nodes.get(nodeId)?.findings
    if (!findings) continue
    for (const f of findings.list) {
      if (f.kind !== 'opaque' && options.allowImpure) continue
      const key = `${findings.file}\0${f.offset}\0${f.kind}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({
        level: f.kind !== 'opaque' && options.strict ? 'error' : 'warning',
        code: CODES[f.kind],
        message: message(f, name, id),
        file: findings.file,
        line: f.line,
        column: f.column,
        offset: f.offset,
        ...frameOf(sourceOf, findings.file, f.offset),
      })
    }
  }
  // Code-point order: `localeCompare` costs ~8 ms on its first call, and its order depends on the locale.
  return out.sort((a, b) => (a.file === b.file ? a.offset - b.offset : a.file < b.file ? -1 : 1))
}

/** Nodes the function really reaches: hidden edges (writers of a binding, opaque modules) are not followed. */
function reachedForDiagnostics(nodes: Map<string, GraphNode>, start: string): string[] {
  const seen = new Set([start])
  const queue = [start]
  while (queue.length > 0) {
    for (const [label, target] of nodes.get(queue.pop()!)?.edges ?? []) {
      if (label.startsWith(HIDDEN) || seen.has(target)) continue
      seen.add(target)
      queue.push(target)
    }
  }
  return [...seen]
}

/**
 * Imports that could not be resolved: their target's code cannot count, so say so where they are written.
 * Warnings, errors with `strict`.
 */
export function problemDiagnostics(problems: GraphProblem[], strict: boolean, sourceOf: (file: string) => string | undefined): Diagnostic[] {
  return problems.map((p) => ({
    level: strict ? 'error' : 'warning',
    code: 'PERSIST_UNRESOLVED_IMPORT',
    message: p.message,
    file: p.file,
    line: p.place.line,
    column: p.place.column,
    offset: p.place.offset,
    ...frameOf(sourceOf, p.file, p.place.offset),
  }))
}

/** Code frames are made only for diagnostics that are reported, from the text the pass read. */
function frameOf(sourceOf: (file: string) => string | undefined, file: string, offset: number): { frame?: string } {
  const source = sourceOf(file)
  return source === undefined ? {} : { frame: codeFrame(source, offset) }
}
