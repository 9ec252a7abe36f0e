import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/**
 * The tsconfig files whose content decides how imports resolve: `top` and every file it `extends` or references
 * (project `references`), transitively (`extends` a string or an array; relative paths, and package specifiers
 * through Node resolution, as tsc does). oxc-resolver follows the same files, so an edit to `paths` in a base
 * config or a referenced project changes resolutions: each file is an input.
 * A file that cannot be read or parsed ends its branch (it stays in the list, so creating or fixing it counts).
 * `beforeRead` is told each file just before it is read.
 */
export function tsconfigChain(top: string, beforeRead?: (file: string) => void): string[] {
  const chain: string[] = []
  const visit = (file: string) => {
    if (chain.includes(file)) return
    chain.push(file)
    beforeRead?.(file)
    const config = readTsconfig(file)
    if (config === undefined) return
    const extendsField = (config as { extends?: unknown } | null)?.extends
    const specifiers = typeof extendsField === 'string' ? [extendsField] : Array.isArray(extendsField) ? extendsField : []
    for (const specifier of specifiers) {
      if (typeof specifier !== 'string') continue
      const base = resolveExtends(file, specifier)
      if (base) visit(base)
    }
    // The resolver applies a referenced project's own `paths` to the files under it.
    const references = (config as { references?: unknown } | null)?.references
    for (const reference of Array.isArray(references) ? references : []) {
      const target = (reference as { path?: unknown } | null)?.path
      if (typeof target !== 'string') continue
      const resolved = path.resolve(path.dirname(file), target)
      visit(resolved.endsWith('.json') ? resolved : path.join(resolved, 'tsconfig.json'))
    }
  }
  visit(top)
  return chain
}

/** A tsconfig's content (JSON with comments and trailing commas); undefined when it cannot be read or parsed. */
export function readTsconfig(file: string): unknown {
  const text = readOrUndefined(file)
  if (text === undefined) return undefined
  try {
    return JSON.parse(stripJsonComments(text)) as unknown
  } catch {
    return undefined
  }
}

/** Where tsc looks for an `extends` target: a path next to the config (`.json` added when missing), else a package. */
function resolveExtends(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const file = path.resolve(path.dirname(from), specifier)
    return file.endsWith('.json') || fs.existsSync(file) ? file : `${file}.json`
  }
  const require = createRequire(from)
  for (const candidate of [specifier, `${specifier}.json`, `${specifier}/tsconfig.json`]) {
    try {
      return require.resolve(candidate)
    } catch {
      // Try the next form tsc accepts.
    }
  }
  return undefined
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** tsconfig files are JSON with comments and trailing commas: drop both, leaving strings alone. */
function stripJsonComments(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '"') {
      const start = i
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
      out += text.slice(start, i + 1)
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      i = end === -1 ? text.length : end + 1
      out += ' '
    } else out += ch
  }
  return out.replace(/,(\s*[}\]])/g, '$1')
}
