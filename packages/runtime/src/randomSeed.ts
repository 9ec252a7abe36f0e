/**
 * Where a call's random stream comes from. By default: the function's id, the scope and the call's key, so any
 * keyed argument changes the numbers and nothing else does (not a source edit: a refactor keeps the numbers).
 * With `seed: 'param'`: that parameter's value alone, so `seed: 42` draws the same numbers whatever the other
 * arguments, like seeding a generator by hand; the parameter is then always part of the key.
 */
import { createHash } from 'node:crypto'
import type { CallEncoder } from './key/callKey'
import { encodeString, encodeValue } from './key/encode'
import { exactBytes } from './key/exactText'
import type { KeyOption } from './options'

const RANDOM_SEED_FORMAT = 'persist-random-1'

/** The index of the `seed` parameter; throws, naming the function, when the option does not name a usable one. */
export function resolveSeedParam(
  where: string,
  params: readonly string[],
  seed: unknown,
  key: KeyOption | undefined,
  outFiles: readonly string[] | undefined,
): number | undefined {
  if (seed === undefined) return undefined
  const index = typeof seed === 'string' ? params.indexOf(seed) : -1
  if (index === -1) {
    throw new TypeError(
      `persist: option seed of ${where} must name a parameter (parameters: ${params.join(', ') || 'none'}), got ${JSON.stringify(seed)}. ` +
        'Fix: seed: "<the parameter holding the seed>".',
    )
  }
  const name = seed as string
  if (key !== undefined && typeof key === 'object' && Object.hasOwn(key, name) && key[name] === null) {
    throw new TypeError(`persist: option seed of ${where} names "${name}", which the key option leaves out. Fix: remove "${name}: null" from key.`)
  }
  // The numbers come from the raw value: a mapper that merges two seeds into one key would hit with the other's numbers.
  if (key !== undefined && typeof key === 'object' && Object.hasOwn(key, name)) {
    throw new TypeError(
      `persist: option seed of ${where} names "${name}", which the key option maps (key: { ${name}: ... }). Random numbers ` +
        `are drawn from the raw value, so the key must hold it as is. Fix: remove "${name}" from key.`,
    )
  }
  if (outFiles?.includes(name)) {
    throw new TypeError(`persist: option seed of ${where} names "${name}", which is also an out-file. Fix: seed from another parameter.`)
  }
  return index
}

/** A key function decides the key alone: append the seed parameter, so different seeds never share an entry. */
export function withSeedInKey(encode: CallEncoder, key: KeyOption | undefined, param: string, index: number): CallEncoder {
  if (typeof key !== 'function') return encode
  const prefix = `${encodeString(param)}=`
  return (self, values) => `${encode(self, values)}seed:${prefix}${encodeValue(values[index])};`
}

/** The 32 bytes a call's stream is seeded with. */
export function randomSeed(id: string, scope: string, keyText: string, seedValue?: { value: unknown }): Uint8Array {
  const hash = createHash('sha256')
  // Exact bytes: a lone surrogate draws other numbers than U+FFFD, and well-formed keys keep the numbers they had.
  if (seedValue !== undefined) hash.update(exactBytes(`${RANDOM_SEED_FORMAT}\0seed\0${encodeValue(seedValue.value)}`))
  else hash.update(exactBytes(`${RANDOM_SEED_FORMAT}\0call\0${id}\0${scope.length}:${scope}\0${keyText}`))
  return hash.digest()
}
