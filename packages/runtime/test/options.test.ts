import { describe, expect, it } from 'vitest'
import { configure, functionOptionNames, validateFunctionOptions } from '../src/index'
import { parseAge } from '../src/cli/units'
import { parseDuration, parseTtl } from '../src/options'
import { resetConfiguration } from '../src/config'

const check = (options: unknown) => () => validateFunctionOptions(options, 'src/a.ts#f')

describe('function options', () => {
  it('lists every option the plugin may see', () => {
    expect(functionOptionNames).toEqual(
      expect.arrayContaining(['name', 'version', 'key', 'ttl', 'store', 'maxSize', 'scope', 'serialize', 'deserialize', 'format', 'outFiles', 'seed', 'lock', 'strict']),
    )
  })

  it('accepts valid options', () => {
    expect(
      check({ name: 'jobs/load', version: 2, ttl: '1h', store: 'disk', maxSize: 10, scope: () => 'u1', outFiles: ['a.txt'], lock: true, strict: false, seed: 'n', format: 'json' }),
    ).not.toThrow()
  })

  it('rejects an unknown option with a suggestion', () => {
    expect(check({ tll: 5 })).toThrow(/unknown option "tll" in src\/a.ts#f\. Did you mean "ttl"\?/)
    expect(check({ verison: 1 })).toThrow(/Did you mean "version"/)
    expect(check({ zzzzzz: 1 })).toThrow(/unknown option "zzzzzz"/)
  })

  it.each([
    [{ ttl: -1 }, /"ttl" of src\/a.ts#f must be a positive number/],
    [{ ttl: 'soon' }, /"ttl".*got "soon"/],
    [{ maxSize: 0 }, /"maxSize".*positive integer/],
    [{ name: '../escape' }, /"name".*"\.\."/],
    [{ name: '/etc/passwd' }, /"name".*absolute/],
    [{ name: 'C:\\x' }, /"name".*absolute/],
    [{ store: 'redis' }, /"store" .*'memory', 'disk' or 'hybrid'/],
    [{ key: { a: 1 } }, /entry "a" must be null/],
    [{ outFiles: 'a.txt' }, /"outFiles"/],
    [{ lock: 'yes' }, /"lock"/],
    [{ seed: 1 }, /"seed" .*must name a parameter/],
    [{ serialize: (v: unknown) => Buffer.from(String(v)) }, /go together/],
  ])('rejects %o', (options, message) => {
    expect(check(options)).toThrow(message)
  })

  it('parses durations', () => {
    expect(parseTtl(30)).toBe(30)
    expect(parseTtl('30m')).toBe(1800)
    expect(parseTtl('1h')).toBe(3600)
    expect(parseTtl('2d')).toBe(172800)
    expect(parseTtl('soon')).toBeUndefined()
    expect(parseTtl(0)).toBeUndefined()
    expect(parseTtl('0s')).toBeUndefined()
  })

  it('reads ttl and the CLI ages with one grammar', () => {
    const cases: Array<[string, number | undefined]> = [
      ['30', 30_000],
      ['1H', 3_600_000],
      [' 90 m ', 5_400_000],
      ['1.5h', 5_400_000],
      ['250ms', 250],
      ['2w', 1_209_600_000],
      ['0', 0],
      ['soon', undefined],
      ['1 h 2 m', undefined],
      ['-1h', undefined],
      ['', undefined],
    ]
    for (const [text, ms] of cases) {
      expect(parseDuration(text), text).toBe(ms)
      expect(parseTtl(text), text).toBe(ms ? ms / 1000 : undefined)
      if (ms === undefined) expect(() => parseAge(text, '--max-age'), text).toThrow(`--max-age ${JSON.stringify(text)} is not an age`)
      else expect(parseAge(text, '--max-age'), text).toBe(ms)
    }
  })
})

describe('configure', () => {
  it('validates like the plugin and knows dir and mode', () => {
    try {
      expect(() => configure({ mode: 'refesh' as never })).toThrow(/Did you mean "refresh"/)
      expect(() => configure({ dirr: 'x' } as never)).toThrow(/unknown option "dirr" in configure\(\)\. Did you mean "dir"/)
      expect(() => configure({ ttl: 'soon' })).toThrow(/"ttl" of configure\(\)/)
      expect(() => configure({ dir: '/tmp/x', mode: 'readonly', ttl: '1d' })).not.toThrow()
    } finally {
      resetConfiguration()
    }
  })
})
