import fs from 'node:fs'
import path from 'node:path'

/**
 * The tsconfig the analysis resolves imports with: the `tsconfig` option (relative to `root`), none when it is
 * `false`, else the nearest `tsconfig.json` at or above `root`. Looked up once per analyzer (and output cache).
 */
export function tsconfigInEffect(root: string, tsconfig: string | false | undefined): string | undefined {
  return tsconfig === false ? undefined : tsconfig ? path.resolve(root, tsconfig) : findTsconfig(root)
}

/** The nearest `tsconfig.json` at or above `dir`. */
export function findTsconfig(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const candidate = path.join(d, 'tsconfig.json')
    if (fs.existsSync(candidate)) return candidate
    if (path.dirname(d) === d) return undefined
  }
}
