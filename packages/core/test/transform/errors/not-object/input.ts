// @ts-nocheck
/* @persist(60) */
export function load(path: string) {
  return path
}
