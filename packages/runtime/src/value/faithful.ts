/**
 * v8 serialization silently turns a class instance into a plain object (memoize-fs #16), a Map subclass into a
 * Map, a null-prototype object into a plain one, and drops symbol keys and an error's own properties. Before a
 * result is stored, `prepareValue` walks it: instances of types taught with `registerType(C, { serialize })` and
 * null-prototype objects are replaced by tagged plain data, anything else v8 would change is reported.
 * `reviveValue` undoes the tagging on read, and only ever constructs registered types: cached bytes never choose
 * which code runs.
 */
import { describeType, registeredTypeNamed, registeredTypeOf } from '../key/types'
import { formatPath, type PathSegment } from '../key/path'
import { forEachElementIndex } from './arrayElements'
import { VIEW_NAMES } from './binaryTypes'
import { arrayExtraNames, isIndexKey, viewExtraNames } from './extraKeys'
import { notData } from './notData'

const TYPE_TAG = '\u0000persist:type'
const BLOB_TAG = '\u0000persist:blob'

/** Binary values at least this large are stored beside the v8 payload as raw bytes (see entryFile.ts). */
export const BLOB_MIN_BYTES = 64 * 1024

/** A result the codec would not store faithfully. */
export class UnfaithfulValueError extends TypeError {
  constructor(
    readonly where: string,
    readonly typeName: string,
    /** The codec that would change it: its name appears in the message. */
    readonly codec: 'v8' | 'json' = 'v8',
    /** What the user can change, when teaching persist the type (the usual fix) would not help. */
    readonly fix?: string,
  ) {
    super(`${where} is ${typeName}`)
  }
}

/** The error classes v8 stores (as the class, its message, stack and cause), by exact prototype. */
const ERROR_CLASSES = new Map<object, new () => Error>(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((Class) => [Class.prototype, Class]),
)

/** Own properties v8 keeps on an error: each a non-enumerable data property, as the constructor makes them. */
const ERROR_KEYS = new Set(['message', 'stack', 'cause'])

/** Built-ins v8 stores with their prototype and content, and no own properties (exact prototypes). */
const BARE_BUILTINS = new Set<object>([Date.prototype, Boolean.prototype, Number.prototype, BigInt.prototype])

/** Keys persist uses to tag what it rewrote: a user's key of this shape would be taken for one on read. */
const TAG_PREFIX = '\u0000persist:'
const NULL_PROTO_TAG = '\u0000persist:null'

function typeName(value: object): string {
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
  return ctor?.name ? `an instance of ${ctor.name}` : 'an object with a custom prototype'
}

/** How a Map key appears in a path: `.get("a")`, `.get(1)`, `.get(<an instance of Date>)`. */
function mapKeyLabel(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key)
  if (key !== null && (typeof key === 'object' || typeof key === 'function')) return `<${describeType(key)}>`
  return typeof key === 'bigint' ? `${key}n` : String(key)
}

/** The name of a typed array, Buffer or DataView type when `proto` is exactly its prototype. */
function viewTypeOf(proto: object): string | undefined {
  if (proto === Buffer.prototype) return 'Buffer'
  const name = (proto as { constructor?: { name?: string } }).constructor?.name
  return name !== undefined && VIEW_NAMES.has(name) && (globalThis as Record<string, any>)[name]?.prototype === proto ? name : undefined
}

/**
 * Returns the value to hand to v8 (a tagged copy when it holds registered types, null-prototype objects or large
 * binary values, else `value` itself) and whether it was tagged. Throws UnfaithfulValueError naming the path of
 * the first part v8 would bring back as something else: every decision is made on exact prototypes, so a
 * subclass of Map is not a Map. v8 is measured to keep, beyond plain data: arrays' holes and extra properties,
 * Map, Set, Date, RegExp (not its lastIndex), boxed primitives, ArrayBuffers (resizable too), typed arrays and
 * DataViews (not their own properties), and errors of the built-in classes with their message, stack and cause.
 */
