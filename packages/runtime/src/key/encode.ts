/**
 * Canonical encoding of argument values into a string. Two values get the same encoding exactly when persist
 * treats them as the same argument: type tags keep `1` ≠ `"1"`, `null` ≠ `undefined` ≠ missing, `[1]` ≠ `{0: 1}`;
 * object keys and Map/Set entries are sorted, so insertion order does not matter; binary data is keyed by its
 * bytes (hashed when large, never copied into the string). Any change to this grammar must bump KEY_FORMAT.
 *
 * Grammar: u undefined · z null · t/f booleans · n<number> (n-0 for -0) · b<bigint> · s<length>:<chars>
 * · [a,b] arrays (h for holes) · {<skey>=<value>;…} plain objects · D<ms> · R<source><flags> · U<href>
 * · M{<k>=<v>;…} · S{<v>,…} · X<type>:<byteLength>:x<hex>|h<sha256> binary · N<value> boxed primitives
 * · C<name><value> registered types · I<class><object> a method's `this`.
 * Lengths count UTF-16 code units and strings are copied as they are, lone surrogates included: the encoding is a
 * JavaScript string, and whatever hashes or names one goes through key/exactText.ts, never plain UTF-8.
 */
import { createHash } from 'node:crypto'
import { KeyEncodingError, type PathSegment } from './path'
import { describeType, registeredTypeOf } from './types'

/**
 * Version of the key grammar and of what the disk key covers; part of every key hash. 2: the source hash left the
 * disk key (it is the entry's directory), so entries written by format 1 are never read as format 2 ones.
 * 3: the disk key hashes the key text's exact bytes (key/exactText.ts: a lone surrogate is no longer U+FFFD) and
 * length-prefixes the function id; format 2 entries, where `f("\uD800")` and `f("\uFFFD")` shared one, are misses.
 */
export const KEY_FORMAT = 3

/** Binary values up to this size are written out in hex instead of hashed: cheaper than a hash for small ones. */
const INLINE_BYTES = 64

/**
 * Cycle detection stays off the hot path: only a structure nested deeper than this is checked for a cycle
 * (then once, from the top), since a cycle always makes the recursion this deep.
 */
const CYCLE_CHECK_DEPTH = 100

let depth = 0
let root: unknown
let checkedDeep = false
/** The path of a cycle found from the root: frames unwinding past it must not prepend their segments again. */
let cyclePath: PathSegment[] | undefined

/** Encodes one value. Throws KeyEncodingError (with a path) for values persist cannot key. */
export function encodeValue(value: unknown): string {
  depth = 0
  root = value
  checkedDeep = false
  try {
    return encode(value)
  } catch (error) {
    throw documented(error)
  } finally {
    // Only the cycle check reads it, during this call: keeping it would keep the last argument alive.
    root = undefined
  }
}

/** Encodes an object's own enumerable data whatever its prototype: how a method's `this` is keyed. */
export function encodeInstance(value: object): string {
  depth = 0
  root = value
  checkedDeep = false
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
  try {
    return `I${encodeString(ctor?.name ?? '')}${encodeObject(value as Record<string, unknown>)}`
  } catch (error) {
    throw documented(error)
  } finally {
    root = undefined
  }
}

/** The error to report: a cycle's path as found from the root, and a stack overflow as the documented error. */
function documented(error: unknown): unknown {
  if (error instanceof KeyEncodingError && cyclePath) error.path.splice(0, error.path.length, ...cyclePath)
  cyclePath = undefined
  // A structure can be too deep for the stack before it reaches MAX_DEPTH (the caller's frames count too).
  if (error instanceof RangeError) return new KeyEncodingError('is nested too deeply to key (the stack ran out)', 'value')
  return error
}

export function encodeString(value: string): string {
  return 's' + value.length + ':' + value
}

function encode(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 's' + value.length + ':' + value
    case 'number':
      return value === 0 && 1 / value < 0 ? 'n-0' : 'n' + value
    case 'boolean':
      return value ? 't' : 'f'
    case 'undefined':
      return 'u'
    case 'bigint':
      return 'b' + value
    case 'object':
      return value === null ? 'z' : encodeObjectLike(value)
    case 'function':
      throw new KeyEncodingError(`is ${describeType(value)}`, 'type')
    case 'symbol':
      throw new KeyEncodingError(`is a symbol (${String(value)})`, 'type')
  }
  throw new KeyEncodingError(`has an unsupported type (${typeof value})`, 'type')
}

function encodeObjectLike(value: object): string {
  if (++depth > CYCLE_CHECK_DEPTH) checkDeep()
  const proto = Object.getPrototypeOf(value)
  const out =
    proto === Object.prototype || proto === null
      ? encodeObject(value as Record<string, unknown>)
      : proto === Array.prototype
        ? encodeArray(value as unknown[])
        : encodeBuiltin(value)
  depth--
  return out
}

const MAX_DEPTH = 5000

function checkDeep(): void {
  if (!checkedDeep) {
    checkedDeep = true
    try {
      throwIfCyclic(root)
    } catch (error) {
      if (error instanceof KeyEncodingError) cyclePath = [...error.path]
      throw error
    }
  }
  if (depth > MAX_DEPTH) {
    throw new KeyEncodingError(`is nested more than ${MAX_DEPTH} levels deep (or a registered type's key contains itself)`, 'value')
  }
}

