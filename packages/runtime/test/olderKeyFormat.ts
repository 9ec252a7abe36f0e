/**
 * Entries as an older (or newer) persist wrote them, made from a current entry file: the key format byte of the
 * header (byte 22, value/entryFile.ts) is set and the checksum recomputed, so the file is intact in every other way.
 * Key formats 1 and 2 left byte 22 zero: `withKeyFormat(bytes, 0)` is exactly what they wrote.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { createChecksum } from '../src/value/checksum'
import { CRC_COVERED_HEADER_BYTES, ENTRY_HEADER_BYTES } from '../src/value/entryFile'

/** The entry bytes with the key format byte set to `keyFormat` and a checksum that matches again. */
export function withKeyFormat(entry: Buffer, keyFormat: number): Buffer {
  const bytes = Buffer.from(entry)
  bytes[22] = keyFormat
  const checksum = createChecksum(bytes[7]!)!
  checksum.update(bytes.subarray(0, CRC_COVERED_HEADER_BYTES))
  checksum.update(bytes.subarray(ENTRY_HEADER_BYTES))
  checksum.digest().copy(bytes, CRC_COVERED_HEADER_BYTES)
  return bytes
}

/** Copies the entry at `from` to `to` (a 64-hex name in a version directory) as written under `keyFormat`. */
export function copyWithKeyFormat(from: string, to: string, keyFormat: number): void {
  mkdirSync(dirname(to), { recursive: true })
  writeFileSync(to, withKeyFormat(readFileSync(from), keyFormat))
}
