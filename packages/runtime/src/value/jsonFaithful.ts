/**
 * JSON keeps plain objects, arrays, strings, finite numbers, booleans and null, and nothing else: a Map becomes {},
 * a Date a string, NaN and Infinity null, -0 becomes 0, an undefined property disappears, an object met twice is
 * written twice. With `format: 'json'` a result is checked before it is stored, so the memory tier (the original)
 * and the disk tier (the parsed JSON) can never disagree.
 */
import { describeType } from '../key/types'
import { formatPath, type PathSegment } from '../key/path'
import { arrayExtraNames } from './extraKeys'
import { UnfaithfulValueError } from './faithful'
import { notData } from './notData'

/** Throws UnfaithfulValueError (codec 'json') naming the path of the first part JSON would bring back changed. */
export function checkJsonValue(value: unknown): void {
  const path: PathSegment[] = []
  const seen = new Set<object>()

  const unfaithful = (typeName: string, key?: string | number | symbol, fix?: string): UnfaithfulValueError => {
    const where = formatPath('result', typeof key === 'string' || typeof key === 'number' ? [...path, key] : path)
    return new UnfaithfulValueError(typeof key === 'symbol' ? `${where}[${String(key)}]` : where, typeName, 'json', fix)
  }
  const visitAt = (key: PathSegment, item: unknown) => {
    path.push(key)
    visit(item)
    path.pop()
  }
  const noSymbolKeys = (current: object) => {
    const [symbol] = Object.getOwnPropertySymbols(current)
    if (symbol !== undefined) throw unfaithful('a symbol-keyed property, which JSON drops', symbol)
  }

  const visit = (current: unknown): void => {
    // Not data at all: the fix is about the result, not about dropping format: 'json'.
    const notStorable = notData(current)
    if (notStorable !== undefined) throw unfaithful(notStorable.typeName, undefined, notStorable.fix)
    switch (typeof current) {
      case 'string':
      case 'boolean':
        return
      case 'number':
        if (!Number.isFinite(current)) throw unfaithful(`${current}, which JSON stores as null`)
        if (Object.is(current, -0)) throw unfaithful('-0, which JSON stores as 0')
        return
      case 'undefined':
        throw unfaithful('undefined, which JSON drops (or stores as null in an array)')
      case 'bigint':
        throw unfaithful('a BigInt, which JSON cannot store')
    }
    if (current === null) return
    const object = current as object
    if (seen.has(object)) throw unfaithful('an object met twice in the result (shared or circular), which JSON would bring back as separate copies')
    seen.add(object)
    const proto = Object.getPrototypeOf(object) as object | null
    if (proto === Array.prototype) {
      const array = object as unknown[]
      noSymbolKeys(array)
      const [extra] = arrayExtraNames(array)
      if (extra !== undefined) throw unfaithful('a property of an array, which JSON drops', extra)
      // Up to the first hole only (a sparse array is refused at once), by descriptor: a getter must not run, a hidden element would be dropped.
      for (let i = 0; i < array.length; i++) {
        const descriptor = Object.getOwnPropertyDescriptor(array, i)
        if (descriptor === undefined) throw unfaithful('a hole in an array, which JSON stores as null', String(i))
        if (!('value' in descriptor)) throw unfaithful('an accessor element, which JSON stores as the value its getter returns', i)
        if (!descriptor.enumerable) throw unfaithful('a non-enumerable element, which JSON drops', i)
        visitAt(i, descriptor.value)
      }
      return
    }
    if (proto !== Object.prototype) {
      throw unfaithful(proto === null ? 'an object without a prototype, which JSON brings back with one' : `${describeType(object)}, which JSON does not keep`)
    }
    noSymbolKeys(object)
    for (const key of Object.getOwnPropertyNames(object)) {
      const descriptor = Object.getOwnPropertyDescriptor(object, key)!
      if (!('value' in descriptor)) throw unfaithful('an accessor property, which JSON stores as the value its getter returns', key)
      if (!descriptor.enumerable) throw unfaithful('a non-enumerable property, which JSON drops', key)
      visitAt(key, descriptor.value)
    }
  }
  visit(value)
}
