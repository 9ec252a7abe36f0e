/**
 * Bytes of one cache entry: a 48-byte header, optional metadata as JSON, the call's arguments (v8, when small)
 * and the payload. The header holds a magic, the format version, the section lengths, the times and a checksum of
 * everything, so a truncated, zero-length, bit-flipped or foreign file is recognised and treated as a miss.
 *
 *   0 "PRST" · 4 format version · 5 codec (0 v8, 1 json, 2 custom) · 6 flags (1 tagged types, 2 args, 4 raw,
 *   8 blobs) · 7 checksum kind (0 crc32, 1 poly1305: value/checksum.ts) · 8 meta length u32 · 12 args length u32
 *   16 payload length u48 · 22 key format u8 (KEY_FORMAT of key/encode.ts) · 23 zero · 24 createdAt f64
 *   32 durationMs f64 · 40 checksum (8 bytes) of bytes 0–39 and everything after the header
 *
 * Format 1 was format 2 with crc32 only (byte 7 zero); it is still read. Byte 22 holds the key format the entry
 * was written under; key formats 1 and 2 left it zero. The runtime never serves or lists an entry of another key
 * format (its name is another format's digest, so no call reaches it anyway); one of an older key format is
 * obsolete: the CLI does not count it, `persist gc` and `verify` remove it. The entry format stays 2 (the layout is
 * unchanged), so a runtime that ignores byte 22 still reads these entries.
 */
import { serialize as v8Serialize } from 'node:v8'
import { KEY_FORMAT } from '../key/encode'
import { isOutFileRecords, type OutFileRecord } from '../outFiles/record'
import { CHECKSUM_BYTES, checksumKindFor, createChecksum, type Checksum } from './checksum'
import { BINARY_TYPES } from './binaryTypes'
import { BLOB_MIN_BYTES, blobTypeOf, prepareValue, reviveValue } from './faithful'
import { checkJsonValue } from './jsonFaithful'
import { deserializeOwned } from './ownedDeserialize'

/**
 * Entries written before values were checked for fidelity (lossy `format: 'json'` results, null prototypes read back
 * with one, …) are misses only because the key format changed since (byte 22 records KEY_FORMAT, and their names
 * are the old format's digests): a future change must not make entries of an older key format readable again.
 */
const ENTRY_FORMAT = 2
/** Format 1 entries (crc32 only) are still valid: they are read, never written. */
const READABLE_FORMATS = new Set([1, ENTRY_FORMAT])
const MAGIC = 0x54535250 // "PRST" little-endian
/** Where the header records the key format the entry was written under. */
const KEY_FORMAT_OFFSET = 22
const HEADER_BYTES = 48
/**
 * The checksum at byte 40 covers the header before it, then everything after the header: a checker reading in
 * chunks (`persist verify`) starts with `entryChecksum(header, headerBytes)`, which has taken these bytes in.
 */
export const CRC_COVERED_HEADER_BYTES = 40
/** Arguments are kept in the entry (for `entries()`) only when this small. */
const MAX_ARGS_BYTES = 64 * 1024

export const Codec = { V8: 0, Json: 1, Custom: 2 } as const
export type Codec = (typeof Codec)[keyof typeof Codec]

const FLAG_TAGGED = 1
const FLAG_ARGS = 2
/** The payload is the bytes of a typed array / ArrayBuffer result, whose type is in the metadata. */
const FLAG_RAW = 4
/**
 * The payload is v8 bytes followed by the raw bytes of large binary values found inside the result; the
 * metadata lists their types and lengths (`blobs`) and the v8 part's length (`v8`).
 */
const FLAG_BLOBS = 8

/** The raw type name of a binary result, when it can be stored as bytes. */
function rawTypeOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? blobTypeOf(value) : undefined
}

