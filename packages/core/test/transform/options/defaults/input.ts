// @ts-nocheck
/* @persist */
export function plain(x: number) {
  return x
}

/* @persist({ ttl: '5m' }) */
export function own(x: number) {
  return x
}
