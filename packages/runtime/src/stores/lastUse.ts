/**
 * Last use of an entry: the entry file's modification time. persist writes it itself (the access time is not
 * trusted: noatime/relatime mounts), so `persist gc` can evict the least recently used entries. A hit sets it
 * at most once per entry per process, so repeated hits cost one Set lookup and no system call.
 */
import { lutimesSync } from 'node:fs'

/** Beyond this many remembered entries the memory is dropped: touching an entry again is harmless. */
const MAX_REMEMBERED = 100_000

/** Sets a file's access and modification time to now (a link's own, never its target's); false when it cannot. */
export function touchFile(path: string): boolean {
  const now = Date.now() / 1000
  try {
    lutimesSync(path, now, now)
    return true
  } catch {
    return false
  }
}

/** Records the use of entries, once each per process. */
export class UseRecorder {
  private readonly used = new Set<string>()

  /** Marks `path` (the entry of `digest`) used now, unless this process did already. */
  note(digest: string, path: string): void {
    if (this.used.has(digest)) return
    if (this.used.size >= MAX_REMEMBERED) this.used.clear()
    this.used.add(digest)
    touchFile(path)
  }
}
