// Extends packages/runtime/test/property.test.ts: a wider value space (Map object keys, Sets of objects, every
// typed array, URL, RegExp, boxed primitives, sparse arrays, null-prototype objects), strings made of the
// grammar's own separators, strings UTF-8 cannot tell apart (lone surrogates, U+FFFD, pairs split anywhere),
// single-change mutations, the disk digest, directory names, and unkeyable values at random places.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { digestKey, keyPrefix } from '../../packages/runtime/src/key/callKey'
import { encodeValue } from '../../packages/runtime/src/key/encode'
import { stableHash } from '../../packages/runtime/src/key/helpers'
import { KeyEncodingError } from '../../packages/runtime/src/key/path'
import { decodeSegment, toSegment } from '../../packages/runtime/src/stores/layout'

/** Strings made of the characters the encoding uses as tags and separators: the likeliest to collide. */
const trickyString = fc.string({ unit: fc.constantFrom('s', '1', '2', ':', ';', '=', '{', '}', '[', ']', ',', 'n', 'u', 'z', 'h', 'M', 'S', '\0'), maxLength: 6 })
/** Units UTF-8 confuses: lone leads and trails (an emoji's halves among them), U+FFFD, a whole pair. */
const confusableUnit = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D', '\uDE00', '\uFFFD', '😀')
const confusableString = fc.string({ unit: fc.oneof(confusableUnit, fc.constantFrom('a', ':', '%')), maxLength: 6 })
const anyString = fc.oneof(trickyString, fc.string({ maxLength: 6 }), confusableString)

/**
 * Two strings equal but for their confusable units: the same text around, each slot filled independently (or
 * left empty, so a pair can form across slots in one string and be split in the other).
 */
const confusablePair = fc
  .array(fc.tuple(fc.string({ maxLength: 2 }), fc.oneof(confusableUnit, fc.constant('')), fc.oneof(confusableUnit, fc.constant(''))), {
    minLength: 1,
    maxLength: 3,
  })
  .map((parts) => [parts.map(([text, a]) => text + a).join(''), parts.map(([text, , b]) => text + b).join('')] as const)

const typedArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array] as const
const bytes = fc.uint8Array({ maxLength: 24 }).chain((raw) =>
  fc.constantFrom(...typedArrays, 'Buffer', 'ArrayBuffer', 'DataView').map((kind) => {
    const copy = raw.slice(0, raw.length - (raw.length % 8)).buffer
    if (kind === 'Buffer') return Buffer.from(copy)
    if (kind === 'ArrayBuffer') return copy
    if (kind === 'DataView') return new DataView(copy)
    return new (kind as Uint8ArrayConstructor)(copy)
  }),
)

const leaf = fc.oneof(
  fc.constantFrom(null, undefined, true, false, NaN, -0, 0, Infinity, -Infinity),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  anyString,
  fc.date({ noInvalidDate: true }),
  bytes,
  fc.webUrl().map((href) => new URL(href)),
  fc.tuple(fc.stringMatching(/^[a-z]{1,4}$/), fc.constantFrom('', 'g', 'i', 'gi')).map(([source, flags]) => new RegExp(source, flags)),
  fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean()).map((value) => Object(value) as object),
)

const keyable = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => {
      const sparse = [...items, 'end']
      if (items.length > 0) delete sparse[0]
      return sparse
    }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 4 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 3 }).map((record) => Object.assign(Object.create(null) as object, record)),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
  ),
})).value

