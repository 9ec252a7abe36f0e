/**
 * The binary types persist stores as raw bytes (no v8 copy on write, read straight into a buffer of their own), each
 * with how it is made again over that buffer. The one
 * list: faithful.ts takes the view types from it, entryFile.ts the types a raw payload or blob may name.
 */
export const BINARY_TYPES: Readonly<Record<string, (buffer: ArrayBuffer) => unknown>> = {
  ArrayBuffer: (buffer) => buffer,
  Buffer: (buffer) => Buffer.from(buffer),
  DataView: (buffer) => new DataView(buffer),
  Int8Array: (buffer) => new Int8Array(buffer),
  Uint8Array: (buffer) => new Uint8Array(buffer),
  Uint8ClampedArray: (buffer) => new Uint8ClampedArray(buffer),
  Int16Array: (buffer) => new Int16Array(buffer),
  Uint16Array: (buffer) => new Uint16Array(buffer),
  Int32Array: (buffer) => new Int32Array(buffer),
  Uint32Array: (buffer) => new Uint32Array(buffer),
  Float32Array: (buffer) => new Float32Array(buffer),
  Float64Array: (buffer) => new Float64Array(buffer),
  BigInt64Array: (buffer) => new BigInt64Array(buffer),
  BigUint64Array: (buffer) => new BigUint64Array(buffer),
}

/** The typed array and DataView types among them, by global name (Buffer and ArrayBuffer are told apart by prototype). */
export const VIEW_NAMES: ReadonlySet<string> = new Set(Object.keys(BINARY_TYPES).filter((name) => name !== 'ArrayBuffer' && name !== 'Buffer'))
