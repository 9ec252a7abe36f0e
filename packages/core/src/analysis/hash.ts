import crypto from 'node:crypto'

/**
 * Version of the hashing rules. Bump it whenever what goes into a hash changes, so every function
 * hashed by an older persist gets a new hash instead of a stale match.
 */
export const HASH_FORMAT_VERSION = 1

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash

/** SHA-256 of a string, hex. */
export function sha256(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex')
}

/** SHA-256 of bytes, hex. */
export function sha256Bytes(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

/** Hashes parts that are joined unambiguously (each part is length-prefixed). */
export function hashParts(parts: readonly string[]): string {
  let text = ''
  for (const p of parts) text += `${p.length}:${p}`
  return sha256(text)
}
