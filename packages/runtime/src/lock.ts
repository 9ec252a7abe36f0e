/**
 * A cross-process lock per cache entry (`lock: true`): processes sharing a cache directory compute a key once
 * while the others wait and then read the entry.
 *
 * The lock is a file next to the entry, `.<key>.lock`, created with O_EXCL (`wx`) and holding the owner's pid,
 * host, start time and a random token. The leading dot keeps it out of listings, like temporary files.
 * A lock is abandoned (stale) when its owner on this host is no longer running (or is a zombie), or, for an
 * owner on another host (a shared network directory), when its file was not touched for `staleMs`: async owners
 * touch it while they compute. Waiters poll with a growing delay and compute anyway after `maxWaitMs`, so a
 * lock can cost time but never a deadlock. It only saves work: entries stay correct without it (writes are atomic).
 *
 * Sync functions wait too, sleeping with `Atomics.wait`: their caller is blocked for the computation anyway, and a
 * wait for another process's computation blocks it no longer than computing would.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { isRunning, thisHost } from './liveness'
import { where, type FunctionMeta, type Resolved } from './resolve'
import { DiskStore } from './stores/disk'
import { HybridStore } from './stores/hybrid'
import type { EntryKey, StoredEntry } from './stores/store'
import { warnOnce } from './warn'

/** What a lock file says about its owner. */
export interface LockOwner {
  pid: number
  host: string
  /** When the lock was taken (ms since the epoch). */
  startedAt: number
  /** Tells this owner's lock apart from a later one at the same path. */
  token: string
}

export interface LockTimings {
  /** A lock of another host whose file was not touched for this long is abandoned. @default 60000 */
  staleMs: number
  /** Longest a waiter waits before computing anyway. @default 600000 */
  maxWaitMs: number
  /** First delay between polls; it grows 1.5× per poll up to `maxPollMs`. @default 5 */
  minPollMs: number
  /** @default 250 */
  maxPollMs: number
}

export const DEFAULT_LOCK_TIMINGS: LockTimings = { staleMs: 60_000, maxWaitMs: 600_000, minPollMs: 5, maxPollMs: 250 }

/** A lock file with no readable owner is only trusted this long: its owner writes it right after creating it. */
const UNREADABLE_GRACE_MS = 2_000

/** Timings with `PERSIST_LOCK_WAIT_MS` / `PERSIST_LOCK_STALE_MS` applied (positive integers; others ignored). */
export function lockTimingsFromEnv(env: NodeJS.ProcessEnv = process.env): LockTimings {
  const read = (name: string, fallback: number) => {
    const value = Number(env[name])
    return Number.isInteger(value) && value > 0 ? value : fallback
  }
  return {
    ...DEFAULT_LOCK_TIMINGS,
    maxWaitMs: read('PERSIST_LOCK_WAIT_MS', DEFAULT_LOCK_TIMINGS.maxWaitMs),
    staleMs: read('PERSIST_LOCK_STALE_MS', DEFAULT_LOCK_TIMINGS.staleMs),
  }
}

/** `<dir>/.<key>.lock` for the entry `<dir>/<key>`. */
export function lockPathOf(entryPath: string): string {
  return join(dirname(entryPath), `.${basename(entryPath)}.lock`)
}

/** A lock this process holds. */
export class HeldLock {
  private heartbeat: ReturnType<typeof setInterval> | undefined

  constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  /** Touches the lock file every `everyMs` while the event loop runs (async owners), so other hosts see it alive. */
  keepAlive(everyMs: number): void {
    this.heartbeat = setInterval(() => {
      const now = new Date()
      try {
        utimesSync(this.path, now, now)
      } catch {
        // Broken by another process or removed with the cache: nothing to keep alive.
      }
    }, everyMs)
    this.heartbeat.unref()
  }

  /** Removes the lock file, unless it is no longer this owner's. */
  release(): void {
    if (this.heartbeat) clearInterval(this.heartbeat)
    if (readOwner(this.path)?.token !== this.owner.token) return
    try {
      unlinkSync(this.path)
    } catch {
      // Already gone.
    }
  }
}

/**
 * Creates the lock file. `busy` when another owner holds it, `unavailable` when the directory cannot take it
 * (read-only, full, missing and not creatable): the caller then computes without a lock.
 * `prepare` makes the entry's directory when it does not exist yet.
 */
export function tryAcquire(path: string, prepare: () => void): HeldLock | 'busy' | 'unavailable' {
  const owner: LockOwner = { pid: process.pid, host: thisHost, startedAt: Date.now(), token: randomBytes(8).toString('hex') }
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number
    try {
      fd = openSync(path, 'wx')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return 'busy'
      if (code === 'ENOENT' && attempt === 0) {
        try {
          prepare()
        } catch {
          return 'unavailable'
        }
        continue
      }
      return 'unavailable'
    }
    try {
      writeSync(fd, JSON.stringify(owner))
    } catch {
      // A full disk: the empty lock still excludes others, and turns stale after UNREADABLE_GRACE_MS if we die.
    } finally {
      closeSync(fd)
    }
    return new HeldLock(path, owner)
  }
  return 'unavailable'
}

