import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { isIncluded, resolveOptions } from '../../src/options'

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('resolveOptions', () => {
  it('works with no options: root from the bundler, else the working directory', () => {
    vi.stubEnv('PERSIST_DIR', '')
    expect(resolveOptions(undefined, '/project').root).toBe(path.resolve('/project'))
    expect(resolveOptions({}).root).toBe(process.cwd())
    expect(resolveOptions({ root: '/mine' }, '/project').root).toBe(path.resolve('/mine'))
    expect(resolveOptions({}, '/project')).toMatchObject({
      defaults: {},
      strict: false,
      runtimeImport: '@persist/runtime',
      manifest: path.resolve('/project/node_modules/.cache/persist/manifest.json'),
      analysisCache: path.resolve('/project/node_modules/.cache/persist/analysis'),
    })
  })

  it('keeps the manifest in PERSIST_DIR when set, resolves a relative one against root, and can turn it off', () => {
    vi.stubEnv('PERSIST_DIR', '/cache/dir')
    expect(resolveOptions({}, '/project').manifest).toBe(path.resolve('/cache/dir/manifest.json'))
    expect(resolveOptions({ manifest: 'out/m.json' }, '/project').manifest).toBe(path.resolve('/project/out/m.json'))
    expect(resolveOptions({ manifest: false, analysisCache: false }, '/project')).toMatchObject({ manifest: false, analysisCache: false })
  })
})

describe('defaults', () => {
  it('accepts JSON runtime options and rejects anything else with the option named', () => {
    expect(resolveOptions({ defaults: { ttl: '1d', store: 'disk' } }).defaults).toEqual({ ttl: '1d', store: 'disk' })
    expect(() => resolveOptions({ defaults: { tll: '1d' } as never })).toThrow(/unknown option "tll".*Did you mean "ttl"/)
    expect(() => resolveOptions({ defaults: { store: 'redis' } as never })).toThrow(/option "store" of the plugin option `defaults` must be 'memory', 'disk' or 'hybrid'/)
    expect(() => resolveOptions({ defaults: { scope: () => 'x' } as never })).toThrow(/`defaults.scope` must be JSON/)
  })

  it('rejects an option of the wrong type naming the option, what it accepts and what it got', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ include: 5 }, 'persist: plugin option `include` must be a glob string, a RegExp or an array of them (got 5)'],
      [{ exclude: [/x/, 1] }, 'persist: plugin option `exclude` must be a glob string, a RegExp or an array of them (got an array)'],
      [{ manifest: true }, 'persist: plugin option `manifest` must be a path or false (got true)'],
      [{ analysisCache: true }, 'persist: plugin option `analysisCache` must be a path or false (got true)'],
      [{ root: 1 }, 'persist: plugin option `root` must be a directory path (got 1)'],
      [{ tsconfig: true }, 'persist: plugin option `tsconfig` must be a path or false (got true)'],
      [{ strict: 'yes' }, 'persist: plugin option `strict` must be true or false (got "yes")'],
      [{ defaults: [] }, 'persist: plugin option `defaults` must be an object of per-function options (got an array)'],
    ]
    for (const [options, message] of cases) expect(() => resolveOptions(options as never, '/project')).toThrow(message)
  })

  it('rejects an unknown option with a suggestion when one is close', () => {
    expect(() => resolveOptions({ tsConfig: 'tsconfig.json' } as never)).toThrow('persist: unknown plugin option `tsConfig`; did you mean `tsconfig`?')
    expect(() => resolveOptions({ cacheDir: '.cache' } as never)).toThrow(/^persist: unknown plugin option `cacheDir` \(known options: include, exclude, root, /)
    // `undefined` means the default, as for any option.
    expect(resolveOptions({ manifest: undefined, strict: undefined }, '/project').strict).toBe(false)
  })
})

describe('isIncluded', () => {
  const defaults = resolveOptions({}, '/project')

  it.each([
    ['/project/src/a.ts', true],
    ['/project/src/a.mts', true],
    ['/project/src/a.cjs', true],
    ['/project/src/a.tsx?v=123', true],
    ['/project/src/a.vue', false],
    ['/project/src/types.d.ts', false],
    ['/project/node_modules/lib/index.js', false],
    ['\0virtual:persist', false],
  ])('%s → %s by default', (id, expected) => {
    expect(isIncluded(id, defaults)).toBe(expected)
  })

  it('takes globs relative to root and RegExps', () => {
    const options = resolveOptions({ include: ['src/**/*.ts', /\.vue$/], exclude: 'src/legacy/*' }, '/project')
    expect(isIncluded('/project/src/deep/a.ts', options)).toBe(true)
    expect(isIncluded('/project/src/a.ts', options)).toBe(true)
    expect(isIncluded('/project/App.vue', options)).toBe(true)
    expect(isIncluded('/project/lib/a.ts', options)).toBe(false)
    expect(isIncluded('/project/src/legacy/a.ts', options)).toBe(false)
  })
})
