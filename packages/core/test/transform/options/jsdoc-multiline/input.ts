// @ts-nocheck
/**
 * @persist({
 *   ttl: '30m',
 *   maxSize: 10,
 * })
 */
export function load(path: string) {
  return path
}
