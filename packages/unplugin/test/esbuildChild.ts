import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach } from 'vitest'

// esbuild builds in fresh processes with the built plugin, as a user runs them, for the tests of the esbuild
// adapter's caches.

const repo = path.resolve(fileURLToPath(import.meta.url), '../../../..')
const plugin = pathToFileURL(path.join(repo, 'packages/unplugin/dist/esbuild.js')).href
const esbuildMain = pathToFileURL(path.join(repo, 'node_modules/esbuild/lib/main.js')).href

/**
 * One build in a new process (or, with `rebuildAfter`, an esbuild context built, the file edited, and rebuilt);
 * reports the bundle, whether the parser's native binding was loaded, and how many modules esbuild asked the
 * plugin about.
 */
const CHILD = `
import fs from 'node:fs'
const [plugin, esbuildMain, root, optionsJson, sourcemap, entry, esbuildJson, editJson] = process.argv.slice(1)
const { default: persist } = await import(plugin)
const esbuild = await import(esbuildMain)
const persistPlugin = persist({ root, ...JSON.parse(optionsJson) })
let asked = 0
// Counts the questions esbuild sends the plugin's onLoad: a warm build should send few.
const counting = { name: 'persist', setup(build) {
  const onLoad = build.onLoad
  build.onLoad = (options, callback) => onLoad(options, (args) => { asked++; return callback(args) })
  return persistPlugin.setup(build)
} }
const options = {
  absWorkingDir: root, entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'node',
  external: ['@persist/runtime'], logLevel: 'silent', sourcemap: sourcemap === 'inline' ? 'inline' : false, plugins: [counting],
  ...JSON.parse(esbuildJson),
}
let result
if (editJson === '') result = await esbuild.build(options)
else {
  const ctx = await esbuild.context(options)
  await ctx.rebuild()
  const edit = JSON.parse(editJson)
  fs.writeFileSync(edit.file, edit.text)
  asked = 0
  result = await ctx.rebuild()
  await ctx.dispose()
}
const parserLoaded = process.report.getReport().sharedObjects.some((f) => /oxc-parser|parser\\.[\\w-]+\\.node$/.test(f))
console.log(JSON.stringify({ code: result.outputFiles[0].text, warnings: result.warnings.map((w) => w.text), parserLoaded, asked, metafile: result.metafile !== undefined }))
`

export interface Built {
  code: string
  warnings: string[]
  parserLoaded: boolean
  /** Modules esbuild asked the plugin about (in the last build). */
  asked: number
  /** Whether esbuild's result has a metafile. */
  metafile: boolean
}

export interface ChildBuild {
  /** @default 'src/main.ts' */
  entry?: string
  /** Build in an esbuild context, write `text` to `file`, and report the rebuild. */
  rebuildAfter?: { file: string; text: string }
  /** More esbuild options. */
  esbuild?: Record<string, unknown>
}

/** One esbuild build of `root` in a new process, with the plugin's `options`. */
export function buildInChild(root: string, options: Record<string, unknown> = {}, sourcemap: 'inline' | 'none' = 'inline', child: ChildBuild = {}): Built {
  const { entry = 'src/main.ts', rebuildAfter, esbuild = {} } = child
  const args = [plugin, esbuildMain, root, JSON.stringify(options), sourcemap, entry, JSON.stringify(esbuild), rebuildAfter ? JSON.stringify(rebuildAfter) : '']
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD, ...args], { encoding: 'utf8' })
  return JSON.parse(out) as Built
}

/** The hashes the bundle registers, in order. */
export const hashesOf = (code: string) => [...code.matchAll(/hash: "([0-9a-f]+)"/g)].map((m) => m[1])

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** Writes files (relative to `root`) and backdates them. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    fs.writeFileSync(path.join(root, name), text)
    backdate(root, name)
  }
}

/** main.ts → steps.ts (two persisted functions) → math.ts → scale.ts, and a helper resolved from `./helper`. */
export function createProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-outputs-'))
  dirs.push(root)
  writeFiles(root, {
    'package.json': '{ "name": "fixture", "type": "module" }',
    'src/scale.ts': 'export const FACTOR = 3\n',
    'src/math.ts': "import { FACTOR } from './scale'\nexport function scale(x: number) { return x * FACTOR }\n",
    'src/helper.js': 'export function describe(x) { return `value ${x}` }\n',
    'src/steps.ts': `import { scale } from './math'
import { describe } from './helper'

/* @persist */
export function scaled(x: number) { return scale(x) }

/* @persist */
export function described(x: number) { return describe(x) }
`,
    'src/main.ts': "import { scaled, described } from './steps'\nconsole.log(scaled(2), described(2))\n",
  })
  // Installed, as in a real project: the first build's cache directory does not change the root's listing.
  fs.mkdirSync(path.join(root, 'node_modules'))
  // Directories too: sources older than the window in which a stat cannot be trusted, as in a real project.
  for (const entry of fs.readdirSync(root, { recursive: true, encoding: 'utf8' })) backdate(root, entry)
  backdate(root, '.')
  return root
}

/** Sets a file's times a minute back, as for a file edited long before the build. */
export function backdate(root: string, file: string) {
  const past = new Date(Date.now() - 60_000)
  fs.utimesSync(path.join(root, file), past, past)
}

/** What a build with no cache at all emits: the reference a cached build must match exactly. */
export const uncached = (root: string, options: Record<string, unknown> = {}, sourcemap: 'inline' | 'none' = 'inline') =>
  buildInChild(root, { ...options, analysisCache: false, manifest: false }, sourcemap).code