/** A view of exactly the bytes of a binary value, without copying. */
function bytesOf(value: ArrayBufferView | ArrayBuffer): Uint8Array {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

/** A binary value of type `type` over its own ArrayBuffer, copying `bytes` only when they share a larger one. */
function binaryFrom(type: string | undefined, bytes: Uint8Array): unknown {
  const make = type !== undefined && Object.hasOwn(BINARY_TYPES, type) ? BINARY_TYPES[type] : undefined
  if (!make) throw new CorruptEntryError(`unknown binary type ${JSON.stringify(type)}`)
  const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
  return make(owns ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer))
}

export interface ValueFormat {
  codec: Codec
  serialize?: (value: any) => Uint8Array
  deserialize?: (bytes: Buffer) => unknown
}

export interface EntryMeta {
  createdAt: number
  durationMs: number
  scope?: string
  /** The files the call wrote (the `outFiles` option), kept in the blob store. */
  outFiles?: OutFileRecord[]
}

/** An entry ready to be written: the parts are written one after another, never concatenated. */
export interface EncodedEntry {
  parts: Uint8Array[]
  bytes: number
}

export interface DecodedEntry extends EntryMeta {
  value: unknown
  /** The call's values after defaults; only decoded when asked for (listing), undefined when not kept. */
  args: unknown[] | undefined
  bytes: number
}

export class CorruptEntryError extends Error {}

/**
 * An intact entry written under another key format than this runtime's. The runtime cannot hit it (its name is
 * the digest of another key format) and skips it without a warning.
 */
export class OtherKeyFormatError extends Error {}

/**
 * Whether an entry was written under an older key format: no runtime of this version or later can ever hit it
 * again, so `persist gc` and `verify` remove it and listings do not count it. An entry of a newer key format is
 * not obsolete: a newer runtime sharing the cache still uses it.
 */
export function isObsoleteKeyFormat(header: EntryHeader): boolean {
  return header.keyFormat < KEY_FORMAT
}

/** Serializes a result. Throws UnfaithfulValueError when the codec (v8 or JSON) would change the value. */
export function encodeEntry(value: unknown, meta: EntryMeta, args: readonly unknown[] | undefined, format: ValueFormat): EncodedEntry {
  let flags = 0
  let payload: Uint8Array
  let raw: string | undefined
  let blobs: (ArrayBufferView | ArrayBuffer)[] = []
  const prepared = format.codec === Codec.V8 ? prepareValue(value) : undefined
  if (prepared !== undefined && (raw = rawTypeOf(value)) !== undefined) {
    flags |= FLAG_RAW
    payload = bytesOf(value as ArrayBufferView | ArrayBuffer)
  } else if (prepared !== undefined) {
    if (prepared.tagged) flags |= FLAG_TAGGED
    if (prepared.blobs.length > 0) flags |= FLAG_BLOBS
    blobs = prepared.blobs
    payload = v8Serialize(prepared.value)
  } else if (format.codec === Codec.Json) {
    checkJsonValue(value)
    payload = Buffer.from(JSON.stringify(value))
  } else {
    payload = format.serialize!(value)
    if (!(payload instanceof Uint8Array)) throw new TypeError('the serialize option must return a Uint8Array or Buffer')
  }
  const blobParts = blobs.map(bytesOf)
  const blobMeta = blobs.length > 0 ? { v8: payload.byteLength, blobs: blobs.map((blob, i) => [blobTypeOf(blob)!, blobParts[i]!.byteLength]) } : {}
  let argsBytes: Uint8Array = new Uint8Array(0)
  if (args && fitsIn(args, MAX_ARGS_BYTES)) {
    try {
      argsBytes = v8Serialize(args)
      flags |= FLAG_ARGS
    } catch {
      argsBytes = new Uint8Array(0)
    }
  }
  const metaBytes =
    meta.scope || raw || blobs.length > 0 || meta.outFiles
      ? Buffer.from(JSON.stringify({ scope: meta.scope, raw, ...blobMeta, outFiles: meta.outFiles }))
      : new Uint8Array(0)
  const payloadLength = payload.byteLength + blobParts.reduce((sum, part) => sum + part.byteLength, 0)
  const header = Buffer.alloc(HEADER_BYTES)
  header.writeUInt32LE(MAGIC, 0)
  header[4] = ENTRY_FORMAT
  header[5] = format.codec
  header[6] = flags
  header.writeUInt32LE(metaBytes.length, 8)
  header.writeUInt32LE(argsBytes.length, 12)
  header.writeUIntLE(payloadLength, 16, 6)
  header[KEY_FORMAT_OFFSET] = KEY_FORMAT
  header.writeDoubleLE(meta.createdAt, 24)
  header.writeDoubleLE(meta.durationMs, 32)
  header[7] = checksumKindFor(CRC_COVERED_HEADER_BYTES + metaBytes.length + argsBytes.length + payloadLength)
  const checksum = createChecksum(header[7])!
  checksum.update(header.subarray(0, CRC_COVERED_HEADER_BYTES))
  checksum.update(metaBytes)
  checksum.update(argsBytes)
  checksum.update(payload)
  for (const part of blobParts) checksum.update(part)
  checksum.digest().copy(header, CRC_COVERED_HEADER_BYTES)
  return {
    parts: [header, metaBytes, argsBytes, payload, ...blobParts],
    bytes: HEADER_BYTES + metaBytes.length + argsBytes.length + payloadLength,
  }
}

