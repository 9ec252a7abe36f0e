/** `register(meta)`: the object each rewritten function calls with its defaulted values and its body. */
import { configVersion } from './config'
import { instruction } from './control'
import { isComputing, runInCall } from './callContext'
import { digestKey } from './key/callKey'
import { lockEntryAsync, lockEntrySync } from './lock'
import { restoreOutFiles, storeOutFiles, writtenOutFiles } from './outFiles/outFiles'
import type { OutFileRecord } from './outFiles/record'
import { randomSeed } from './randomSeed'
import { readOwnOptions, resolveFunction, where, type FunctionMeta, type Resolved } from './resolve'
import { warnUnwritable } from './stores/disk'
import { trackStats } from './stores/diskStats'
import { memoryKey } from './stores/memory'
import { RefreshedEntries } from './stores/refreshed'
import type { EntryKey, Store, StoredEntry } from './stores/store'
import { UnfaithfulValueError } from './value/faithful'
import { warnOnce } from './warn'

export interface Registration {
  call(self: unknown, values: unknown[], compute: () => unknown): unknown
}

/** Hits, misses and the compute time the hits saved. */
export interface PersistStats {
  hits: number
  misses: number
  /** Sum of the recorded compute durations of the entries that were hit. */
  timeSavedMs: number
}

/** The key of one call; the digest (disk key) is computed on first use only. */
export class CallKey implements EntryKey {
  #digest: string | undefined
  constructor(
    readonly text: string,
    readonly scope: string,
    private readonly prefix: string,
  ) {}
  get digest(): string {
    return (this.#digest ??= digestKey(this.prefix, this.scope, this.text))
  }
  #memoryKey: string | undefined
  /** The memory tier's key, which also names the call's in-flight computation; hashed once when long. */
  get memoryKey(): string {
    return (this.#memoryKey ??= memoryKey(this.text, this.scope))
  }
}

/** How far in the future an entry's creation time may lie and still count as written now (clocks drift a little). */
const MAX_CLOCK_SKEW_MS = 1000

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function'
}

export class PersistedFunction implements Registration {
  readonly stats: PersistStats = { hits: 0, misses: 0, timeSavedMs: 0 }
  private resolved: Resolved | undefined
  private ownOptions: ReturnType<typeof readOwnOptions> | undefined
  private readonly inflight = new Map<string, Promise<unknown>>()
  /** What a disk-only function wrote in refresh mode, so a repeat of the key reads it back (stores/refreshed.ts). */
  private readonly refreshed = new RefreshedEntries()
  /** `where(meta)`, computed once: messages and out-file paths need it on every hit and save. */
  readonly location: string

  constructor(readonly meta: FunctionMeta) {
    this.location = where(meta)
  }

  /** Options and stores for the current configuration. */
  resolve(): Resolved {
    const resolved = this.resolved
    if (resolved !== undefined && resolved.version === configVersion) return resolved
    this.ownOptions ??= readOwnOptions(this.meta)
    const fresh = (this.resolved = resolveFunction(this.meta, this.ownOptions, resolved))
    trackStats(this.stats, fresh.statsDir)
    return fresh
  }

  /** The key of a call with these (defaulted) values. */
  keyOf(resolved: Resolved, self: unknown, values: unknown[]): CallKey {
    return new CallKey(resolved.encode(self, values), this.scopeOf(resolved), resolved.keyPrefix)
  }

  private scopeOf(resolved: Resolved): string {
    if (!resolved.scope) return ''
    const scope = resolved.scope()
    if (typeof scope !== 'string') {
      throw new TypeError(`persist: the scope option of ${this.location} must return a string, got ${typeof scope}.`)
    }
    return scope
  }