/** Throws a KeyEncodingError with the path of the first reference back to an enclosing object. */
function throwIfCyclic(value: unknown): void {
  const open = new Set<object>()
  const visit = (current: unknown): void => {
    if (current === null || typeof current !== 'object') return
    if (open.has(current)) throw new KeyEncodingError('is a circular reference (the value contains itself)', 'circular')
    open.add(current)
    const children: [PathSegment, unknown][] =
      current instanceof Map
        ? [...current].map(([key, item]) => [{ map: typeof key === 'string' ? JSON.stringify(key) : String(key) }, item])
        : current instanceof Set
          ? [...current].map((item) => [{ set: true }, item])
          : ArrayBuffer.isView(current)
            ? []
            : Object.keys(current).map((key) => [Array.isArray(current) ? Number(key) : key, (current as Record<string, unknown>)[key]])
    for (const [segment, child] of children) {
      try {
        visit(child)
      } catch (error) {
        if (error instanceof KeyEncodingError) error.path.unshift(segment)
        throw error
      }
    }
    open.delete(current)
  }
  visit(value)
}

function encodeArray(value: unknown[]): string {
  let out = '['
  let index = 0
  try {
    for (; index < value.length; index++) {
      if (index > 0) out += ','
      out += index in value ? encode(value[index]) : 'h'
    }
  } catch (error) {
    if (error instanceof KeyEncodingError) error.path.unshift(index)
    throw error
  }
  return out + ']'
}

/** Sorts a small array of strings in place; faster than Array.prototype.sort for the few keys of an argument. */
function sortKeys(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!
    let j = i - 1
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!
      j--
    }
    keys[j + 1] = key
  }
}

function encodeObject(value: Record<string, unknown>): string {
  const keys = Object.keys(value)
  if (keys.length > 1) {
    if (keys.length > 16) keys.sort()
    else sortKeys(keys)
  }
  let out = '{'
  let current = ''
  try {
    for (let i = 0; i < keys.length; i++) {
      current = keys[i]!
      out += 's' + current.length + ':' + current + '=' + encode(value[current]) + ';'
    }
  } catch (error) {
    if (error instanceof KeyEncodingError) error.path.unshift(current)
    throw error
  }
  const symbols = Object.getOwnPropertySymbols(value)
  if (symbols.length > 0) {
    for (const symbol of symbols) {
      if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
        throw new KeyEncodingError(`has a symbol-keyed property (${String(symbol)}), which persist cannot key`, 'value')
      }
    }
  }
  return out + '}'
}

function encodeBuiltin(value: object): string {
  if (ArrayBuffer.isView(value)) return encodeBytes(value.constructor.name, value)
  if (value instanceof ArrayBuffer) return encodeBytes('ArrayBuffer', new Uint8Array(value))
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) {
    return encodeBytes('SharedArrayBuffer', new Uint8Array(value))
  }
  if (value instanceof Date) return `D${value.getTime()}`
  if (value instanceof RegExp) return `R${encodeString(value.source)}${encodeString(value.flags)}`
  if (value instanceof URL) return `U${encodeString(value.href)}`
  if (value instanceof Map) return encodeMap(value)
  if (value instanceof Set) return encodeSet(value)
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return `N${encode(value.valueOf())}`
  }
  const registered = registeredTypeOf(value)
  if (registered?.key) {
    const mapped = registered.key(value)
    try {
      return `C${encodeString(registered.name)}${encode(mapped)}`
    } catch (error) {
      if (error instanceof KeyEncodingError) error.path.unshift(`<key of ${registered.name}>`)
      throw error
    }
  }
  if (value instanceof Promise) throw new KeyEncodingError('is a Promise (await it before the call)', 'type')
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
    throw new KeyEncodingError(`is a ${value.constructor.name}, whose contents cannot be read`, 'type')
  }
  throw new KeyEncodingError(`is ${describeType(value)}`, 'type')
}

function encodeBytes(type: string, view: ArrayBufferView): string {
  const bytes = view.byteLength
  if (bytes <= INLINE_BYTES) {
    return `X${type}:${bytes}:x${Buffer.from(view.buffer, view.byteOffset, bytes).toString('hex')}`
  }
  // Hash the bytes in place: a 256 MB array must not be copied into a string.
  return `X${type}:${bytes}:h${createHash('sha256').update(new Uint8Array(view.buffer, view.byteOffset, bytes)).digest('hex')}`
}

function encodeMap(value: Map<unknown, unknown>): string {
  const entries: string[] = []
  for (const [key, entry] of value) {
    let encodedKey: string
    try {
      encodedKey = encode(key)
    } catch (error) {
      if (error instanceof KeyEncodingError) error.path.unshift({ map: '<key>' })
      throw error
    }
    try {
      entries.push(`${encodedKey}=${encode(entry)}`)
    } catch (error) {
      if (error instanceof KeyEncodingError) error.path.unshift({ map: typeof key === 'string' ? JSON.stringify(key) : String(key) })
      throw error
    }
  }
  return `M{${entries.sort().join(';')}}`
}

function encodeSet(value: Set<unknown>): string {
  const entries: string[] = []
  try {
    for (const entry of value) entries.push(encode(entry))
  } catch (error) {
    if (error instanceof KeyEncodingError) error.path.unshift({ set: true })
    throw error
  }
  return `S{${entries.sort().join(',')}}`
}