export interface EntryHeader {
  codec: Codec
  flags: number
  metaLength: number
  argsLength: number
  payloadLength: number
  createdAt: number
  durationMs: number
  checksumKind: number
  /** The key format the entry was written under; 0 for entries written before it was recorded (key formats 1, 2). */
  keyFormat: number
  /** The CHECKSUM_BYTES bytes of the checksum (a view into the header bytes it was read from). */
  checksum: Buffer
  /** Offset of the payload: header, metadata and arguments come before it. */
  payloadStart: number
}

export const ENTRY_HEADER_BYTES = HEADER_BYTES

/** Reads and checks the fixed header against the file's size. Throws CorruptEntryError. */
export function readHeader(bytes: Uint8Array, fileSize: number): EntryHeader {
  if (fileSize < HEADER_BYTES || bytes.length < HEADER_BYTES) throw new CorruptEntryError(`too short (${fileSize} bytes)`)
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, HEADER_BYTES)
  if (view.readUInt32LE(0) !== MAGIC) throw new CorruptEntryError('not a persist entry (wrong magic bytes)')
  if (!READABLE_FORMATS.has(view[4]!)) throw new CorruptEntryError(`entry format ${view[4]} (this runtime reads ${[...READABLE_FORMATS].join(' and ')})`)
  if (view[4] === 1 && view[7] !== 0) throw new CorruptEntryError('format 1 entry with a checksum kind')
  const metaLength = view.readUInt32LE(8)
  const argsLength = view.readUInt32LE(12)
  const payloadLength = view.readUIntLE(16, 6)
  const payloadStart = HEADER_BYTES + metaLength + argsLength
  if (payloadStart + payloadLength !== fileSize) {
    throw new CorruptEntryError(`truncated or padded (${fileSize} bytes, header says ${payloadStart + payloadLength})`)
  }
  return {
    codec: view[5] as Codec,
    flags: view[6]!,
    metaLength,
    argsLength,
    payloadLength,
    createdAt: view.readDoubleLE(24),
    durationMs: view.readDoubleLE(32),
    checksumKind: view[7]!,
    keyFormat: view[KEY_FORMAT_OFFSET]!,
    checksum: view.subarray(CRC_COVERED_HEADER_BYTES, CRC_COVERED_HEADER_BYTES + CHECKSUM_BYTES),
    payloadStart,
  }
}

/**
 * Verifies the checksum and decodes an entry from its header bytes, the metadata+arguments section and the
 * payload. A raw payload that owns its whole ArrayBuffer becomes the result without a copy.
 */