  /**
   * Whether an entry is within the `ttl` option. Its age comes from the writer's clock: an entry that claims to be
   * from the future (a writer's clock ahead of ours, our clock stepped back) cannot be trusted to be young, so it is
   * stale unless it is within MAX_CLOCK_SKEW_MS (or the ttl, when shorter) of now.
   */
  isFresh(resolved: Resolved, entry: StoredEntry): boolean {
    if (resolved.ttlMs === undefined) return true
    const age = Date.now() - entry.createdAt
    return age < resolved.ttlMs && age >= -Math.min(MAX_CLOCK_SKEW_MS, resolved.ttlMs)
  }

  call(self: unknown, values: unknown[], compute: () => unknown): unknown {
    if (instruction.target === this) return this.obey(self, values, compute)
    let resolved = this.resolved
    if (resolved === undefined || resolved.version !== configVersion) {
      try {
        resolved = this.resolve()
      } catch (error) {
        if (this.meta.async) return Promise.reject(error)
        throw error
      }
    }
    if (resolved.mode === 'off') return this.computeAs(self, values, undefined, compute)
    let text: string
    let scope = ''
    try {
      text = resolved.encode(self, values)
      if (resolved.scope) scope = this.scopeOf(resolved)
    } catch (error) {
      // An async function reports a bad argument as a rejection, like any other failure of the call.
      if (this.meta.async) return Promise.reject(error)
      throw error
    }
    if (resolved.memory !== undefined && resolved.outFiles === undefined) {
      const entry = resolved.memory.getByText(text, scope)
      if (entry !== undefined && (resolved.ttlMs === undefined || this.isFresh(resolved, entry))) {
        this.stats.hits++
        this.stats.timeSavedMs += entry.durationMs
        return this.meta.async ? Promise.resolve(entry.value) : entry.value
      }
    }
    const key = new CallKey(text, scope, resolved.keyPrefix)
    return this.meta.async ? this.callAsync(resolved, key, values, compute) : this.callSync(resolved, key, values, compute)
  }

  private callSync(resolved: Resolved, key: CallKey, values: unknown[], compute: () => unknown): unknown {
    const found = this.lookup(resolved, key)
    if (found !== undefined && !isPromise(found) && this.isFresh(resolved, found) && this.restored(resolved, found, values)) {
      return this.hit(found)
    }
    const locked =
      resolved.options.lock && !this.computes(key)
        ? lockEntrySync(this.meta, resolved, key, (entry) => this.isFresh(resolved, entry) && this.restored(resolved, entry, values))
        : undefined
    if (locked?.hit) return this.hit(locked.hit)
    try {
      this.stats.misses++
      const started = performance.now()
      const value = this.computeAs(undefined, values, key, compute)
      this.save(resolved, key, values, value, performance.now() - started)
      return value
    } finally {
      locked?.release()
    }
  }

  private callAsync(resolved: Resolved, key: CallKey, values: unknown[], compute: () => unknown): Promise<unknown> {
    const flightKey = key.memoryKey
    const running = this.inflight.get(flightKey)
    // A call made from inside that flight's own computation (recursion with a key-equal argument, through any
    // depth of calls) would wait on itself forever: it runs on its own instead.
    if (running && isComputing(this, flightKey)) return this.lookupThenCompute(resolved, key, values, compute)
    // The key leaves out-file paths out: a call joining a flight of another destination must still get its own
    // files, so it looks up (and restores, or computes) for its own values once that flight has stored the entry.
    if (running) return resolved.outFiles === undefined ? running : running.then(() => this.lookupThenCompute(resolved, key, values, compute))
    const flight = this.lookupThenCompute(resolved, key, values, compute).finally(() => this.inflight.delete(flightKey))
    this.inflight.set(flightKey, flight)
    return flight
  }

