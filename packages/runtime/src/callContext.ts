/**
 * Which persisted call is computing right now, for `random()`. A sync body runs entirely between two statements,
 * so a module-level variable saved and restored around it is enough (~1 ns). An async body continues after
 * `await`, where only AsyncLocalStorage can tell which call it belongs to.
 *
 * AsyncLocalStorage is enabled only while an async persisted call is computing and disabled again when none is:
 * on Node 20 an enabled AsyncLocalStorage installs promise hooks that make every `await` in the process about
 * 2.5–4× slower (measured: ~50 ns → ~150–180 ns an await), while `als.run` itself costs ~10 ns and an
 * enable/disable pair ~1.3 µs. Cache hits never get here: only computations pay.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { createRandomStream, type RandomStream } from './randomStream'

/** One computing call: its random stream, made from its seed on the first draw, and which entry it computes. */
export class CallContext {
  #stream: RandomStream | undefined
  /** Set when the call's body has returned (or its promise settled): later draws are an error. */
  done = false

  constructor(
    private readonly seed: () => Uint8Array,
    /** The registration computing, and the entry it computes (`undefined` for an uncached run). */
    readonly owner: object | undefined,
    readonly entry: string | undefined,
    /** The call whose body made this call: the chain `isComputing` walks. */
    readonly parent: CallContext | undefined,
  ) {}

  next(): number {
    return (this.#stream ??= createRandomStream(this.seed()))()
  }
}

let current: CallContext | undefined
let storage: AsyncLocalStorage<CallContext> | undefined
let asyncComputations = 0

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function'
}

/** The call whose body is running (sync, or async across its awaits); undefined outside persisted bodies. */
export function currentCall(): CallContext | undefined {
  return current ?? storage?.getStore()
}

/**
 * Whether this code runs, directly or through other calls, inside the body that `owner` is computing for `entry`.
 * Such a call must not wait for that computation (single flight, an entry lock): it would wait on itself forever.
 */
export function isComputing(owner: object, entry: string): boolean {
  for (let call = currentCall(); call !== undefined; call = call.parent) {
    if (call.owner === owner && call.entry === entry && !call.done) return true
  }
  return false
}

/**
 * Runs `compute` as the body of a call whose random stream is seeded by `seed()` (only called on first draw);
 * `owner` and `entry` name what it computes, for `isComputing`.
 */
export function runInCall(async: boolean, seed: () => Uint8Array, compute: () => unknown, owner?: object, entry?: string): unknown {
  const context = new CallContext(seed, owner, entry, currentCall())
  const previous = current
  current = context
  if (!async) {
    try {
      return compute()
    } finally {
      current = previous
      context.done = true
    }
  }
  storage ??= new AsyncLocalStorage<CallContext>()
  asyncComputations++
  const settle = () => {
    context.done = true
    if (--asyncComputations === 0) storage!.disable()
  }
  let result: unknown
  try {
    result = storage.run(context, compute)
  } catch (error) {
    settle()
    throw error
  } finally {
    current = previous
  }
  if (!isPromise(result)) {
    settle()
    return result
  }
  return Promise.resolve(result).finally(settle)
}
