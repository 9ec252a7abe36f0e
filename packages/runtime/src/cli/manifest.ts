/**
 * The build manifest the plugin writes (`packages/core/src/manifest.ts`): which source hash each function id has
 * in the current build, where it is declared and which declarations its hash covers.
 */
import { readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CliError } from './errors'

export interface ManifestDependency {
  file: string
  declaration: string
  /** Hash of the declaration, when the build records it (lets `explain` name exactly what changed). */
  hash?: string
}

export interface ManifestFunction {
  hash: string
  file: string
  line: number
  deps: ManifestDependency[]
}

export interface Manifest {
  version: 1
  functions: Record<string, ManifestFunction>
}

/** A manifest and the file it came from. */
export interface LoadedManifest {
  path: string
  manifest: Manifest
  /** When the manifest file was last written, i.e. when that build ended. */
  mtimeMs: number
}

/** Where the plugin writes the manifest by default: `<cache dir>/manifest.json`. */
function defaultManifestPath(cacheDir: string): string {
  return join(cacheDir, 'manifest.json')
}

function parseManifest(path: string): Manifest {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CliError(
      code === 'ENOENT'
        ? `no build manifest at ${path}; run a build with the persist plugin first, or pass --manifest <file>.`
        : `cannot read the build manifest ${path} (${code}).`,
    )
  }
  let parsed: Manifest
  try {
    parsed = JSON.parse(text) as Manifest
  } catch {
    throw new CliError(`the build manifest ${path} is not valid JSON; rebuild to rewrite it.`)
  }
  if (!parsed || parsed.version !== 1 || typeof parsed.functions !== 'object' || parsed.functions === null) {
    throw new CliError(`${path} is not a persist build manifest (version 1 with functions); rebuild to rewrite it.`)
  }
  for (const fn of Object.values(parsed.functions)) {
    if (Array.isArray(fn?.deps)) fn.deps = fn.deps.map(builtinAsWholeModule)
  }
  return parsed
}

/**
 * Builds before this one recorded a built-in as `{ file: 'node:fs', declaration: 'node:fs' }`; they now record it as a
 * whole module (`*`). Reading the old form the new way keeps `explain --since <old manifest>` from listing every
 * built-in as removed and added again.
 */
function builtinAsWholeModule(dep: ManifestDependency): ManifestDependency {
  return dep.file.startsWith('node:') && dep.declaration === dep.file ? { ...dep, declaration: '*' } : dep
}

/** Reads the manifest named by `--manifest`, else the default one; throws a CliError when there is none. */
export function loadManifest(option: unknown, cacheDir: string): LoadedManifest {
  const path = typeof option === 'string' && option.length > 0 ? resolve(option) : defaultManifestPath(cacheDir)
  const manifest = parseManifest(path)
  return { path, manifest, mtimeMs: statSync(path).mtimeMs }
}

/** Like `loadManifest`, but undefined when no manifest was asked for and the default one does not exist. */
export function loadManifestIfAny(option: unknown, cacheDir: string): LoadedManifest | undefined {
  try {
    return loadManifest(option, cacheDir)
  } catch (error) {
    if (typeof option === 'string' && option.length > 0) throw error
    return undefined
  }
}
