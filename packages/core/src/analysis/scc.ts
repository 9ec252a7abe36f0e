import type { GraphNode } from './graph'
import { hashParts, HASH_FORMAT_VERSION } from './hash'

/**
 * Strongly connected components in reverse topological order (a component comes after every component
 * it reaches), by Tarjan's algorithm, iteratively so deep graphs cannot overflow the stack.
 */
export function stronglyConnectedComponents(nodes: Map<string, GraphNode>, start: string): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const components: string[][] = []
  let counter = 0
  const work: Array<{ id: string; edge: number }> = [{ id: start, edge: 0 }]
  index.set(start, counter)
  low.set(start, counter++)
  stack.push(start)
  onStack.add(start)
  while (work.length > 0) {
    const frame = work[work.length - 1]!
    const edges = nodes.get(frame.id)?.edges ?? []
    if (frame.edge < edges.length) {
      const target = edges[frame.edge++]![1]
      if (!nodes.has(target)) continue
      if (!index.has(target)) {
        index.set(target, counter)
        low.set(target, counter++)
        stack.push(target)
        onStack.add(target)
        work.push({ id: target, edge: 0 })
      } else if (onStack.has(target)) {
        low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!))
      }
      continue
    }
    work.pop()
    const parent = work[work.length - 1]
    if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!))
    if (low.get(frame.id) === index.get(frame.id)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== frame.id)
      components.push(component)
    }
  }
  return components
}

/** Hashes of acyclic nodes by node object and the hashes of their targets (in edge order). */
export type HashMemo = WeakMap<GraphNode, { targets: string[]; hash: string }>

/**
 * Hashes every node reachable from `start`. A node's hash covers its own content and, per edge label,
 * the hashes of what the label reaches, so swapping what two names mean changes the hash. Members of a
 * cycle are hashed together: the component's hash covers each member's content and inner edges by identity.
 */
export function hashGraph(nodes: Map<string, GraphNode>, start: string, memo?: HashMemo): Map<string, string> {
  const hashes = new Map<string, string>()
  const prefix = `persist-hash-v${HASH_FORMAT_VERSION}`
  for (const component of stronglyConnectedComponents(nodes, start)) {
    const members = new Set(component)
    const single = component.length === 1 && !nodes.get(component[0]!)!.edges.some(([, t]) => t === component[0])
    if (single) {
      const node = nodes.get(component[0]!)!
      const targets = node.edges.map(([, t]) => hashes.get(t) ?? '')
      // Same node object, same target hashes: the same hash, without hashing again.
      const known = memo?.get(node)
      if (known && known.targets.length === targets.length && known.targets.every((h, i) => h === targets[i])) {
        hashes.set(node.id, known.hash)
        continue
      }
      const edges = node.edges.filter(([, t]) => nodes.has(t)).map(([label, t]) => `${label}=${hashes.get(t)}`)
      edges.sort()
      const hash = hashParts([prefix, node.own, ...edges])
      memo?.set(node, { targets, hash })
      hashes.set(node.id, hash)
      continue
    }
    const descriptors = component.map((id) => {
      const node = nodes.get(id)!
      const edges = node.edges
        .filter(([, t]) => nodes.has(t))
        .map(([label, t]) => (members.has(t) ? `${label}=@${nodes.get(t)!.identity}` : `${label}=${hashes.get(t)}`))
      edges.sort()
      return hashParts([node.identity, node.own, ...edges])
    })
    descriptors.sort()
    const componentHash = hashParts([prefix, 'cycle', ...descriptors])
    for (const id of component) hashes.set(id, hashParts([componentHash, nodes.get(id)!.identity]))
  }
  return hashes
}
