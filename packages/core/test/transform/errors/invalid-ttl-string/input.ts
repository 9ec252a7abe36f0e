// @ts-nocheck
/* @persist({ ttl: 'soon' }) */
export function load(path: string) {
  return path
}
