// @ts-nocheck
/* @persist({ allowImpure: true, ttl: 60 }) */
export function first(x: number) {
  return x + Date.now()
}

/* @persist({ ttl: 60, allowImpure: true }) */
export function last(x: number) {
  return x + Date.now()
}

/* @persist({ allowImpure: true }) */
export function only(x: number) {
  return x + Date.now()
}