/** The same value with every object's keys and every Map/Set's insertion order reversed. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered)
  if (value instanceof Map) return new Map([...value].reverse().map(([k, v]) => [reordered(k), reordered(v)]))
  if (value instanceof Set) return new Set([...value].reverse().map(reordered))
  const proto = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = proto === null ? Object.create(null) : {}
    for (const key of Object.keys(value as object).reverse()) out[key] = reordered((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

function otherNumber(value: number): number {
  if (Object.is(value, -0)) return 0
  if (value === 0) return -0
  if (Number.isNaN(value)) return 0
  if (!Number.isFinite(value)) return -value
  const doubled = value * 2
  return Number.isFinite(doubled) ? doubled : value / 2
}

/** A different leaf of the same or another type: every one of these is a difference the encoding promises to see. */
function changedLeaf(value: unknown, kind: number): unknown {
  switch (typeof value) {
    case 'number':
      return [otherNumber(value), String(value), BigInt(Number.isInteger(value) ? value : 0)][kind % 3]
    case 'string':
      return [value + 'x', value.length > 0 ? value.slice(1) : 'x', Object(value)][kind % 3]
    case 'bigint':
      return [value + 1n, Number(value) + 0.5][kind % 2]
    case 'boolean':
      return [!value, Number(value)][kind % 2]
    case 'undefined':
      return [null, 'undefined', 0][kind % 3]
  }
  if (value === null) return [undefined, 'null', 0][kind % 3]
  if (value instanceof Date) return new Date(value.getTime() + 1)
  if (value instanceof URL) return new URL(value.href + (value.href.endsWith('/') ? 'x' : '/x'))
  if (value instanceof RegExp) return new RegExp(value.source, value.flags.includes('m') ? '' : value.flags + 'm')
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (ArrayBuffer.isView(value)) {
    if (kind % 2 === 0 || value.byteLength === 0) return value instanceof Int8Array ? new Uint8Array(value.buffer) : new Int8Array(value.buffer.slice(0))
    const copy = new Uint8Array(value.buffer.slice(0))
    copy[0] = (copy[0]! + 1) % 256
    return value instanceof DataView ? new DataView(copy.buffer) : Buffer.isBuffer(value) ? Buffer.from(copy.buffer) : new (value.constructor as Uint8ArrayConstructor)(copy.buffer)
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return value.valueOf()
  return undefined
}

/** A copy of `value` with exactly one change at its `target`-th node (depth first), or undefined when none applies. */
function mutated(value: unknown, target: number, kind: number): { value: unknown; changed: boolean } {
  let index = 0
  let changed = false
  const visit = (current: unknown, inSet = false): unknown => {
    if (changed) return current
    if (index++ === target) {
      changed = true
      // A Set stores -0 as 0 (SameValueZero): that change would not reach the encoder.
      if (inSet && current === 0) return 1
      if (Array.isArray(current)) {
        return current.length === 0 ? [[undefined], { 0: 1 }, [0]][kind % 3] : [Object.assign({}, current), [...current, 0], current.slice(1)][kind % 3]
      }
      if (current instanceof Map) return [new Map([...current, ['added-key', 1]]), new Set(current.values())][kind % 2]
      if (current instanceof Set) return [new Set([...current, 'added-member']), [...current]][kind % 2]
      if (current !== null && typeof current === 'object' && !(changedLeaf(current, kind) !== undefined || current instanceof Date)) {
        const keys = Object.keys(current)
        return keys.length > 0 && kind % 2 ? Object.fromEntries(keys.slice(1).map((key) => [key, (current as Record<string, unknown>)[key]])) : { ...current, 'added-key': 1 }
      }
      return changedLeaf(current, kind)
    }
    if (Array.isArray(current)) {
      const copy = current.slice()
      for (let i = 0; i < current.length; i++) if (i in current) copy[i] = visit(current[i])
      return copy
    }
    if (current instanceof Map) return new Map([...current].map(([k, v]) => [k, visit(v)]))
    if (current instanceof Set) return new Set([...current].map((item) => visit(item, true)))
    const proto = current !== null && typeof current === 'object' ? Object.getPrototypeOf(current) : undefined
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = proto === null ? Object.create(null) : {}
      for (const key of Object.keys(current as object)) out[key] = visit((current as Record<string, unknown>)[key])
      return out
    }
    return current
  }
  const result = visit(value)
  return { value: result, changed }
}

