/** Characters with a meaning in a Go (RE2) or JavaScript regexp. */
const SPECIAL_RE = /[.*+?^${}()|[\]\\]/g

/**
 * An esbuild filter matching exactly `paths`. esbuild runs filters in Go, whose regexp engine walks every
 * branch of an alternation at once: 200 paths as `^(?:a|b|…)$` cost it more than the build saves. Shared
 * prefixes are factored out instead (`^/src/(?:a(?:dd\.js|…)|…)$`), so each character picks one branch.
 */
export function pathsFilter(paths: readonly string[]): RegExp {
  // No paths: a filter no path matches (paths are never empty).
  if (paths.length === 0) return /^$/
  return new RegExp(`^${alternation([...new Set(paths)].sort())}$`)
}

/** A pattern matching exactly `items` (sorted, distinct). */
function alternation(items: string[]): string {
  if (items.length === 1) return escape(items[0]!)
  const prefix = commonPrefix(items[0]!, items[items.length - 1]!)
  const branches: string[] = []
  let i = 0
  // Sorted, so an item equal to the prefix comes first; `(?:|x)` is valid in both engines.
  if (items[0]!.length === prefix.length) {
    branches.push('')
    i = 1
  }
  while (i < items.length) {
    const next = String.fromCodePoint(items[i]!.codePointAt(prefix.length)!)
    let j = i + 1
    while (j < items.length && items[j]!.startsWith(next, prefix.length)) j++
    branches.push(alternation(items.slice(i, j).map((item) => item.slice(prefix.length))))
    i = j
  }
  return `${escape(prefix)}(?:${branches.join('|')})`
}

/** The longest common prefix of the first and last of sorted strings, which all of them share; whole code points. */
function commonPrefix(first: string, last: string): string {
  let n = 0
  while (n < first.length && first[n] === last[n]) n++
  // Never split a surrogate pair: Go reads the pattern as UTF-8.
  if (n > 0 && /[\uD800-\uDBFF]/.test(first[n - 1]!)) n--
  return first.slice(0, n)
}

const escape = (text: string): string => text.replace(SPECIAL_RE, '\\$&')
