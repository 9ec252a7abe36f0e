// @ts-nocheck
/* @persist({ tll: 60 }) */
export function load(path: string) {
  return path
}
