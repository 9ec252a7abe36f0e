// @ts-nocheck
/**
 * @persist({
 *   version: 1,
 *   stor: 'disk',
 * })
 */
export function load(path: string) {
  return path
}
