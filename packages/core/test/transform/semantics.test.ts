import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { resolveOptions } from '../../src/options'
import { transform } from '../../src/transform'

/** A runtime that records what the rewritten code hands it and always computes. */
const fakeRuntime = `
export const calls = []
export function register(meta) {
  return { call(self, values, compute) { calls.push({ id: meta.id, kind: meta.kind, params: meta.params, self, values }); return compute() } }
}
export function link(fn, getter) { fn.registration = getter; return fn }
`

const source = `
/* @persist */
export function withDefaults(x, y = 2, z = 3) { return [x, y, z, arguments.length] }

/* @persist */
export function Maker(a) { return { called: new.target === Maker, a } }

class Base { greet() { return 'base' } }
export class Svc extends Base {
  constructor() { super(); this.k = 1 }
  /* @persist */
  method(x) { return [this.k, super.greet(), x] }
  /* @persist */
  static named() { return this.name }
}

/* @persist */
export const arrow = async (a, { b } = { b: 5 }) => a + b
`

type Call = { id: string; kind: string; params: string[]; self: unknown; values: unknown[] }
let mod: Record<string, any>
let calls: Call[]

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-semantics-'))
  const runtime = path.join(dir, 'runtime.mjs')
  fs.writeFileSync(runtime, fakeRuntime)
  const file = path.join(dir, 'module.mjs')
  const options = resolveOptions({ root: dir, runtimeImport: pathToFileURL(runtime).href, manifest: false })
  // Ids and hashes are not under test here; the transform finds each function by name.
  const analyzer = {
    analyzeFile: () => ({
      functions: ['withDefaults', 'Maker', 'Svc.method', 'Svc.named', 'arrow'].map((name) => ({ name, id: `module.mjs#${name}`, hash: 'h', start: -1, deps: [] })),
      watchFiles: [],
      diagnostics: [],
    }),
  }
  fs.writeFileSync(file, transform(source, file, { options, analyzer })!.code)
  mod = await import(pathToFileURL(file).href)
  calls = (await import(pathToFileURL(runtime).href)).calls
})

describe('the rewritten body keeps its meaning', () => {
  it('applies defaults before the key and passes extra arguments when the body reads `arguments`', () => {
    calls.length = 0
    expect(mod.withDefaults(1)).toEqual([1, 2, 3, 1])
    expect(mod.withDefaults(1, 2, 3, 4)).toEqual([1, 2, 3, 4])
    expect(calls.map((c) => c.values)).toEqual([[1, 2, 3, []], [1, 2, 3, [4]]])
    expect(calls[0]!.params).toEqual(['x', 'y', 'z', '...arguments'])
  })

  it('keeps `new.target`', () => {
    expect(new mod.Maker(1)).toEqual({ called: true, a: 1 })
    expect(mod.Maker(2)).toEqual({ called: false, a: 2 })
  })

  it('keeps `this` and `super` in methods, and hands the instance to the runtime', () => {
    calls.length = 0
    const svc = new mod.Svc()
    expect(svc.method(7)).toEqual([1, 'base', 7])
    expect(mod.Svc.named()).toBe('Svc')
    expect(calls[0]).toMatchObject({ id: 'module.mjs#Svc.method', kind: 'method', values: [7] })
    expect(calls[0]!.self).toBe(svc)
    expect(calls[1]).toMatchObject({ kind: 'static-method', self: mod.Svc })
  })

  it('binds destructured parameters with their defaults, and keeps async arrows async', async () => {
    calls.length = 0
    const result = mod.arrow(1)
    expect(result).toBeInstanceOf(Promise)
    expect(await result).toBe(6)
    expect(calls[0]).toMatchObject({ params: ['a', 'b'], values: [1, 5] })
  })

  it('links every function, method and arrow to its registration', () => {
    for (const fn of [mod.withDefaults, mod.Maker, mod.Svc.prototype.method, mod.Svc.named, mod.arrow]) {
      expect(typeof fn.registration).toBe('function')
    }
  })
})