export function decodeParts(
  header: EntryHeader,
  headerBytes: Uint8Array,
  middle: Buffer,
  payload: Buffer | Buffer[],
  format: ValueFormat,
  withArgs: boolean,
  /** The bytes sit in a reused buffer: copy them out before user code runs. */
  transient = false,
): DecodedEntry {
  const checksum = entryChecksum(header, headerBytes)
  checksum.update(middle)
  const pieces = Array.isArray(payload) ? payload : [payload]
  for (const piece of pieces) checksum.update(piece)
  if (!checksum.digest().equals(header.checksum)) throw new CorruptEntryError('checksum mismatch')
  // Checked after the checksum: a damaged byte 22 makes an entry corrupt, not obsolete.
  if (header.keyFormat !== KEY_FORMAT) throw new OtherKeyFormatError(`written under key format ${header.keyFormat || '1 or 2'}, this runtime uses ${KEY_FORMAT}`)
  if (header.codec !== format.codec) {
    throw new CorruptEntryError(`written with codec ${header.codec}, the function now uses ${format.codec}`)
  }
  const meta = parseEntryMeta(header, middle)
  const args =
    withArgs && header.flags & FLAG_ARGS ? (deserializeOwned(middle.subarray(header.metaLength)) as unknown[]) : undefined
  let value: unknown
  if (header.flags & FLAG_RAW) {
    value = binaryFrom(meta.raw, pieces[0]!)
  } else if (header.codec === Codec.V8) {
    const [v8Bytes, blobs] = header.flags & FLAG_BLOBS ? splitBlobs(header, meta, pieces) : [pieces[0]!, []]
    value = deserializeOwned(v8Bytes)
    if (header.flags & FLAG_TAGGED) value = reviveValue(value, blobs)
  } else if (header.codec === Codec.Json) {
    value = JSON.parse(pieces[0]!.toString('utf8'))
  } else {
    value = format.deserialize!(transient ? Buffer.from(pieces[0]!) : pieces[0]!)
  }
  return {
    value,
    createdAt: header.createdAt,
    durationMs: header.durationMs,
    args,
    bytes: header.payloadStart + header.payloadLength,
    ...(meta.scope === undefined ? {} : { scope: meta.scope }),
    ...(meta.outFiles === undefined ? {} : { outFiles: checkedOutFiles(meta.outFiles) }),
  }
}

/**
 * The checksum of an entry with the header's covered bytes already taken in: feed it everything after the header,
 * then compare its digest with `header.checksum`. Throws CorruptEntryError for a kind this Node cannot compute.
 */
export function entryChecksum(header: EntryHeader, headerBytes: Uint8Array): Checksum {
  const checksum = createChecksum(header.checksumKind)
  if (checksum === undefined) throw new CorruptEntryError(`checksum kind ${header.checksumKind} is unknown or unavailable in this Node`)
  checksum.update(headerBytes.subarray(0, CRC_COVERED_HEADER_BYTES))
  return checksum
}

function checkedOutFiles(records: unknown): OutFileRecord[] {
  if (!isOutFileRecords(records)) throw new CorruptEntryError('unreadable out-file records')
  return records
}

/** Metadata kept as JSON in an entry (only when there is something to keep). */
export interface EntryFileMeta {
  scope?: string
  raw?: string
  v8?: number
  blobs?: [type: string, bytes: number][]
  outFiles?: OutFileRecord[]
}

/** The v8 bytes and the binary values of a FLAG_BLOBS payload, given whole or already split into pieces. */
function splitBlobs(header: EntryHeader, meta: EntryFileMeta, pieces: Buffer[]): [Buffer, unknown[]] {
  const [v8Length, ...lengths] = blobLengths(header, meta)
  const types = meta.blobs!.map(([type]) => type)
  if (pieces.length === lengths.length + 1) {
    return [pieces[0]!, types.map((type, i) => binaryFrom(type, pieces[i + 1]!))]
  }
  const whole = pieces[0]!
  let offset = v8Length!
  const blobs = types.map((type, i) => {
    const blob = binaryFrom(type, whole.subarray(offset, offset + lengths[i]!))
    offset += lengths[i]!
    return blob
  })
  return [whole.subarray(0, v8Length), blobs]
}

