import { suggest } from '@persist/runtime/options'

/** What each plugin option accepts, as a check and the words of its error message. */
const OPTION_CHECKS: Record<string, { valid: (value: unknown) => boolean; expected: string }> = {
  include: { valid: isFilterPattern, expected: 'a glob string, a RegExp or an array of them' },
  exclude: { valid: isFilterPattern, expected: 'a glob string, a RegExp or an array of them' },
  root: { valid: isNonEmptyString, expected: 'a directory path' },
  defaults: { valid: isPlainObject, expected: 'an object of per-function options' },
  strict: { valid: (v) => typeof v === 'boolean', expected: 'true or false' },
  manifest: { valid: (v) => v === false || isNonEmptyString(v), expected: 'a path or false' },
  runtimeImport: { valid: isNonEmptyString, expected: 'a module specifier' },
  tsconfig: { valid: (v) => v === false || isNonEmptyString(v), expected: 'a path or false' },
  analysisCache: { valid: (v) => v === false || isNonEmptyString(v), expected: 'a path or false' },
}

/** Names of the plugin options, for "did you mean". */
export const pluginOptionNames: readonly string[] = Object.keys(OPTION_CHECKS)

/**
 * Rejects plugin options of the wrong type, and unknown ones (a misspelt option would be silently ignored), with a
 * message naming the option, what it accepts and what it got. `undefined` values mean "the default".
 */
export function validateOptions(options: unknown): void {
  if (options === undefined) return
  if (!isPlainObject(options)) throw new TypeError(`persist: the plugin options must be an object (got ${describe(options)})`)
  for (const [name, value] of Object.entries(options)) {
    const check = OPTION_CHECKS[name]
    if (!check) {
      const guess = suggest(name, pluginOptionNames)
      throw new TypeError(
        `persist: unknown plugin option \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ''} (known options: ${pluginOptionNames.join(', ')})`,
      )
    }
    if (value !== undefined && !check.valid(value)) {
      throw new TypeError(`persist: plugin option \`${name}\` must be ${check.expected} (got ${describe(value)})`)
    }
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function isFilterPattern(value: unknown): boolean {
  const one = (v: unknown) => typeof v === 'string' || v instanceof RegExp
  return one(value) || (Array.isArray(value) && value.every(one))
}

/** A value as a message shows it: `true`, `5`, `"src"`, `an array`. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (value instanceof RegExp) return String(value)
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(value)
}
