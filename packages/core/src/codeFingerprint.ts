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
    const hash = crypto.createHash('sha256')
    for (const file of codeDirs().flatMap(codeFiles)) {
      const stat = fs.statSync(file)
      hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\0${stat.ino}\0`)
    }
    fingerprint = hash.digest('hex').slice(0, 16)
  } catch {
    fingerprint = unknownInThisProcess()
  }
  return fingerprint
}

/**
 * `name@version` of each package whose code shapes the caches' content, as installed next to @persist/core; read
 * from their package.json files (by path: an `exports` map need not expose them).
 */
export function dependencyVersions(): string {
  if (versions !== undefined) return versions
  const core = corePackageDir()
  const require = createRequire(core === undefined ? import.meta.url : path.join(core, 'package.json'))
  versions = OUTPUT_SHAPING_PACKAGES.map((name) => `${name}@${installedVersion(require, name) ?? unknownInThisProcess()}`).join(' ')
  return versions
}

/**
 * The directories of the code that shapes the caches: this module's own, and @persist/core's built code when
 * this module was bundled into a plugin (whose transform then comes from core).
 */
function codeDirs(): string[] {
  const own = path.dirname(fileURLToPath(import.meta.url))
  const core = corePackageDir()
  const coreDist = core === undefined ? undefined : path.join(core, 'dist')
  return coreDist === undefined || coreDist === own || !fs.existsSync(coreDist) ? [own] : [own, coreDist]
}

let coreLocation: { dir: string | undefined } | undefined

/**
 * Where @persist/core is installed, as Node would find it from here (a CommonJS lookup by path: the package's
 * `exports` hide its package.json, and `import.meta.resolve` costs a warm build a millisecond or two).
 */
function corePackageDir(): string | undefined {
  if (coreLocation) return coreLocation.dir
  const require = createRequire(import.meta.url)
  const found = (require.resolve.paths('@persist/core') ?? []).map((dir) => path.join(dir, '@persist', 'core')).find((dir) => fs.existsSync(path.join(dir, 'package.json')))
  coreLocation = { dir: found }
  return found
}

/** The modules under `dir` (declarations and maps aside), sorted. */
function codeFiles(dir: string): string[] {
  const files: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) files.push(...codeFiles(file))
    else if (/\.[cm]?[jt]s$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name)) files.push(file)
  }
  return files.sort()
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
