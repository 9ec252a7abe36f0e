import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeValue } from '../src/key/encode'
import { KeyEncodingError } from '../src/key/path'

/** Values the encoding promises to key (no cycles, no class instances). */
const keyable = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, true, false, NaN, -0, 0, Infinity, -Infinity),
    fc.double(),
    fc.integer(),
    fc.string(),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4 }),
    fc.array(fc.tuple(fc.string({ maxLength: 3 }), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(fc.integer(), { maxLength: 4 }).map((items) => new Set(items)),
  ),
})).value

/** The same value rebuilt with reversed object key order and Map/Set insertion order. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered)
  if (value instanceof Map) return new Map([...value].reverse().map(([k, v]) => [k, reordered(v)]))
  if (value instanceof Set) return new Set([...value].reverse())
  if (value && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).reverse()) out[key] = reordered((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

describe('key encoding properties', () => {
  it('equal inputs in any order give equal keys', () => {
    fc.assert(
      fc.property(keyable, (value) => {
        expect(encodeValue(reordered(value))).toBe(encodeValue(value))
      }),
    )
  })

  it('different inputs give different keys', () => {
    fc.assert(
      fc.property(keyable, keyable, (a, b) => {
        fc.pre(!structurallyEqual(a, b))
        expect(encodeValue(a)).not.toBe(encodeValue(b))
      }),
    )
  })

  it('never throws anything but its documented error', () => {
    fc.assert(
      fc.property(fc.anything({ withMap: true, withSet: true, withTypedArray: true, withBigInt: true, withDate: true, withNullPrototype: true, withSparseArray: true }), (value) => {
        try {
          encodeValue(value)
        } catch (error) {
          expect(error).toBeInstanceOf(KeyEncodingError)
        }
      }),
    )
  })
})

/** Equality the encoding promises to see: types, values, -0, NaN, key sets; orders ignored where promised. */
function structurallyEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false
  if (typeof a === 'number') return Object.is(a, b)
  if (a === null || b === null || typeof a !== 'object') return a === b
  // A null-prototype object is a plain record too (fast-check makes some): the key does not tell them apart.
  const kind = (v: object) => Object.getPrototypeOf(v) ?? Object.prototype
  if (kind(a) !== kind(b as object)) return false
  if (a instanceof Date) return a.getTime() === (b as Date).getTime()
  if (a instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b as Uint8Array))
  if (a instanceof Set) return a.size === (b as Set<unknown>).size && [...a].every((item) => (b as Set<unknown>).has(item))
  if (a instanceof Map) {
    const other = b as Map<unknown, unknown>
    return a.size === other.size && [...a].every(([k, v]) => other.has(k) && structurallyEqual(v, other.get(k)))
  }
  if (Array.isArray(a)) {
    const other = b as unknown[]
    return a.length === other.length && a.every((item, i) => (i in other) === (i in a) && structurallyEqual(item, other[i]))
  }
  const keysA = Object.keys(a).sort()
  const keysB = Object.keys(b as object).sort()
  return (
    keysA.length === keysB.length &&
    keysA.every((key, i) => key === keysB[i] && structurallyEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  )
}
