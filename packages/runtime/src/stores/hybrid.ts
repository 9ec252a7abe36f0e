/** Memory in front of disk: the default store. */
import type { DiskStore } from './disk'
import type { MemoryStore } from './memory'
import type { EntryKey, Store, StoredEntry } from './store'

export class HybridStore implements Store {
  constructor(
    readonly memory: MemoryStore,
    readonly disk: DiskStore,
    /**
     * Whether what is read from disk is kept in memory. Not in refresh mode, whose memory tier must hold only what
     * this process computed: a handle's `get` must not make the next call serve the entry it was to replace.
     */
    private readonly keepsReads = true,
  ) {}

  get(key: EntryKey): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    const hit = this.memory.get(key)
    if (hit) return hit
    const entry = this.disk.get(key)
    if (!this.keepsReads) return entry
    if (entry instanceof Promise) {
      return entry.then((found) => {
        if (found) this.memory.set(key, found)
        return found
      })
    }
    if (entry) this.memory.set(key, entry)
    return entry
  }

  set(key: EntryKey, entry: StoredEntry): void {
    // Disk first: it throws for results v8 would change, and then nothing must be cached.
    this.disk.set(key, entry)
    this.memory.set(key, entry)
  }

  delete(key: EntryKey): boolean {
    const inMemory = this.memory.delete(key)
    return this.disk.delete(key) || inMemory
  }

  clear(scope?: string): void {
    this.memory.clear(scope)
    this.disk.clear(scope)
  }

  entries(scope?: string): AsyncIterable<StoredEntry> {
    return this.disk.entries(scope)
  }
}
