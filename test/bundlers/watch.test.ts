import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import persistEsbuild from '../../packages/unplugin/src/esbuild'
import persistRolldown from '../../packages/unplugin/src/rolldown'
import persistRollup from '../../packages/unplugin/src/rollup'
import persistVite from '../../packages/unplugin/src/vite'
import { spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { type CompilerLike, linkRuntime, repoRoot, rspackCompiler, webpackCompiler } from '../utils/build'

/** A small project in a temporary directory: `compute` is persisted and uses `scale` from another module. */
function createProject(): { root: string; helper: string; main: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-watch-'))
  fs.mkdirSync(path.join(root, 'src'))
  fs.writeFileSync(path.join(root, 'package.json'), '{ "name": "watch-project", "private": true, "type": "module" }\n')
  const main = path.join(root, 'src', 'main.ts')
  const helper = path.join(root, 'src', 'helper.ts')
  fs.writeFileSync(
    main,
    `import { persisted } from '@persist/runtime'
import { scale } from './helper'

/* @persist */
export function compute(n: number): number {
  return scale(n)
}

export const hashOf = (): string => persisted(compute).hash
`,
  )
  fs.writeFileSync(helper, 'export function scale(n: number): number {\n  return n * 2\n}\n')
  linkRuntime(root)
  return { root, helper, main }
}

let edits = 0

/** Changes what the helper computes; every call writes new content. */
function editHelper(helper: string): void {
  fs.writeFileSync(helper, `export function scale(n: number): number {\n  return n * ${3 + edits++}\n}\n`)
}

/**
 * Edits the helper, and again every 500 ms until `rebuilt` settles: a watcher sets itself up asynchronously after a
 * build, so a single edit made at once may land before it watches. Fails with a message after 60 s.
 */
async function editUntil<T>(helper: string, rebuilt: Promise<T>): Promise<T> {
  let settled = false
  const done = rebuilt.finally(() => {
    settled = true
  })
  for (let waited = 0; !settled; waited += 500) {
    if (waited >= 60_000) throw new Error('no rebuild within 60 s of editing the helper')
    editHelper(helper)
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 500))])
  }
  return done
}

const HASH_RE = /hash: "([0-9a-f]+)"/

function emittedHash(file: string): string {
  const match = HASH_RE.exec(fs.readFileSync(file, 'utf8'))
  if (!match) throw new Error(`no persisted function in ${file}`)
  return match[1]!
}

/** A watch-mode event of Rollup or rolldown, as far as the tests read it. */
interface WatchEvent {
  code: string
  error?: unknown
  result?: { close(): Promise<void> } | null
}

interface WatcherLike {
  on(name: 'event', listener: (event: WatchEvent) => void): unknown
  off(name: 'event', listener: (event: WatchEvent) => void): unknown
}

/** Settles when a Rollup or rolldown watcher ends its next build (rejects on a build error). */
function nextWatchBuild(watcher: WatcherLike): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onEvent = (event: WatchEvent) => {
      if (event.code === 'BUNDLE_END') void event.result?.close()
      if (event.code === 'END' || event.code === 'ERROR') {
        watcher.off('event', onEvent)
        if (event.code === 'ERROR') reject(event.error)
        else resolve()
      }
    }
    watcher.on('event', onEvent)
  })
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

