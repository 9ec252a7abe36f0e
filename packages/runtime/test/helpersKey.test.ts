import { utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { dropIfEqual, fileContent, persisted } from '../src/index'
import { persistedFn, useSandbox } from './helpers'

describe('key helpers in real calls', () => {
  const sandbox = useSandbox()

  it('fileContent keys a path by the bytes of the file', () => {
    const file = join(sandbox.dir(), 'input.txt')
    writeFileSync(file, 'one')
    const read = persistedFn((path: string) => `read ${path}`, { options: () => ({ key: { p0: fileContent } }) })
    read(file)
    read(file)
    expect(read.calls.count).toBe(1)
    writeFileSync(file, 'two')
    utimesSync(file, new Date(), new Date(Date.now() + 5000))
    read(file)
    expect(read.calls.count).toBe(2)
    expect(fileContent(pathToFileURL(file))).toBe(fileContent(file))
    expect(fileContent(file)).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('dropIfEqual keeps old entries valid when a parameter is added at its old default', () => {
    const old = persistedFn((x: number) => x * 2, { id: 'src/k.ts#f', params: ['x'] })
    old(4)
    const added = persistedFn((x: number, factor: number) => x * factor, {
      id: 'src/k.ts#f',
      params: ['x', 'factor'],
      options: () => ({ key: { factor: dropIfEqual(2) } }),
    })
    expect(added(4, 2)).toBe(8)
    expect(added.calls.count).toBe(0)
    expect(added(4, 3)).toBe(12)
    expect(added.calls.count).toBe(1)
  })

  it('a key function of all arguments decides what is the same call', () => {
    const f = persistedFn((user: { id: number; name: string }, _verbose: boolean) => user.name, {
      params: ['user', 'verbose'],
      options: () => ({ key: (args: Record<string, unknown>) => (args.user as { id: number }).id }),
    })
    f({ id: 1, name: 'a' }, true)
    expect(f({ id: 1, name: 'renamed' }, false)).toBe('a')
    expect(f.calls.count).toBe(1)
  })

  it('keys a method by its instance, and the handle looks up with the instance as this', async () => {
    class Svc {
      constructor(readonly region: string) {}
      compute(x: number): string {
        return compute.call(this, x)
      }
    }
    const compute = persistedFn(function (this: Svc, x: number) {
      return `${this.region}:${x}`
    }, { id: 'src/svc.ts#Svc.compute', kind: 'method', params: ['x'] })
    const eu = new Svc('eu')
    expect(eu.compute(1)).toBe('eu:1')
    expect(new Svc('us').compute(1)).toBe('us:1')
    expect(new Svc('eu').compute(1)).toBe('eu:1')
    expect(compute.calls.count).toBe(2)
    expect(await persisted(compute).has.call(new Svc('eu'), 1)).toBe(true)
    expect(await persisted(compute).has.call(new Svc('fr'), 1)).toBe(false)
  })
})