export function prepareValue(value: unknown): { value: unknown; tagged: boolean; blobs: (ArrayBufferView | ArrayBuffer)[] } {
  const path: PathSegment[] = []
  const checked = new Set<object>()
  /** Objects that must be rewritten before v8 sees them, and what registered types serialize to. */
  const serialized = new Map<object, unknown>()
  const blobIndex = new Map<object, number>()
  const blobs: (ArrayBufferView | ArrayBuffer)[] = []
  const arrayExtras = new Map<unknown[], string[]>()
  /**
   * Registered instances whose data, and errors whose cause, are being visited, with why meeting one again inside
   * is refused: `deserialize(data)` cannot be handed the object it is about to make, and v8 cannot read back an
   * error its own cause refers to ("Unable to deserialize cloned data"), so each run would recompute it.
   */
  const inProgress = new Map<object, { typeName: string; fix: string }>()
  let rewrite = false

  const unfaithful = (typeName: string, key?: string | number | symbol, fix?: string): UnfaithfulValueError => {
    const where = formatPath('result', typeof key === 'string' || typeof key === 'number' ? [...path, key] : path)
    return new UnfaithfulValueError(typeof key === 'symbol' ? `${where}[${String(key)}]` : where, typeName, 'v8', fix)
  }
  const noSymbolKeys = (current: object) => {
    const [symbol] = Object.getOwnPropertySymbols(current)
    if (symbol !== undefined) throw unfaithful('a symbol-keyed property, which v8 drops', symbol)
  }
  const visitAt = (key: PathSegment, item: unknown) => {
    path.push(key)
    visit(item)
    path.pop()
  }
  /** Checks the own string properties `keys` of `current`: enumerable data properties, each a faithful value. */
  const visitProperties = (current: object, keys: readonly string[]) => {
    for (const key of keys) {
      const descriptor = Object.getOwnPropertyDescriptor(current, key)!
      if (!('value' in descriptor)) throw unfaithful('an accessor property, which v8 stores as the value its getter returns', key)
      if (!descriptor.enumerable) throw unfaithful('a non-enumerable property, which v8 drops', key)
      if (key.startsWith(TAG_PREFIX)) throw unfaithful("a property named like persist's own tags", key)
      visitAt(key, descriptor.value)
    }
  }
  const visitError = (error: Error) => {
    for (const key of Reflect.ownKeys(error)) {
      if (typeof key === 'symbol') throw unfaithful('a symbol-keyed property, which v8 drops', key)
      if (!ERROR_KEYS.has(key)) throw unfaithful('an own property of an error (v8 keeps only its class, message, stack and cause)', key)
      const descriptor = Object.getOwnPropertyDescriptor(error, key)!
      // From Node 21 on, every error's stack is an accessor of V8's own (a deserialized one's too): its string is what counts.
      if (key === 'stack' && !('value' in descriptor) && !descriptor.enumerable) {
        if (typeof error.stack !== 'string') throw unfaithful("an error's stack that is not a string, which v8 changes", key)
        continue
      }
      if (!('value' in descriptor) || descriptor.enumerable) throw unfaithful(`an error's ${key} that is not a plain hidden property, which v8 changes`, key)
      if (key !== 'cause' && typeof descriptor.value !== 'string') throw unfaithful(`an error's ${key} that is not a string, which v8 changes`, key)
      if (key === 'cause') {
        inProgress.set(error, {
          typeName: 'a cycle back to an error through its cause, which v8 cannot read back',
          fix: "let nothing inside the error's cause refer back to the error",
        })
        visitAt(key, descriptor.value)
        inProgress.delete(error)
      }
    }
  }
  const visitView = (view: ArrayBufferView | ArrayBuffer, proto: object) => {
    noSymbolKeys(view)
    const isBuffer = proto === ArrayBuffer.prototype
    const [extra] = isBuffer ? Object.getOwnPropertyNames(view) : viewExtraNames(view as ArrayBufferView)
    if (extra !== undefined) throw unfaithful('a binary value with an own property, which v8 drops', extra)
    const buffer = isBuffer ? (view as ArrayBuffer) : (view as ArrayBufferView).buffer
    if (!(buffer instanceof ArrayBuffer)) throw unfaithful('a view of a SharedArrayBuffer, which v8 cannot store')
    if (!isBuffer && isResizable(buffer as ArrayBuffer)) throw unfaithful('a view of a resizable ArrayBuffer, which comes back fixed-length')
    if (view.byteLength >= BLOB_MIN_BYTES && blobTypeOf(view) !== undefined) {
      // v8 would copy the bytes into its growing buffer (several times for large arrays): keep them apart.
      rewrite = true
      blobIndex.set(view, blobs.push(view) - 1)
    }
  }

  const notDataError = (current: unknown): UnfaithfulValueError => {
    const { typeName, fix } = notData(current)!
    return unfaithful(typeName, undefined, fix)
  }

  const visit = (current: unknown): void => {
    if (typeof current === 'function' || typeof current === 'symbol') throw notDataError(current)
    if (current === null || typeof current !== 'object') return
    const cycle = inProgress.get(current)
    if (cycle !== undefined) throw unfaithful(cycle.typeName, undefined, cycle.fix)
    if (checked.has(current)) return
    checked.add(current)
    const proto = Object.getPrototypeOf(current) as object | null
    if (proto === Object.prototype || proto === null) {
      if (proto === null) rewrite = true
      noSymbolKeys(current)
      return visitProperties(current, Object.getOwnPropertyNames(current))
    }
    if (proto === Array.prototype) {
      const array = current as unknown[]
      noSymbolKeys(array)
      const extras = arrayExtraNames(array)
      if (extras.length > 0) arrayExtras.set(array, extras)
      forEachElementIndex(array, (i) => {
        // The descriptor, not array[i]: a getter would run (again) and a hidden element would come back as a hole.
        const descriptor = Object.getOwnPropertyDescriptor(array, i)!
        if (!('value' in descriptor)) throw unfaithful('an accessor element, which v8 stores as the value its getter returns', i)
        if (!descriptor.enumerable) throw unfaithful('a non-enumerable element, which v8 drops', i)
        visitAt(i, descriptor.value)
      })
      return visitProperties(array, extras)
    }
    if (proto === Map.prototype || proto === Set.prototype) {
      if (Reflect.ownKeys(current).length > 0) throw unfaithful(`a ${proto === Map.prototype ? 'Map' : 'Set'} with an own property, which v8 drops`)
      if (current instanceof Map) {
        for (const [key, item] of current) {
          const segment = { map: mapKeyLabel(key) }
          visitAt(segment, key)
          visitAt(segment, item)
        }
      } else for (const item of current as Set<unknown>) visitAt({ set: true }, item)
      return
    }
    if (proto === ArrayBuffer.prototype || ArrayBuffer.isView(current)) {
      if (proto === ArrayBuffer.prototype || viewTypeOf(proto) !== undefined) return visitView(current as ArrayBuffer, proto)
    } else if (BARE_BUILTINS.has(proto!)) {
      if (Reflect.ownKeys(current).length > 0) throw unfaithful(`${typeName(current)} with an own property, which v8 drops`)
      return
    } else if (proto === String.prototype) {
      // Its characters are index keys below its length; an index key past it is a property of its own.
      const { length } = current as { length: number }
      const [extra] = Reflect.ownKeys(current).filter((key) => typeof key === 'symbol' || (key !== 'length' && !(isIndexKey(key) && Number(key) < length)))
      if (extra !== undefined) throw unfaithful('a String object with an own property, which v8 drops', extra)
      return
    } else if (proto === RegExp.prototype) {
      const regexp = current as RegExp
      if (Reflect.ownKeys(regexp).length !== 1 || regexp.lastIndex !== 0) throw unfaithful('a RegExp with a lastIndex or own properties, which v8 resets')
      return
    } else if (ERROR_CLASSES.has(proto!)) {
      return visitError(current as Error)
    }
    const registered = registeredTypeOf(current)
    // A promise or a weak collection gets a fix about the result: registerType cannot teach persist those.
    if (registered?.serialize === undefined) throw notData(current) === undefined ? unfaithful(typeName(current)) : notDataError(current)
    rewrite = true
    const data = registered.serialize(current)
    serialized.set(current, data)
    inProgress.set(current, {
      typeName: `a cycle back to ${typeName(current)} (a registered type), which deserialize(data) cannot rebuild`,
      fix: `let nothing inside what serialize returns for it refer back to the instance`,
    })
    visit(data)
    inProgress.delete(current)
  }

  visit(value)
  if (!rewrite) return { value, tagged: false, blobs }
  return { value: taggedCopy(value, serialized, blobIndex, arrayExtras), tagged: true, blobs }
}

