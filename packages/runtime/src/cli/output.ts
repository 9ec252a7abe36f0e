/** One place that decides between `--json` (for scripts, on stdout) and human text. */

/** Options every command accepts. */
export interface CommonOptions {
  dir?: string
  json?: boolean
}

/** Prints `data` as JSON with `--json`, else the human rendering. */
export function print(options: CommonOptions, data: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(data, jsonSafe, 2)}\n` : `${human()}\n`)
}

/** Arguments may hold values JSON has no form for: BigInt, Map, Set, typed arrays, undefined. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), v]))
  if (value instanceof Set) return [...value]
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>, Number)
  if (value === undefined) return null
  return value
}
