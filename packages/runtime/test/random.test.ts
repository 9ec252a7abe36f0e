import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { configure, persisted, random } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

const draw = (count: number) => Array.from({ length: count }, () => random())

describe('random()', () => {
  useSandbox()

  it('draws the same numbers for the same call, so a cached result equals a recomputed one', async () => {
    const sample = persistedFn((_n: number) => draw(4), { id: 'src/r.ts#sample', params: ['n'] })
    const first = sample(1)
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(new Set(first).size).toBe(4)
    expect(await persisted(sample).uncached(1)).toEqual(first)
    configure({ mode: 'refresh' })
    expect(sample(1)).toEqual(first)
    configure({ mode: 'off' })
    expect(sample(1)).toEqual(first)
    expect(sample.calls.count).toBe(4)
  })

  it('draws different numbers for different arguments and different functions', () => {
    const a = persistedFn((_n: number) => draw(3), { id: 'src/r.ts#a', params: ['n'] })
    const b = persistedFn((_n: number) => draw(3), { id: 'src/r.ts#b', params: ['n'] })
    expect(a(1)).not.toEqual(a(2))
    expect(a(1)).not.toEqual(b(1))
  })

  it('follows each async call across awaits, while calls interleave', async () => {
    const walk = persistedFn(
      async (_n: number, pause: number) => {
        const steps = [random()]
        await sleep(pause)
        steps.push(random())
        await Promise.resolve()
        steps.push(random.int(1000))
        return steps
      },
      { id: 'src/r.ts#walk', params: ['n', 'pause'], options: () => ({ key: { pause: null } }) },
    )
    const [slow, fast] = await Promise.all([walk(1, 20), walk(2, 1)])
    expect(await persisted(walk).uncached(1, 0)).toEqual(slow)
    expect(await persisted(walk).uncached(2, 0)).toEqual(fast)
    expect(slow).not.toEqual(fast)
  })

  it('gives a nested persisted call its own stream and resumes the outer one after it', () => {
    const inner = persistedFn((_n: number) => random(), { id: 'src/r.ts#inner', params: ['n'] })
    const outer = persistedFn(
      (n: number) => {
        const before = random()
        const nested = inner(n)
        return [before, nested, random()]
      },
      { id: 'src/r.ts#outer', params: ['n'] },
    )
    const computed = outer(1)
    expect(computed[1]).toBe(inner(1))
    // Recomputing the outer call while the inner one is a hit (and draws nothing) gives the same outer numbers.
    expect(persisted(outer).uncached(1)).toEqual(computed)
    expect(inner.calls.count).toBe(1)
  })

  it('throws outside a persisted function, and after the call that owned it returned', async () => {
    expect(() => random()).toThrow(/random\(\) was called outside a persisted function.*Math\.random\(\)/)
    let later: (() => number) | undefined
    const leak = persistedFn((_n: number) => {
      later = () => random()
      return 1
    })
    leak(1)
    expect(() => later!()).toThrow(/outside a persisted function/)
  })

  it('throws in work an async call left running after it returned', async () => {
    let leaked: Promise<unknown> | undefined
    const leak = persistedFn(async (_n: number) => {
      leaked = sleep(5)
        .then(() => random())
        .catch((error: Error) => error.message)
      return 1
    })
    // Another call still computing keeps the async context alive while the leaked work draws.
    const busy = persistedFn(async (_n: number) => sleep(30))
    await Promise.all([leak(1), busy(1)])
    expect(await leaked).toMatch(/after the persisted call it belongs to had returned/)
  })

  it('random.int(n) returns integers in [0, n) and rejects a bad n', () => {
    const ints = persistedFn((_n: number) => Array.from({ length: 200 }, () => random.int(6)))
    const values = ints(1)
    expect(values.every((x) => Number.isInteger(x) && x >= 0 && x < 6)).toBe(true)
    expect(new Set(values).size).toBe(6)
    const bad = persistedFn((_n: number) => random.int(0))
    expect(() => bad(1)).toThrow(/random\.int\(n\) needs a positive safe integer n, got 0/)
  })
})

describe('the seed option', () => {
  useSandbox()

  const train = (options: Record<string, unknown>) =>
    persistedFn((_data: string, _seed: number) => draw(3), { id: 'src/train.ts#train', params: ['data', 'seed'], options: () => options })

  it('seeds the stream from that parameter alone: same seed, same numbers; another seed, others', () => {
    const f = train({ seed: 'seed' })
    expect(f('a.csv', 42)).toEqual(f('b.csv', 42))
    expect(f('a.csv', 42)).not.toEqual(f('a.csv', 43))
    expect(f.calls.count).toBe(3)
  })

  it('keeps the seed parameter in the key even when a key function leaves it out', () => {
    const f = train({ seed: 'seed', key: (args: Record<string, unknown>) => args.data })
    const first = f('a.csv', 1)
    expect(f('a.csv', 2)).not.toEqual(first)
    expect(f('a.csv', 1)).toEqual(first)
    expect(f.calls.count).toBe(2)
  })

  it('must name a parameter the key keeps', () => {
    expect(() => train({ seed: 'sed' })('a', 1)).toThrow(/option seed of src\/train\.ts#train must name a parameter \(parameters: data, seed\), got "sed"/)
    expect(() => train({ seed: 'seed', key: { seed: null } })('a', 1)).toThrow(/names "seed", which the key option leaves out/)
  })
})
