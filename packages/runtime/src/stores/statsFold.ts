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
import { STATS_DIR } from './layout'
import { addCounts, claimName, foldIdOfSum, listStats, readCounts, type StatsListing, sumName } from './statsFiles'

/** A process that finds more files of counts than this after writing its own folds them. */
export const FOLD_AT = 16

/** A claim or temporary file untouched this long belongs to a fold or writer that died (none takes a second). */
const LEFTOVER_AGE_MS = 3_600_000

function quietly(action: () => void): boolean {
  try {
    action()
    return true
  } catch {
    return false
  }
}

function isOld(path: string, now: number): boolean {
  try {
    // ctime: a rename (the claim) sets it, whatever the file's own age.
    return now - statSync(path).ctimeMs > LEFTOVER_AGE_MS
  } catch {
    return false
  }
}

/**
 * What dead folds and writers left: claims whose sum is written are deleted (they are counted in it); claims of
 * a fold that died before its sum are given back their name; old temporary files are deleted.
 */
function tidyLeftovers(statsDir: string, listing: StatsListing): void {
  const now = Date.now()
  for (const claim of listing.claims) {
    const path = join(statsDir, claim.name)
    if (listing.summed.has(claim.foldId)) quietly(() => unlinkSync(path))
    else if (isOld(path, now)) quietly(() => renameSync(path, join(statsDir, claim.original)))
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

  const foldId = randomBytes(6).toString('hex')
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
