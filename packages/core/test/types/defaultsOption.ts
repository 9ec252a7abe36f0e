/**
 * Type-level test, checked by `pnpm typecheck` (not run by vitest): the plugin's `defaults` option is typed with the
 * runtime's function options, so a misspelled option or a wrong value fails the build of the user's config.
 * Each `@ts-expect-error` fails typecheck when its line stops being an error.
 */
import type { Options } from '../../src/options'

export const accepted: Options[] = [
  { defaults: { ttl: '1h', store: 'disk', version: 2, format: 'json', maxSize: 10, outFiles: ['out'], lock: true } },
  { defaults: { key: { verbose: null } } },
]

export const rejected: Options[] = [
  // @ts-expect-error misspelled option: `tll` is not `ttl`
  { defaults: { tll: '1h' } },
  // @ts-expect-error `store` is one of 'memory' | 'disk' | 'hybrid'
  { defaults: { store: 'redis' } },
  // @ts-expect-error a function cannot be written into the built code as JSON
  { defaults: { scope: () => 'tenant' } },
  // @ts-expect-error a key mapper is a function: it belongs in the function's own comment
  { defaults: { key: { user: (user: { id: string }) => user.id } } },
]
