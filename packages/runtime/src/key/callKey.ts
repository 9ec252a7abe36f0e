/**
 * Builds the key text of one call from `this` and the parameter values, following the `key` option. The text is
 * the memory tier's key as is (no hashing on a memory hit); `digestKey` turns it into the disk key.
 */
import type { KeyOption } from '../options'
import { encodeInstance, encodeString, encodeValue, KEY_FORMAT } from './encode'
import { sha256Text } from './exactText'
import { DROP } from './helpers'
import { formatPath, KeyEncodingError } from './path'
import { registeredTypeOf } from './types'

export interface CallKeyTarget {
  id: string
  params: readonly string[]
  kind: 'function' | 'method' | 'static-method'
}

export type CallEncoder = (self: unknown, values: readonly unknown[]) => string

const PARAM_FIX = (param: string) =>
  `Leave it out of the key with the key option (key: { ${param}: null }), map it to plain data ` +
  `(key: { ${param}: (value) => value.id }), or teach persist the type with registerType(Class, { key }).`
const CIRCULAR_FIX = 'Circular structures cannot be keyed; map the value to an acyclic part of it.'
const THIS_FIX = 'Leave `this` out of the key with key: { this: null }, or map it with key: { this: (self) => self.id }.'

function keyError(target: CallKeyTarget, root: string, error: unknown, fix: string): unknown {
  if (!(error instanceof KeyEncodingError)) return error
  const hint = error.hint === 'circular' ? `${CIRCULAR_FIX} ` : ''
  return new TypeError(`persist: cannot build the cache key of ${target.id}: ${formatPath(root, error.path)} ${error.reason}. ${hint}${fix}`)
}

function encodeNamed(target: CallKeyTarget, root: string, value: unknown, fix: string): string {
  try {
    return encodeValue(value)
  } catch (error) {
    throw keyError(target, root, error, fix)
  }
}

/** Compiles the `key` option of one function into an encoder of its calls. */
export function createCallEncoder(target: CallKeyTarget, key: KeyOption | undefined): CallEncoder {
  const { params } = target
  if (typeof key === 'function') {
    return (self, values) => {
      const named: Record<string, unknown> = {}
      for (let i = 0; i < params.length; i++) named[params[i]!] = values[i]
      if (target.kind === 'method') named.this = self
      return encodeNamed(target, 'key(args)', key(named), 'Make the key function return plain data.')
    }
  }
  const prefixes = params.map((name) => `${encodeString(name)}=`)
  // Built once: the mapped path passes the fix to every encodeNamed call, error or not.
  const fixes = params.map(PARAM_FIX)
  const mappers = params.map((name) => (key && Object.hasOwn(key, name) ? key[name] : undefined))
  const thisMapper = key && Object.hasOwn(key, 'this') ? key.this : undefined
  const keysThis = target.kind === 'method' && thisMapper !== null
  if (key) {
    for (const name of Object.keys(key)) {
      if (name !== 'this' && !params.includes(name)) {
        throw new TypeError(
          `persist: option key of ${target.id} names "${name}", which is not a parameter (parameters: ${params.join(', ') || 'none'}).`,
        )
      }
      if (name === 'this' && target.kind !== 'method') {
        throw new TypeError(`persist: option key of ${target.id} names "this", but ${target.id} is not an instance method.`)
      }
    }
  }
  const simple = mappers.every((mapper) => mapper === undefined)

  return (self, values) => {
    let out = ''
    if (keysThis) out = encodeThis(target, self, thisMapper)
    if (simple) {
      for (let i = 0; i < prefixes.length; i++) {
        try {
          out += prefixes[i]! + encodeValue(values[i]) + ';'
        } catch (error) {
          throw keyError(target, params[i]!, error, PARAM_FIX(params[i]!))
        }
      }
      return out
    }
    for (let i = 0; i < prefixes.length; i++) {
      const mapper = mappers[i]
      if (mapper === null) continue
      const value = mapper === undefined ? values[i] : mapper(values[i])
      if (value === DROP) continue
      out += prefixes[i]! + encodeNamed(target, params[i]!, value, fixes[i]!) + ';'
    }
    return out
  }
}

function encodeThis(target: CallKeyTarget, self: unknown, mapper: ((self: any) => unknown) | undefined): string {
  if (mapper) return `this=${encodeNamed(target, 'key.this(this)', mapper(self), THIS_FIX)};`
  if (self === null || typeof self !== 'object' || registeredTypeOf(self)?.key) {
    return `this=${encodeNamed(target, 'this', self, THIS_FIX)};`
  }
  try {
    return `this=${encodeInstance(self)};`
  } catch (error) {
    throw keyError(target, 'this', error, THIS_FIX)
  }
}

export interface KeyContext {
  id: string
  hash: string
  version: string
}

/**
 * Everything of a disk key except the scope and the call, computed once per function. The source hash is left
 * out on purpose: entries of each hash live in a directory of their own (stores/layout.ts), so the hash already
 * keeps them apart, and a file name that does not change with the hash is what lets `persist adopt` move entries
 * from an old version to a new one. The memory tier never mixes hashes either: each registration has its own.
 */
export function keyPrefix(context: KeyContext): string {
  return `persist-key-${KEY_FORMAT}\0${context.id.length}:${context.id}\0${context.version}\0`
}

/**
 * The disk key: a sha256 of everything that identifies an entry, over the text's exact bytes (a lone surrogate is
 * not U+FFFD). Ids and scopes are length-prefixed and the version and call are self-delimiting encodings.
 */
export function digestKey(prefix: string, scope: string, text: string): string {
  return sha256Text(`${prefix}${scope.length}:${scope}\0${text}`)
}
