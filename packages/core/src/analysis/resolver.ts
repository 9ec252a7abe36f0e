import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import type { NapiResolveOptions, ResolveResult, ResolverFactory } from 'oxc-resolver'
import { PersistBuildError } from '../diagnostics'
import { type PathAliases, aliasDirs, loadPathAliases } from './pathAliases'
import { dirsUnchanged, resolutionDirs } from './resultMemo'
import { tsconfigInEffect } from './tsconfigPath'

/** Extensions of files the analysis parses as code. */
export const CODE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']

/** What an import specifier points at, as far as hashing is concerned. */
export type Resolution =
  | { kind: 'code'; path: string }
  /** JSON and other assets a bundler would import: their content counts. */
  | { kind: 'asset'; path: string }
  /** A file inside `node_modules`: its package's name and version count. */
  | { kind: 'package'; packageJson: string }
  | { kind: 'builtin'; name: string }
  | { kind: 'unresolved'; error: string }

/** A resolution and what decided it: directory listings (with their mtimes) and file contents (package.json maps). */
export interface ResolvedImport {
  resolution: Resolution
  dirs: Array<[dir: string, mtimeMs: number]>
  /** Files whose content decided the resolution (`exports`/`imports` maps), with their content hashes. */
  files: Array<[file: string, contentHash: string | null]>
}

export interface ModuleResolver {
  resolve(fromFile: string, specifier: string): ResolvedImport
  /** Forgets cached file-system facts (a file was added, removed or renamed). */
  clear(): void
  /**
   * Forgets only what the underlying resolver saw of the file system: resolutions already made check themselves
   * before reuse, but a new one must not be made from a listing taken before the last change.
   */
  forgetFileSystem(): void
  /** The tsconfig in effect, if one was found, to watch it. */
  tsconfigPath: string | undefined
}

const NODE_MODULES_RE = /[\\/]node_modules[\\/]/

/**
 * Resolves specifiers the way a bundler resolving for Node would: tsconfig `paths`/`baseUrl`,
 * package `exports`/`imports` with the runtime conditions, `.js` specifiers that name `.ts` sources.
 */
export function createModuleResolver(
  root: string,
  tsconfig: string | false | undefined,
  dirMtime: (dir: string) => number,
  contentHash: (file: string) => string | undefined,
): ModuleResolver {
  const tsconfigPath = tsconfigInEffect(root, tsconfig)
  const resolveOptions: NapiResolveOptions = {
    ...(tsconfigPath ? { tsconfig: { configFile: tsconfigPath, references: 'auto' as const } } : {}),
    conditionNames: ['node', 'import', 'module', 'default'],
    mainFields: ['module', 'main'],
    extensions: [...CODE_EXTENSIONS, '.json'],
    extensionAlias: {
      '.js': ['.ts', '.tsx', '.js', '.jsx'],
      '.jsx': ['.tsx', '.jsx'],
      '.mjs': ['.mts', '.mjs'],
      '.cjs': ['.cts', '.cjs'],
    },
    builtinModules: true,
  }
  // Loaded on first use: a warm build whose analyses are all reused never resolves anything.
  let factory: ResolverFactory | undefined
  /** Whether the tsconfig was seen to load since the resolver last forgot its file-system facts. */
  let tsconfigLoads = false
  const getFactory = () => {
    factory ??= new (createRequire(import.meta.url)('oxc-resolver') as typeof import('oxc-resolver')).ResolverFactory(resolveOptions)
    if (tsconfigPath && !tsconfigLoads) {
      assertTsconfigLoads(factory, root, tsconfigPath, tsconfig !== undefined)
      tsconfigLoads = true
    }
    return factory
  }
  // The tsconfig's `paths` and `baseUrl`, read again after `clear` (the tsconfig may have changed).
  let aliases: PathAliases | undefined
  const aliasDirsOf = (specifier: string) => {
    if (!tsconfigPath || specifier.startsWith('.') || specifier.startsWith('#') || specifier.startsWith('node:') || path.isAbsolute(specifier)) return []
    return aliasDirs((aliases ??= loadPathAliases(tsconfigPath)), specifier.replace(/\?.*$/s, ''))
  }
  const memo = new Map<string, ResolvedImport & { recordedAt: number }>()
  const clear = () => {
    memo.clear()
    factory?.clearCache()
    tsconfigLoads = false
    aliases = undefined
  }
  return {
    tsconfigPath,
    clear,
    forgetFileSystem: () => factory?.clearCache(),
    resolve(fromFile, specifier) {
      const dir = path.dirname(fromFile)
      const memoKey = `${dir}\0${specifier}`
      const hit = memo.get(memoKey)
      if (hit) {
        if (dirsUnchanged(hit.dirs, hit.recordedAt, dirMtime) && hit.files.every(([f, h]) => (contentHash(f) ?? null) === h)) return hit
        // A file may have appeared that resolves first now; the resolver's own file-system cache is stale too.
        clear()
      }
      const recordedAt = Date.now()
      const { resolution, decisive } = resolveUncached(getFactory(), fromFile, specifier)
      const dirs = [...new Set([...resolutionDirs(root, fromFile, specifier, resolution), ...aliasDirsOf(specifier)])].map((d): [string, number] => [d, dirMtime(d)])
      const files = decisive.map((f): [string, string | null] => [f, contentHash(f) ?? null])
      const entry = { resolution, dirs, files, recordedAt }
      memo.set(memoKey, entry)
      return entry
    },
  }
}

