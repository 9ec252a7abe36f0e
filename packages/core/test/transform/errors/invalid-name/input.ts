// @ts-nocheck
/* @persist({ name: '../escape' }) */
export function load(path: string) {
  return path
}
