// @ts-nocheck
/* @persist({ version: 2, ttl: '1h' }) */
export function load(path: string) {
  return path
}
