// @ts-nocheck
/* @persist({ version: 1,
  maxSize: 0 }) */
export function load(path: string) {
  return path
}
