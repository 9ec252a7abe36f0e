/** `link(fn, getter)` and `persisted(fn)`: from a function to the handle of its cache. */
import { modeSource } from './config'
import { captureCall, callUncached } from './control'
import type { OutFileRecord } from './outFiles/record'
import type { PersistedFunction, PersistStats, Registration } from './register'
import type { Resolved } from './resolve'
import { DiskStore } from './stores/disk'
import { HybridStore } from './stores/hybrid'
import type { EntryKey, Store } from './stores/store'
import { warnOnce } from './warn'

type AnyFunction = (...args: any[]) => any
type Awaited_<T> = T extends PromiseLike<infer U> ? U : T

/** One stored result, as listed by `entries()`. */
export interface PersistedEntry<F extends AnyFunction> {
  /** The call's values after defaults, when they were small enough to be kept in the entry. */
  args: Parameters<F> | undefined
  value: Awaited_<ReturnType<F>>
  createdAt: Date
  durationMs: number
  bytes: number
  /** The files the call wrote (the `outFiles` option): parameter, sha256 and size of each. */
  outFiles?: OutFileRecord[]
}

/** The entry file of `key` in a store that keeps one; undefined for a memory-only store. */
function entryPathOf(store: Store, key: EntryKey): string | undefined {
  if (store instanceof DiskStore) return store.pathOf(key)
  if (store instanceof HybridStore) return store.disk.pathOf(key)
  return undefined
}

/**
 * The cache of one persisted function. Lookups take the function's own arguments: the handle calls the
 * function in a probing mode so that its parameter defaults apply exactly as in a real call (see control.ts).
 * For an instance method, call the lookups with the instance as `this`: `persisted(C.prototype.m).has.call(obj, x)`.
 */
export interface PersistedHandle<F extends AnyFunction> {
  /** The function's id: `<file>#<name>`, or its `name` option. */
  readonly id: string
  /** The source hash computed at build time. */
  readonly hash: string
  /** Runs the function without reading or writing the cache. */
  uncached: F
  /** Whether a fresh entry exists for these arguments. */
  has(...args: Parameters<F>): Promise<boolean>
  /** The cached value for these arguments, or `undefined`; never computes. */
  get(...args: Parameters<F>): Promise<Awaited_<ReturnType<F>> | undefined>
  /** Stores `value` as the result of a call with `args`. In `readonly` mode: does nothing, with a warning. */
  set(args: Parameters<F>, value: Awaited_<ReturnType<F>>): Promise<void>
  /** Removes the entry of these arguments; true when there was one. In `readonly` mode: false, with a warning. */
  delete(...args: Parameters<F>): Promise<boolean>
  /**
   * The file that holds (or would hold) the entry of these arguments, whether or not it exists yet; undefined
   * for a function with `store: 'memory'`.
   */
  path(...args: Parameters<F>): Promise<string | undefined>
  /** Removes every entry of the function, or only those of one scope. In `readonly` mode: nothing, with a warning. */
  clear(options?: { scope?: string }): Promise<void>
  /** Every stored entry of the current source hash (disk tier, or memory for memory-only functions). */
  entries(options?: { scope?: string }): AsyncIterable<PersistedEntry<F>>
  /** Hits, misses and compute time saved in this process. */
  stats(): PersistStats
}

const links = new WeakMap<Function, () => Registration>()
const handles = new WeakMap<Function, PersistedHandle<AnyFunction>>()

/** Ties a rewritten function to its registration so `persisted(fn)` finds it. Returns `fn`. */
export function link<F extends Function>(fn: F, registration: () => Registration): F {
  links.set(fn, registration)
  return fn
}

/** The cache handle of a function marked `@persist`. */
export function persisted<F extends AnyFunction>(fn: F): PersistedHandle<F> {
  const known = handles.get(fn)
  if (known) return known as PersistedHandle<F>
  const getRegistration = links.get(fn)
  if (!getRegistration) {
    const name = typeof fn === 'function' ? fn.name || 'an anonymous function' : String(fn)
    throw new TypeError(
      `persist: persisted(${name}): this function is not persisted. Mark it with a /* @persist */ comment and build ` +
        'with the persist plugin (for a method, pass Class.prototype.method).',
    )
  }
  const handle = createHandle(fn, getRegistration)
  handles.set(fn, handle as PersistedHandle<AnyFunction>)
  return handle
}

