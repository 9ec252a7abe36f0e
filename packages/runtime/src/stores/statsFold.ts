/**
 * Folding a version's `.stats` files (statsFiles.ts) into one, so that they stay few however many processes ran:
 * claim each file by renaming it (a rename succeeds for one fold only, so concurrent folds take disjoint files),
 * sum the claimed files, write the sum atomically, then delete the claimed files. Claimed files still count until
 * the sum exists and not after, so a fold that dies at any step loses nothing and counts nothing twice; what it
 * left is tidied by the next fold. Never throws: counting is best effort.
 */
import { randomBytes } from 'node:crypto'
import { renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isRunning, LEFTOVER_AGE_MS, thisHostTag } from '../liveness'
import { quietly } from '../quietly'
import { STATS_DIR } from './layout'
import { addCounts, type Claim, claimName, foldIdOfSum, foldOwner, listStats, newFoldId, readCounts, type StatsListing, sumName } from './statsFiles'

/** A process that finds more files of counts than this after writing its own folds them. */
export const FOLD_AT = 16

/**
 * A claim whose fold cannot be asked (another host's, an earlier release's) is given back after this long only: a
 * fold suspended (SIGSTOP, a sleeping laptop) that wakes up after its claims were given back would write its sum
 * and count them twice, for good.
 */
const UNASKABLE_CLAIM_AGE_MS = 24 * 3_600_000

/** How long ago `path` was last renamed or written; undefined when it is gone. */
function ageOf(path: string, now: number): number | undefined {
  try {
    // ctime: a rename (the claim) sets it, whatever the file's own age.
    return now - statSync(path).ctimeMs
  } catch {
    return undefined
  }
}

/**
 * Whether the fold that took `claim` is dead, so its claim can be given back: its process is gone from this host
 * (and the claim is old, in case the pid is another container's), or the claim is a day old whoever took it.
 */
function isAbandoned(claim: Claim, path: string, now: number): boolean {
  const age = ageOf(path, now)
  if (age === undefined) return false
  if (age > UNASKABLE_CLAIM_AGE_MS) return true
  const owner = foldOwner(claim.foldId)
  return owner !== undefined && owner.hostTag === thisHostTag && age > LEFTOVER_AGE_MS && !isRunning(owner.pid)
}

function isOld(path: string, now: number): boolean {
  const age = ageOf(path, now)
  return age !== undefined && age > LEFTOVER_AGE_MS
}

/**
 * What dead folds and writers left: claims whose sum is written are deleted (they are counted in it); claims of
 * a fold that died before its sum are given back their name (never those of a fold that may be suspended); old
 * temporary files are deleted.
 */
function tidyLeftovers(statsDir: string, listing: StatsListing): void {
  const now = Date.now()
  for (const claim of listing.claims) {
    const path = join(statsDir, claim.name)
    if (listing.summed.has(claim.foldId)) quietly(() => unlinkSync(path))
    else if (isAbandoned(claim, path, now)) quietly(() => renameSync(path, join(statsDir, claim.original)))
  }
  for (const name of listing.temporary) {
    if (isOld(join(statsDir, name), now)) quietly(() => unlinkSync(join(statsDir, name)))
  }
}

/**
 * Folds the files of counts of `versionDir` into one when there are at least `atLeast` of them, after tidying
 * what dead folds and writers left.
 */
export function foldStats(versionDir: string, atLeast: number): void {
  const statsDir = join(versionDir, STATS_DIR)
  const first = listStats(statsDir)
  if (first === undefined) return
  // Leftovers are rare (a crash): tidying them costs nothing when there are none.
  if (first.claims.length > 0 || first.temporary.length > 0) tidyLeftovers(statsDir, first)
  if (first.counts.length < atLeast) return
  // Listed again: a sum whose claims are still there is not taken (its claims would count again without it).
  const listing = listStats(statsDir)
  if (listing === undefined) return
  const pending = new Set(listing.claims.map((claim) => claim.foldId))
  const takeable = listing.counts.filter((name) => {
    const foldId = foldIdOfSum(name)
    return foldId === undefined || !pending.has(foldId)
  })
  if (takeable.length < atLeast) return

  const foldId = newFoldId()
  const sum = { hits: 0, misses: 0, timeSavedMs: 0 }
  const claimed: Array<{ path: string; original: string }> = []
  for (const name of takeable) {
    const path = join(statsDir, claimName(foldId, name))
    // Another fold took it first.
    if (!quietly(() => renameSync(join(statsDir, name), path))) continue
    const counts = readCounts(path)
    if (counts === 'gone') continue
    if (counts === 'unreadable') {
      quietly(() => renameSync(path, join(statsDir, name)))
      continue
    }
    addCounts(sum, counts)
    claimed.push({ path, original: name })
  }
  if (claimed.length === 0) return
  const tmp = join(statsDir, `.${sumName(foldId)}.${randomBytes(4).toString('hex')}.tmp`)
  const written = quietly(() => {
    writeFileSync(tmp, JSON.stringify(sum), { flag: 'wx' })
    renameSync(tmp, join(statsDir, sumName(foldId)))
  })
  if (!written) {
    // Nothing is lost: the claims still count. Give them their names back for the next fold.
    quietly(() => unlinkSync(tmp))
    for (const file of claimed) quietly(() => renameSync(file.path, join(statsDir, file.original)))
    return
  }
  for (const file of claimed) quietly(() => unlinkSync(file.path))
}