export function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.token === 'string') {
      return owner as LockOwner
    }
  } catch {
    // Being written, or not a lock file: see UNREADABLE_GRACE_MS.
  }
  return undefined
}

/** Why the lock at `path` is abandoned, or `undefined` when its owner may still be computing. */
export function staleReason(owner: LockOwner | undefined, mtimeMs: number, now: number, staleMs: number): string | undefined {
  if (owner === undefined) return now - mtimeMs > UNREADABLE_GRACE_MS ? 'it names no owner' : undefined
  if (owner.host === thisHost) return isRunning(owner.pid) ? undefined : `its owner (pid ${owner.pid}) is not running`
  return now - mtimeMs > staleMs ? `its owner on ${owner.host} did not touch it for ${staleMs} ms` : undefined
}

/**
 * Removes the lock at `path` when it is abandoned: `gone` when it did (or the lock was already gone), `held` when
 * its owner may still be computing, `stuck` when it is abandoned but cannot be removed (a read-only directory).
 * The file is first renamed aside, then checked to be the one judged: a fresh lock taken in between is put back.
 */
export function breakIfStale(path: string, staleMs: number): 'gone' | 'held' | 'stuck' {
  let mtimeMs: number
  try {
    mtimeMs = statSync(path).mtimeMs
  } catch {
    return 'gone'
  }
  const owner = readOwner(path)
  if (staleReason(owner, mtimeMs, Date.now(), staleMs) === undefined) return 'held'
  const aside = `${path}.${randomBytes(6).toString('hex')}.broken`
  try {
    renameSync(path, aside)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'stuck'
  }
  const moved = readOwner(aside)
  if (moved?.token !== owner?.token) {
    try {
      linkSync(aside, path)
    } catch {
      // Someone took the lock since: the owner we moved computes along, and its release leaves the new lock alone.
    }
  }
  try {
    unlinkSync(aside)
  } catch {
    // Gone already.
  }
  return 'gone'
}

/**
 * The outcome of waiting for a key: another process's entry, or the right (or duty) to compute it. `gaveUp`: the
 * wait exceeded `maxWaitMs` while `owner` held the lock.
 */
export type LockOutcome<T> = { hit: T } | { lock: HeldLock | undefined; gaveUp: boolean; owner?: LockOwner }

