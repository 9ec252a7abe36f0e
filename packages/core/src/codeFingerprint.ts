import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

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
    // Bytes, not text: a warm build computes this too, and decoding the whole package would be most of its cost.
    const hash = crypto.createHash('sha256')
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(dir, f))
      hash.update(`${f}\0${bytes.length}\0`).update(bytes)
    }
    fingerprint = hash.digest('hex').slice(0, 16)
  } catch {
    fingerprint = 'unknown'
  }
  return fingerprint
}
