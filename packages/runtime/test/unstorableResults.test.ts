import { describe, expect, it } from 'vitest'
import { persistedFn, useSandbox } from './helpers'

/**
 * A result that is not data (a function, a symbol, a promise, a weak collection) cannot be stored by any codec, and
 * registerType cannot teach persist one: the warning must give a fix that applies to the result itself.
 */
describe.each(['v8', 'json'] as const)('the warning for a result that is not data (format %s)', (format) => {
  const sandbox = useSandbox()

  /** The one warning a persisted function returning `make()` gives; the value is still returned, twice computed. */
  function warningFor(make: () => unknown, id: string): string {
    const f = persistedFn((_: number) => make(), { id, options: () => ({ format }) })
    expect(f(1)).toBeDefined()
    expect(f(1)).toBeDefined()
    expect(f.calls.count).toBe(2)
    expect(sandbox.warnings).toHaveLength(1)
    const warning = sandbox.warnings[0]!
    // Neither fix applies to these values: no serialize can rebuild them, and v8 cannot store them either.
    expect(warning).not.toContain('registerType')
    expect(warning).not.toContain("drop format: 'json'")
    return warning
  }

  it('names a returned function and says to return plain data instead', () => {
    const warning = warningFor(() => () => 42, 'src/make.ts#makeHandler')
    expect(warning).toMatch(/^the result of .*src\/make\.ts#makeHandler.* cannot be stored faithfully: result is a function, which no cache can store\. It is returned but not cached\./)
    expect(warning).toContain('Fix: return plain data in its place (leave the function out of the result, or return what it computes), or give the function serialize/deserialize options.')
  })

  it('names the path of a function nested in an object', () => {
    const warning = warningFor(() => ({ rows: [1, 2], handlers: { onDone: () => 'done' } }), 'src/job.ts#job')
    expect(warning).toMatch(/src\/job\.ts#job.*: result\.handlers\.onDone is a function, which no cache can store\..*Fix: return plain data in its place \(leave the function out of the result/)
  })

  it('names a symbol and says to return plain data instead', () => {
    const warning = warningFor(() => ({ kind: Symbol('row') }), 'src/kind.ts#kind')
    expect(warning).toMatch(/result\.kind is a symbol, which no cache can store\..*Fix: return plain data in its place \(a string instead of the symbol/)
  })

  it('names a nested promise and says to await it', () => {
    const warning = warningFor(() => ({ pending: Promise.resolve(1) }), 'src/pending.ts#pending')
    expect(warning).toMatch(/result\.pending is a promise, which no cache can store\..*Fix: await it inside the function and return the value it resolves to/)
  })

  it('names a WeakMap and a WeakSet and says what to return instead', () => {
    expect(warningFor(() => ({ seen: new WeakMap() }), 'src/weak.ts#map')).toMatch(/result\.seen is a WeakMap, which no cache can store\..*Fix: return plain data in its place \(a Map instead/)
    sandbox.warnings.length = 0
    expect(warningFor(() => ({ seen: new WeakSet() }), 'src/weak.ts#set')).toMatch(/result\.seen is a WeakSet, which no cache can store\..*Fix: return plain data in its place \(a Set instead/)
  })
})