/**
 * A copy of a checked value in which registered types, null-prototype objects and large binary values are
 * replaced by tagged plain data. Containers are copied before their contents, so shared references and cycles
 * keep their shape.
 */
function taggedCopy(
  value: unknown,
  serialized: ReadonlyMap<object, unknown>,
  blobIndex: ReadonlyMap<object, number>,
  arrayExtras: ReadonlyMap<unknown[], string[]>,
): unknown {
  const copies = new Map<object, unknown>()
  const copy = (current: unknown): unknown => {
    if (current === null || typeof current !== 'object') return current
    if (copies.has(current)) return copies.get(current)
    const proto = Object.getPrototypeOf(current) as object | null
    const registered = serialized.has(current) ? registeredTypeOf(current) : undefined
    if (registered !== undefined) {
      const replacement: Record<string, unknown> = { [TYPE_TAG]: registered.name }
      copies.set(current, replacement)
      replacement.data = copy(serialized.get(current))
      return replacement
    }
    const blob = blobIndex.get(current)
    if (blob !== undefined) {
      const replacement = { [BLOB_TAG]: blob }
      copies.set(current, replacement)
      return replacement
    }
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = proto === null ? { [NULL_PROTO_TAG]: true } : {}
      copies.set(current, out)
      for (const key of Object.keys(current)) defineValue(out, key, copy((current as Record<string, unknown>)[key]))
      return out
    }
    if (proto === Array.prototype) {
      const array = current as unknown[]
      const out: unknown[] = []
      out.length = array.length // holes stay holes
      copies.set(current, out)
      forEachElementIndex(array, (i) => (out[i] = copy(array[i])))
      for (const key of arrayExtras.get(array) ?? []) defineValue(out, key, copy((array as unknown as Record<string, unknown>)[key]))
      return out
    }
    if (proto === Map.prototype) {
      const out = new Map()
      copies.set(current, out)
      for (const [key, item] of current as Map<unknown, unknown>) out.set(copy(key), copy(item))
      return out
    }
    if (proto === Set.prototype) {
      const out = new Set()
      copies.set(current, out)
      for (const item of current as Set<unknown>) out.add(copy(item))
      return out
    }
    const ErrorClass = ERROR_CLASSES.get(proto!)
    if (ErrorClass !== undefined && Object.hasOwn(current, 'cause')) {
      const out = new ErrorClass()
      copies.set(current, out)
      for (const key of ERROR_KEYS) {
        delete (out as unknown as Record<string, unknown>)[key]
        if (!Object.hasOwn(current, key)) continue
        const item = (current as unknown as Record<string, unknown>)[key]
        Object.defineProperty(out, key, { value: key === 'cause' ? copy(item) : item, writable: true, enumerable: false, configurable: true })
      }
      return out
    }
    copies.set(current, current)
    return current
  }
  return copy(value)
}

