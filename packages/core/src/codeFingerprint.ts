import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { hashParts } from './analysis/hash'

let fingerprint: string | undefined

/**
 * A hash of persist's own code (every module of this package next to this one: the built chunks, or the sources
 * when run from them), so a cache written by a different build of persist, even one with the same version
 * number as during development, is never read.
 */
export function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint
  try {
    const dir = path.dirname(fileURLToPath(import.meta.url))
    const files = fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.[cm]?[jt]s$/.test(f) && !/\.d\.[cm]?ts$/.test(f))
      .sort()
    fingerprint = hashParts(files.flatMap((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')])).slice(0, 16)
  } catch {
    fingerprint = 'unknown'
  }
  return fingerprint
}
