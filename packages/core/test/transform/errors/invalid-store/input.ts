// @ts-nocheck
/* @persist({ store: 'redis' }) */
export function load(path: string) {
  return path
}
