// @ts-nocheck
/* @persist({ ttl: -1 }) */
export function load(path: string) {
  return path
}
