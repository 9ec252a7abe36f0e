import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { backdate, buildInChild, createProject, hashesOf, uncached, writeFiles } from './esbuildChild'

// A warm one-shot esbuild build is answered from a snapshot of the last identical build: its filter names the
// annotated modules alone, so esbuild asks the plugin about no other module, and their answers come from the
// snapshot. That holds only while nothing the snapshot depended on changed: each test changes the project in a
// way that must reach the output, then checks the output against a build with no cache.

/** Builds until the snapshot is trusted (the first build writes the cache directory itself, a listing it watches). */
function warmUp(root: string, esbuild?: Record<string, unknown>): void {
  buildInChild(root, {}, 'none', { esbuild })
  buildInChild(root, {}, 'none', { esbuild })
}

/** A build with no cache at all, with extra esbuild options. */
const uncachedWith = (root: string, esbuild: Record<string, unknown>) =>
  buildInChild(root, { analysisCache: false, manifest: false }, 'none', { esbuild }).code

describe('a warm esbuild build answered from a snapshot', () => {
  it('asks about the annotated modules alone when nothing changed, and emits what a fresh build emits', () => {
    const root = createProject()
    const cold = buildInChild(root, {}, 'none')
    // main.ts, steps.ts, math.ts, scale.ts and helper.js.
    expect(cold.asked).toBe(5)
    warmUp(root)
    const warm = buildInChild(root, {}, 'none')
    expect(warm.asked).toBe(1)
    expect(warm.code).toBe(uncached(root, {}, 'none'))
  })

  it("leaves esbuild's result as asked for: a metafile only when the build asks for one", () => {
    const root = createProject()
    expect(buildInChild(root, {}, 'none').metafile).toBe(false)
    expect(buildInChild(root, {}, 'none', { esbuild: { metafile: true } }).metafile).toBe(true)
  })

  it('picks up a module that gains its first annotation', () => {
    const root = createProject()
    warmUp(root)
    const math = path.join(root, 'src/math.ts')
    fs.writeFileSync(math, fs.readFileSync(math, 'utf8').replace('export function scale', '/* @persist */\nexport function scale'))
    backdate(root, 'src/math.ts')
    const built = buildInChild(root, {}, 'none')
    expect(built.code).toMatch(/id: "src\/math\.ts#scale"/)
    expect(built.code).toBe(uncached(root, {}, 'none'))
  })

  it('picks up an annotated module that an edit to a plain module makes reachable', () => {
    const root = createProject()
    writeFiles(root, { 'src/extra.ts': '/* @persist */\nexport function extra(x: number) { return x + 1 }\n' })
    warmUp(root)
    expect(buildInChild(root, {}, 'none').code).not.toMatch(/extra/)
    const main = path.join(root, 'src/main.ts')
    fs.writeFileSync(main, `import { extra } from './extra'\n${fs.readFileSync(main, 'utf8')}console.log(extra(1))\n`)
    backdate(root, 'src/main.ts')
    const built = buildInChild(root, {}, 'none')
    expect(built.code).toMatch(/id: "src\/extra\.ts#extra"/)
    expect(built.code).toBe(uncached(root, {}, 'none'))
  })

  it('picks up an annotated file that newly wins the resolution of an import', () => {
    const root = createProject()
    warmUp(root)
    // `./helper` resolved to helper.js; esbuild prefers a helper.ts next to it.
    writeFiles(root, { 'src/helper.ts': '/* @persist */\nexport function describe(x: number) { return `number ${x}` }\n' })
    const built = buildInChild(root, {}, 'none')
    expect(built.code).toMatch(/id: "src\/helper\.ts#describe"/)
    expect(built.code).toBe(uncached(root, {}, 'none'))
  })

  it('picks up an annotated module that a tsconfig base config now maps an alias to', () => {
    const root = createProject()
    writeFiles(root, {
      'tsconfig.json': '{ "extends": "./config/tsconfig.base.json" }',
      'config/tsconfig.base.json': JSON.stringify({ compilerOptions: { baseUrl: '..', paths: { '@factor': ['src/scale.ts'] } } }),
      'src/other.ts': '/* @persist */\nexport function otherFactor() { return 5 }\nexport const FACTOR = otherFactor()\n',
      'src/math.ts': "import { FACTOR } from '@factor'\nexport function scale(x: number) { return x * FACTOR }\n",
    })
    warmUp(root)
    const base = path.join(root, 'config/tsconfig.base.json')
    fs.writeFileSync(base, fs.readFileSync(base, 'utf8').replace('src/scale.ts', 'src/other.ts'))
    backdate(root, 'config/tsconfig.base.json')
    const built = buildInChild(root, {}, 'none')
    expect(built.code).toMatch(/id: "src\/other\.ts#otherFactor"/)
    expect(built.code).toBe(uncached(root, {}, 'none'))
  })

  it('shows every module to the plugin in an esbuild context, whose rebuilds keep its filter', () => {
    const root = createProject()
    warmUp(root)
    const math = path.join(root, 'src/math.ts')
    const text = fs.readFileSync(math, 'utf8').replace('export function scale', '/* @persist */\nexport function scale')
    const rebuilt = buildInChild(root, {}, 'none', { rebuildAfter: { file: math, text } })
    expect(rebuilt.code).toMatch(/id: "src\/math\.ts#scale"/)
    expect(rebuilt.code).toBe(uncached(root, {}, 'none'))
  })

  it('keeps a separate record for each set of build options', () => {
    const root = createProject()
    warmUp(root)
    // Another entry point reaches a module the first build never loaded.
    writeFiles(root, {
      'src/second.ts': "import { extra } from './extra'\nconsole.log(extra(2))\n",
      'src/extra.ts': '/* @persist */\nexport function extra(x: number) { return x + 1 }\n',
    })
    backdate(root, 'src')
    warmUp(root)
    const second = buildInChild(root, {}, 'none', { entry: 'src/second.ts' })
    expect(second.code).toMatch(/id: "src\/extra\.ts#extra"/)
    expect(buildInChild(root, {}, 'none').code).toBe(uncached(root, {}, 'none'))
  })

  it('is not answered from the snapshot after an edit to a class reached only through a type annotation', () => {
    const root = createProject()
    // esbuild erases the type-only import and never loads engine.ts; the hash still covers the class.
    writeFiles(root, {
      'src/engine.ts': 'export class Engine { run(x: number) { return x * 2 } }\n',
      'src/steps.ts': `import type { Engine } from './engine'

/* @persist */
export function scaled(x: number, engine: Engine) { return engine.run(x) }

/* @persist */
export function described(x: number) { return String(x) }
`,
    })
    warmUp(root)
    const before = hashesOf(buildInChild(root, {}, 'none').code)
    const engine = path.join(root, 'src/engine.ts')
    fs.writeFileSync(engine, 'export class Engine { run(x: number) { return x * 3 } }\n')
    backdate(root, 'src/engine.ts')
    const after = buildInChild(root, {}, 'none').code
    expect(hashesOf(after)[0]).not.toBe(before[0])
    expect(hashesOf(after)[1]).toBe(before[1])
    expect(after).toBe(uncached(root, {}, 'none'))
  })

  it('is not answered from the snapshot after a version bump of a package esbuild leaves external', () => {
    const root = createProject()
    writeFiles(root, {
      'node_modules/left-pad/package.json': '{ "name": "left-pad", "version": "1.0.0", "main": "index.js" }',
      'node_modules/left-pad/index.js': 'module.exports = (s) => s\n',
      'src/steps.ts': `import leftPad from 'left-pad'

/* @persist */
export function scaled(x: number) { return leftPad(String(x)) }

/* @persist */
export function described(x: number) { return String(x) }
`,
    })
    warmUp(root, { packages: 'external' })
    const before = hashesOf(buildInChild(root, {}, 'none', { esbuild: { packages: 'external' } }).code)
    const manifest = path.join(root, 'node_modules/left-pad/package.json')
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('1.0.0', '1.0.1'))
    backdate(root, 'node_modules/left-pad/package.json')
    const after = buildInChild(root, {}, 'none', { esbuild: { packages: 'external' } }).code
    expect(hashesOf(after)[0]).not.toBe(before[0])
    expect(after).toBe(uncachedWith(root, { packages: 'external' }))
  })
})
