import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'

// Installs the packed tarballs into a fresh npm project outside the workspace, the way a user would.
const workspace = resolve(import.meta.dirname, '../..')
const pnpm = ['-y', 'pnpm@10.34.8']
let project: string

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'persist-pack-'))
  const tarballs = join(project, 'tarballs')
  for (const pkg of ['core', 'runtime', 'unplugin']) {
    execFileSync('npx', [...pnpm, 'pack', '--pack-destination', tarballs], {
      cwd: join(workspace, 'packages', pkg),
      stdio: 'pipe',
    })
  }
  const esbuildVersion = JSON.parse(readFileSync(join(workspace, 'node_modules/esbuild/package.json'), 'utf8')).version
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  const files = readdirSync(tarballs).map((f) => join(tarballs, f))
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files, `esbuild@${esbuildVersion}`], {
    cwd: project,
    stdio: 'pipe',
  })
  writeFileSync(
    join(project, 'jobs.ts'),
    `import { appendFileSync } from 'node:fs'

/* @persist */
export function slowSquare(x: number, offset = 0): number {
  appendFileSync(process.env.COUNTER_FILE!, 'x')
  return x * x + offset
}

console.log(JSON.stringify([slowSquare(7), slowSquare(7, 0), slowSquare(8, 1)]))
`,
  )
  writeFileSync(
    join(project, 'build.mjs'),
    `import { build } from 'esbuild'
import persist from '@persist/unplugin/esbuild'
await build({ entryPoints: ['jobs.ts'], bundle: true, platform: 'node', format: 'esm', outfile: 'out/jobs.mjs', packages: 'external', plugins: [persist()] })
`,
  )
}, 300_000)

afterAll(() => rmSync(project, { recursive: true, force: true }))

it('packed tarballs install with npm outside the workspace, build with esbuild, and cache across processes', () => {
  execFileSync(process.execPath, ['build.mjs'], { cwd: project, stdio: 'pipe' })
  const counter = join(project, 'counter.txt')
  writeFileSync(counter, '')
  const env = { ...process.env, COUNTER_FILE: counter, PERSIST_DIR: join(project, 'cache'), PERSIST_MODE: 'on' }
  const run = () => execFileSync(process.execPath, ['out/jobs.mjs'], { cwd: project, env, encoding: 'utf8' }).trim()

  expect(run()).toBe('[49,49,65]')
  expect(readFileSync(counter, 'utf8')).toBe('xx')
  expect(run()).toBe('[49,49,65]')
  expect(readFileSync(counter, 'utf8')).toBe('xx')
})
