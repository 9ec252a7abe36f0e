/**
 * Differential round trip of results (issue 11, item 3): a value recalled from disk in a fresh process, and from the
 * memory tier, is exactly the value computed (type, prototype, own keys, content, shape of shared references) and
 * owns its memory, or it was refused with one warning naming the function and the path inside the value.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { setWarningSink } from '../src/warn'
import { registerType } from '../src/index'
import { persistedFn, useSandbox } from './helpers'
import { registerSampleTypes, sampleJson, sampleValues } from './fixtures/values.mjs'

registerSampleTypes(registerType)
const recallScript = fileURLToPath(new URL('./fixtures/recallValues.mjs', import.meta.url))
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url))

/** Values of every shape with awkward parts, then values each codec must store (none of them may be refused). */
const COUNT = 150
const PLAIN_COUNT = 40

interface Recalled {
  recomputed: boolean
  difference?: string
  memory?: string
}

describe.each(['v8', 'json'] as const)('results stored with format %s', (format) => {
  const sandbox = useSandbox()

  it('come back exactly as computed, in a fresh process and from memory, or are refused with a warning', () => {
    expect(existsSync(built), 'build @persist/runtime first (pnpm build)').toBe(true)
    // A new seed each run, named in every failure: PERSIST_TEST_SEED replays one.
    const seed = Number(process.env.PERSIST_TEST_SEED ?? Date.now() % 2 ** 31)
    const id = `test/valueRoundTrip.ts#${format}`
    const values = [...sampleValues(seed, COUNT), ...(format === 'json' ? sampleJson(seed, PLAIN_COUNT) : sampleValues(seed, PLAIN_COUNT, false))]
    const f = persistedFn((i: number) => values[i], { id, params: ['i'], options: () => ({ format }) })

    // First run: each value is returned as computed, and again from the memory tier; what the codec would change is refused.
    const refusals = values.map((value, i) => {
      const warnings: string[] = []
      setWarningSink((message) => warnings.push(message))
      expect(Object.is(f(i), value), `call ${i}`).toBe(true)
      expect(Object.is(f(i), value), `call ${i} again`).toBe(true)
      setWarningSink(undefined)
      expect(warnings.length, `warnings of call ${i}: ${warnings}`).toBeLessThanOrEqual(1)
      return warnings[0]
    })
    for (const warning of refusals.filter((message) => message !== undefined)) {
      expect(warning).toMatch(new RegExp(`^the result of .*${id}.* cannot be stored faithfully: result.* is `))
    }
    expect(refusals.slice(COUNT).filter(Boolean), 'plain values are stored').toEqual([])
    // The generator must reach both outcomes, or the test proves nothing.
    expect(refusals.slice(0, COUNT).filter(Boolean).length).toBeGreaterThan(0)
    expect(refusals.slice(0, COUNT).filter((message) => message === undefined).length).toBeGreaterThan(0)

    const child = spawnSync(process.execPath, [recallScript, JSON.stringify({ id, format, seed, count: COUNT, plainCount: PLAIN_COUNT })], {
      env: { ...process.env, PERSIST_DIR: join(sandbox.dir(), 'cache'), PERSIST_MODE: '' },
      encoding: 'utf8',
    })
    expect(child.stderr).toBe('')
    const { report, warnings } = JSON.parse(child.stdout) as { report: Recalled[]; warnings: string[] }
    expect(warnings.filter((line) => !line.includes('cannot be stored faithfully'))).toEqual([])
    const problems = report.flatMap((recalled, i) => {
      const stored = refusals[i] === undefined
      if (stored === recalled.recomputed) return [`value ${i} (seed ${seed}): ${stored ? 'stored but recomputed' : 'refused but recalled'}`]
      return [recalled.difference, recalled.memory].filter(Boolean).map((problem) => `value ${i} (seed ${seed}): ${problem}`)
    })
    expect(problems).toEqual([])
  })
})
