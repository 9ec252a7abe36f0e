import { describe, expect, it } from 'vitest'
import { createCallEncoder } from '../src/key/callKey'
import { encodeValue } from '../src/key/encode'
import { dropIfEqual, stableHash, registerType } from '../src/index'

const same = (a: unknown, b: unknown) => expect(encodeValue(a)).toBe(encodeValue(b))
const differ = (a: unknown, b: unknown) => expect(encodeValue(a)).not.toBe(encodeValue(b))

describe('key encoding', () => {
  it('tells types apart', () => {
    differ(1, '1')
    differ(null, undefined)
    differ([1], { 0: 1 })
    differ(true, 'true')
    differ(1n, 1)
    differ(0, -0)
    differ('', [])
    differ([], {})
    differ(new Date(0), 0)
    differ(new Map(), new Set())
    differ(Buffer.from([1]), new Uint8Array([1]))
    differ(new Uint8Array([1, 0]), new Uint16Array([1]))
    differ(new Uint8Array(100), new Uint8Array(101))
    differ(/a/g, /a/i)
    differ(new URL('https://a.example/x'), 'https://a.example/x')
  })

  it('keeps missing properties, undefined properties and array holes apart', () => {
    differ({}, { a: undefined })
    // oxlint-disable-next-line no-sparse-arrays -- a hole is the case under test
    differ([undefined], [,])
    differ([1, 2], [[1, 2]])
  })

  it('handles NaN, -0 and infinities', () => {
    same(NaN, Number.NaN)
    differ(NaN, undefined)
    differ(Infinity, -Infinity)
    same(-0, -0)
  })

  it('ignores object key order, Map and Set insertion order', () => {
    same({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })
    same(new Map([['a', 1], ['b', 2]]), new Map([['b', 2], ['a', 1]]))
    same(new Set([1, 'x', [2]]), new Set([[2], 'x', 1]))
    differ(new Map([['a', 1]]), new Map([['a', 2]]))
    same(Object.assign(Object.create(null), { x: 1 }), { x: 1 })
  })

  it('cannot be fooled by strings that look like the grammar', () => {
    differ(['a,b'], ['a', 'b'])
    differ({ 'a=s1:b;': 1 }, { a: 'b' })
    differ(new Set(['a,b']), new Set(['a', 'b']))
  })

  it('keys binary data by bytes, small or large, without regard to the buffer it sits in', () => {
    const big = new Float64Array(1000).fill(1.5)
    const copy = new Float64Array(big)
    same(big, copy)
    copy[999] = 2
    differ(big, copy)
    const backing = new Uint8Array([9, 1, 2, 3, 9])
    same(backing.subarray(1, 4), new Uint8Array([1, 2, 3]))
    same(new ArrayBuffer(8), new ArrayBuffer(8))
    same(new DataView(new ArrayBuffer(4)), new DataView(new ArrayBuffer(4)))
  })

  it('encodes dates by time and bigints exactly', () => {
    same(new Date(5), new Date(5))
    differ(new Date(5), new Date(6))
    differ(2n ** 64n, 2n ** 64n + 1n)
  })

  it('rejects circular structures with the path', () => {
    const a: Record<string, unknown> = { x: 1 }
    a.self = { back: a }
    expect(() => encodeValue(a)).toThrow(/circular/)
    const shared = { v: 1 }
    expect(() => encodeValue({ one: shared, two: shared })).not.toThrow()
  })

  it('uses registered types', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    expect(() => encodeValue(new Point(1, 2))).toThrow(/instance of Point/)
    registerType(Point, { key: (p) => [p.x, p.y] })
    same(new Point(1, 2), new Point(1, 2))
    differ(new Point(1, 2), new Point(2, 1))
    differ(new Point(1, 2), [1, 2])
  })

  it('stableHash is equal for equal values', () => {
    expect(stableHash({ a: 1, b: [2] })).toBe(stableHash({ b: [2], a: 1 }))
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: '1' }))
    expect(stableHash('x')).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('call keys', () => {
  const target = { id: 'src/a.ts#f', params: ['opts', 'n'], kind: 'function' as const }

  it('names the function, parameter and path of a value that cannot be keyed, and the fix', () => {
    const encode = createCallEncoder(target, undefined)
    const error = (() => {
      try {
        encode(undefined, [{ callbacks: [() => 1] }, 1])
      } catch (caught) {
        return caught as Error
      }
    })()
    expect(error).toBeInstanceOf(TypeError)
    expect(error?.message).toContain('src/a.ts#f')
    expect(error?.message).toContain('opts.callbacks[0] is a function')
    expect(error?.message).toContain('key: { opts: null }')
    expect(error?.message).toContain('registerType')
  })

  it.each([
    ['a symbol', Symbol('s'), /opts is a symbol/],
    ['a class instance', new (class Foo {})(), /opts is an instance of Foo/],
    ['a WeakMap', new WeakMap(), /opts is a WeakMap/],
    ['a Promise', Promise.resolve(1), /opts is a Promise/],
  ])('rejects %s', (_, value, message) => {
    expect(() => createCallEncoder(target, undefined)(undefined, [value, 1])).toThrow(message)
  })

  it('leaves out, maps and drops parameters with the key option', () => {
    const plain = createCallEncoder(target, undefined)
    const withoutN = createCallEncoder(target, { n: null })
    expect(withoutN(undefined, [1, 2])).toBe(withoutN(undefined, [1, 3]))
    expect(plain(undefined, [1, 2])).not.toBe(plain(undefined, [1, 3]))
    const mapped = createCallEncoder(target, { opts: (o: { id: number }) => o.id })
    expect(mapped(undefined, [{ id: 1, noise: 1 }, 0])).toBe(mapped(undefined, [{ id: 1, noise: 2 }, 0]))
    const dropping = createCallEncoder(target, { n: dropIfEqual(3) })
    const onlyOpts = createCallEncoder({ ...target, params: ['opts'] }, undefined)
    expect(dropping(undefined, ['x', 3])).toBe(onlyOpts(undefined, ['x']))
    expect(dropping(undefined, ['x', 4])).not.toBe(onlyOpts(undefined, ['x']))
    const whole = createCallEncoder(target, (args) => args.opts)
    expect(whole(undefined, ['a', 1])).toBe(whole(undefined, ['a', 2]))
  })

  it('rejects key entries that are not parameters', () => {
    expect(() => createCallEncoder(target, { nn: null })).toThrow(/"nn", which is not a parameter/)
  })

  it('keys `this` of methods by its own data, unless told otherwise', () => {
    const method = { id: 'src/s.ts#Svc.get', params: ['x'], kind: 'method' as const }
    class Svc {
      constructor(readonly region: string) {}
    }
    const encode = createCallEncoder(method, undefined)
    expect(encode(new Svc('eu'), [1])).toBe(encode(new Svc('eu'), [1]))
    expect(encode(new Svc('eu'), [1])).not.toBe(encode(new Svc('us'), [1]))
    const ignoring = createCallEncoder(method, { this: null })
    expect(ignoring(new Svc('eu'), [1])).toBe(ignoring(new Svc('us'), [1]))
    const bad = { handler: () => 1 }
    expect(() => encode(bad, [1])).toThrow(/src\/s.ts#Svc.get: this.handler is a function \(handler\).*key: \{ this: null \}/)
  })
})

describe('`this` of a registered class', () => {
  it('is keyed by its registered key', () => {
    class Account {
      #secret = Math.random()
      constructor(readonly id: string) {}
      get secret() {
        return this.#secret
      }
    }
    registerType(Account, { key: (account) => account.id })
    const encode = createCallEncoder({ id: 'src/a.ts#Account.load', params: [], kind: 'method' }, undefined)
    expect(encode(new Account('a'), [])).toBe(encode(new Account('a'), []))
    expect(encode(new Account('a'), [])).not.toBe(encode(new Account('b'), []))
  })
})
