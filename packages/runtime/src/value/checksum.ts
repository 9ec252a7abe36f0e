/**
 * The checksum kept in an entry's header. Small entries use crc32: it costs nothing to set up, and a small hit
 * must stay near ~12 µs. Large ones use a poly1305 tag under a fixed, public key: OpenSSL computes it at ~11–13 GB/s
 * here against ~4.3 GB/s for zlib's crc32, while the page cache takes ~5 GB/s, so storing a 256 MB value costs
 * about 1.5× writing its bytes instead of 2×. Both only catch accidents (truncation, bit flips, a foreign file),
 * which is all the cache asks of them: see "What the cache trusts" in the package README.
 */
import { createCipheriv, type CipherChaCha20Poly1305 } from 'node:crypto'
import { crc32 } from 'node:zlib'

export const ChecksumKind = { Crc32: 0, Poly1305: 1 } as const
export type ChecksumKind = (typeof ChecksumKind)[keyof typeof ChecksumKind]

/** Bytes of the checksum in the header: crc32 (u32 LE) then four zero bytes, or the first 8 bytes of the tag. */
export const CHECKSUM_BYTES = 8

/** From this many checked bytes on, poly1305's faster pass outweighs the ~5 µs of setting it up. */
const POLY1305_FROM_BYTES = 256 * 1024

// A fixed key and nonce: the tag is a checksum here, not a secret.
const POLY1305_KEY = Buffer.from('persist entry checksum, poly1305')
const POLY1305_NONCE = Buffer.from('persist:tag.') // 12 bytes
/** OpenSSL's poly1305 takes a whole input at half speed unless its length is a multiple of this (measured). */
const POLY1305_STRIDE = 128

/** An incremental checksum: `update` with the checked bytes in order, then `digest`. */
export interface Checksum {
  update(bytes: Uint8Array): void
  /** The CHECKSUM_BYTES bytes kept in the header. */
  digest(): Buffer
}

class Crc32Checksum implements Checksum {
  private crc = 0
  update(bytes: Uint8Array): void {
    // zlib's crc32 answers 0 for the bytes of an empty ArrayBuffer, forgetting the crc passed in.
    if (bytes.byteLength > 0) this.crc = crc32(bytes, this.crc)
  }
  digest(): Buffer {
    const bytes = Buffer.alloc(CHECKSUM_BYTES)
    bytes.writeUInt32LE(this.crc, 0)
    return bytes
  }
}

class Poly1305Checksum implements Checksum {
  // The bytes go in as additional authenticated data: they are only hashed, never encrypted.
  private readonly mac: CipherChaCha20Poly1305 = createCipheriv('chacha20-poly1305', POLY1305_KEY, POLY1305_NONCE, { authTagLength: 16 })
  /** Bytes held back so that every input OpenSSL sees but the last is a multiple of POLY1305_STRIDE long. */
  private readonly pending = Buffer.alloc(POLY1305_STRIDE)
  private pendingLength = 0

  update(bytes: Uint8Array): void {
    let start = 0
    if (this.pendingLength > 0) {
      start = Math.min(POLY1305_STRIDE - this.pendingLength, bytes.byteLength)
      this.pending.set(bytes.subarray(0, start), this.pendingLength)
      this.pendingLength += start
      if (this.pendingLength < POLY1305_STRIDE) return
      this.feed(this.pending)
      this.pendingLength = 0
    }
    const end = start + Math.floor((bytes.byteLength - start) / POLY1305_STRIDE) * POLY1305_STRIDE
    if (end > start) this.feed(bytes.subarray(start, end))
    this.pending.set(bytes.subarray(end), 0)
    this.pendingLength = bytes.byteLength - end
  }

  digest(): Buffer {
    if (this.pendingLength > 0) this.feed(this.pending.subarray(0, this.pendingLength))
    this.mac.final()
    return this.mac.getAuthTag().subarray(0, CHECKSUM_BYTES)
  }

  private feed(bytes: Uint8Array): void {
    this.mac.setAAD(bytes, { plaintextLength: 0 })
  }
}

let poly1305Works: boolean | undefined

/** Whether this Node's OpenSSL offers chacha20-poly1305 (a FIPS build may not). */
function poly1305Available(): boolean {
  if (poly1305Works === undefined) {
    try {
      new Poly1305Checksum().digest()
      poly1305Works = true
    } catch {
      poly1305Works = false
    }
  }
  return poly1305Works
}

/** The kind to write for an entry whose checked bytes number `bytes`. */
export function checksumKindFor(bytes: number): ChecksumKind {
  return bytes >= POLY1305_FROM_BYTES && poly1305Available() ? ChecksumKind.Poly1305 : ChecksumKind.Crc32
}

/** A fresh checksum of `kind`; undefined when the kind is unknown or this Node cannot compute it. */
export function createChecksum(kind: number): Checksum | undefined {
  if (kind === ChecksumKind.Crc32) return new Crc32Checksum()
  if (kind === ChecksumKind.Poly1305 && poly1305Available()) return new Poly1305Checksum()
  return undefined
}
