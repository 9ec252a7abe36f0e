import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { backdate, buildInChild, createProject, hashesOf, uncached, writeFiles } from './esbuildChild'

// The transform-output cache seen from outside: esbuild builds in fresh processes, as a user runs them. A build
// answered from the cache must emit exactly what a build without any cache emits, and a change to anything the
// hashes were computed from must reach the output.

describe('the transform-output cache (esbuild, fresh processes)', () => {
  it('answers a warm build without loading the parser, with exactly the output and warnings of a fresh transform', () => {
    const root = createProject()
    const cold = buildInChild(root)
    expect(cold.parserLoaded).toBe(true)
    const warm = buildInChild(root)
    expect(warm.parserLoaded).toBe(false)
    expect(warm.code).toBe(cold.code)
    expect(warm.warnings).toEqual(cold.warnings)
    expect(warm.code).toBe(uncached(root))
    // Without source maps (esbuild's default) the cache keeps its own entry, equally exact.
    buildInChild(root, {}, 'none')
    const warmNoMap = buildInChild(root, {}, 'none')
    expect(warmNoMap.parserLoaded).toBe(false)
    expect(warmNoMap.code).toBe(uncached(root, {}, 'none'))
  })
})

describe('a cache directory that cannot be written', () => {
  it('builds the same output and warns once', () => {
    const root = createProject()
    // A file where the directory should be: every write fails.
    const built = buildInChild(root, { analysisCache: path.join(root, 'package.json', 'cache') }, 'none')
    expect(built.code).toBe(uncached(root, {}, 'none'))
    const cacheWarnings = built.warnings.filter((w) => w.includes('could not write'))
    expect(cacheWarnings).toHaveLength(1)
    expect(cacheWarnings[0]).toMatch(/builds still work/)
  })
})

