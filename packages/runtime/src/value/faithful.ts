/**
 * v8 serialization silently turns a class instance into a plain object (memoize-fs #16). Before a result is
 * stored, `prepareValue` walks it: instances of types taught with `registerType(C, { serialize })` are
 * replaced by tagged plain data, anything else v8 would change is reported. `reviveValue` undoes the tagging
 * on read, and only ever constructs registered types: cached bytes never choose which code runs.
 */
import { registeredTypeNamed, registeredTypeOf } from '../key/types'
import { formatPath, type PathSegment } from '../key/path'

const TYPE_TAG = '\u0000persist:type'
const BLOB_TAG = '\u0000persist:blob'

/** Binary values at least this large are stored beside the v8 payload as raw bytes (see entryFile.ts). */
export const BLOB_MIN_BYTES = 64 * 1024

/** A result v8 would not store faithfully. */
export class UnfaithfulValueError extends TypeError {
  constructor(
    readonly where: string,
    readonly typeName: string,
  ) {
    super(`${where} is ${typeName}`)
  }
}

const ERROR_PROTOTYPES = new Set<object>([
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
])

function isPlainPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === null
}

function isV8Builtin(value: object): boolean {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Number ||
    value instanceof String ||
    value instanceof Boolean ||
    (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) ||
    ERROR_PROTOTYPES.has(Object.getPrototypeOf(value))
  )
}

function typeName(value: object): string {
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
  return ctor?.name ? `an instance of ${ctor.name}` : 'an object with a custom prototype'
}

/**
 * Returns the value to hand to v8 (a tagged copy when registered types occur, else `value` itself) and
 * whether it was tagged. Throws UnfaithfulValueError naming the path of the first unfaithful part.
 */
export function prepareValue(value: unknown): { value: unknown; tagged: boolean; blobs: (ArrayBufferView | ArrayBuffer)[] } {
  const path: PathSegment[] = []
  const seen = new Map<object, unknown>()
  const blobs: (ArrayBufferView | ArrayBuffer)[] = []
  let tagged = false

  const visit = (current: unknown): unknown => {
    if (typeof current === 'function') throw new UnfaithfulValueError(formatPath('result', path), 'a function')
    if (typeof current === 'symbol') throw new UnfaithfulValueError(formatPath('result', path), 'a symbol')
    if (current === null || typeof current !== 'object') return current
    if (seen.has(current)) return seen.get(current)
    if (Array.isArray(current)) {
      if (Object.getPrototypeOf(current) !== Array.prototype) {
        throw new UnfaithfulValueError(formatPath('result', path), typeName(current))
      }
      let copy: unknown[] | undefined
      seen.set(current, current)
      for (let i = 0; i < current.length; i++) {
        path.push(i)
        const item = visit(current[i])
        path.pop()
        if (item !== current[i]) {
          copy ??= current.slice()
          copy[i] = item
        }
      }
      if (copy) seen.set(current, copy)
      return copy ?? current
    }
    const proto = Object.getPrototypeOf(current)
    if (isPlainPrototype(proto)) {
      let copy: Record<string, unknown> | undefined
      seen.set(current, current)
      for (const key of Object.keys(current)) {
        path.push(key)
        const original = (current as Record<string, unknown>)[key]
        const item = visit(original)
        path.pop()
        if (item !== original) {
          copy ??= { ...(current as Record<string, unknown>) }
          copy[key] = item
        }
      }
      if (copy) seen.set(current, copy)
      return copy ?? current
    }
    if (current instanceof Map) {
      seen.set(current, current)
      let changed = false
      const entries: [unknown, unknown][] = []
      for (const [key, item] of current) {
        path.push({ map: typeof key === 'string' ? JSON.stringify(key) : String(key) })
        const newKey = visit(key)
        const newItem = visit(item)
        path.pop()
        if (newKey !== key || newItem !== item) changed = true
        entries.push([newKey, newItem])
      }
      return changed ? new Map(entries) : current
    }
    if (current instanceof Set) {
      seen.set(current, current)
      let changed = false
      const items: unknown[] = []
      for (const item of current) {
        path.push({ set: true })
        const newItem = visit(item)
        path.pop()
        if (newItem !== item) changed = true
        items.push(newItem)
      }
      return changed ? new Set(items) : current
    }
    if (isBlob(current)) {
      // v8 would copy the bytes into its growing buffer (several times for large arrays): keep them apart.
      tagged = true
      blobs.push(current)
      const replacement = { [BLOB_TAG]: blobs.length - 1 }
      seen.set(current, replacement)
      return replacement
    }
    if (isV8Builtin(current)) return current
    const registered = registeredTypeOf(current)
    if (registered?.serialize) {
      tagged = true
      const data = visit(registered.serialize(current))
      const replacement = { [TYPE_TAG]: registered.name, data }
      seen.set(current, replacement)
      return replacement
    }
    throw new UnfaithfulValueError(formatPath('result', path), typeName(current))
  }

  const prepared = visit(value)
  return { value: prepared, tagged, blobs }
}

/** The constructor name of a large typed array / ArrayBuffer that can be stored as raw bytes. */
export function blobTypeOf(value: object): string | undefined {
  if (value instanceof ArrayBuffer) return 'ArrayBuffer'
  if (!ArrayBuffer.isView(value) || !(value.buffer instanceof ArrayBuffer)) return undefined
  if (Buffer.isBuffer(value)) return 'Buffer'
  const name = value.constructor.name
  return Object.getPrototypeOf(value) === (globalThis as Record<string, any>)[name]?.prototype ? name : undefined
}

function isBlob(value: object): value is ArrayBufferView | ArrayBuffer {
  const bytes = (value as ArrayBuffer).byteLength
  return typeof bytes === 'number' && bytes >= BLOB_MIN_BYTES && blobTypeOf(value) !== undefined
}

/** Rebuilds registered types and blobs in a value read back from an entry written with tagging. */
export function reviveValue(value: unknown, blobs: readonly unknown[] = []): unknown {
  const seen = new Map<object, unknown>()
  const visit = (current: unknown): unknown => {
    if (current === null || typeof current !== 'object') return current
    if (seen.has(current)) return seen.get(current)
    seen.set(current, current)
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) current[i] = visit(current[i])
      return current
    }
    if (current instanceof Map) {
      const entries = [...current].map(([key, item]) => [visit(key), visit(item)] as const)
      current.clear()
      for (const [key, item] of entries) current.set(key, item)
      return current
    }
    if (current instanceof Set) {
      const items = [...current].map(visit)
      current.clear()
      for (const item of items) current.add(item)
      return current
    }
    if (!isPlainPrototype(Object.getPrototypeOf(current))) return current
    const record = current as Record<string, unknown>
    if (Object.hasOwn(record, BLOB_TAG)) {
      const blob = blobs[record[BLOB_TAG] as number]
      if (blob === undefined) throw new TypeError('the entry refers to a binary section it does not hold')
      seen.set(current, blob)
      return blob
    }
    if (Object.hasOwn(record, TYPE_TAG)) {
      const name = record[TYPE_TAG] as string
      const registered = registeredTypeNamed(name)
      if (!registered?.deserialize) {
        throw new TypeError(`the entry holds a "${name}", which is not registered with registerType(…, { deserialize })`)
      }
      const revived = registered.deserialize(visit(record.data))
      seen.set(current, revived)
      return revived
    }
    for (const key of Object.keys(record)) record[key] = visit(record[key])
    return current
  }
  return visit(value)
}