export interface LockIo<T> {
  /** Reads the entry; `undefined` while it is missing. */
  check(): T | undefined
  /** Makes the entry's directory. */
  prepare(): void
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/**
 * Waits, blocking the thread, until the entry exists or this process holds the lock. With the lock held, the
 * entry is checked once more (its owner may have finished between the caller's miss and this acquisition).
 */
export function acquireSync<T>(path: string, io: LockIo<T>, timings: LockTimings): LockOutcome<T> {
  const deadline = Date.now() + timings.maxWaitMs
  let delay = timings.minPollMs
  for (;;) {
    const step = attempt(path, io, timings, deadline)
    if (step !== 'wait') return step
    Atomics.wait(sleeper, 0, 0, delay)
    delay = Math.min(delay * 1.5, timings.maxPollMs)
  }
}

export interface AsyncLockIo<T> {
  check(): T | undefined | Promise<T | undefined>
  prepare(): void
}

/** `acquireSync` for async functions: waits without blocking the event loop. */
export async function acquireAsync<T>(path: string, io: AsyncLockIo<T>, timings: LockTimings): Promise<LockOutcome<T>> {
  const deadline = Date.now() + timings.maxWaitMs
  let delay = timings.minPollMs
  // The caller has just missed: the first poll goes straight for the lock.
  for (let first = true; ; first = false) {
    const found = first ? undefined : await io.check()
    if (found !== undefined) return { hit: found }
    const step = attempt<T>(path, { check: () => undefined, prepare: io.prepare }, timings, deadline)
    if (step !== 'wait') {
      if ('lock' in step && step.lock) {
        const late = await io.check()
        if (late !== undefined) {
          step.lock.release()
          return { hit: late }
        }
      }
      return step
    }
    await new Promise((resolve) => setTimeout(resolve, delay))
    delay = Math.min(delay * 1.5, timings.maxPollMs)
  }
}

/** Abandoned locks broken in one poll before it waits: others may be breaking and retaking them too. */
const BREAKS_PER_POLL = 3

/** One poll: take the lock, find the entry, break an abandoned lock, give up at the deadline, or wait. */
function attempt<T>(path: string, io: LockIo<T>, timings: LockTimings, deadline: number): LockOutcome<T> | 'wait' {
  for (let breaks = 0; ; breaks++) {
    const taken = tryAcquire(path, io.prepare)
    if (taken === 'unavailable') return { lock: undefined, gaveUp: false }
    if (taken !== 'busy') {
      const found = io.check()
      if (found === undefined) return { lock: taken, gaveUp: false }
      taken.release()
      return { hit: found }
    }
    const found = io.check()
    if (found !== undefined) return { hit: found }
    const broken = breakIfStale(path, timings.staleMs)
    // An abandoned lock that cannot be removed locks nothing: compute without it, as in a read-only directory.
    if (broken === 'stuck') return { lock: undefined, gaveUp: false }
    if (broken === 'held' || breaks >= BREAKS_PER_POLL) break
  }
  if (Date.now() >= deadline) {
    const owner = readOwner(path)
    return owner ? { lock: undefined, gaveUp: true, owner } : { lock: undefined, gaveUp: true }
  }
  return 'wait'
}

/** What a call under `lock: true` got: another process's entry (`hit`), or the duty to compute and then `release`. */
export interface EntryLock {
  hit?: StoredEntry
  release(): void
}

let timingsOfProcess: LockTimings | undefined

/** The lock file of a call's entry, when `lock: true` applies: a disk tier, and a mode that reads and writes. */
function lockTarget(meta: FunctionMeta, resolved: Resolved, key: EntryKey): { path: string; prepare: () => void } | undefined {
  if (!resolved.options.lock || resolved.mode !== 'on') return undefined
  const store = resolved.store
  const disk = store instanceof DiskStore ? store : store instanceof HybridStore ? store.disk : undefined
  if (!disk) {
    warnOnce(`option lock of ${where(meta)} has no effect with store: 'memory': there is no entry file for other processes to wait for.`)
    return undefined
  }
  // A root that is not persist's (or a directory that failed for good) takes no lock file either.
  if (!disk.mayWrite()) return undefined
  return { path: lockPathOf(disk.pathOf(key)), prepare: () => disk.prepareDirOf(key) }
}

function warnGaveUp(meta: FunctionMeta, path: string, timings: LockTimings, owner: LockOwner | undefined): void {
  const holder = owner ? ` (held by pid ${owner.pid} on ${owner.host} since ${new Date(owner.startedAt).toISOString()})` : ''
  warnOnce(
    `${where(meta)} waited ${timings.maxWaitMs} ms for the lock ${path}${holder} and computes without it. ` +
      'If no process is computing that entry any more, delete the lock file; PERSIST_LOCK_WAIT_MS sets the wait.',
    `lock-gave-up:${path}`,
  )
}

function settle(meta: FunctionMeta, path: string, timings: LockTimings, outcome: LockOutcome<StoredEntry>): EntryLock {
  if ('hit' in outcome) return { hit: outcome.hit, release: () => {} }
  if (outcome.gaveUp) warnGaveUp(meta, path, timings, outcome.owner)
  const held = outcome.lock
  return { release: () => held?.release() }
}

/**
 * Waits (blocking) for another process computing this call's entry, or takes its lock; `undefined` when the call
 * does not lock. `usable` decides whether an entry found meanwhile serves this call (fresh, out-files restored).
 */
export function lockEntrySync(meta: FunctionMeta, resolved: Resolved, key: EntryKey, usable: (entry: StoredEntry) => boolean): EntryLock | undefined {
  const target = lockTarget(meta, resolved, key)
  if (!target) return undefined
  const timings = (timingsOfProcess ??= lockTimingsFromEnv())
  const check = () => {
    const found = resolved.store.get(key)
    return found !== undefined && !(found instanceof Promise) && usable(found) ? found : undefined
  }
  return settle(meta, target.path, timings, acquireSync(target.path, { check, prepare: target.prepare }, timings))
}

/** `lockEntrySync` for async functions: waits without blocking, and keeps the lock file touched while computing. */
export async function lockEntryAsync(
  meta: FunctionMeta,
  resolved: Resolved,
  key: EntryKey,
  usable: (entry: StoredEntry) => boolean,
): Promise<EntryLock | undefined> {
  const target = lockTarget(meta, resolved, key)
  if (!target) return undefined
  const timings = (timingsOfProcess ??= lockTimingsFromEnv())
  const check = async () => {
    const found = await resolved.store.get(key)
    return found !== undefined && usable(found) ? found : undefined
  }
  const outcome = await acquireAsync(target.path, { check, prepare: target.prepare }, timings)
  if ('lock' in outcome) outcome.lock?.keepAlive(Math.max(1_000, Math.floor(timings.staleMs / 3)))
  return settle(meta, target.path, timings, outcome)
}
