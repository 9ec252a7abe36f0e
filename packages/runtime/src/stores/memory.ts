/**
 * The in-process tier: an LRU of live results keyed by the call's canonical encoding. It holds at most `maxSize`
 * results per function (and at most `maxBytes` of them, measured as their serialized size, when set).
 */
import { LRUCache } from 'lru-cache'
import { serialize } from 'node:v8'
import { sha256Text } from '../key/exactText'
import type { EntryKey, Store, StoredEntry } from './store'

export interface MemoryStoreOptions {
  /** @default 1024 */
  maxSize?: number
  /** Bound on the summed serialized size of entries. @default unbounded */
  maxBytes?: number
}

/**
 * Key texts longer than this are kept as their sha256: a key holds string arguments verbatim, and the tier must not
 * hold a large argument alive through its key any more than through its entry.
 */
const MAX_KEPT_KEY_CHARS = 1024

/**
 * The memory key: the encoding itself (its hash when long), prefixed by the scope when there is one. Unscoped texts
 * never start with NUL, nor with the \u0001 of a hashed one. The hash is exact (key/exactText.ts): two texts that
 * differ only in a lone surrogate stay apart.
 */
export function memoryKey(text: string, scope: string): string {
  if (text.length > MAX_KEPT_KEY_CHARS) text = `\u0001${sha256Text(text)}`
  return scope ? `\0${scope.length}:${scope}${text}` : text
}

function keyOf(key: EntryKey): string {
  return key.memoryKey ?? memoryKey(key.text, key.scope)
}

function sizeOf(entry: StoredEntry): number {
  if (entry.bytes > 0) return entry.bytes
  try {
    return serialize(entry.value).length || 1
  } catch {
    return 1
  }
}

export class MemoryStore implements Store {
  readonly lru: LRUCache<string, StoredEntry>

  constructor(options: MemoryStoreOptions = {}) {
    this.lru = new LRUCache<string, StoredEntry>({
      max: options.maxSize ?? 1024,
      ...(options.maxBytes ? { maxSize: options.maxBytes, sizeCalculation: sizeOf } : {}),
    })
  }

  /** The hot path: no key object, and no hashing unless the text is longer than MAX_KEPT_KEY_CHARS. */
  getByText(text: string, scope: string): StoredEntry | undefined {
    return this.lru.get(scope || text.length > MAX_KEPT_KEY_CHARS ? memoryKey(text, scope) : text)
  }

  get(key: EntryKey): StoredEntry | undefined {
    return this.lru.get(keyOf(key))
  }

  /**
   * Keeps the result only: the call's arguments (which may be large buffers) are not the cache's to hold, so a
   * memory entry costs its result and nothing more (entries() of a memory-only function lists no arguments).
   */
  set(key: EntryKey, entry: StoredEntry): void {
    this.lru.set(keyOf(key), entry.args === undefined ? entry : { ...entry, args: undefined })
  }

  delete(key: EntryKey): boolean {
    return this.lru.delete(keyOf(key))
  }

  clear(scope?: string): void {
    if (scope === undefined) return this.lru.clear()
    const prefix = memoryKey('', scope)
    // Copied first: deleting from the cache while iterating it would skip entries.
    for (const key of Array.from(this.lru.keys())) if (key.startsWith(prefix)) this.lru.delete(key)
  }

  async *entries(scope?: string): AsyncIterable<StoredEntry> {
    const prefix = scope === undefined ? undefined : memoryKey('', scope)
    for (const [key, entry] of Array.from(this.lru.entries())) {
      if (prefix === undefined || key.startsWith(prefix)) yield entry
    }
  }
}
