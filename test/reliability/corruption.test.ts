import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkEntries, entryFilesUnder, runWorker, useWorkspace, warningLines } from './helpers'

type Damage = (file: string) => void

const flip = (offset: (size: number) => number): Damage => (file) => {
  const bytes = readFileSync(file)
  bytes[offset(bytes.length)]! ^= 0x04
  writeFileSync(file, bytes)
}

/** Key → damage. Key 0 and 7 are ~1 MB entries (read by the large-entry path), the others are small. */
const damages: [key: number, what: string, damage: Damage][] = [
  [0, 'truncated (large)', (file) => truncateSync(file, Math.floor(readFileSync(file).length / 2))],
  [1, 'zero-length', (file) => writeFileSync(file, '')],
  [2, 'bit-flipped payload', flip((size) => size - 5)],
  [3, 'bit-flipped header length', flip(() => 17)],
  [4, 'foreign', (file) => writeFileSync(file, 'a file some other tool put here, long enough to hold a header: ' + 'x'.repeat(64))],
  [5, 'truncated by one byte', (file) => truncateSync(file, readFileSync(file).length - 1)],
  [7, 'bit-flipped payload (large)', flip((size) => Math.floor(size / 2))],
]
const KEYS = 9

describe.each(['sync', 'async'] as const)('damaged entries of a %s function, in a new process', (flavour) => {
  const workspace = useWorkspace()

  it('are misses with one warning each naming the file, then overwritten by a correct entry', () => {
    const env = workspace.env()
    const fileOf = new Map<number, string>()
    for (let key = 0; key < KEYS; key++) {
      const before = new Set(entryFilesUnder(workspace.cache()))
      expect(runWorker(['write', String(key), String(key + 1), flavour], env).status).toBe(0)
      fileOf.set(key, entryFilesUnder(workspace.cache()).find((file) => !before.has(file))!)
    }
    for (const [key, , damage] of damages) damage(fileOf.get(key)!)

    const checked = checkEntries(KEYS, env, flavour)
    expect(checked).toMatchObject({ ok: KEYS - damages.length, missing: damages.length, bad: 0, listed: KEYS - damages.length })
    const warnings = warningLines(checked.stderr)
    expect(warnings).toHaveLength(damages.length)
    for (const [key] of damages) {
      const about = warnings.filter((line) => line.includes(fileOf.get(key)!))
      expect(about).toHaveLength(1)
      expect(about[0]).toMatch(/ignoring the cache entry .*: .+\. It will be recomputed and overwritten\./)
    }

    const log = join(workspace.dir(), 'log')
    writeFileSync(log, '')
    const rewrite = runWorker(['write', '0', String(KEYS), flavour], { ...env, LOG_FILE: log })
    expect(rewrite.status).toBe(0)
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(damages.length)
    expect(warningLines(rewrite.stderr)).toHaveLength(damages.length)
    const again = checkEntries(KEYS, env, flavour)
    expect(again).toMatchObject({ ok: KEYS, missing: 0, bad: 0, listed: KEYS, stderr: '' })
  }, 30_000)
})

describe('foreign files that are not at an entry path', () => {
  const workspace = useWorkspace()

  // Listing reads only names that are keys (64 hex digits): a README there is not persist's to judge.
  it('are ignored by listing, without a warning', () => {
    const env = workspace.env()
    expect(runWorker(['write', '0', '3'], env).status).toBe(0)
    const shard = dirname(entryFilesUnder(workspace.cache())[0]!)
    writeFileSync(join(shard, 'README'), 'notes about this cache')
    const checked = checkEntries(3, env)
    expect(checked).toMatchObject({ ok: 3, listed: 3 })
    expect(checked.stderr).toBe('')
    expect(readdirSync(shard)).toContain('README')
  })
})
