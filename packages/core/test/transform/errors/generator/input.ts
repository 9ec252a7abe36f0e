// @ts-nocheck
/* @persist */
export function* numbers(n: number) {
  yield n
}
