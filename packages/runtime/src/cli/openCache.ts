/** The common first step of every command: find the cache directory, check it is persist's, list its functions. */
import { checkCacheDir, resolveCacheDir } from './cacheDir'
import { identify, type KnownFunction } from './functions'
import { listFunctionDirs } from './layoutScan'
import { type LoadedManifest, loadManifest, loadManifestIfAny } from './manifest'

export interface OpenCache {
  root: string
  functions: KnownFunction[]
  manifest: LoadedManifest | undefined
}

/**
 * Opens the cache named by `--dir` / `PERSIST_DIR`. `manifest: 'required'` fails without a manifest; otherwise
 * the default manifest is used when it exists (to show ids and live versions).
 */
export function openCache(options: { dir?: string; manifest?: string }, manifest: 'optional' | 'required' = 'optional'): OpenCache {
  const root = resolveCacheDir(options.dir)
  checkCacheDir(root)
  const loaded = manifest === 'required' ? loadManifest(options.manifest, root) : loadManifestIfAny(options.manifest, root)
  return { root, functions: identify(listFunctionDirs(root), loaded?.manifest), manifest: loaded }
}
