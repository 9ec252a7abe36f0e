// Build benchmark: esbuild bundling the ESM build of date-fns, bare vs. with the persist plugin, with 20 and
// 200 functions annotated; cold (fresh process, empty analysis cache), warm (fresh process, nothing changed since
// the last build) and edited (fresh process, a comment added to a helper most functions reach).
// Every measurement runs in its own process; the medians of alternating runs are compared as ratios.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '..')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const COUNTS = [20, 200]

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4])
else await main()

async function main() {
  console.log('\n# build.mjs')
  const dateFns = path.join(repo, 'node_modules/date-fns')
  if (!fs.existsSync(dateFns)) throw new Error('bench/build.mjs needs date-fns: run `npx pnpm@10.34.8 install` at the repository root.')
  const version = JSON.parse(fs.readFileSync(path.join(dateFns, 'package.json'), 'utf8')).version
  const pluginKind = fs.existsSync(path.join(repo, 'packages/unplugin/dist/esbuild.js')) ? '@persist/unplugin/esbuild' : 'analyzer-only onLoad (unplugin not built)'
  console.log(`date-fns ${version}, plugin: ${pluginKind}, ${ROUNDS} alternating rounds, medians`)
  const rows = []
  for (const count of COUNTS) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `persist-bench-${count}-`))
    try {
      const annotated = prepareProject(dateFns, dir, count)
      runChild('capture', dir)
      const times = { bare: [], floor: [], cold: [], warm: [], edited: [], analysisCold: [], analysisWarm: [] }
      const cache = path.join(dir, 'node_modules/.cache')
      // A helper most annotated functions reach: a comment added to it changes no hash, yet the build must look.
      const helper = path.join(dir, 'src/toDate.js')
      for (let round = 0; round < ROUNDS; round++) {
        times.bare.push(runChild('bare', dir))
        times.floor.push(runChild('floor', dir))
        fs.rmSync(cache, { recursive: true, force: true })
        times.cold.push(runChild('plugin', dir))
        times.warm.push(runChild('plugin', dir))
        fs.appendFileSync(helper, `\n// edit ${round}\n`)
        times.edited.push(runChild('plugin', dir))
        fs.rmSync(cache, { recursive: true, force: true })
        times.analysisCold.push(runChild('analysis', dir))
        times.analysisWarm.push(runChild('analysis', dir))
      }
      rows.push({ annotated, ...Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) })
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  const cell = (v, w) => String(v).padStart(w)
  console.log('\nesbuild with the plugin (end to end: load plugin, analyse, rewrite, bundle) against bare esbuild')
  console.log('cold: empty cache; warm: nothing changed since the last build; edited: a comment added to a helper most functions reach')
  console.log('annotated | bare ms | cold ms | warm ms | edited ms | cold / bare | warm / bare | edited / bare')
  for (const r of rows) {
    console.log(
      `${cell(r.annotated, 9)} | ${cell(r.bare.toFixed(0), 7)} | ${cell(r.cold.toFixed(0), 7)} | ${cell(r.warm.toFixed(0), 7)} | ${cell(r.edited.toFixed(0), 9)} | ` +
        `${cell((r.cold / r.bare).toFixed(2), 11)} | ${cell((r.warm / r.bare).toFixed(2), 11)} | ${cell((r.edited / r.bare).toFixed(2), 13)}`,
    )
  }
  console.log('\nthe floor: a plugin module (bench/floorPlugin.mjs) that does nothing but hand esbuild the same rewritten modules, read')
  console.log('from a file, as any plugin rewriting them must: loading it, and a round trip between esbuild and this process per module')
  console.log('annotated | floor ms | floor / bare | warm / floor')
  for (const r of rows) console.log(`${cell(r.annotated, 9)} | ${cell(r.floor.toFixed(0), 8)} | ${cell((r.floor / r.bare).toFixed(2), 12)} | ${cell((r.warm / r.floor).toFixed(2), 12)}`)
  console.log('\nthe analysis alone (load @persist/core, analyzeFile on each annotated module as the bundler hands it over, flush), as extra time over the bare build')
  console.log('annotated | cold ms | warm ms | +cold / bare | +warm / bare')
  for (const r of rows) {
    console.log(`${cell(r.annotated, 9)} | ${cell(r.analysisCold.toFixed(0), 7)} | ${cell(r.analysisWarm.toFixed(0), 7)} | ${cell((r.analysisCold / r.bare).toFixed(2), 12)} | ${cell((r.analysisWarm / r.bare).toFixed(2), 12)}`)
  }
  console.log('\ntargets: warm / bare <= 1.10, cold / bare <= 2.00')
}

