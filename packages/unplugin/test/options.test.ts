import { describe, expect, it } from 'vitest'
import esbuild from '../src/esbuild'
import rolldown from '../src/rolldown'
import rollup from '../src/rollup'
import rspack from '../src/rspack'
import vite from '../src/vite'
import webpack from '../src/webpack'

const BAD_TYPE = 'persist: plugin option `strict` must be true or false (got "yes")'
const UNKNOWN = /unknown plugin option `incude`.*include/s

// A bad plugin option is an exception where the plugin is created (webpack and rspack create it with the compiler),
// naming the option and what it must be, before any bundler runs: esbuild would otherwise report it from inside its
// own setup, with its stack.
describe('a bad plugin option', () => {
  it.each([
    ['esbuild', esbuild],
    ['vite', vite],
    ['rollup', rollup],
    ['rolldown', rolldown],
  ] as Array<[string, (options: never) => unknown]>)('throws when the %s plugin is created', (_name, create) => {
    expect(() => create({ strict: 'yes' } as never)).toThrow(BAD_TYPE)
    expect(() => create({ incude: ['src/**'] } as never)).toThrow(UNKNOWN)
  })

  it('throws when a webpack or rspack compiler is created with the plugin', async () => {
    const { default: createWebpack } = await import('webpack')
    const { rspack: createRspack } = await import('@rspack/core')
    const compilers = [(plugin: never) => createWebpack({ plugins: [webpack(plugin)] }), (plugin: never) => createRspack({ plugins: [rspack(plugin)] })]
    for (const createCompiler of compilers) {
      expect(() => createCompiler({ strict: 'yes' } as never)).toThrow(BAD_TYPE)
      expect(() => createCompiler({ incude: ['src/**'] } as never)).toThrow(UNKNOWN)
    }
  })
})
