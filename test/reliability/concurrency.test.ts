import { basename } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkEntries, filesUnder, runWorkerAsync, useWorkspace } from './helpers'

const PROCESSES = 16

describe('16 processes sharing a cache directory without a lock', () => {
  const workspace = useWorkspace()

  it('writers racing on the same keys all get correct values and leave only whole entries', async () => {
    // Process k computes keys k*4 … k*4+39: every key is written by up to ten processes at once.
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, k) =>
        runWorkerAsync(['write', String(k * 4), String(k * 4 + 40), k % 2 ? 'async' : 'sync'], workspace.env()),
      ),
    )
    // Each worker checks every value it got and exits with an error on a wrong one.
    for (const result of results) expect(result.stdout).toBe('40')
    const total = (PROCESSES - 1) * 4 + 40
    for (const flavour of ['sync', 'async'] as const) {
      const checked = checkEntries(total, workspace.env(), flavour)
      // Sync workers took the even k (keys 0…95), async ones the odd k (keys 4…99).
      expect(checked.ok).toBe(96)
      expect(checked.bad).toBe(0)
      expect(checked.listedBad).toBe(0)
      expect(checked.stderr).toBe('')
      expect(checked.listed).toBe(checked.ok)
    }
    // Nobody was killed: no temporary file is left behind.
    expect(filesUnder(workspace.cache()).filter((path) => basename(path).startsWith('.'))).toEqual([])
  }, 60_000)
})
