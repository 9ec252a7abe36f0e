/**
 * Hits and misses on disk, for `persist stats`: each process writes, at exit, one small JSON file per version
 * directory it used, `<version dir>/.stats/<pid>-<random>.json` holding `{ hits, misses, timeSavedMs }`. Files of
 * their own (never a shared file updated in place) need no lock and cannot be torn by concurrent writers; the CLI
 * sums them. A process that then finds more than FOLD_AT of them folds them into one (statsFold.ts), so they stay
 * few however many processes ran. Writing them never throws: an unwritable or removed directory just loses the counts.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { quietly } from '../quietly'
import { areRealDirs, STATS_DIR } from './layout'
import { countedNames, listStats, type StatsCounts, sumStats } from './statsFiles'
import { FOLD_AT, foldStats } from './statsFold'
import { isOwnedCacheRoot } from './ownership'

export type { StatsCounts }

/** A registration's live counters, the version directory they count for and how much of them is already attributed. */
interface Tracked {
  dir: string | undefined
  attributed: StatsCounts
}

const tracked = new Map<StatsCounts, Tracked>()
/** What this process counted per version directory and has not written yet; each flush writes it to a new file. */
const totals = new Map<string, StatsCounts>()
let hooked = false

/** Adds what `counts` gained since it was last attributed to the version directory it counted for. */
function settle(counts: StatsCounts, entry: Tracked): void {
  const { attributed } = entry
  if (entry.dir !== undefined) {
    const sum = totals.get(entry.dir) ?? { hits: 0, misses: 0, timeSavedMs: 0 }
    sum.hits += counts.hits - attributed.hits
    sum.misses += counts.misses - attributed.misses
    sum.timeSavedMs += counts.timeSavedMs - attributed.timeSavedMs
    totals.set(entry.dir, sum)
  }
  entry.attributed = { hits: counts.hits, misses: counts.misses, timeSavedMs: counts.timeSavedMs }
}

/**
 * Counts `counts` (a registration's stats) for `versionDir` from now on; `undefined` stops recording them
 * (readonly and off modes, memory-only stores). Called whenever a registration resolves its options again.
 */
export function trackStats(counts: StatsCounts, versionDir: string | undefined): void {
  const entry = tracked.get(counts)
  if (entry === undefined) {
    tracked.set(counts, { dir: versionDir, attributed: { hits: counts.hits, misses: counts.misses, timeSavedMs: counts.timeSavedMs } })
  } else if (entry.dir !== versionDir) {
    settle(counts, entry)
    entry.dir = versionDir
  }
  if (versionDir !== undefined && !hooked) {
    hooked = true
    process.on('exit', flushStats)
  }
}

/**
 * Writes one new file atomically into `<dir>/.stats`, never creating `dir` itself (a removed version stays removed)
 * and never through a link planted for the function directory, the version directory or `.stats`. False when
 * the counts could not be written.
 */
function writeStatsFile(dir: string, counts: StatsCounts): boolean {
  const statsDir = join(dir, STATS_DIR)
  // `<root>/<function>/<version>`: the root must be persist's, the two levels below it real directories.
  if (!isOwnedCacheRoot(dirname(dirname(dir))) || !areRealDirs([dirname(dir), dir])) return false
  try {
    mkdirSync(statsDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false
  }
  if (!areRealDirs([statsDir])) return false
  // A new name per flush: a fold may have taken (and summed) the file of an earlier flush.
  const name = `${process.pid}-${randomBytes(6).toString('hex')}.json`
  const tmp = join(statsDir, `.${name}.tmp`)
  try {
    writeFileSync(tmp, JSON.stringify(counts), { flag: 'wx' })
    renameSync(tmp, join(statsDir, name))
    return true
  } catch {
    quietly(() => unlinkSync(tmp))
    return false
  }
}

/** Writes what this process counted since its last flush (at exit; tests call it directly). Never throws. */
export function flushStats(): void {
  try {
    for (const [counts, entry] of tracked) settle(counts, entry)
    for (const [dir, counts] of totals) {
      if (counts.hits === 0 && counts.misses === 0) continue
      if (!writeStatsFile(dir, counts)) continue
      totals.delete(dir)
      foldStats(dir, FOLD_AT + 1)
    }
  } catch {
    // Counting is best effort; it must never change how a program exits.
  }
}

/** How often a reader lists again when a fold changed the files while it read them. */
const READ_ATTEMPTS = 5

/**
 * The sum of every count recorded for one version directory (damaged files count as nothing). A fold running
 * meanwhile renames files under the reader: it reads again until two listings agree. When they never do, the
 * last complete sum is returned, or else the last partial one: a file that vanished each time costs its own
 * counts, never all of them.
 */
export function readRecordedStats(versionDir: string): StatsCounts {
  const statsDir = join(versionDir, STATS_DIR)
  let best: { sum: StatsCounts; complete: boolean } = { sum: { hits: 0, misses: 0, timeSavedMs: 0 }, complete: false }
  let listing = listStats(statsDir)
  for (let attempt = 0; attempt < READ_ATTEMPTS && listing !== undefined; attempt++) {
    const read = sumStats(statsDir, listing)
    const again = listStats(statsDir)
    if (read.complete && again !== undefined && sameNames(countedNames(listing), countedNames(again))) return read.sum
    if (read.complete || !best.complete) best = read
    listing = again
  }
  return best.sum
}

function sameNames(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((name) => set.has(name))
}
