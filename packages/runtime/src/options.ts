/**
 * Per-function options: their types, the list the plugin validates comments against, and the validation the
 * runtime runs on first call and `configure` runs on defaults. This module has no side effects and imports
 * nothing from the rest of the runtime, so the plugin can import it at build time.
 */

/** Maps a parameter's value to what goes into the key; `null` leaves the parameter out of the key. */
export type KeyMapper = ((value: any) => unknown) | null

/**
 * How the cache key is built from the call.
 * - a map from parameter name (or `this` for methods) to `null` (leave out) or a function (map the value);
 * - or one function receiving an object of all named values, whose result is the key.
 */
export type KeyOption = { [param: string]: KeyMapper } | ((args: Record<string, unknown>) => unknown)

export type StoreKind = 'memory' | 'disk' | 'hybrid'

/** Options of one persisted function, given in its `@persist({...})` comment or as defaults to `configure`. */
export interface FunctionOptions {
  /** Stable id that replaces the `<file>#<name>` id, so a function can move between files and keep its cache. */
  name?: string
  /** Bump to invalidate every entry of the function by hand. @default undefined */
  version?: string | number
  /** Which parts of the call make up the key. @default every parameter (and `this` for methods) */
  key?: KeyOption
  /** Time to live: seconds, or a duration string such as `'30m'`, `'1h'`, `'2d'`. @default forever */
  ttl?: number | string
  /** Where entries live. @default 'hybrid' (memory in front of disk) */
  store?: StoreKind
  /** Most entries kept in memory per function. @default 1024 */
  maxSize?: number
  /** Most bytes (serialized size) kept in memory per function. @default unbounded */
  maxBytes?: number
  /** Namespace of an entry (a user, a tenant); entries of one scope can be cleared alone. @default none */
  scope?: () => string
  /** Turns a result into bytes. @default v8 structured serialization */
  serialize?: (value: any) => Uint8Array
  /** Turns bytes back into a result; pairs with `serialize`. */
  deserialize?: (bytes: Buffer) => unknown
  /** Payload format when no `serialize` is given: `'json'` keeps entries readable. @default 'v8' */
  format?: 'v8' | 'json'
  /**
   * Names of parameters that hold paths of files the function writes. They are left out of the key; the files'
   * bytes are stored with the entry and written back to the call's paths on a hit, without running the function.
   * @default []
   */
  outFiles?: string[]
  /**
   * Name of the parameter that seeds `random()`: the stream then depends on that parameter's value alone (and the
   * parameter is always part of the key). @default none: the stream is seeded from the whole call's key
   */
  seed?: string
  /**
   * Processes sharing the cache directory compute a key once: the first takes a lock file next to the entry, the
   * others wait for its entry (sync functions sleep, async ones poll without blocking). A lock whose owner died is
   * taken over; a wait longer than `PERSIST_LOCK_WAIT_MS` (10 minutes) computes anyway. Needs a disk tier.
   * @default false
   */
  lock?: boolean
  /** Throw instead of warning when a result cannot be stored faithfully. @default false */
  strict?: boolean
}

/** Every option name a `@persist({...})` comment may use. */
export const functionOptionNames = [
  'name',
  'version',
  'key',
  'ttl',
  'store',
  'maxSize',
  'maxBytes',
  'scope',
  'serialize',
  'deserialize',
  'format',
  'outFiles',
  'seed',
  'lock',
  'strict',
] as const satisfies readonly (keyof FunctionOptions)[]