/** Copies the ESM files of date-fns and puts `/* @persist *\/` above the exported function of `count` modules. */
function prepareProject(dateFns, dir, count) {
  const src = path.join(dir, 'src')
  // Copy real files (node_modules/date-fns is a pnpm symlink): the annotations must never touch the install.
  fs.cpSync(fs.realpathSync(dateFns), src, { recursive: true, dereference: true, filter: (f) => fs.statSync(f).isDirectory() || f.endsWith('.js') })
  if (fs.lstatSync(src).isSymbolicLink() || fs.realpathSync(src).includes(`${path.sep}node_modules${path.sep}`)) {
    throw new Error(`bench/build.mjs: ${src} is not a private copy; refusing to annotate it`)
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench', private: true, type: 'module' }))
  let annotated = 0
  for (const name of fs.readdirSync(src).sort()) {
    if (annotated === count) break
    const file = path.join(src, name)
    if (!name.endsWith('.js') || name === 'index.js' || !fs.statSync(file).isFile()) continue
    const code = fs.readFileSync(file, 'utf8')
    const at = code.search(/^export function /m)
    if (at === -1) continue
    fs.writeFileSync(file, `${code.slice(0, at)}/* @persist */\n${code.slice(at)}`)
    annotated++
  }
  // A project's sources are usually older than a second: outside the window where stats cannot be trusted.
  const past = new Date(Date.now() - 60_000)
  for (const entry of fs.readdirSync(dir, { recursive: true })) fs.utimesSync(path.join(dir, entry), past, past)
  fs.utimesSync(dir, past, past)
  return annotated
}

function runChild(mode, dir) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, dir], { encoding: 'utf8' })
  return Number(out.trim().split('\n').pop())
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]
}

/** One build (or analysis) in this process; prints its wall time in ms, including loading the plugin or core. */
async function child(mode, dir) {
  if (mode === 'analysis') return analysisOnly(dir)
  const esbuild = await import(pathToFileURL(path.join(repo, 'node_modules/esbuild/lib/main.js')).href)
  if (mode === 'capture') return capture(esbuild, dir)
  const start = performance.now()
  // The floor plugin is a module of its own: any plugin is loaded before it runs, and the first module a process
  // loads after esbuild costs a few milliseconds whatever it holds.
  const plugins = mode === 'plugin' ? [await loadPlugin(dir)] : mode === 'floor' ? [(await import('./floorPlugin.mjs')).floorPlugin(dir)] : []
  const result = await esbuild.build(buildOptions(dir, plugins))
  const elapsed = performance.now() - start
  if (result.errors.length > 0) throw new Error(result.errors.map((e) => e.text).join('\n'))
  console.log(elapsed.toFixed(2))
}

function buildOptions(dir, plugins) {
  return {
    entryPoints: [path.join(dir, 'src/index.js')],
    absWorkingDir: dir,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    external: ['@persist/runtime'],
    logLevel: 'silent',
    plugins,
  }
}

/** Builds once with the plugin and keeps what it handed esbuild for each rewritten module, for `floorPlugin`. */
async function capture(esbuild, dir) {
  const persist = await loadPlugin(dir)
  const contents = {}
  const recording = {
    name: 'persist',
    setup(build) {
      const onLoad = build.onLoad
      build.onLoad = (options, callback) =>
        onLoad.call(build, options, async (args) => {
          const result = await callback(args)
          if (result?.contents !== undefined) contents[args.path] = result.contents
          return result
        })
      return persist.setup(build)
    },
  }
  await esbuild.build(buildOptions(dir, [recording]))
  fs.writeFileSync(path.join(dir, 'floor.json'), JSON.stringify(contents))
  console.log(Object.keys(contents).length)
}

/** What the analysis costs by itself: every annotated file analysed as a plugin would, in one process. */
async function analysisOnly(dir) {
  const src = path.join(dir, 'src')
  // The bundler has read the annotated modules already: their text is given, as a plugin receives it.
  const annotated = fs
    .readdirSync(src)
    .filter((f) => f.endsWith('.js'))
    .map((f) => [path.join(src, f), fs.readFileSync(path.join(src, f), 'utf8')])
    .filter(([, code]) => code.includes('@persist'))
  const start = performance.now()
  const { createAnalyzer } = await import(pathToFileURL(path.join(repo, 'packages/core/dist/index.js')).href)
  const analyzer = createAnalyzer({ root: dir })
  let functions = 0
  // As the plugin does: each input is checked once for the whole build.
  analyzer.beginBuild()
  for (const [file, code] of annotated) functions += analyzer.analyzeFile(file, code).functions.length
  analyzer.endBuild()
  analyzer.flush()
  const elapsed = performance.now() - start
  if (functions === 0) throw new Error('no persisted function analysed')
  console.log(elapsed.toFixed(2))
}

async function loadPlugin(dir) {
  const unplugin = path.join(repo, 'packages/unplugin/dist/esbuild.js')
  if (fs.existsSync(unplugin)) {
    const { default: persist } = await import(pathToFileURL(unplugin).href)
    return persist({ root: dir })
  }
  // Until the unplugin package is built: the analyzer alone, in a native onLoad for annotated files.
  const { createAnalyzer } = await import(pathToFileURL(path.join(repo, 'packages/core/dist/index.js')).href)
  const fsp = await import('node:fs/promises')
  return {
    name: 'persist-analyzer-only',
    setup(build) {
      const analyzer = createAnalyzer({ root: dir })
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        const code = await fsp.readFile(args.path, 'utf8')
        if (!code.includes('@persist')) return undefined
        analyzer.analyzeFile(args.path, code)
        return { contents: code, loader: 'js' }
      })
      build.onEnd(() => {
        analyzer.flush()
      })
    },
  }
}
