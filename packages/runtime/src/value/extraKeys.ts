/**
 * The own keys of arrays and binary views other than their elements. Listing every key of a million-element array
 * costs about a second (each index becomes a string), so large ones first ask util.inspect, which lists only the
 * non-index keys natively, whether there are any; the full listing runs only when there are.
 */
import { inspect } from 'node:util'

/** Up to this many elements, listing every own key is cheaper than asking inspect. */
const LIST_ALL_BELOW = 1024

const KEYS_PROBE = { depth: 0, maxArrayLength: 0, customInspect: false, showHidden: true, breakLength: Infinity, getters: false }

/** Whether `key` is an array index (a canonical integer string below 2^32 - 1). */
export function isIndexKey(key: string): boolean {
  if (key.length === 0 || key.length > 10 || (key.length > 1 && key[0] === '0')) return false
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) < 48 || key.charCodeAt(i) > 57) return false
  return Number(key) < 2 ** 32 - 1
}

function namesBesidesElements(value: object, besides: string): string[] {
  return Object.getOwnPropertyNames(value).filter((key) => key !== besides && !isIndexKey(key))
}

/** An array's own string keys other than its indices and `length` (its symbol keys: Object.getOwnPropertySymbols). */
export function arrayExtraNames(array: unknown[]): string[] {
  if (array.length < LIST_ALL_BELOW) return namesBesidesElements(array, 'length')
  // With showHidden, an array without other keys shows as exactly `[ ... N more items, [length]: N ]`.
  const shown = inspect(array, KEYS_PROBE)
  return shown === `[ ... ${array.length} more items, [length]: ${array.length} ]` ? [] : namesBesidesElements(array, 'length')
}

/**
 * A typed array's, Buffer's or DataView's own string keys other than its elements. For views of 1024 elements or
 * more, inspect (which shows hidden own properties too) first compares the view with a twin over the same bytes
 * that has none: the full listing runs only when they differ.
 */
export function viewExtraNames(view: ArrayBufferView): string[] {
  const length = (view as unknown as { length?: number }).length ?? 0
  if (length < LIST_ALL_BELOW) return namesBesidesElements(view, '')
  return inspect(view, KEYS_PROBE) === inspect(bareTwin(view, length), KEYS_PROBE) ? [] : namesBesidesElements(view, '')
}

/** A view of the same type over the same bytes, without own properties (nothing is copied). */
function bareTwin(view: ArrayBufferView, length: number): ArrayBufferView {
  if (Buffer.isBuffer(view)) return Buffer.from(view.buffer, view.byteOffset, length)
  // The prototype's constructor: an own `constructor` property of the view is the user's.
  const Type = (Object.getPrototypeOf(view) as { constructor: unknown }).constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView
  return new Type(view.buffer, view.byteOffset, length)
}
