import fs from 'node:fs'
import path from 'node:path'
import type { PersistedFunction } from './transform'

/** The manifest a build leaves behind for the CLI's `prune` and `explain`. */
export interface Manifest {
  version: 1
  functions: Record<string, Omit<PersistedFunction, 'id'>>
}

/**
 * Collects the persisted functions of a build, per module, and writes them merged over the manifest already on
 * disk: a build that saw only part of the project (one entry, a dev server) must not drop the other functions.
 */
export function createManifest() {
  const byFile = new Map<string, PersistedFunction[]>()
  return {
    /** Records the functions of a transformed module, replacing what an earlier pass over it recorded. */
    set(file: string, functions: PersistedFunction[]): void {
      byFile.set(file, functions)
    },
    /** Whether anything was recorded since the last write. */
    get size(): number {
      return byFile.size
    },
    /** Writes atomically (unique tmp file + rename), unless the file already says the same; returns the manifest. */
    write(target: string): Manifest {
      const existing = readText(target)
      const manifest = (existing !== undefined && parseManifest(existing)) || { version: 1, functions: {} }
      const seen = new Set([...byFile.values()].flat().map((f) => f.file))
      for (const [id, entry] of Object.entries(manifest.functions)) if (seen.has(entry.file)) delete manifest.functions[id]
      for (const { id, ...entry } of [...byFile.values()].flat()) manifest.functions[id] = entry
      // Code-point order: stable across locales, and `localeCompare`'s first call costs a warm build ~8 ms.
      manifest.functions = Object.fromEntries(Object.entries(manifest.functions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      const text = `${JSON.stringify(manifest, null, 2)}\n`
      // A build that changed nothing leaves the file alone: writing it is most of a warm build's end.
      if (text === existing) return manifest
      fs.mkdirSync(path.dirname(target), { recursive: true })
      const tmp = `${target}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`
      fs.writeFileSync(tmp, text)
      fs.renameSync(tmp, target)
      return manifest
    },
  }
}

/** The manifest at `file`, or undefined when there is none or it cannot be read (it is rebuilt then). */
export function readManifest(file: string): Manifest | undefined {
  const text = readText(file)
  return text === undefined ? undefined : parseManifest(text)
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function parseManifest(text: string): Manifest | undefined {
  try {
    const parsed = JSON.parse(text) as Manifest
    return parsed && parsed.version === 1 && typeof parsed.functions === 'object' ? parsed : undefined
  } catch {
    return undefined
  }
}