  private async lookupThenCompute(resolved: Resolved, key: CallKey, values: unknown[], compute: () => unknown): Promise<unknown> {
    let found = this.lookup(resolved, key)
    if (isPromise(found)) found = await found
    if (found !== undefined && this.isFresh(resolved, found) && this.restored(resolved, found, values)) return this.hit(found)
    const locked =
      resolved.options.lock && !this.computes(key)
        ? await lockEntryAsync(this.meta, resolved, key, (entry) => this.isFresh(resolved, entry) && this.restored(resolved, entry, values))
        : undefined
    if (locked?.hit) return this.hit(locked.hit)
    try {
      this.stats.misses++
      const started = performance.now()
      const value = await this.computeAs(undefined, values, key, compute)
      const saved = this.save(resolved, key, values, value, performance.now() - started)
      if (isPromise(saved)) await saved
      return value
    } finally {
      locked?.release()
    }
  }

  /**
   * The stored entry of a key, or undefined. Refresh mode recomputes each key once per process, so it serves only
   * what this process computed: the memory tier (never filled from disk in refresh mode), or for a disk-only
   * function the entries it wrote itself.
   */
  private lookup(resolved: Resolved, key: CallKey): ReturnType<Store['get']> {
    if (resolved.mode !== 'refresh') return resolved.store.get(key)
    if (resolved.memory !== undefined) return resolved.memory.get(key)
    const path = resolved.disk!.pathOf(key)
    if (!this.refreshed.has(path)) return undefined
    const found = resolved.disk!.get(key)
    if (isPromise(found)) return found.then((entry) => (this.refreshed.wrote(path, entry) ? entry : undefined))
    return this.refreshed.wrote(path, found) ? found : undefined
  }

  /**
   * Runs the body as this call, so `random()` inside it draws from the call's own stream, and so a call made from
   * inside it can tell that it is (`computes`).
   */
  private computeAs(self: unknown, values: unknown[], key: CallKey | undefined, compute: () => unknown): unknown {
    return runInCall(this.meta.async, () => this.randomSeedOf(self, values, key), compute, this, key?.memoryKey)
  }

  /** Whether this code runs inside this function's own computation of `key`: waiting for that would never end. */
  private computes(key: CallKey): boolean {
    return isComputing(this, key.memoryKey)
  }

  /** The seed of a call's random stream: the `seed` parameter's value, or the call's key (see randomSeed.ts). */
  private randomSeedOf(self: unknown, values: unknown[], key: CallKey | undefined): Uint8Array {
    const resolved = this.resolve()
    if (resolved.seedIndex !== undefined) return randomSeed(resolved.keyContext.id, '', '', { value: values[resolved.seedIndex] })
    const { text, scope } = key ?? this.keyOf(resolved, self, values)
    return randomSeed(resolved.keyContext.id, scope, text)
  }

  /** Puts a hit's out-files at this call's paths; false when the entry cannot serve this call (then it recomputes). */
  restored(resolved: Resolved, entry: StoredEntry, values: unknown[]): boolean {
    if (resolved.outFiles === undefined) return true
    return restoreOutFiles(this.location, resolved.outFiles, entry.outFiles, values, resolved.blobs!)
  }

  /**
   * Stores the bytes of the files a call wrote. Throws, naming the parameter, when one was not written; undefined
   * (with a warning) when the cache directory cannot hold them.
   */
  captureOutFiles(resolved: Resolved, values: unknown[]): OutFileRecord[] | undefined {
    const paths = writtenOutFiles(this.location, resolved.outFiles!, values)
    try {
      return storeOutFiles(resolved.outFiles!, paths, resolved.blobs!)
    } catch (error) {
      warnUnwritable(resolved.blobs!.root, error)
      return undefined
    }
  }

  private hit(entry: StoredEntry): unknown {
    this.stats.hits++
    this.stats.timeSavedMs += entry.durationMs
    return entry.value
  }