// With esbuild's `sourcemap` the module is read and its content hash looked up; without, a stat decides first.
describe.each(['inline', 'none'] as const)('the transform-output cache, sourcemap %s', (sourcemap) => {
  it('is not reused after an edit to a helper two modules away: the new hash appears', () => {
    const root = createProject()
    const before = hashesOf(buildInChild(root, {}, sourcemap).code)
    fs.writeFileSync(path.join(root, 'src/scale.ts'), 'export const FACTOR = 4\n')
    // An old mtime: the stat must differ from the stamp, not merely fall in the window where stats are not trusted.
    backdate(root, 'src/scale.ts')
    const after = buildInChild(root, {}, sourcemap)
    expect(after.parserLoaded).toBe(true)
    expect(hashesOf(after.code)[0]).not.toBe(before[0])
    expect(hashesOf(after.code)[1]).toBe(before[1])
    expect(after.code).toBe(uncached(root, {}, sourcemap))
  })

  it('is not reused after an edit to the module itself', () => {
    const root = createProject()
    const before = hashesOf(buildInChild(root, {}, sourcemap).code)
    const steps = path.join(root, 'src/steps.ts')
    fs.writeFileSync(steps, fs.readFileSync(steps, 'utf8').replace('return scale(x)', 'return scale(x) + 1'))
    backdate(root, 'src/steps.ts')
    const after = buildInChild(root, {}, sourcemap)
    expect(hashesOf(after.code)[0]).not.toBe(before[0])
    expect(after.code).toBe(uncached(root, {}, sourcemap))
  })

  it('notices an edit that keeps the size and puts the old mtime back', () => {
    const root = createProject()
    const scale = path.join(root, 'src/scale.ts')
    const before = hashesOf(buildInChild(root, {}, sourcemap).code)
    const { atime, mtime } = fs.statSync(scale)
    fs.writeFileSync(scale, 'export const FACTOR = 7\n')
    fs.utimesSync(scale, atime, mtime)
    const after = buildInChild(root, {}, sourcemap)
    expect(hashesOf(after.code)[0]).not.toBe(before[0])
    expect(after.code).toBe(uncached(root, {}, sourcemap))
  })

  it('is not reused when a new file wins the resolution of an import', () => {
    const root = createProject()
    const before = hashesOf(buildInChild(root, {}, sourcemap).code)
    // `./helper` resolved to helper.js; a helper.ts next to it comes first now (for esbuild too).
    const added = path.join(root, 'src/helper.ts')
    fs.writeFileSync(added, 'export function describe(x: number) { return `number ${x}` }\n')
    backdate(root, 'src/helper.ts')
    const after = buildInChild(root, {}, sourcemap)
    expect(hashesOf(after.code)[1]).not.toBe(before[1])
    expect(hashesOf(after.code)[0]).toBe(before[0])
    expect(after.code).toBe(uncached(root, {}, sourcemap))
  })

  it.each([
    ['defaults', { defaults: { version: 2 } }],
    ['runtimeImport', { runtimeImport: '@persist/runtime/register' }],
    ['strict', { strict: true }],
  ])('is not reused when the plugin option %s changes', (_name, options) => {
    const root = createProject()
    buildInChild(root, {}, sourcemap)
    const changed = buildInChild(root, options, sourcemap)
    expect(changed.parserLoaded).toBe(true)
    expect(changed.code).toBe(uncached(root, options, sourcemap))
    // And back: the first options' output again, exactly.
    expect(buildInChild(root, {}, sourcemap).code).toBe(uncached(root, {}, sourcemap))
  })

  it('is not reused when root changes (function ids are relative to it)', () => {
    const root = createProject()
    const first = buildInChild(root, {}, sourcemap)
    // The same cache directory, shared by both roots.
    const options = { root: path.join(root, 'src'), analysisCache: path.join(root, 'node_modules/.cache/persist/analysis') }
    const changed = buildInChild(root, options, sourcemap)
    expect(changed.code).not.toBe(first.code)
    expect(changed.code).toMatch(/id: "steps\.ts#scaled"/)
    expect(changed.code).toBe(uncached(root, options, sourcemap))
  })

  it('treats a corrupt cache file as a miss', () => {
    const root = createProject()
    const cold = buildInChild(root, {}, sourcemap)
    const cacheFile = (name: string) => path.join(root, 'node_modules/.cache/persist/analysis', name)
    const corrupt = (file: string) => {
      const bytes = fs.readFileSync(file)
      bytes[bytes.length - 10] ^= 0xff
      fs.writeFileSync(file, bytes)
    }
    // A corrupt build snapshot: every module is shown to the plugin again, and the output cache answers.
    corrupt(cacheFile('builds.bin'))
    const unsnapshotted = buildInChild(root, {}, sourcemap)
    expect(unsnapshotted.asked).toBeGreaterThan(1)
    expect(unsnapshotted.parserLoaded).toBe(false)
    expect(unsnapshotted.code).toBe(cold.code)
    // A corrupt output cache, with no snapshot to answer first: the modules are transformed again.
    corrupt(cacheFile('outputs.bin'))
    fs.rmSync(cacheFile('builds.bin'))
    const warm = buildInChild(root, {}, sourcemap)
    expect(warm.parserLoaded).toBe(true)
    expect(warm.code).toBe(cold.code)
  })

  it('picks up an annotation added to a module that had none, and drops one removed', () => {
    const root = createProject()
    buildInChild(root, {}, sourcemap)
    const math = path.join(root, 'src/math.ts')
    fs.writeFileSync(math, fs.readFileSync(math, 'utf8').replace('export function scale', '/* @persist */\nexport function scale'))
    backdate(root, 'src/math.ts')
    const added = buildInChild(root, {}, sourcemap)
    expect(added.code).toMatch(/id: "src\/math\.ts#scale"/)
    expect(added.code).toBe(uncached(root, {}, sourcemap))
    const steps = path.join(root, 'src/steps.ts')
    fs.writeFileSync(steps, fs.readFileSync(steps, 'utf8').replaceAll('/* @persist */\n', ''))
    backdate(root, 'src/steps.ts')
    const removed = buildInChild(root, {}, sourcemap)
    expect(removed.code).not.toMatch(/id: "src\/steps\.ts#/)
    expect(removed.code).toBe(uncached(root, {}, sourcemap))
  })
})

describe('the transform-output cache and a tsconfig that extends a base config', () => {
  it('is not reused after an edit to `paths` in the base config', () => {
    const root = createProject()
    writeFiles(root, {
      'tsconfig.json': '{ "extends": "./config/tsconfig.base.json" }',
      'config/tsconfig.base.json': JSON.stringify({ compilerOptions: { baseUrl: '..', paths: { '@factor': ['src/scale.ts'] } } }),
      'src/other.ts': 'export const FACTOR = 5\n',
      'src/aliased.ts': "import { FACTOR } from '@factor'\n/* @persist */\nexport function aliased() { return FACTOR }\n",
      'src/main.ts': "import { aliased } from './aliased'\nconsole.log(aliased())\n",
    })
    // `baseUrl` makes the root's listing decide bare imports: it must be as old as the rest.
    for (const entry of fs.readdirSync(root, { recursive: true, encoding: 'utf8' })) backdate(root, entry)
    backdate(root, '.')
    const before = hashesOf(buildInChild(root).code)
    expect(buildInChild(root).parserLoaded).toBe(false)
    const base = path.join(root, 'config/tsconfig.base.json')
    fs.writeFileSync(base, fs.readFileSync(base, 'utf8').replace('src/scale.ts', 'src/other.ts'))
    const past = new Date(Date.now() - 120_000)
    fs.utimesSync(base, past, past)
    const after = buildInChild(root)
    expect(hashesOf(after.code)).toHaveLength(1)
    expect(hashesOf(after.code)[0]).not.toBe(before[0])
    expect(after.code).toBe(uncached(root))
  })
})

describe('modules that mention @persist but have nothing to rewrite', () => {
  it.each(['inline', 'none'] as const)('are answered by a warm build without loading the parser (sourcemap %s)', (sourcemap) => {
    const root = createProject()
    const files: Record<string, string> = {
      'src/doc.ts': '/**\n * Mark a function with `@persist` to keep its results.\n */\nexport function doc(x: number) { return x }\n',
      'src/done.ts': '/* @persist:done */\nexport function done(x: number) { return x }\n',
      'src/main.ts': "import { scaled } from './steps'\nimport { doc } from './doc'\nimport { done } from './done'\nconsole.log(scaled(2), doc(1), done(3))\n",
    }
    writeFiles(root, files)
    const cold = buildInChild(root, {}, sourcemap)
    const warm = buildInChild(root, {}, sourcemap)
    expect(warm.parserLoaded).toBe(false)
    expect(warm.code).toBe(cold.code)
    expect(warm.code).toBe(uncached(root, {}, sourcemap))
    // An annotation added to such a module is still picked up.
    fs.writeFileSync(path.join(root, 'src/doc.ts'), files['src/doc.ts']!.replace('export function', '/* @persist */\nexport function'))
    backdate(root, 'src/doc.ts')
    const annotated = buildInChild(root, {}, sourcemap)
    expect(annotated.code).toMatch(/id: "src\/doc\.ts#doc"/)
  })
})