describe('a helper edit changes the hash of the functions using it', () => {
  it('in Rollup watch mode', async () => {
    const { root, helper, main } = createProject()
    const { watch } = await import('rollup')
    const { default: esbuild } = await import('rollup-plugin-esbuild')
    const outFile = path.join(root, 'dist', 'main.mjs')
    const watcher = watch({
      input: main,
      external: ['@persist/runtime'],
      plugins: [persistRollup({ root, manifest: false, analysisCache: false }), esbuild({ target: 'node20' })],
      output: { file: outFile, format: 'es' },
      watch: { skipWrite: false, buildDelay: 50 },
      onwarn: () => {},
    })
    cleanups.push(() => watcher.close())
    const nextBuild = () => nextWatchBuild(watcher as unknown as WatcherLike)

    await nextBuild()
    const before = emittedHash(outFile)
    await editUntil(helper, nextBuild())
    expect(emittedHash(outFile)).not.toBe(before)
  })

  it('in an esbuild context rebuild', async () => {
    const { root, helper, main } = createProject()
    const esbuild = await import('esbuild')
    const outFile = path.join(root, 'dist', 'main.mjs')
    const context = await esbuild.context({
      absWorkingDir: root,
      entryPoints: [main],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['@persist/runtime'],
      logLevel: 'silent',
      plugins: [persistEsbuild({ manifest: false, analysisCache: false })],
    })
    cleanups.push(() => context.dispose())
    await context.rebuild()
    const before = emittedHash(outFile)
    editHelper(helper)
    await context.rebuild()
    expect(emittedHash(outFile)).not.toBe(before)
  })

  it.each([
    ['webpack', webpackCompiler],
    ['rspack', rspackCompiler],
  ] as const)('in %s watch mode', async (_name, createCompiler) => {
    const { root, helper } = createProject()
    const outDir = path.join(root, 'dist')
    const compiler: CompilerLike = await createCompiler({ root, entry: 'src/main.ts', outDir, plugin: { manifest: false, analysisCache: false } })
    // Each finished build settles the promise handed out before it.
    let settle: ((error?: Error) => void) | undefined
    const nextBuild = () => new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())))
    let built = nextBuild()
    const watching = compiler.watch({ aggregateTimeout: 50 }, (error, stats) => {
      settle?.(error ?? (stats?.hasErrors() ? new Error(stats.toString({ all: false, errors: true })) : undefined))
    })
    cleanups.push(() => new Promise<void>((resolve) => watching.close(() => compiler.close(() => resolve()))))
    await built
    const before = emittedHash(path.join(outDir, 'main.mjs'))
    built = nextBuild()
    await editUntil(helper, built)
    expect(emittedHash(path.join(outDir, 'main.mjs'))).not.toBe(before)
  })

  it('in rolldown watch mode', async () => {
    const { root, helper, main } = createProject()
    const { watch } = await import('rolldown')
    const outFile = path.join(root, 'dist', 'main.mjs')
    const watcher = watch({
      cwd: root,
      input: main,
      platform: 'node',
      external: ['@persist/runtime'],
      logLevel: 'silent',
      plugins: [persistRolldown({ manifest: false, analysisCache: false })],
      output: { file: outFile, format: 'es' },
    })
    cleanups.push(() => watcher.close())
    const nextBuild = () => nextWatchBuild(watcher as unknown as WatcherLike)
    await nextBuild()
    const before = emittedHash(outFile)
    await editUntil(helper, nextBuild())
    expect(emittedHash(outFile)).not.toBe(before)
  })

  it('in Vite dev (ssrLoadModule) without a restart', async () => {
    const { root, helper } = createProject()
    const { createServer } = await import('vite')
    const server = await createServer({
      root,
      configFile: false,
      logLevel: 'silent',
      appType: 'custom',
      server: { middlewareMode: true, hmr: false },
      plugins: [persistVite({ manifest: false, analysisCache: false })],
    })
    cleanups.push(() => server.close())
    const load = async () => (await server.ssrLoadModule('/src/main.ts')) as { compute(n: number): number; hashOf(): string }
    const first = await load()
    const before = first.hashOf()
    expect(before).toMatch(/^[0-9a-f]{16,}$/)

    editHelper(helper)
    // The dev server learns about the edit from its file watcher; wait for it, without a restart.
    let after = before
    for (let attempt = 0; attempt < 600 && after === before; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      after = (await load()).hashOf()
    }
    expect(after).not.toBe(before)
  })

  it('in vitest watch mode, which runs the project through the plugin', async () => {
    const { root, helper } = createProject()
    // vitest loads its config with Node, so it takes the built plugin (the test command builds first).
    const plugin = pathToFileURL(path.join(repoRoot, 'packages/unplugin/dist/vite.js')).href
    fs.writeFileSync(
      path.join(root, 'vitest.config.mjs'),
      `import persist from ${JSON.stringify(plugin)}\nexport default { plugins: [persist()], test: { include: ['hash.test.ts'] } }\n`,
    )
    fs.writeFileSync(
      path.join(root, 'hash.test.ts'),
      `import { test } from 'vitest'\nimport { hashOf } from './src/main'\ntest('hash', () => { console.log('HASH=' + hashOf() + ';') })\n`,
    )
    const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules/vitest/vitest.mjs'), '--watch', '--root', root], {
      cwd: root,
      env: { ...process.env, PERSIST_DIR: path.join(root, 'cache'), CI: '', FORCE_COLOR: '0' },
    })
    cleanups.push(() => void child.kill())
    const hashes: string[] = []
    let waiting: (() => void) | undefined
    // Output arrives in chunks that may split a line: match over everything seen, not chunk by chunk.
    let output = ''
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString()
      hashes.splice(0, hashes.length, ...Array.from(output.matchAll(/HASH=([0-9a-f]+);/g), (match) => match[1]!))
      waiting?.()
    }
    child.stdout.on('data', onOutput)
    child.stderr.on('data', onOutput)
    const hashCount = (count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`vitest printed ${hashes.length} hashes, expected ${count}`)), 60_000)
        waiting = () => {
          if (hashes.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        }
        waiting()
      })

    await hashCount(1)
    await editUntil(helper, hashCount(2))
    expect(hashes[0]).toMatch(/^[0-9a-f]{16,}$/)
    expect(hashes[1]).not.toBe(hashes[0])
  })
})
