/** Process-wide settings: `configure()`, the `PERSIST_DIR` / `PERSIST_MODE` environment, defaults. */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { type FunctionOptions, suggest, validateFunctionOptions } from './options'
import { resetDiskState } from './stores/disk'
import { warnOnce } from './warn'

export type Mode = 'on' | 'off' | 'refresh' | 'readonly'
const MODES: readonly Mode[] = ['on', 'off', 'refresh', 'readonly']

/** Options of `configure`: process-wide settings plus defaults for every function's options. */
export interface RuntimeOptions extends FunctionOptions {
  /**
   * Cache directory. `PERSIST_DIR` wins over it.
   * @default `node_modules/.cache/persist` under the nearest directory with a package.json, from the cwd upward
   */
  dir?: string
  /**
   * `on` caches; `off` calls straight through; `refresh` recomputes and overwrites each key once per process, then
   * serves what it computed; `readonly` reads but never writes. `PERSIST_MODE` wins over it.
   * @default 'on'
   */
  mode?: Mode
}

const RUNTIME_ONLY = ['dir', 'mode'] as const

let settings: RuntimeOptions = {}
/** Bumped by every `configure`: registrations re-resolve their options when it changed. */
export let configVersion = 0

/**
 * Sets process-wide defaults; later calls merge over earlier ones (`undefined` resets an option). `configure()`
 * with no argument changes nothing but makes functions read `PERSIST_DIR` / `PERSIST_MODE` again.
 */
export function configure(options: RuntimeOptions = {}): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(
      `persist: configure(options) takes an object of options, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}. ` +
        'Fix: configure({ dir, mode, ... }), or configure() to change nothing.',
    )
  }
  validateFunctionOptions(options, 'configure()', RUNTIME_ONLY)
  if (options.mode !== undefined) checkMode(options.mode, 'configure({ mode })')
  if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir.length === 0)) {
    throw new TypeError('persist: configure({ dir }) must be a non-empty path string.')
  }
  settings = { ...settings, ...options }
  configVersion++
  resetDiskState()
}

/** Back to no configuration (tests). */
export function resetConfiguration(): void {
  settings = {}
  configVersion++
  resetDiskState()
}

function checkMode(mode: unknown, where: string): Mode {
  if (MODES.includes(mode as Mode)) return mode as Mode
  const close = typeof mode === 'string' ? suggest(mode, MODES) : undefined
  throw new TypeError(
    `persist: ${where} is ${JSON.stringify(mode)}; use one of ${MODES.join(', ')}.${close ? ` Did you mean "${close}"?` : ''}`,
  )
}

/** Where the current mode comes from, as a user would write it: for messages. */
export function modeSource(): string {
  return process.env.PERSIST_MODE ? `PERSIST_MODE=${process.env.PERSIST_MODE}` : `configure({ mode: '${settings.mode ?? 'on'}' })`
}

/**
 * The mode in force. An unknown `PERSIST_MODE` is not the program's fault and must not make every call throw, nor
 * may it serve what the variable was set to avoid: a mode written in other case (`Refresh`, `OFF`) is that mode,
 * anything else is `off`, which neither reads nor writes (a recompute at worst, never a stale value). Both warn
 * once. `configure({ mode })` with an unknown mode throws, at its caller.
 */
export function currentMode(): Mode {
  const fromEnv = process.env.PERSIST_MODE
  if (!fromEnv) return settings.mode ?? 'on'
  if (MODES.includes(fromEnv as Mode)) return fromEnv as Mode
  const sameLetters = MODES.find((mode) => mode === fromEnv.toLowerCase())
  const close = sameLetters ?? suggest(fromEnv, MODES)
  warnOnce(
    `PERSIST_MODE is ${JSON.stringify(fromEnv)}, which is not a mode; using "${sameLetters ?? 'off'}"` +
      `${sameLetters ? '' : ' (no cache reads or writes)'}. Fix: set it to one of ${MODES.join(', ')}` +
      `${close && !sameLetters ? ` (did you mean "${close}"?)` : ''}, or unset it.`,
    `mode:${fromEnv}`,
  )
  return sameLetters ?? 'off'
}

export function currentDir(): string {
  const fromEnv = process.env.PERSIST_DIR
  if (fromEnv) return resolve(fromEnv)
  if (settings.dir) return resolve(settings.dir)
  return defaultDir(process.cwd())
}

/** `node_modules/.cache/persist` under the nearest directory holding a package.json. */
export function defaultDir(from: string): string {
  let dir = resolve(from)
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'node_modules', '.cache', 'persist')
    const parent = dirname(dir)
    if (parent === dir) return join(resolve(from), 'node_modules', '.cache', 'persist')
    dir = parent
  }
}

/** The function-option defaults set through `configure`. */
export function functionDefaults(): FunctionOptions {
  const { dir: _dir, mode: _mode, ...defaults } = settings
  return defaults
}
