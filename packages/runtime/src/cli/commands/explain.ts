/**
 * `persist explain <id> [--since <old manifest>]`: why a function's hash is what it is: the declarations its hash
 * covers (from the build manifest), the cached versions, and, compared with an older manifest, whether the hash
 * changed and which dependencies were added, removed or changed.
 */
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import pc from 'picocolors'
import { CliError } from '../errors'
import { plural, shortHash } from '../format'
import { checkCacheDir, resolveCacheDir } from '../cacheDir'
import { identify, isLiveVersion } from '../functions'
import { listFunctionDirs } from '../layoutScan'
import { type LoadedManifest, loadManifest, type ManifestDependency, type ManifestFunction } from '../manifest'
import { type CommonOptions, print } from '../output'

export interface ExplainOptions extends CommonOptions {
  manifest?: string
  since?: string
  root?: string
}

function depKey(dep: ManifestDependency): string {
  return `${dep.file}#${dep.declaration}`
}

/** The manifest id `name` names: exact, or a unique substring. */
function findId(manifest: LoadedManifest, name: string): string {
  if (Object.hasOwn(manifest.manifest.functions, name)) return name
  const close = Object.keys(manifest.manifest.functions).filter((id) => id.includes(name))
  if (close.length === 1) return close[0]!
  const hint = close.length > 1 ? ` Did you mean ${close.slice(0, 5).join(', ')}?` : ''
  throw new CliError(`the build manifest ${manifest.path} has no function ${JSON.stringify(name)}.${hint}`)
}

interface Comparison {
  manifest: string
  present: boolean
  hash: string | null
  hashChanged: boolean
  added: ManifestDependency[]
  removed: ManifestDependency[]
  /** Dependencies whose own hash differs (only when both manifests record per-dependency hashes). */
  changed: ManifestDependency[] | null
  /** Files of the dependencies modified after the old manifest was written (when per-dependency hashes are not recorded). */
  modifiedFiles: string[] | null
}

function compare(current: ManifestFunction, old: LoadedManifest, id: string, root: string): Comparison {
  const before = old.manifest.functions[id]
  if (!before) {
    return { manifest: old.path, present: false, hash: null, hashChanged: true, added: current.deps, removed: [], changed: null, modifiedFiles: null }
  }
  const oldDeps = new Map(before.deps.map((dep) => [depKey(dep), dep]))
  const newDeps = new Map(current.deps.map((dep) => [depKey(dep), dep]))
  const added = current.deps.filter((dep) => !oldDeps.has(depKey(dep)))
  const removed = before.deps.filter((dep) => !newDeps.has(depKey(dep)))
  const hashed = current.deps.every((dep) => dep.hash !== undefined) && before.deps.every((dep) => dep.hash !== undefined)
  const changed = hashed ? current.deps.filter((dep) => oldDeps.has(depKey(dep)) && oldDeps.get(depKey(dep))!.hash !== dep.hash) : null
  let modifiedFiles: string[] | null = null
  if (!hashed && before.hash !== current.hash) {
    const files = [...new Set([current.file, ...current.deps.map((dep) => dep.file)])]
    modifiedFiles = files.filter((file) => {
      try {
        return statSync(resolve(root, file)).mtimeMs > old.mtimeMs
      } catch {
        return false
      }
    })
  }
  return { manifest: old.path, present: true, hash: before.hash, hashChanged: before.hash !== current.hash, added, removed, changed, modifiedFiles }
}

export function explain(name: string, options: ExplainOptions): void {
  const dir = resolveCacheDir(options.dir)
  const current = loadManifest(options.manifest, dir)
  const id = findId(current, name)
  const fn = current.manifest.functions[id]!
  const root = resolve(options.root ?? process.cwd())
  let versions: Array<{ hash: string; live: boolean }> = []
  try {
    checkCacheDir(dir)
    const known = identify(listFunctionDirs(dir), current.manifest).find((dirFn) => dirFn.id === id)
    versions = (known?.hashes ?? []).map((hash) => ({ hash, live: isLiveVersion(known!, hash) }))
  } catch {
    // No cache yet: explaining the hash needs only the manifest.
  }
  const since = options.since === undefined ? undefined : compare(fn, loadManifest(options.since, dir), id, root)
  const data = { id, hash: fn.hash, file: fn.file, line: fn.line, manifest: current.path, deps: fn.deps, cachedVersions: versions, since: since ?? null }
  print(options, data, () => {
    const lines = [`${pc.bold(id)}  ${fn.file}:${fn.line}`, `hash ${fn.hash}`, `covers ${plural(fn.deps.length, 'declaration', 'declarations')}:`]
    for (const dep of fn.deps) lines.push(`  ${dep.file} ${pc.cyan(dep.declaration)}`)
    if (versions.length > 0) lines.push(`cached versions: ${versions.map((v) => (v.live ? pc.green(`${shortHash(v.hash)} (live)`) : shortHash(v.hash))).join(', ')}`)
    if (since) {
      lines.push(`since ${since.manifest}:`)
      if (!since.present) lines.push(`  ${id} was not in that build`)
      else if (!since.hashChanged) lines.push('  hash unchanged: the cached results of that build are still used')
      else {
        lines.push(`  hash changed: ${shortHash(since.hash!)} → ${shortHash(fn.hash)}`)
        for (const dep of since.added) lines.push(`  ${pc.green('+')} ${dep.file} ${dep.declaration}`)
        for (const dep of since.removed) lines.push(`  ${pc.red('-')} ${dep.file} ${dep.declaration}`)
        for (const dep of since.changed ?? []) lines.push(`  ${pc.yellow('~')} ${dep.file} ${dep.declaration}`)
        if (since.modifiedFiles) {
          lines.push(
            since.modifiedFiles.length > 0
              ? `  files modified since that build: ${since.modifiedFiles.join(', ')}`
              : '  no dependency file is newer than that build (the build options or the plugin may have changed)',
          )
        }
      }
    }
    return lines.join('\n')
  })
}
