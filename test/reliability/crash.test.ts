import { spawn } from 'node:child_process'
import { rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkEntries, entryFilesUnder, filesUnder, runWorker, until, useWorkspace, worker } from './helpers'

const ENTRIES = 150
const KILLS = 30

/**
 * Starts a writer and SIGKILLs it a random delay after its first body started (so a slow process start on a loaded
 * machine cannot use up the delay); true when the kill landed before the writer finished.
 */
async function writeAndKill(args: string[], env: NodeJS.ProcessEnv, afterMs: number): Promise<boolean> {
  const started = join(env.PERSIST_DIR!, '..', `started-${Math.random().toString(36).slice(2)}`)
  writeFileSync(started, '')
  const child = spawn(process.execPath, [worker, ...args], { env: { ...env, STARTED_FILE: started }, stdio: 'ignore' })
  let done = false
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => {
      done = true
      resolve(signal)
    }),
  )
  await until(() => done || statSync(started).size > 0, 'the writer started a body or exited')
  await new Promise((resolve) => setTimeout(resolve, afterMs))
  child.kill('SIGKILL')
  rmSync(started, { force: true })
  return (await exited) === 'SIGKILL'
}

describe('a writer killed with SIGKILL at random moments', () => {
  const workspace = useWorkspace()

  it(`${KILLS} kills, mixing first writes and overwrites, sync and async: every entry reads back correct or is a miss`, async () => {
    let runs = 0
    let kills = 0
    while (kills < KILLS && runs < KILLS * 6) {
      runs++
      // Two runs in three overwrite what is there (refresh), so kills also land while an existing entry is being
      // replaced, and a writer always has work left when the kill comes: once the cache is full, an 'on' run only
      // reads, and may finish before its kill.
      const env = { ...workspace.env(), PERSIST_MODE: runs % 3 === 1 ? 'on' : 'refresh' }
      const flavour = runs % 2 === 0 ? 'async' : 'sync'
      if (await writeAndKill(['write', '0', String(ENTRIES), flavour], env, Math.random() * 200)) kills++
    }
    expect(kills).toBe(KILLS)

    const checked = [checkEntries(ENTRIES, workspace.env(), 'sync'), checkEntries(ENTRIES, workspace.env(), 'async')]
    for (const result of checked) {
      expect(result.bad).toBe(0)
      expect(result.ok + result.missing).toBe(ENTRIES)
      // Listing reads every file in the function's directory: leftovers of killed writes are never taken for entries.
      expect(result.listed).toBe(result.ok)
      expect(result.listedBad).toBe(0)
      expect(result.stderr).toBe('')
    }
    expect(checked[0]!.ok + checked[1]!.ok).toBeGreaterThan(0)

    const leftovers = filesUnder(workspace.cache()).filter((path) => basename(path).startsWith('.'))
    // Temporary files (of entries, and of the runtime's own bookkeeping) are dot-names ending in .tmp.
    for (const path of leftovers) expect(basename(path)).toMatch(/^\..*\.tmp$/)

    // The next complete runs fill every gap and are not disturbed by the leftovers.
    for (const flavour of ['sync', 'async'] as const) {
      expect(runWorker(['write', '0', String(ENTRIES), flavour], workspace.env()).status).toBe(0)
      expect(checkEntries(ENTRIES, workspace.env(), flavour)).toMatchObject({ ok: ENTRIES, missing: 0, bad: 0, listed: ENTRIES })
    }
    expect(entryFilesUnder(workspace.cache())).toHaveLength(2 * ENTRIES)
    console.log(`crash: ${runs} runs, ${kills} SIGKILLs, ${2 * ENTRIES} entries checked twice, ${leftovers.length} temporary files left by kills, 0 wrong`)
  }, 60_000)
})
