import type { FunctionOptionDefaults } from '../options'

/** What the hoisted getter registers with the runtime (`FunctionMeta` minus the options thunk's body). */
export interface RegistrationMeta {
  id: string
  hash: string
  params: string[]
  async: boolean
  kind: 'function' | 'method' | 'static-method'
  /** Root-relative posix path and 1-based line, for runtime messages. */
  file: string
  line: number
}

/**
 * The hoisted getter and its `var`. Both hoist, so a call during a circular import (before this module's body
 * ran) still registers. The options thunk stays in module scope, so the literal may name module-level functions.
 */
export function registrationCode(
  getter: string,
  holder: string,
  meta: RegistrationMeta,
  optionsText: string | undefined,
  defaults: FunctionOptionDefaults,
): string {
  const fields = [
    `id: ${JSON.stringify(meta.id)}`,
    `hash: ${JSON.stringify(meta.hash)}`,
    `params: ${JSON.stringify(meta.params)}`,
    `async: ${meta.async}`,
    `kind: ${JSON.stringify(meta.kind)}`,
  ]
  const options = optionsThunk(optionsText, defaults)
  if (options) fields.push(`options: ${options}`)
  fields.push(`file: ${JSON.stringify(meta.file)}`, `line: ${meta.line}`)
  return `function ${getter}() { return ${holder} ??= __persist_register({ ${fields.join(', ')} }); }\nvar ${holder};`
}

/** `() => (literal)`, with plugin defaults spread first so the function's own options win. */
function optionsThunk(optionsText: string | undefined, defaults: FunctionOptionDefaults): string | undefined {
  const hasDefaults = Object.keys(defaults).length > 0
  if (optionsText === undefined) return hasDefaults ? `() => (${JSON.stringify(defaults)})` : undefined
  return hasDefaults ? `() => ({ ...${JSON.stringify(defaults)}, ...(${optionsText}) })` : `() => (${optionsText})`
}
