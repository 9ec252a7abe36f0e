import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { link, register, type FunctionMeta, type Registration } from '../src/index'
import { resetConfiguration, configure } from '../src/config'
import { setWarningSink } from '../src/warn'

/** A fresh cache directory and a warning collector per test. */
export function useSandbox(): { dir: () => string; warnings: string[] } {
  const warnings: string[] = []
  let dir = ''
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'persist-runtime-'))
    warnings.length = 0
    setWarningSink((message) => warnings.push(message))
    delete process.env.PERSIST_DIR
    delete process.env.PERSIST_MODE
    resetConfiguration()
    configure({ dir: join(dir, 'cache') })
  })
  afterEach(() => {
    setWarningSink(undefined)
    resetConfiguration()
    rmSync(dir, { recursive: true, force: true })
  })
  return { dir: () => dir, warnings }
}

let counter = 0

/**
 * A function shaped like the plugin's output: `body` receives the values (no defaults; tests that need
 * parameter defaults write the wrapper by hand). `calls.count` counts body runs.
 */
export function persistedFn<A extends unknown[], R>(
  body: (...args: A) => R,
  meta: Partial<FunctionMeta> = {},
): ((...args: A) => R) & { calls: { count: number } } {
  const params = meta.params ?? Array.from({ length: body.length }, (_, i) => `p${i}`)
  let registration: Registration | undefined
  const full: FunctionMeta = {
    id: meta.id ?? `test/fn.ts#f${counter++}`,
    hash: meta.hash ?? 'h1',
    params,
    async: meta.async ?? body.constructor.name === 'AsyncFunction',
    kind: meta.kind ?? 'function',
    ...(meta.options ? { options: meta.options } : {}),
  }
  const getRegistration = () => (registration ??= register(full))
  const calls = { count: 0 }
  const fn = function (this: unknown, ...args: A) {
    const values = params.map((_, i) => args[i])
    return getRegistration().call(this, values, () => {
      calls.count++
      return body.apply(this, values as A)
    })
  } as ((...args: A) => R) & { calls: { count: number } }
  fn.calls = calls
  return link(fn, getRegistration)
}

/** Every file under a cache directory but its CACHEDIR.TAG: entries, and whatever else a test planted. */
export function entryFiles(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name !== 'CACHEDIR.TAG') out.push(path)
    }
  }
  if (existsSync(root)) walk(root)
  return out
}
