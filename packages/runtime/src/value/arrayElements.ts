/**
 * Walks the elements an array holds without stepping through the holes of a sparse one: `a[2 ** 32 - 2] = 1` has
 * one element but a length of four billion, and a loop to `length` over it (storing it, or reading a crafted entry
 * holding it) would stall the program for minutes.
 */
import { isIndexKey } from './extraKeys'

/** Holes met before the walk checks whether listing the keys would be cheaper than going on index by index. */
const HOLES_BEFORE_LISTING = 1024

/** Calls `each` with every index `array` has as an own property (enumerable or not), in ascending order. */
export function forEachElementIndex(array: readonly unknown[], each: (index: number) => void): void {
  let holes = 0
  for (let i = 0; i < array.length; i++) {
    if (Object.hasOwn(array, i)) {
      each(i)
      continue
    }
    // Mostly holes so far: list the remaining indices instead, which costs one step per element, not per index.
    if (++holes >= HOLES_BEFORE_LISTING && holes > i + 1 - holes) {
      for (const key of Object.getOwnPropertyNames(array)) if (isIndexKey(key) && Number(key) > i) each(Number(key))
      return
    }
  }
}
