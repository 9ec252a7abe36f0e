/**
 * `v8.deserialize` hands back typed arrays, Buffers and DataViews as views into the bytes it was given (or into
 * Node's shared Buffer pool). Small entries are read into one reused buffer, so a recalled array would change under
 * the user on the next read and its `.buffer` would expose other entries. Here every view gets an ArrayBuffer of its
 * own, holding exactly its bytes; nothing else is copied, so a small hit stays cheap.
 */
import { DefaultDeserializer } from 'node:v8'

type ViewConstructor = new (buffer: ArrayBuffer) => ArrayBufferView

/** A copy of `view` of the same type over an ArrayBuffer of its own. */
function ownedCopy(view: ArrayBufferView): ArrayBufferView {
  const own = (view.buffer as ArrayBuffer).slice(view.byteOffset, view.byteOffset + view.byteLength)
  if (Buffer.isBuffer(view)) return Buffer.from(own)
  return new (view.constructor as ViewConstructor)(own)
}

/** Node's reader of host objects (every ArrayBufferView), which @types/node leaves out of DefaultDeserializer. */
const readView = (DefaultDeserializer.prototype as unknown as { _readHostObject(this: DefaultDeserializer): ArrayBufferView })._readHostObject

class OwningDeserializer extends DefaultDeserializer {
  _readHostObject(): ArrayBufferView {
    return ownedCopy(readView.call(this))
  }
}

/** `v8.deserialize(bytes)`, except that no part of the result shares memory with `bytes` or with anything else. */
export function deserializeOwned(bytes: Uint8Array): unknown {
  const deserializer = new OwningDeserializer(bytes)
  deserializer.readHeader()
  return deserializer.readValue()
}
