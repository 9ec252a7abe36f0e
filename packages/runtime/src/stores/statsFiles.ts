/**
 * The files of a version's `.stats` directory (stores/diskStats.ts writes them, stores/statsFold.ts folds them):
 * - `<pid>-<random>.json`: what one process counted, written once at exit;
 * - `fold-<fold id>.json`: the sum of files a fold took (it counts like any other); the fold id is
 *   `<pid>-<host tag>-<random>`, so that a fold's claims are given back only once that process is gone;
 * - `.claim-<fold id>.<name>.tmp`: file `<name>` taken by a fold in progress (a dot-name ending in .tmp, as every
 *   file of persist's that a crash can leave). It still counts until the fold's sum
 *   `fold-<fold id>.json` exists (the sum is written before the claimed files are deleted), so a fold that dies at
 *   any step loses and doubles nothing;
 * - `.<…>.tmp`: a file being written.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { thisHostTag } from '../liveness'
import { TEMPORARY_FILE_RE } from './layout'

/** What one process counted for one version (or what a fold summed). */
export interface StatsCounts {
  hits: number
  misses: number
  timeSavedMs: number
}

/** A file of counts: a process's or a fold's sum. */
export const COUNTS_FILE_RE = /^[^.].*\.json$/
/** `<pid>-<host tag>-<12 hex>`; a bare `<12 hex>` is a fold id of an earlier release, which named no process. */
const FOLD_ID = '(?:\\d+-[0-9a-f]{8}-)?[0-9a-f]{12}'
const FOLD_ID_RE = new RegExp(`^${FOLD_ID}$`)
const FOLD_OWNER_RE = /^(\d+)-([0-9a-f]{8})-/
const SUM_RE = new RegExp(`^fold-(${FOLD_ID})\\.json$`)
const CLAIM_RE = new RegExp(`^\\.claim-(${FOLD_ID})\\.([^.].*\\.json)\\.tmp$`)

/** The id of a new fold by this process on this host. */
export function newFoldId(): string {
  return `${process.pid}-${thisHostTag}-${randomBytes(6).toString('hex')}`
}

/** The process that folds under `foldId` (`pid` means something on host `hostTag` only); undefined for an old id. */
export function foldOwner(foldId: string): { pid: number; hostTag: string } | undefined {
  const match = FOLD_OWNER_RE.exec(foldId)
  return match === null ? undefined : { pid: Number(match[1]), hostTag: match[2]! }
}
/** The name a process gives the counts it writes at exit (stores/diskStats.ts). */
const PROCESS_FILE_RE = /^\d+-[0-9a-f]+\.json$/

/** Whether a file in `.stats` is one persist writes there: a process's counts, a fold's sum, a claim or a temporary file. */
export function isStatsFileName(name: string): boolean {
  return PROCESS_FILE_RE.test(name) || SUM_RE.test(name) || TEMPORARY_FILE_RE.test(name)
}

/** The fold id of a sum's name; undefined for any other name. */
export function foldIdOfSum(name: string): string | undefined {
  return SUM_RE.exec(name)?.[1]
}

/** The name of the sum a fold writes. */
export function sumName(foldId: string): string {
  return `fold-${foldId}.json`
}

/** The name a fold gives a file of counts it takes. */
export function claimName(foldId: string, name: string): string {
  if (!FOLD_ID_RE.test(foldId)) throw new Error(`not a fold id: ${foldId}`)
  return `.claim-${foldId}.${name}.tmp`
}

/** A file a fold took: the fold's id and the file's name before. */
export interface Claim {
  name: string
  foldId: string
  original: string
}

/** The files of one `.stats` directory, by kind; anything else in it is left out. */
export interface StatsListing {
  counts: string[]
  claims: Claim[]
  /** Ids of the folds whose sum is written. */
  summed: Set<string>
  temporary: string[]
}

/** Lists a `.stats` directory; undefined when there is none (or it cannot be read). */
export function listStats(statsDir: string): StatsListing | undefined {
  let names: string[]
  try {
    names = readdirSync(statsDir)
  } catch {
    return undefined
  }
  const listing: StatsListing = { counts: [], claims: [], summed: new Set(), temporary: [] }
  for (const name of names) {
    const claim = CLAIM_RE.exec(name)
    if (claim !== null) listing.claims.push({ name, foldId: claim[1]!, original: claim[2]! })
    else if (COUNTS_FILE_RE.test(name)) {
      listing.counts.push(name)
      const foldId = foldIdOfSum(name)
      if (foldId !== undefined) listing.summed.add(foldId)
    } else if (TEMPORARY_FILE_RE.test(name)) listing.temporary.push(name)
  }
  return listing
}

/** The files whose counts are part of the total: files of counts, and claims of folds that have not summed yet. */
export function countedNames(listing: StatsListing): string[] {
  return listing.counts.concat(listing.claims.filter((claim) => !listing.summed.has(claim.foldId)).map((claim) => claim.name))
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0
}

/**
 * The counts in one file: `gone` when it vanished (a fold took or deleted it meanwhile), `unreadable` for another
 * read error. A damaged file counts as nothing, as it always has.
 */
export function readCounts(path: string): StatsCounts | 'gone' | 'unreadable' {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable'
  }
  try {
    const parsed = JSON.parse(text) as Partial<StatsCounts> | null
    return { hits: count(parsed?.hits), misses: count(parsed?.misses), timeSavedMs: count(parsed?.timeSavedMs) }
  } catch {
    return { hits: 0, misses: 0, timeSavedMs: 0 }
  }
}

/** Adds `more` to `sum`. */
export function addCounts(sum: StatsCounts, more: StatsCounts): void {
  sum.hits += more.hits
  sum.misses += more.misses
  sum.timeSavedMs += more.timeSavedMs
}

/**
 * The total recorded in `statsDir`, once per file listed; `complete` is false when a file vanished while it was
 * read (a fold took it), and the total then lacks that file's counts.
 */
export function sumStats(statsDir: string, listing: StatsListing): { sum: StatsCounts; complete: boolean } {
  const sum = { hits: 0, misses: 0, timeSavedMs: 0 }
  let complete = true
  for (const name of countedNames(listing)) {
    const counts = readCounts(join(statsDir, name))
    if (counts === 'gone') complete = false
    else if (counts !== 'unreadable') addCounts(sum, counts)
  }
  return { sum, complete }
}