const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * Milliseconds of a duration: a number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`, any case, spaces allowed) or a
 * plain number of seconds (`'30'`); `undefined` when `text` is not one. The one grammar of the `ttl` option and of
 * the CLI's ages (`--max-age`, `--tmp-age`).
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_RE.exec(text)
  return match ? Number(match[1]) * UNIT_MS[(match[2] ?? 's').toLowerCase()]! : undefined
}

/** Seconds of a `ttl` option, or `undefined` when it is not a positive duration. */
export function parseTtl(ttl: number | string): number | undefined {
  if (typeof ttl === 'number') return Number.isFinite(ttl) && ttl > 0 ? ttl : undefined
  const ms = typeof ttl === 'string' ? parseDuration(ttl) : undefined
  return ms !== undefined && ms > 0 ? ms / 1000 : undefined
}

/** Edit distance, for "did you mean" suggestions. */
function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}

/** The closest known name to `name`, if it is close enough to be a typo. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance]
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

/** Rejects a `name` that could escape the cache directory. */
function checkName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string'
  if (name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name)) return 'must not be an absolute path'
  if (name.split(/[/\\]/).some((part) => part === '..' || part === '.')) return 'must not contain ".." or "." segments'
  if (name.includes('\0')) return 'must not contain a NUL character'
  return undefined
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > 0
}

/** Returns why `value` is not valid for option `name`, or `undefined` when it is. */
function checkOption(name: string, value: unknown): string | undefined {
  switch (name) {
    case 'name':
      return checkName(value)
    case 'version':
      return typeof value === 'string' || typeof value === 'number' ? undefined : 'must be a string or a number'
    case 'key':
      if (typeof value === 'function') return undefined
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return 'must be a function of all arguments or an object mapping parameter names to null or a function'
      }
      for (const [param, mapper] of Object.entries(value)) {
        if (mapper !== null && typeof mapper !== 'function') {
          return `entry "${param}" must be null (leave out) or a function (map the value), got ${typeof mapper}`
        }
      }
      return undefined
    case 'ttl':
      return parseTtl(value as number | string) === undefined
        ? `must be a positive number of seconds or a duration such as '30m', '1h', '2d' (got ${JSON.stringify(value)})`
        : undefined
    case 'store':
      return value === 'memory' || value === 'disk' || value === 'hybrid'
        ? undefined
        : `must be 'memory', 'disk' or 'hybrid' (got ${JSON.stringify(value)})`
    case 'maxSize':
    case 'maxBytes':
      return isPositiveInteger(value) ? undefined : `must be a positive integer (got ${JSON.stringify(value)})`
    case 'scope':
    case 'serialize':
    case 'deserialize':
      return typeof value === 'function' ? undefined : 'must be a function'
    case 'format':
      return value === 'v8' || value === 'json' ? undefined : `must be 'v8' or 'json' (got ${JSON.stringify(value)})`
    case 'outFiles':
      return Array.isArray(value) && value.every((file) => typeof file === 'string' && file.length > 0)
        ? undefined
        : 'must be an array of file paths (strings)'
    case 'lock':
    case 'strict':
      return typeof value === 'boolean' ? undefined : 'must be true or false'
    case 'seed':
      return typeof value === 'string' && value.length > 0 ? undefined : `must name a parameter (a string), got ${JSON.stringify(value)}`
    default:
      return undefined
  }
}

/**
 * Throws a TypeError naming `where` (a function id or `configure()`) and the option when `options` holds an
 * unknown option (with a "did you mean" suggestion) or an invalid value. `extraNames` are further names the
 * caller accepts (e.g. `dir` and `mode` for `configure`).
 */
export function validateFunctionOptions(
  options: unknown,
  where: string,
  extraNames: readonly string[] = [],
): asserts options is FunctionOptions {
  if (options === undefined) return
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`persist: options of ${where} must be an object, got ${options === null ? 'null' : typeof options}`)
  }
  const known: readonly string[] = [...functionOptionNames, ...extraNames]
  for (const [name, value] of Object.entries(options)) {
    if (!known.includes(name)) {
      const close = suggest(name, known)
      throw new TypeError(
        `persist: unknown option "${name}" in ${where}.${close ? ` Did you mean "${close}"?` : ''} Known options: ${known.join(', ')}.`,
      )
    }
    if (value === undefined || extraNames.includes(name)) continue
    const problem = checkOption(name, value)
    if (problem) throw new TypeError(`persist: option "${name}" of ${where} ${problem}.`)
  }
  const { serialize, deserialize } = options as FunctionOptions
  if ((serialize === undefined) !== (deserialize === undefined)) {
    throw new TypeError(`persist: options "serialize" and "deserialize" of ${where} go together: give both or neither.`)
  }
}
