/**
 * `random()`: numbers for a persisted function's body that are the same every time the same call computes, so a
 * cached stochastic result equals a recomputed one. Each call of a persisted function gets its own stream.
 */
import { currentCall } from './callContext'

/** Deterministic random numbers for the body of a persisted function. */
export interface PersistRandom {
  /** The next number in [0, 1) of the current persisted call's stream (53 random bits, like `Math.random`). */
  (): number
  /** The next integer in [0, n) of the stream; `n` is a positive safe integer. */
  int(n: number): number
}

function draw(what: string): number {
  const call = currentCall()
  if (call === undefined || call.done) {
    throw new Error(
      `persist: ${what} was called ${call ? 'after the persisted call it belongs to had returned' : 'outside a persisted function'}. ` +
        'It gives each call of a function marked /* @persist */ its own reproducible numbers, so it only works while ' +
        'such a function computes (across its awaits too). Fix: call it inside the persisted function, or use Math.random() elsewhere.',
    )
  }
  return call.next()
}

/**
 * `random()` returns the next number in [0, 1) of the current call's stream; `random.int(n)` an integer in [0, n).
 * The stream is seeded from the call's key (or from the parameter named by the `seed` option), so the same call
 * draws the same numbers in every process. Outside a persisted function it throws.
 */
export const random: PersistRandom = Object.assign(() => draw('random()'), {
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new RangeError(`persist: random.int(n) needs a positive safe integer n, got ${String(n)}.`)
    }
    return Math.floor(draw('random.int()') * n)
  },
})
