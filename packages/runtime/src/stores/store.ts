/**
 * The interface every tier implements. A store belongs to one function (its id and source hash are fixed when
 * it is created); methods may answer synchronously or with a promise, so a remote tier (Redis, S3) fits.
 */
import type { DecodedEntry } from '../value/entryFile'

export type MaybePromise<T> = T | Promise<T>

/** Identifies an entry: `text` is the canonical encoding (memory key), `digest` the hash (disk key). */
export interface EntryKey {
  readonly text: string
  readonly scope: string
  /** Computed on first read: a memory hit never pays for hashing. */
  readonly digest: string
  /** The memory tier's key, when the key computes it once for all tiers (stores/memory.ts `memoryKey`). */
  readonly memoryKey?: string
}

/** What a store keeps for a key. */
export type StoredEntry = DecodedEntry

export interface Store {
  get(key: EntryKey): MaybePromise<StoredEntry | undefined>
  set(key: EntryKey, entry: StoredEntry): MaybePromise<void>
  delete(key: EntryKey): MaybePromise<boolean>
  /** Removes every entry, or only those of one scope. */
  clear(scope?: string): MaybePromise<void>
  entries(scope?: string): AsyncIterable<StoredEntry>
}
