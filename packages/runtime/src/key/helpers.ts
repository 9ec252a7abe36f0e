/** Helpers for the `key` option: `stableHash`, `dropIfEqual`, `fileContent`. */
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeValue } from './encode'
import { sha256Text } from './exactText'
import { formatPath, KeyEncodingError } from './path'

/** Returned by a key mapper to leave the parameter out of the key. */
export const DROP: unique symbol = Symbol('persist.drop')

/**
 * A sha256 hex digest of the canonical encoding of `value`: equal exactly for values persist treats as equal
 * (strings by their UTF-16 code units: a lone surrogate is not U+FFFD; well-formed text hashes as its UTF-8).
 */
export function stableHash(value: unknown): string {
  let encoded: string
  try {
    encoded = encodeValue(value)
  } catch (error) {
    if (error instanceof KeyEncodingError) {
      throw new TypeError(`persist: stableHash: ${formatPath('value', error.path)} ${error.reason}`)
    }
    throw error
  }
  return sha256Text(encoded)
}

/**
 * Key mapper that leaves a parameter out of the key while it equals `defaultValue`: a parameter added with its
 * old behaviour as default keeps the existing entries valid. `key: { precision: dropIfEqual(2) }`
 */
export function dropIfEqual<T>(defaultValue: T): (value: T) => T | typeof DROP {
  const encodedDefault = encodeValue(defaultValue)
  return (value) => (encodeValue(value) === encodedDefault ? DROP : value)
}

const fileHashes = new Map<string, { stamp: string; hash: string }>()
const CHUNK = 8 * 1024 * 1024

/**
 * Key mapper for a file path argument: the sha256 of the file's bytes, so the key changes when the content
 * changes. Remembered by path + size + mtime + inode, so a large file is read again only when it changed.
 */
export function fileContent(path: string | URL): string {
  const file = resolve(typeof path === 'string' ? path : fileURLToPath(path))
  const fd = openSync(file, 'r')
  try {
    const stat = fstatSync(fd)
    const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`
    const known = fileHashes.get(file)
    if (known?.stamp === stamp) return known.hash
    const hash = createHash('sha256')
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, stat.size)))
    let read: number
    while ((read = readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, read))
    const digest = `sha256:${hash.digest('hex')}`
    fileHashes.set(file, { stamp, hash: digest })
    return digest
  } finally {
    closeSync(fd)
  }
}
