// @ts-nocheck
const x = 1

/* @persist */
export async function* pages(url: string) {
  yield await fetch(url)
}
