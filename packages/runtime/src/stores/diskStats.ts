/**
 * Hits and misses on disk, for `persist stats`: each process writes, at exit, one small JSON file per version
 * directory it used, `<version dir>/.stats/<pid>-<random>.json` holding `{ hits, misses, timeSavedMs }`. Files per
 * process (never a shared file updated in place) need no lock and cannot be torn by concurrent writers; the CLI
 * sums them. Writing them never throws: an unwritable or removed directory just loses the counts.
 */
import { randomBytes } from 'node:crypto'
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { STATS_DIR } from './layout'
import { isOwnedCacheRoot } from './ownership'

/** What one process counted for one version. */
export interface StatsCounts {
  hits: number
  misses: number
  timeSavedMs: number
}

/** A registration's live counters, the version directory they count for and how much of them is already attributed. */
interface Tracked {
  dir: string | undefined
  attributed: StatsCounts
}

const tracked = new Map<StatsCounts, Tracked>()
/** This process's totals per version directory; each flush rewrites the process's file with them. */
const totals = new Map<string, StatsCounts>()
const processTag = `${process.pid}-${randomBytes(6).toString('hex')}`
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

/** Whether each path is a directory itself, not a symlink to one (persist never writes through links). */
function areRealDirs(paths: string[]): boolean {
  try {
    return paths.every((path) => lstatSync(path).isDirectory())
  } catch {
    return false
  }
}

/**
 * Writes one file atomically into `<dir>/.stats`, never creating `dir` itself (a removed version stays removed)
 * and never through a link planted for the function directory, the version directory or `.stats`.
 */
function writeStatsFile(dir: string, counts: StatsCounts): void {
  const statsDir = join(dir, STATS_DIR)
  // `<root>/<function>/<version>`: the root must be persist's, the two levels below it real directories.
  if (!isOwnedCacheRoot(dirname(dirname(dir))) || !areRealDirs([dirname(dir), dir])) return
  try {
    mkdirSync(statsDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return
  }
  if (!areRealDirs([statsDir])) return
  const name = `${processTag}.json`
  const tmp = join(statsDir, `.${name}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    writeFileSync(tmp, JSON.stringify(counts), { flag: 'wx' })
    renameSync(tmp, join(statsDir, name))
  } catch {
    try {
      unlinkSync(tmp)
    } catch {
      // Never created.
    }
  }
}

/** Writes what this process counted (at exit; tests call it directly). Never throws. */
export function flushStats(): void {
  try {
    for (const [counts, entry] of tracked) settle(counts, entry)
    for (const [dir, counts] of totals) {
      if (counts.hits > 0 || counts.misses > 0) writeStatsFile(dir, counts)
    }
  } catch {
    // Counting is best effort; it must never change how a program exits.
  }
}

const STATS_FILE_RE = /^[^.].*\.json$/

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0
}

/** The sum of every process's counts recorded for one version directory (unreadable files count as nothing). */
export function readRecordedStats(versionDir: string): StatsCounts & { processes: number } {
  const sum = { hits: 0, misses: 0, timeSavedMs: 0, processes: 0 }
  const statsDir = join(versionDir, STATS_DIR)
  let names: string[]
  try {
    names = readdirSync(statsDir)
  } catch {
    return sum
  }
  for (const name of names) {
    if (!STATS_FILE_RE.test(name)) continue
    try {
      const parsed = JSON.parse(readFileSync(join(statsDir, name), 'utf8')) as Partial<StatsCounts>
      sum.hits += count(parsed.hits)
      sum.misses += count(parsed.misses)
      sum.timeSavedMs += count(parsed.timeSavedMs)
      sum.processes++
    } catch {
      // A file being replaced or damaged: its counts are lost, nothing else.
    }
  }
  return sum
}
