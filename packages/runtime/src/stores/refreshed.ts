/**
 * Refresh mode recomputes each key once per process, then serves what it computed. A function with a memory tier
 * serves repeats from memory, which in refresh mode holds only what this process computed. A disk-only function
 * has nowhere else to keep them, so it remembers here which entries it wrote, and a repeat may read those back.
 */
import type { StoredEntry } from './store'

/** Beyond this many remembered entries the memory is dropped: forgetting one costs a recompute, never a stale value. */
const MAX_REMEMBERED = 100_000

/** The entries this process wrote in refresh mode, by entry file path (which holds the directory, scope and key). */
export class RefreshedEntries {
  private readonly written = new Map<string, number>()

  /** Notes that this process wrote the entry created at `createdAt` to `path`. */
  note(path: string, createdAt: number): void {
    if (this.written.size >= MAX_REMEMBERED) this.written.clear()
    this.written.set(path, createdAt)
  }

  /** Whether this process wrote an entry to `path` in refresh mode: only then is reading it worth the system call. */
  has(path: string): boolean {
    return this.written.has(path)
  }

  /**
   * Whether `entry`, read from `path`, is the one this process wrote there. A write that failed (with a warning)
   * leaves the old entry in place, and that is exactly what refresh must not serve.
   */
  wrote(path: string, entry: StoredEntry | undefined): entry is StoredEntry {
    return entry !== undefined && this.written.get(path) === entry.createdAt
  }
}
