/**
 * Results that are not data: a function, a symbol, a promise, a WeakMap, WeakSet or WeakRef. No codec stores them and
 * `registerType` cannot teach one (a serialize cannot await a promise or list a WeakMap), so the fix a warning gives
 * for them is about the result itself.
 */

/** Weak collections by prototype, with the plain data to return instead. */
const WEAK_CLASSES = new Map<object, { name: string; instead: string }>([
  [WeakMap.prototype, { name: 'WeakMap', instead: 'a Map' }],
  [WeakSet.prototype, { name: 'WeakSet', instead: 'a Set' }],
  [WeakRef.prototype, { name: 'WeakRef', instead: 'the object it refers to' }],
])

/** What no codec can store, as the warning names it, and the fix that applies; undefined for anything else. */
export function notData(value: unknown): { typeName: string; fix: string } | undefined {
  if (typeof value === 'function') {
    return { typeName: 'a function, which no cache can store', fix: 'return plain data in its place (leave the function out of the result, or return what it computes)' }
  }
  if (typeof value === 'symbol') {
    return { typeName: 'a symbol, which no cache can store', fix: 'return plain data in its place (a string instead of the symbol, or leave it out of the result)' }
  }
  if (value === null || typeof value !== 'object') return undefined
  const proto = Object.getPrototypeOf(value) as object | null
  if (proto === Promise.prototype) {
    return { typeName: 'a promise, which no cache can store', fix: 'await it inside the function and return the value it resolves to' }
  }
  const weak = proto === null ? undefined : WEAK_CLASSES.get(proto)
  if (weak !== undefined) {
    return { typeName: `a ${weak.name}, which no cache can store`, fix: `return plain data in its place (${weak.instead} instead, or leave it out of the result)` }
  }
  return undefined
}
