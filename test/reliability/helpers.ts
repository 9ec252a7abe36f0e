import { execFile, spawn, spawnSync } from 'node:child_process'
import { stripVTControlCharacters } from 'node:util'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, expect } from 'vitest'

export const worker = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url))
export const builtRuntime = fileURLToPath(new URL('../../packages/runtime/dist/index.js', import.meta.url))
const execFileAsync = promisify(execFile)

/** A fresh directory per test, with the environment a worker needs to use `<dir>/cache`. */
export function useWorkspace(): { dir: () => string; cache: () => string; env: () => NodeJS.ProcessEnv } {
  let dir = ''
  beforeEach(() => {
    expect(existsSync(builtRuntime), 'build @persist/runtime first (pnpm build)').toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'persist-reliability-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))
  return {
    dir: () => dir,
    cache: () => join(dir, 'cache'),
    env: () => ({ ...process.env, PERSIST_DIR: join(dir, 'cache'), PERSIST_MODE: '', LOG_FILE: '', LOCK: '', STORE: '', WORK_MS: '', STARTED_FILE: '' }),
  }
}

export interface WorkerResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the worker to completion. */
export function runWorker(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): WorkerResult {
  const result = spawnSync(process.execPath, [...nodeArgs, worker, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Runs the worker without blocking, so many can run at once. Rejects when it exits with an error. */
export async function runWorkerAsync(args: string[], env: NodeJS.ProcessEnv): Promise<WorkerResult> {
  const { stdout, stderr } = await execFileAsync(process.execPath, [worker, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { status: 0, stdout, stderr }
}

export interface CheckResult {
  ok: number
  missing: number
  bad: number
  listed: number
  listedBad: number
}

/** Reads entries 0..count-1 back in a new process; every value is either correct, missing or bad. */
export function checkEntries(count: number, env: NodeJS.ProcessEnv, flavour: 'sync' | 'async' = 'sync'): CheckResult & { stderr: string } {
  const result = runWorker(['check', String(count), flavour], env)
  expect(result.status, result.stderr).toBe(0)
  return { ...(JSON.parse(result.stdout) as CheckResult), stderr: result.stderr }
}

/** Every file under `dir`, as paths. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...filesUnder(path))
    else found.push(path)
  }
  return found
}

/** Entry files (not temporary, not locks, not the directory tag) under `dir`. */
export function entryFilesUnder(dir: string): string[] {
  return filesUnder(dir).filter((path) => /\/[0-9a-f]{64}$/.test(path))
}

/** Lines of a worker's stderr that are persist warnings. */
export function warningLines(stderr: string): string[] {
  // A warning starts with `persist ` (coloured when CI sets FORCE_COLOR); a path that merely contains the word does not.
  return stderr.split('\n').filter((line) => stripVTControlCharacters(line).startsWith('persist '))
}

export { spawn }

/** Polls `condition` every 10 ms; fails with `what` after 20 s, so a test never hangs silently. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 20_000) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
