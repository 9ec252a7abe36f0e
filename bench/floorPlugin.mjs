// The least any esbuild plugin rewriting the annotated modules costs: its filter names exactly those modules, and
// its onLoad returns what persist returned for them (captured by bench/build.mjs), doing nothing else.
import fs from 'node:fs'
import path from 'node:path'

/** A plugin whose filter names exactly the rewritten modules and whose onLoad returns their captured contents. */
export function floorPlugin(dir) {
  const contents = JSON.parse(fs.readFileSync(path.join(dir, 'floor.json'), 'utf8'))
  // Go's regexp walks every branch of a flat alternation at once: shared prefixes factored out, as the plugin does.
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const trie = (items) => {
    if (items.length === 1) return escape(items[0])
    let n = 0
    while (n < items[0].length && items.every((item) => item[n] === items[0][n])) n++
    const groups = new Map()
    for (const item of items) groups.set(item[n] ?? '', [...(groups.get(item[n] ?? '') ?? []), item.slice(n)])
    const branches = [...groups.values()].map((group) => (group[0] === '' ? '' : trie(group)))
    return `${escape(items[0].slice(0, n))}(?:${branches.join('|')})`
  }
  const filter = new RegExp(`^${trie(Object.keys(contents))}$`)
  return { name: 'floor', setup: (build) => build.onLoad({ filter }, (args) => ({ contents: contents[args.path], loader: 'js' })) }
}