/**
 * oxc-resolver answers every specifier, even `./a`, with the same error when the tsconfig cannot be loaded: each
 * import would silently become "unresolved" and only its specifier would count toward the hash.
 */
function assertTsconfigLoads(factory: ResolverFactory, root: string, tsconfigPath: string, fromOption: boolean): void {
  const { error } = factory.sync(root, './')
  if (!error || !/tsconfig/i.test(error)) return
  const origin = fromOption ? 'given by the plugin option `tsconfig`' : `found above ${root}`
  throw new PersistBuildError([
    {
      level: 'error',
      code: 'PERSIST_TSCONFIG',
      message: `persist: cannot load tsconfig ${tsconfigPath} (${error}), ${origin}; fix it or pass \`tsconfig: false\``,
      file: tsconfigPath,
      line: 1,
      column: 1,
      offset: 0,
    },
  ])
}

function resolveUncached(factory: ResolverFactory, fromFile: string, specifier: string): { resolution: Resolution; decisive: string[] } {
  // Bundler queries (`./x.svg?raw`) are not part of the path.
  const bare = specifier.replace(/\?.*$/s, '')
  if (bare.startsWith('node:')) return { resolution: { kind: 'builtin', name: bare }, decisive: [] }
  const result = factory.sync(path.dirname(fromFile), bare)
  // Bare and `#` specifiers go through package.json `exports`/`imports` maps: their content decides.
  const decisive: string[] = []
  if (!bare.startsWith('.') && !path.isAbsolute(bare)) {
    if (result.packageJsonPath) decisive.push(result.packageJsonPath)
    const own = bare.startsWith('#') ? findPackageJson(fromFile) : undefined
    if (own && own !== result.packageJsonPath) decisive.push(own)
  } else {
    // A directory resolves through its package.json `main` when it has one: an edit there moves the import.
    const target = path.resolve(path.dirname(fromFile), bare)
    if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) decisive.push(path.join(target, 'package.json'))
  }
  return { resolution: classify(result, specifier, bare), decisive }
}

function classify(result: ResolveResult, specifier: string, bare: string): Resolution {
  if (result.builtin) return { kind: 'builtin', name: result.builtin.resolved }
  if (result.error) {
    if (/builtin/i.test(result.error)) return { kind: 'builtin', name: `node:${bare}` }
    return { kind: 'unresolved', error: result.error }
  }
  const file = result.path
  if (!file) return { kind: 'unresolved', error: 'no path' }
  if (NODE_MODULES_RE.test(file)) {
    const packageJson = result.packageJsonPath ?? findPackageJson(file)
    if (packageJson) return { kind: 'package', packageJson }
  }
  if (CODE_EXTENSIONS.includes(path.extname(file)) && specifier === bare) return { kind: 'code', path: file }
  return { kind: 'asset', path: file }
}

function findPackageJson(file: string): string | undefined {
  for (let d = path.dirname(file); ; d = path.dirname(d)) {
    const candidate = path.join(d, 'package.json')
    if (fs.existsSync(candidate)) return candidate
    if (path.dirname(d) === d) return undefined
  }
}
