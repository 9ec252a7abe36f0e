/**
 * `persist verify`: re-checks every entry's structure and checksum and removes the corrupt ones (the runtime
 * would only ever treat them as misses), and removes temporary files older than `--tmp-age` (default 1 hour),
 * which no running writer can still be about to rename. Younger temporary files are left alone.
 */
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import pc from 'picocolors'
import { checkEntryFile } from '../entryInfo'
import { EXIT_FAILURE, EXIT_OK } from '../errors'
import { scanFunctions, statFile, type TemporaryFile } from '../layoutScan'
import { openCache } from '../openCache'
import { type CommonOptions, print } from '../output'
import { createProgress } from '../progress'
import { removeEmptyDirs, removeFile } from '../remove'
import { parseAge } from '../units'

export interface VerifyOptions extends CommonOptions {
  dryRun?: boolean
  tmpAge?: string
}

/** The manifest is also written through a temporary file (`manifest.json.<pid>.<time>.<random>.tmp`) in the root. */
const ROOT_TMP_RE = /^manifest\.json\..+\.tmp$/

function rootTemporaryFiles(root: string): TemporaryFile[] {
  return readdirSync(root)
    .filter((name) => ROOT_TMP_RE.test(name))
    .map((name) => ({ path: join(root, name) }))
}

/** Returns the exit code: 1 when `--dry-run` found something to repair, or an entry could not be read. */
export function verify(options: VerifyOptions): number {
  const safeAgeMs = parseAge(options.tmpAge ?? '1h', '--tmp-age')
  const cache = openCache(options)
  const { entries, temporary } = scanFunctions(cache.functions)
  temporary.push(...rootTemporaryFiles(cache.root))
  const corrupt: Array<{ path: string; reason: string }> = []
  const unreadable: Array<{ path: string; reason: string }> = []
  let ok = 0
  const progress = createProgress('verifying', entries.length)
  for (const entry of entries) {
    progress.tick()
    const check = checkEntryFile(entry.path)
    if (check.state === 'ok') ok++
    else if (check.state === 'corrupt') corrupt.push({ path: entry.path, reason: check.reason })
    else if (statFile(entry.path)) unreadable.push({ path: entry.path, reason: check.reason })
  }
  progress.done()
  const now = Date.now()
  const staleTemporary: string[] = []
  let freshTemporary = 0
  for (const file of temporary) {
    const stats = statFile(file.path)
    if (!stats) continue
    if (now - stats.mtimeMs > safeAgeMs) staleTemporary.push(file.path)
    else freshTemporary++
  }
  if (!options.dryRun) {
    for (const path of [...corrupt.map((entry) => entry.path), ...staleTemporary]) {
      removeFile(cache.root, path)
      if (dirname(path) !== cache.root) removeEmptyDirs(cache.root, dirname(path))
    }
  }
  const data = { dir: cache.root, dryRun: Boolean(options.dryRun), checked: entries.length, ok, corrupt, unreadable, staleTemporary, freshTemporary }
  print(options, data, () => {
    const verb = options.dryRun ? 'would remove' : 'removed'
    const lines = [
      ...corrupt.map((entry) => `${pc.red('corrupt')} ${entry.path}: ${entry.reason}`),
      ...unreadable.map((entry) => `${pc.yellow('unreadable')} ${entry.path}: ${entry.reason}`),
      ...staleTemporary.map((path) => `${pc.dim('stale temporary file')} ${path}`),
      `${entries.length} entries checked, ${ok} intact; ${verb} ${corrupt.length} corrupt entries and ${staleTemporary.length} stale temporary files` +
        (freshTemporary > 0 ? ` (${freshTemporary} recent temporary file(s) left for their writers)` : ''),
    ]
    return lines.join('\n')
  })
  const problems = unreadable.length > 0 || (options.dryRun && corrupt.length + staleTemporary.length > 0)
  return problems ? EXIT_FAILURE : EXIT_OK
}