  /** Stores a computed value; a value that cannot be stored is returned uncached with a warning (strict: thrown). */
  save(resolved: Resolved, key: CallKey, values: unknown[], value: unknown, durationMs: number): unknown {
    if (resolved.mode === 'readonly') return undefined
    if (!this.meta.async && isPromise(value)) {
      // Caching the promise would cache a rejection too, and the disk cannot hold it: leave it alone.
      warnOnce(
        `${this.location} returns a promise but is not declared async, so its result is not cached. ` +
          'Fix: declare it `async function`, so persist stores the resolved value.',
      )
      return undefined
    }
    let outFiles: OutFileRecord[] | undefined
    if (resolved.outFiles !== undefined && (outFiles = this.captureOutFiles(resolved, values)) === undefined) return undefined
    const entry: StoredEntry = { value, createdAt: Date.now(), durationMs, args: values, bytes: 0, ...(outFiles ? { outFiles } : {}) }
    try {
      const stored = resolved.store.set(key, entry)
      if (resolved.mode === 'refresh' && resolved.memory === undefined) this.refreshed.note(resolved.disk!.pathOf(key), entry.createdAt)
      return stored
    } catch (error) {
      const message = this.unstorableMessage(error)
      if (resolved.strict) throw new TypeError(`persist: ${message}`, { cause: error })
      warnOnce(message)
      return undefined
    }
  }

  /** Why a value cannot be stored, without the `persist:` prefix (a warning gets it from warnOnce). */
  private unstorableMessage(error: unknown): string {
    if (error instanceof UnfaithfulValueError) {
      const fix =
        error.fix !== undefined
          ? `${error.fix}, or give the function serialize/deserialize options.`
          : error.codec === 'json'
          ? `drop format: 'json' (the default v8 format keeps more types), or give the function serialize/deserialize options.`
          : `teach persist the type with registerType(Class, { serialize, deserialize }), or give the function serialize/deserialize options.`
      return (
        `the result of ${this.location} cannot be stored faithfully: ${error.where} is ${error.typeName}` +
        // A reason that already says what the codec does to the value ("…, which v8 drops") needs no second one.
        `${error.typeName.includes(', which') ? '' : ', which v8 serialization would bring back as something else'}. It is returned but not cached. Fix: ${fix}`
      )
    }
    return `the result of ${this.location} cannot be stored (${(error as Error).message}). It is returned but not cached.`
  }

  /** Answers the handle's one-shot instruction (see control.ts). */
  private obey(self: unknown, values: unknown[], compute: () => unknown): unknown {
    instruction.target = undefined
    if (instruction.op === 'uncached') return this.computeAs(self, values, undefined, compute)
    instruction.captured = { self, values }
    return undefined
  }
}

/** Registers a persisted function; the rewritten code calls this once, lazily, per function. */
export function register(meta: FunctionMeta): Registration {
  const problem = metaProblem(meta)
  if (problem !== undefined) {
    const id = typeof meta?.id === 'string' ? meta.id : 'a persisted function'
    throw new TypeError(
      `persist: register(meta) of ${id}: ${problem}. The code was probably built by a version of the plugin ` +
        '(@persist/unplugin) that does not match @persist/runtime. Fix: install matching versions of both and rebuild.',
    )
  }
  return new PersistedFunction(meta)
}

const KINDS: readonly unknown[] = ['function', 'method', 'static-method'] satisfies FunctionMeta['kind'][]

/** What is wrong with the meta the plugin emitted, or undefined (see docs/ARCHITECTURE.md for its shape). */
function metaProblem(meta: FunctionMeta): string | undefined {
  if (meta === null || typeof meta !== 'object') return `meta must be an object, got ${meta === null ? 'null' : typeof meta}`
  if (typeof meta.id !== 'string') return `meta.id must be a string, got ${typeof meta.id}`
  if (typeof meta.hash !== 'string') return `meta.hash must be a string, got ${typeof meta.hash}`
  if (!Array.isArray(meta.params) || !meta.params.every((param) => typeof param === 'string')) return 'meta.params must be an array of strings'
  if (typeof meta.async !== 'boolean') return `meta.async must be a boolean, got ${typeof meta.async}`
  if (!KINDS.includes(meta.kind)) return `meta.kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(meta.kind)}`
  if (meta.options !== undefined && typeof meta.options !== 'function') return `meta.options must be a function, got ${typeof meta.options}`
  return undefined
}
