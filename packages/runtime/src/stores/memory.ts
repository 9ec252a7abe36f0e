/** The in-process tier: an LRU of live values keyed by the call's canonical encoding. */
import { LRUCache } from 'lru-cache'
import { serialize } from 'node:v8'
import type { EntryKey, Store, StoredEntry } from './store'

export interface MemoryStoreOptions {
  /** @default 1024 */
  maxSize?: number
  /** Bound on the summed serialized size of entries. @default unbounded */
  maxBytes?: number
}

/** The memory key: the encoding itself, prefixed by the scope when there is one (unscoped texts never start with NUL). */
export function memoryKey(text: string, scope: string): string {
  return scope ? `\0${scope.length}:${scope}${text}` : text
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

  /** The hot path: no key object, no hashing. */
  getByText(text: string, scope: string): StoredEntry | undefined {
    return this.lru.get(scope ? memoryKey(text, scope) : text)
  }

  get(key: EntryKey): StoredEntry | undefined {
    return this.lru.get(memoryKey(key.text, key.scope))
  }

  set(key: EntryKey, entry: StoredEntry): void {
    this.lru.set(memoryKey(key.text, key.scope), entry)
  }

  delete(key: EntryKey): boolean {
    return this.lru.delete(memoryKey(key.text, key.scope))
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
