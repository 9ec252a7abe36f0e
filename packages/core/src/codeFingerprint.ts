import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

let fingerprint: string | undefined
let versions: string | undefined

/** Packages whose code shapes what the caches hold: the parser, the resolver, the rewrite and the option validation. */
const OUTPUT_SHAPING_PACKAGES = ['oxc-parser', 'oxc-resolver', 'magic-string', '@persist/runtime']

/** Stands for a fact that could not be read: never equal to what another process wrote, so its caches are not trusted. */
const unknownInThisProcess = () => `unknown-${process.pid}-${Date.now()}`

/**
 * A fingerprint of persist's own code (every module of this package next to this one: the built chunks, or the
 * sources when run from them), so a cache written by a different build of persist, even one with the same
 * version number as during development, is never read. Taken from each file's size, mtime and inode rather than
 * its bytes: a warm build computes it first thing, and any rebuild or reinstall of persist rewrites the files.
 */
export function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint
  try {
    const dir = path.dirname(fileURLToPath(import.meta.url))
    const files = fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.[cm]?[jt]s$/.test(f) && !/\.d\.[cm]?ts$/.test(f))
      .sort()
    const hash = crypto.createHash('sha256')
    for (const f of files) {
      const stat = fs.statSync(path.join(dir, f))
      hash.update(`${f}\0${stat.size}\0${stat.mtimeMs}\0${stat.ino}\0`)
    }
    fingerprint = hash.digest('hex').slice(0, 16)
  } catch {
    fingerprint = unknownInThisProcess()
  }
  return fingerprint
}

/**
 * `name@version` of each package whose code shapes the caches' content, as installed next to this one; read from
 * their package.json files (by path: an `exports` map need not expose them).
 */
export function dependencyVersions(): string {
  if (versions !== undefined) return versions
  const require = createRequire(import.meta.url)
  versions = OUTPUT_SHAPING_PACKAGES.map((name) => `${name}@${installedVersion(require, name) ?? unknownInThisProcess()}`).join(' ')
  return versions
}

function installedVersion(require: NodeJS.Require, name: string): string | undefined {
  for (const dir of require.resolve.paths(name) ?? []) {
    try {
      const json = JSON.parse(fs.readFileSync(path.join(dir, name, 'package.json'), 'utf8')) as { version?: unknown }
      return typeof json.version === 'string' ? json.version : undefined
    } catch {
      // Not installed in this node_modules: look further up.
    }
  }
  return undefined
}