/**
 * The lengths of the v8 part and of each binary section of a FLAG_BLOBS payload, checked before anything is
 * allocated for them: each section is at least BLOB_MIN_BYTES (only such values are stored apart), so a payload
 * of n bytes lists at most n / BLOB_MIN_BYTES of them, and together they make up the payload exactly. A crafted or
 * corrupt list (millions of empty sections) is a CorruptEntryError, found in time proportional to the metadata.
 */
function blobLengths(header: EntryHeader, meta: EntryFileMeta): number[] {
  const { v8, blobs } = meta
  if (!Number.isSafeInteger(v8) || v8! < 0 || !Array.isArray(blobs)) throw new CorruptEntryError('unreadable list of binary sections')
  if (blobs.length === 0 || blobs.length > header.payloadLength / BLOB_MIN_BYTES) {
    throw new CorruptEntryError(`${blobs.length} binary sections in a payload of ${header.payloadLength} bytes`)
  }
  const lengths = [v8!]
  let total = v8!
  for (const blob of blobs) {
    const bytes: unknown = Array.isArray(blob) ? blob[1] : undefined
    if (typeof blob?.[0] !== 'string' || !Object.hasOwn(BINARY_TYPES, blob[0]) || !Number.isSafeInteger(bytes) || (bytes as number) < BLOB_MIN_BYTES) {
      throw new CorruptEntryError('unreadable list of binary sections')
    }
    lengths.push(bytes as number)
    total += bytes as number
  }
  if (total !== header.payloadLength) throw new CorruptEntryError('binary sections do not add up')
  return lengths
}

/** The JSON metadata of an entry (`{}` when it has none), from the bytes between header and payload. */
export function parseEntryMeta(header: EntryHeader, middle: Buffer): EntryFileMeta {
  if (header.metaLength === 0) return {}
  try {
    return JSON.parse(middle.toString('utf8', 0, header.metaLength)) as EntryFileMeta
  } catch {
    throw new CorruptEntryError('unreadable metadata')
  }
}

/** Lengths of the pieces a payload should be read in: each large binary value into a buffer of its own. */
export function payloadPieces(header: EntryHeader, middle: Buffer): number[] {
  if (!(header.flags & FLAG_BLOBS)) return [header.payloadLength]
  return blobLengths(header, parseEntryMeta(header, middle))
}

/** Parses and verifies an entry file's bytes. Throws CorruptEntryError on any mismatch. */
export function decodeEntry(bytes: Buffer, format: ValueFormat, withArgs = false): DecodedEntry {
  const header = readHeader(bytes, bytes.length)
  return decodeParts(
    header,
    bytes,
    bytes.subarray(HEADER_BYTES, header.payloadStart),
    bytes.subarray(header.payloadStart),
    format,
    withArgs,
  )
}

/** Whether a value's rough size stays under `budget` bytes; stops walking as soon as it does not. */
function fitsIn(value: unknown, budget: number): boolean {
  let left = budget
  const stack: unknown[] = [value]
  const seen = new Set<object>()
  while (stack.length > 0) {
    const current = stack.pop()
    if (typeof current === 'string') left -= current.length * 2 + 8
    else if (current === null || typeof current !== 'object') left -= 8
    else if (seen.has(current)) continue
    else {
      seen.add(current)
      if (ArrayBuffer.isView(current)) left -= current.byteLength
      else if (current instanceof ArrayBuffer) left -= current.byteLength
      else if (current instanceof Map) for (const [k, v] of current) stack.push(k, v)
      else if (current instanceof Set) for (const v of current) stack.push(v)
      else for (const key of Object.keys(current)) stack.push(key, (current as Record<string, unknown>)[key])
    }
    if (left < 0) return false
  }
  return true
}