describe('key encoding properties (wider value space)', () => {
  it('reordered object keys and Map/Set insertion order (Map object keys, Sets of objects) give equal keys', () => {
    fc.assert(
      fc.property(keyable, (value) => {
        expect(encodeValue(reordered(value))).toBe(encodeValue(value))
      }),
      { numRuns: 500 },
    )
  })

  it('any single change the encoding promises to see (type, value, -0, holes, key sets, bytes, typed array kind) gives another key', () => {
    fc.assert(
      fc.property(keyable, fc.nat(40), fc.nat(5), (value, target, kind) => {
        const { value: other, changed } = mutated(value, target, kind)
        fc.pre(changed)
        const before = encodeValue(value)
        expect(encodeValue(other)).not.toBe(before)
      }),
      { numRuns: 1000 },
    )
  })

  it('keys built from separator characters never collide across the value boundary', () => {
    fc.assert(
      fc.property(fc.array(trickyString, { minLength: 1, maxLength: 4 }), fc.array(trickyString, { minLength: 1, maxLength: 4 }), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b))
        expect(encodeValue(a)).not.toBe(encodeValue(b))
        expect(encodeValue({ [a.join('')]: a })).not.toBe(encodeValue({ [a.join('')]: b }))
      }),
      { numRuns: 500 },
    )
  })

  // The source hash is kept apart by the entry's directory instead (stores/layout.ts hashSegment), so entries can be adopted.
  it('the disk key separates function, version, scope and call', () => {
    const part = fc.oneof(fc.string({ maxLength: 5 }), trickyString, confusableString)
    const identity = fc.record({ id: part, version: part.map((text) => encodeValue(text)), scope: part, text: part })
    fc.assert(
      fc.property(identity, identity, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b))
        const digest = (x: typeof a) => digestKey(keyPrefix({ id: x.id, hash: 'h', version: x.version }), x.scope, x.text)
        expect(digest(a)).not.toBe(digest(b))
      }),
      { numRuns: 500 },
    )
  })

  it('the disk key is equal exactly when function id, version, scope and call are, for strings UTF-8 confuses', () => {
    const where = fc.constantFrom('argument', 'object key', 'scope', 'version', 'id')
    const digestWith = (where: string, text: string) => {
      const id = where === 'id' ? text : 'src/a.ts#f'
      const version = where === 'version' ? encodeValue(text) : ''
      const scope = where === 'scope' ? text : ''
      const call = where === 'argument' ? encodeValue([text]) : where === 'object key' ? encodeValue({ [text]: 1 }) : 'n1'
      return digestKey(keyPrefix({ id, hash: 'h', version }), scope, call)
    }
    fc.assert(
      fc.property(confusablePair, where, ([a, b], place) => {
        expect(digestWith(place, a) === digestWith(place, b)).toBe(a === b)
      }),
      { numRuns: 1000 },
    )
  })

  it('two calls share a disk entry exactly when their canonical arguments are equal', () => {
    const digest = (value: unknown) => digestKey(keyPrefix({ id: 'f', hash: 'h', version: '' }), '', encodeValue(value))
    fc.assert(
      fc.property(keyable, keyable, (a, b) => {
        expect(digest(a) === digest(b)).toBe(encodeValue(a) === encodeValue(b))
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(confusablePair, keyable, ([a, b], around) => {
        expect(digest([around, a]) === digest([around, b])).toBe(a === b)
      }),
      { numRuns: 500 },
    )
  })

  it('stableHash is equal exactly when the values are, for strings UTF-8 confuses', () => {
    fc.assert(
      fc.property(confusablePair, ([a, b]) => {
        expect(stableHash(a) === stableHash(b)).toBe(a === b)
        expect(stableHash({ [a]: [a] }) === stableHash({ [b]: [b] })).toBe(a === b)
      }),
      { numRuns: 1000 },
    )
  })

  it('directory names (function ids, scopes, versions) are one-to-one and decode back, for strings UTF-8 confuses', () => {
    const long = 'n'.repeat(250)
    fc.assert(
      fc.property(confusablePair, ([a, b]) => {
        expect(toSegment(a) === toSegment(b)).toBe(a === b)
        expect(decodeSegment(toSegment(a))).toBe(a)
        expect(decodeSegment(toSegment(`src/${a}_#${b}`))).toBe(`src/${a}_#${b}`)
        // A shortened name's hash suffix is over the exact name.
        expect(toSegment(long + a) === toSegment(long + b)).toBe(a === b)
      }),
      { numRuns: 1000 },
    )
  })

  it('throws only its documented error, with a path to the culprit, for unkeyable values placed anywhere', () => {
    class Opaque {
      constructor(readonly secret: number) {}
    }
    const unkeyable = fc.constantFrom<[string, () => unknown]>(
      ['is a function', () => () => 1],
      ['is a symbol', () => Symbol('s')],
      ['is an instance of Opaque', () => new Opaque(1)],
      ['is a Promise', () => Promise.resolve(1)],
      ['is a WeakMap', () => new WeakMap()],
      ['is a WeakSet', () => new WeakSet()],
      ['is an instance of Error', () => new Error('x')],
    )
    fc.assert(
      fc.property(keyable, fc.nat(40), unkeyable, (value, target, [reason, make]) => {
        let index = 0
        const path: (string | number)[] = []
        let placed: (string | number)[] | undefined
        const place = (current: unknown, at: (string | number)[]): unknown => {
          if (placed) return current
          if (index++ === target) {
            placed = at
            return make()
          }
          if (Array.isArray(current)) return current.map((item, i) => place(item, [...at, i]))
          if (current !== null && typeof current === 'object' && Object.getPrototypeOf(current) === Object.prototype) {
            return Object.fromEntries(Object.entries(current).map(([key, item]) => [key, place(item, [...at, key])]))
          }
          return current
        }
        const poisoned = place(value, path)
        fc.pre(placed !== undefined)
        let error: unknown
        try {
          encodeValue(poisoned)
        } catch (thrown) {
          error = thrown
        }
        expect(error, 'an unkeyable value was keyed').toBeInstanceOf(KeyEncodingError)
        expect((error as KeyEncodingError).reason).toContain(reason)
        expect((error as KeyEncodingError).path).toEqual(placed)
      }),
      { numRuns: 500 },
    )
  })

  it('never throws anything but its documented error on arbitrary values (fc.anything with every option)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withNullPrototype: true,
          withObjectString: true,
          withSet: true,
          withSparseArray: true,
          withTypedArray: true,
          withUnicodeString: true,
        }),
        (value) => {
          try {
            encodeValue(value)
          } catch (error) {
            expect(error).toBeInstanceOf(KeyEncodingError)
          }
        },
      ),
      { numRuns: 1000 },
    )
  })
})
