/** Turns a function's meta and options into what its calls need: encoder, store, ttl, mode. */
import { configVersion, currentDir, currentMode, functionDefaults, type Mode } from './config'
import { createCallEncoder, keyPrefix, type CallEncoder, type KeyContext } from './key/callKey'
import { encodeValue } from './key/encode'
import { type FunctionOptions, parseTtl, validateFunctionOptions } from './options'
import { DiskStore } from './stores/disk'
import { HybridStore } from './stores/hybrid'
import { MemoryStore } from './stores/memory'
import { BlobStore } from './outFiles/blobStore'
import { keyWithoutOutFiles, resolveOutFileParams, type OutFileParam } from './outFiles/outFiles'
import { resolveSeedParam, withSeedInKey } from './randomSeed'
import type { Store } from './stores/store'
import { Codec, type ValueFormat } from './value/entryFile'

/** What the plugin tells the runtime about one persisted function. */
export interface FunctionMeta {
  /** `"<root-relative posix path>#<qualified name>"`, e.g. `"src/svc.ts#Svc.compute"`. */
  id: string
  /** Source hash computed at build time. */
  hash: string
  /** Names of the values passed to `call()`, in order. */
  params: string[]
  /** Async functions return promises, sync functions stay sync. */
  async: boolean
  /** Instance methods key `this` unless `options.key.this` says otherwise. */
  kind: 'function' | 'method' | 'static-method'
  /** Per-function options, evaluated once on first call, merged over `configure` defaults. */
  options?: () => FunctionOptions
  file?: string
  line?: number
}

export interface Resolved {
  version: number
  mode: Mode
  options: FunctionOptions
  encode: CallEncoder
  keyContext: KeyContext
  /** `keyPrefix(keyContext)`, computed once. */
  keyPrefix: string
  store: Store
  /** The memory tier when there is one: the hot path asks it directly. */
  memory: MemoryStore | undefined
  /** The disk tier when there is one. */
  disk: DiskStore | undefined
  ttlMs: number | undefined
  scope: (() => string) | undefined
  strict: boolean
  /** Parameters holding paths the function writes (the `outFiles` option), when there are any. */
  outFiles: OutFileParam[] | undefined
  /** Where out-files' bytes are kept; set when `outFiles` is. */
  blobs: BlobStore | undefined
  /** Index of the parameter the `seed` option names. */
  seedIndex: number | undefined
  /** Where this process's hits and misses are written at exit (stores/diskStats.ts); undefined when they are not. */
  statsDir: string | undefined
  /** Everything that decides what a memory entry means; a re-resolve keeps the memory tier only when all of it is unchanged. */
  memoryIdentity: readonly unknown[]
}

function sameIdentity(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((part, i) => Object.is(part, b[i]))
}

export function where(meta: FunctionMeta): string {
  return meta.file ? `${meta.id} (${meta.file}${meta.line ? `:${meta.line}` : ''})` : meta.id
}

/** Evaluates the options thunk once; its errors name the function. */
export function readOwnOptions(meta: FunctionMeta): FunctionOptions {
  if (!meta.options) return {}
  let own: FunctionOptions
  try {
    own = meta.options()
  } catch (error) {
    throw new Error(`persist: the options of ${where(meta)} threw: ${(error as Error).message}`, { cause: error })
  }
  validateFunctionOptions(own, where(meta))
  return own ?? {}
}

/**
 * Resolves a function's options against the current configuration. `previous` is the last resolution: its memory
 * tier is kept when nothing that decides what its entries mean changed (an unrelated `configure` keeps the values).
 */
export function resolveFunction(meta: FunctionMeta, own: FunctionOptions, previous?: Resolved): Resolved {
  const options: FunctionOptions = { ...functionDefaults(), ...own }
  const id = options.name ?? meta.id
  const format: ValueFormat = options.serialize
    ? { codec: Codec.Custom, serialize: options.serialize, deserialize: options.deserialize! }
    : { codec: options.format === 'json' ? Codec.Json : Codec.V8 }
  const kind = options.store ?? 'hybrid'
  const location = where(meta)
  const keyContext: KeyContext = { id, hash: meta.hash, version: options.version === undefined ? '' : encodeValue(options.version) }
  const prefix = keyPrefix(keyContext)
  const outFiles = resolveOutFileParams(location, meta.params, options.outFiles)
  const dir = kind === 'memory' && outFiles === undefined ? undefined : currentDir()
  const mode = currentMode()
  // The memory key holds neither the version nor the format: anything that changes an entry's meaning is here.
  const memoryIdentity = [
    kind,
    options.maxSize,
    options.maxBytes,
    prefix,
    options.key,
    options.scope,
    options.seed,
    outFiles?.map(({ param }) => param).join('\0'),
    options.format,
    options.serialize,
    options.deserialize,
    kind === 'memory' ? undefined : dir,
    // In refresh mode the memory tier holds only what this process computed (register.ts): none read under `on`.
    mode === 'refresh',
  ]
  const memory =
    kind === 'disk'
      ? undefined
      : previous?.memory !== undefined && sameIdentity(previous.memoryIdentity, memoryIdentity)
        ? previous.memory
        : new MemoryStore({ maxSize: options.maxSize, maxBytes: options.maxBytes })
  const disk =
    dir === undefined || kind === 'memory'
      ? undefined
      : new DiskStore({ dir, id, hash: meta.hash, version: options.version, format, async: meta.async, recordUse: mode !== 'readonly' })
  const store: Store = memory && disk ? new HybridStore(memory, disk, mode !== 'refresh') : (memory ?? disk)!
  const ttl = options.ttl === undefined ? undefined : parseTtl(options.ttl)
  const seedIndex = resolveSeedParam(location, meta.params, options.seed, options.key, options.outFiles)
  const encode = createCallEncoder({ id, params: meta.params, kind: meta.kind }, keyWithoutOutFiles(options.key, outFiles))
  return {
    version: configVersion,
    mode,
    options,
    encode: seedIndex === undefined ? encode : withSeedInKey(encode, options.key, meta.params[seedIndex]!, seedIndex),
    keyContext,
    keyPrefix: prefix,
    store,
    memory,
    disk,
    ttlMs: ttl === undefined ? undefined : ttl * 1000,
    scope: options.scope,
    strict: options.strict ?? false,
    outFiles,
    blobs: outFiles === undefined || dir === undefined ? undefined : new BlobStore(dir),
    seedIndex,
    statsDir: disk !== undefined && (mode === 'on' || mode === 'refresh') ? disk.versionDir : undefined,
    memoryIdentity,
  }
}
