/**
 * How the handle reaches inside a persisted function. The rewritten body is only reachable through the
 * `compute` thunk the wrapper passes to `call()`, and the parameter defaults are only applied by the wrapper
 * itself. So the handle calls the real function with a one-shot instruction addressed to its registration:
 *
 * - `uncached`: `call()` runs `compute()` without touching the cache;
 * - `capture`: `call()` records `this` and the defaulted values instead of computing, which lets `has`, `get`,
 *   `set` and `delete` build exactly the key the real call would build.
 *
 * The instruction is set just before the call and cleared right after it returns. The wrapper's `call()` runs
 * synchronously when the function is invoked (an async function runs synchronously up to its first `await`, and
 * `call()` is its first statement), so no other call can observe it; it names the registration, so a
 * persisted function called from a parameter default does not take it; and `call()` clears it before running
 * anything, so the body's own persisted calls (recursion included) are cached as usual.
 */
import type { Registration } from './register'

export interface Captured {
  self: unknown
  values: unknown[]
}

export const instruction: { target: Registration | undefined; op: 'uncached' | 'capture'; captured: Captured | undefined } = {
  target: undefined,
  op: 'uncached',
  captured: undefined,
}

/** Calls `fn` so that its registration runs the body without the cache. */
export function callUncached(registration: Registration, fn: Function, self: unknown, args: unknown[]): unknown {
  instruction.target = registration
  instruction.op = 'uncached'
  try {
    return fn.apply(self, args)
  } finally {
    instruction.target = undefined
  }
}

/** Calls `fn` so that its registration reports `this` and the defaulted values instead of computing. */
export function captureCall(registration: Registration, fn: Function, self: unknown, args: unknown[], what: string): Captured {
  instruction.target = registration
  instruction.op = 'capture'
  instruction.captured = undefined
  let result: unknown
  try {
    result = fn.apply(self, args)
  } finally {
    instruction.target = undefined
  }
  // An async wrapper returns a promise of the (undefined) probe answer: nothing to wait for.
  if (result instanceof Promise) result.catch(() => {})
  const captured = instruction.captured
  instruction.captured = undefined
  if (!captured) {
    throw new Error(`persist: ${what} could not reach the persisted body of the function: was it rewritten by the persist plugin?`)
  }
  return captured
}