/**
 * True, after a warning, when the mode forbids `what`: `off` leaves the cache alone entirely (reads too, as calls
 * do), `readonly` never writes. A program that works under `on` must keep working when an environment switches
 * the cache to either.
 */
function refuses(resolved: Resolved, fnName: string, what: string, writes: boolean): boolean {
  const mode = resolved.mode
  if (mode !== 'off' && !(writes && mode === 'readonly')) return false
  const rule = mode === 'off' ? 'neither reads nor writes it' : 'never writes'
  warnOnce(
    `persisted(${fnName}).${what} did nothing: the cache is ${mode} (${modeSource()}), which ${rule}. Fix: run with mode 'on' to use the cache.`,
    `${mode}-handle:${fnName}.${what}`,
  )
  return true
}

function createHandle<F extends AnyFunction>(fn: F, getRegistration: () => Registration): PersistedHandle<F> {
  const registration = () => getRegistration() as PersistedFunction
  const keyFor = (self: unknown, args: unknown[], what: string) => {
    const target = registration()
    const captured = captureCall(target, fn, self, args, `persisted(${fn.name}).${what}`)
    const resolved = target.resolve()
    return { target, resolved, key: target.keyOf(resolved, captured.self, captured.values), values: captured.values }
  }
  const handle: PersistedHandle<F> = {
    get id() {
      return registration().resolve().keyContext.id
    },
    get hash() {
      return registration().meta.hash
    },
    uncached: function (this: unknown, ...args: unknown[]) {
      return callUncached(registration(), fn, this, args)
    } as F,
    async has(this: unknown, ...args) {
      const { target, resolved, key } = keyFor(this === handle ? undefined : this, args, 'has')
      if (refuses(resolved, fn.name, 'has', false)) return false
      const entry = await resolved.store.get(key)
      if (entry === undefined || !target.isFresh(resolved, entry)) return false
      // An entry whose out-file bytes are gone would be recomputed: it is not there for the caller either.
      return resolved.outFiles === undefined || resolved.outFiles.every(({ param }) => {
        const record = entry.outFiles?.find((candidate) => candidate.param === param)
        return record !== undefined && resolved.blobs!.has(record)
      })
    },
    async get(this: unknown, ...args) {
      const { target, resolved, key } = keyFor(this === handle ? undefined : this, args, 'get')
      if (refuses(resolved, fn.name, 'get', false)) return undefined
      const entry = await resolved.store.get(key)
      return entry !== undefined && target.isFresh(resolved, entry) ? (entry.value as Awaited_<ReturnType<F>>) : undefined
    },
    async set(this: unknown, args, value) {
      const { target, resolved, key, values } = keyFor(this === handle ? undefined : this, [...args], 'set')
      if (refuses(resolved, fn.name, 'set', true)) return
      // The files named by the out-file arguments are stored as the call's out-files: they must exist.
      const outFiles = resolved.outFiles === undefined ? undefined : target.captureOutFiles(resolved, values)
      if (resolved.outFiles !== undefined && outFiles === undefined) return
      await resolved.store.set(key, { value, createdAt: Date.now(), durationMs: 0, args: values, bytes: 0, ...(outFiles ? { outFiles } : {}) })
    },
    async path(this: unknown, ...args) {
      const { resolved, key } = keyFor(this === handle ? undefined : this, args, 'path')
      return entryPathOf(resolved.store, key)
    },
    async delete(this: unknown, ...args) {
      const { resolved, key } = keyFor(this === handle ? undefined : this, args, 'delete')
      if (refuses(resolved, fn.name, 'delete', true)) return false
      return resolved.store.delete(key)
    },
    async clear(options = {}) {
      const resolved = registration().resolve()
      if (refuses(resolved, fn.name, 'clear', true)) return
      await resolved.store.clear(options.scope)
    },
    async *entries(options = {}) {
      const resolved = registration().resolve()
      if (refuses(resolved, fn.name, 'entries', false)) return
      for await (const entry of resolved.store.entries(options.scope)) {
        yield {
          args: entry.args as Parameters<F> | undefined,
          value: entry.value as Awaited_<ReturnType<F>>,
          createdAt: new Date(entry.createdAt),
          durationMs: entry.durationMs,
          bytes: entry.bytes,
          ...(entry.outFiles ? { outFiles: entry.outFiles } : {}),
        }
      }
    },
    stats() {
      return { ...registration().stats }
    },
  }
  return handle
}