/** `target[key] = value`, also for a key named `__proto__` (which assignment would take as the prototype). */
function defineValue(target: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
  else (target as Record<string, unknown>)[key] = value
}

/** Whether a buffer can grow or shrink (ES2024; v8 keeps that, a copy of its bytes would not). */
function isResizable(buffer: ArrayBuffer): boolean {
  return (buffer as { resizable?: boolean }).resizable === true
}

/** The type name of a typed array / Buffer / DataView / ArrayBuffer that can be stored as its raw bytes. */
export function blobTypeOf(value: object): string | undefined {
  const proto = Object.getPrototypeOf(value) as object | null
  if (proto === ArrayBuffer.prototype) return isResizable(value as ArrayBuffer) ? undefined : 'ArrayBuffer'
  if (proto === null || !ArrayBuffer.isView(value) || !(value.buffer instanceof ArrayBuffer) || isResizable(value.buffer)) return undefined
  return viewTypeOf(proto)
}

/** Rebuilds registered types, null-prototype objects and blobs in a value read back from an entry written with tagging. */
export function reviveValue(value: unknown, blobs: readonly unknown[] = []): unknown {
  const seen = new Map<object, unknown>()
  /** Replaces `target[key]` by what it revives to, leaving it alone (and its descriptor) when nothing changes. */
  const reviveProperty = (target: object, key: string) => {
    const item = (target as Record<string, unknown>)[key]
    const revived = visit(item)
    if (revived !== item) defineValue(target, key, revived)
  }
  const visit = (current: unknown): unknown => {
    if (current === null || typeof current !== 'object') return current
    if (seen.has(current)) return seen.get(current)
    seen.set(current, current)
    const proto = Object.getPrototypeOf(current) as object | null
    if (proto === Array.prototype) {
      const array = current as unknown[]
      forEachElementIndex(array, (i) => {
        const item = array[i]
        if (item !== null && typeof item === 'object') array[i] = visit(item)
      })
      for (const key of arrayExtraNames(array)) reviveProperty(array, key)
      return current
    }
    if (proto === Map.prototype) {
      const map = current as Map<unknown, unknown>
      const entries = [...map].map(([key, item]) => [visit(key), visit(item)] as const)
      map.clear()
      for (const [key, item] of entries) map.set(key, item)
      return current
    }
    if (proto === Set.prototype) {
      const set = current as Set<unknown>
      const items = [...set].map(visit)
      set.clear()
      for (const item of items) set.add(item)
      return current
    }
    if (ERROR_CLASSES.has(proto!) && Object.hasOwn(current, 'cause')) {
      const cause = visit((current as Error).cause)
      Object.defineProperty(current, 'cause', { value: cause, writable: true, enumerable: false, configurable: true })
      return current
    }
    if (proto !== Object.prototype) return current
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
    if (Object.hasOwn(record, NULL_PROTO_TAG)) {
      delete record[NULL_PROTO_TAG]
      Object.setPrototypeOf(record, null)
    }
    for (const key of Object.keys(record)) reviveProperty(record, key)
    return current
  }
  return visit(value)
}
