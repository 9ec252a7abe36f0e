import path from 'node:path'
import { validateFunctionOptions, type FunctionOptions } from '@persist/runtime/options'
import { validateOptions } from './validateOptions'

/** A path pattern: a RegExp tested against the absolute posix path, or a glob (`src/**\/*.ts`) relative to `root`. */
export type FilterPattern = string | RegExp | ReadonlyArray<string | RegExp>

/** A value that survives `JSON.stringify` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/**
 * Per-function options given once for every function of the build: the runtime's `FunctionOptions`, so a misspelled
 * option (`tll`) or a wrong value is a type error. They are written into the built code as JSON, so the options whose
 * values are functions (`scope`, `serialize`, `deserialize`, a key function or mapper) are left out: they belong in
 * a function's own `@persist({ … })` comment.
 */
export type FunctionOptionDefaults = Omit<FunctionOptions, 'key' | 'scope' | 'serialize' | 'deserialize'> & {
  /** Parameters left out of every function's key: `{ param: null }`. */
  key?: { [param: string]: null }
}

/** Options of the persist plugin, the same in every bundler. */
export interface Options {
  /**
   * Files the plugin looks at.
   * @default [/\.[cm]?[jt]sx?$/]
   */
  include?: FilterPattern
  /**
   * Files the plugin never looks at, even when `include` matches.
   * @default [/[\\/]node_modules[\\/]/, /\.d\.[cm]?ts$/]
   */
  exclude?: FilterPattern
  /**
   * Directory function ids are relative to (`src/jobs.ts#load`), so a cache directory can move between checkouts.
   * @default the bundler's root (Vite `root`, esbuild `absWorkingDir`, webpack `context`), else `process.cwd()`
   */
  root?: string
  /**
   * Per-function options applied to every persisted function; a function's own `@persist({...})` wins.
   * Must be JSON-serialisable, since they are written into the built code.
   * @default {}
   */
  defaults?: FunctionOptionDefaults
  /**
   * Turn analysis warnings (a dependency that cannot be resolved or hashed exactly) into build errors.
   * @default false
   */
  strict?: boolean
  /**
   * Where to write the manifest of persisted functions (`{ version, functions }`) at the end of a build,
   * or `false` to write none. Relative paths are resolved against `root`.
   * @default `$PERSIST_DIR/manifest.json`, else `<root>/node_modules/.cache/persist/manifest.json`
   */
  manifest?: string | false
  /**
   * Module the rewritten code imports `register` and `link` from.
   * @default '@persist/runtime'
   */
  runtimeImport?: string
  /**
   * tsconfig.json used to resolve path aliases while following imports (relative to `root`), or `false` to ignore
   * tsconfig files. One tsconfig serves the whole build; the files it `extends` count as inputs too.
   * @default the nearest tsconfig.json at or above `root`
   */
  tsconfig?: string | false
  /**
   * Directory where the analysis keeps per-file results and the rewritten modules between builds, or `false` to
   * keep them in memory only.
   * @default `<cache dir>/analysis`
   */
  analysisCache?: string | false
}

/** Options with every default filled in. */
export interface OptionsResolved {
  include: RegExp[]
  exclude: RegExp[]
  root: string
  defaults: FunctionOptionDefaults
  strict: boolean
  manifest: string | false
  runtimeImport: string
  tsconfig: string | false | undefined
  analysisCache: string | false
}

const DEFAULT_INCLUDE = [/\.[cm]?[jt]sx?$/]
const DEFAULT_EXCLUDE = [/[\\/]node_modules[\\/]/, /\.d\.[cm]?ts$/]

/** The directory persist keeps its files in for a project: `$PERSIST_DIR`, else `<root>/node_modules/.cache/persist`. */
export function persistDir(root: string): string {
  const fromEnv = process.env.PERSIST_DIR
  return fromEnv ? path.resolve(fromEnv) : path.join(root, 'node_modules', '.cache', 'persist')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&')
}

/** Turns a glob into a RegExp over absolute posix paths; relative globs are anchored at `root`. */
function globToRegExp(glob: string, root: string): RegExp {
  const absolute = glob.startsWith('*') || path.isAbsolute(glob) ? glob : `${root.replaceAll('\\', '/')}/${glob}`
  let source = ''
  for (let i = 0; i < absolute.length; i++) {
    const ch = absolute[i]!
    if (ch === '*' && absolute[i + 1] === '*') {
      source += '.*'
      i++
      if (absolute[i + 1] === '/') i++
    } else if (ch === '*') source += '[^/]*'
    else if (ch === '?') source += '[^/]'
    else source += escapeRegExp(ch)
  }
  return new RegExp(`^${source}$`)
}

function toRegExps(pattern: FilterPattern | undefined, fallback: RegExp[], root: string): RegExp[] {
  if (pattern === undefined) return fallback
  const list = typeof pattern === 'string' || pattern instanceof RegExp ? [pattern] : [...pattern]
  return list.map((p) => (typeof p === 'string' ? globToRegExp(p, root) : p))
}

/**
 * Checks the options (a clear error for a wrong type or an unknown name) and fills in defaults. `bundlerRoot` is the bundler's own root when the adapter knows it; the `root` option wins.
 */
export function resolveOptions(options: Options = {}, bundlerRoot?: string): OptionsResolved {
  validateOptions(options)
  const root = path.resolve(options.root ?? bundlerRoot ?? process.cwd())
  const dir = persistDir(root)
  const manifest = options.manifest === false ? false : path.resolve(root, options.manifest ?? path.join(dir, 'manifest.json'))
  const analysisCache =
    options.analysisCache === false ? false : path.resolve(root, options.analysisCache ?? path.join(dir, 'analysis'))
  const defaults = options.defaults ?? {}
  checkDefaults(defaults)
  return {
    include: toRegExps(options.include, DEFAULT_INCLUDE, root),
    exclude: toRegExps(options.exclude, DEFAULT_EXCLUDE, root),
    root,
    defaults,
    strict: options.strict ?? false,
    manifest,
    runtimeImport: options.runtimeImport ?? '@persist/runtime',
    tsconfig: options.tsconfig,
    analysisCache,
  }
}

/**
 * Plugin-level defaults are written into the built code as JSON, so they must survive `JSON.stringify`
 * unchanged, and they must be options the runtime accepts.
 */
function checkDefaults(defaults: FunctionOptionDefaults): void {
  const isJson = (value: unknown): boolean =>
    value === null ||
    ['string', 'number', 'boolean'].includes(typeof value) ||
    (Array.isArray(value) && value.every(isJson)) ||
    (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && Object.values(value as object).every(isJson))
  for (const [name, value] of Object.entries(defaults)) {
    if (!isJson(value)) {
      throw new TypeError(
        `persist: the plugin option \`defaults.${name}\` must be JSON (strings, numbers, booleans, arrays, plain objects): it is written into the built code. Give functions in a function's own \`@persist({ … })\` comment instead.`,
      )
    }
  }
  validateFunctionOptions(defaults, 'the plugin option `defaults`')
}

/** Whether the plugin should look at `id` (a path, possibly with a `?query`). Virtual modules (`\0`) never. */
export function isIncluded(id: string, options: Pick<OptionsResolved, 'include' | 'exclude'>): boolean {
  if (id.includes('\0')) return false
  const file = cleanPath(id)
  return options.include.some((re) => re.test(file)) && !options.exclude.some((re) => re.test(file))
}

/** Drops a `?query` a bundler appends to a module id, and makes separators posix. */
export function cleanPath(id: string): string {
  return id.replace(/\?.*$/s, '').replaceAll('\\', '/')
}
