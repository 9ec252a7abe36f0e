/**
 * A small project built with esbuild and the persist plugin, run in real processes to fill a real cache, and the
 * built `persist` CLI run against it.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { buildProject as buildFixtureProject, childEnv, createProject as createFixtureProject, runProject as runFixtureProject } from '../utils/project'

const workspace = resolve(import.meta.dirname, '../..')
const bin = join(workspace, 'packages/runtime/bin/persist.mjs')

export const fixtureFiles: Record<string, string> = {
  'package.json': '{ "name": "fixture", "type": "module" }',
  'src/math.ts': `export const FACTOR = 3
export function scale(x: number) { return x * FACTOR }
export function unrelated() { return 'sibling' }
`,
  'src/steps.ts': `import { appendFileSync } from 'node:fs'
import { scale } from './math'

function log(name: string) { if (process.env.LOG_FILE) appendFileSync(process.env.LOG_FILE, name + '\\n') }

/* @persist */
export function scaled(x: number) { log('scaled'); return scale(x) }

/* @persist */
export function greet(name: string, punctuation = '!') { log('greet'); return 'hello ' + name + punctuation }

/* @persist({ scope: () => process.env.TENANT ?? 'public' }) */
export function tenantTotal(x: number) { log('tenantTotal'); return { x, total: x * 100 } }
`,
  'src/main.ts': `import { scaled, greet, tenantTotal } from './steps'
const out: unknown[] = []
for (let i = 1; i <= Number(process.env.COUNT ?? 3); i++) out.push(scaled(i))
out.push(greet('ada'), tenantTotal(7))
console.log(JSON.stringify(out))
`,
}

/** A fixture project in a fresh temporary directory, with @persist/runtime linked to the workspace build. */
export function createProject(files: Record<string, string> = fixtureFiles): string {
  if (!existsSync(join(workspace, 'packages/runtime/dist/cli.js'))) {
    throw new Error('build @persist/runtime first: npx pnpm@10.34.8 --filter @persist/runtime build')
  }
  return createFixtureProject(files, 'persist-cli-')
}

/** The cache directory of the project with default settings (where the plugin also writes the manifest). */
export function cacheOf(project: string): string {
  return join(project, 'node_modules/.cache/persist')
}

/** Builds the project with the persist plugin, default options (manifest in the default cache directory). */
export async function buildProject(project: string): Promise<void> {
  const saved = process.env.PERSIST_DIR
  delete process.env.PERSIST_DIR
  try {
    await buildFixtureProject(project)
  } finally {
    if (saved !== undefined) process.env.PERSIST_DIR = saved
  }
}

/** Runs the built program in a fresh process; returns the functions it computed (not recalled). */
export function runProject(project: string, env: Record<string, string> = {}): string[] {
  return runFixtureProject(project, env).computed
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs `persist <args>` in a real process. */
export function persistCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): CliResult {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: childEnv(options.env ?? {}),
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** `persist <args> --json`, parsed; fails the test with the CLI's stderr when it did not exit 0. */
export function persistJson<T = any>(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): T {
  const result = persistCli([...args, '--json'], options)
  if (result.status !== 0) throw new Error(`persist ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

/** A copy of a cache directory (timestamps kept), for a test that changes it. */
export function copyCache(cache: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'persist-cli-cache-')), 'cache')
  cpSync(cache, copy, { recursive: true, preserveTimestamps: true })
  return copy
}

/** Every entry file under a function directory of the cache (temporary files and `.stats` counts excluded). */
export function entryFiles(cache: string, functionDir?: string): string[] {
  const out: string[] = []
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory() && !(depth === 0 && entry.name === 'analysis') && !entry.name.startsWith('.')) walk(path, depth + 1)
      else if (entry.isFile() && depth >= 3 && !entry.name.startsWith('.')) out.push(path)
    }
  }
  walk(functionDir ? join(cache, functionDir) : cache, functionDir ? 1 : 0)
  return out.sort()
}

export function sizeOf(paths: string[]): number {
  return paths.reduce((sum, path) => sum + statSync(path).size, 0)
}

/**
 * For a test file whose tests each change a cache: one real build and two runs (the second in scope `acme`) fill a
 * cache before all tests; `freshCache()` gives a test its own copy; everything is removed after all tests.
 */
export function useFilledCache(): { project: () => string; freshCache: () => string } {
  let project = ''
  let original = ''
  const copies: string[] = []
  beforeAll(async () => {
    project = createProject()
    original = cacheOf(project)
    await buildProject(project)
    runProject(project)
    runProject(project, { TENANT: 'acme' })
  })
  afterAll(() => {
    rmSync(project, { recursive: true, force: true })
    for (const copy of copies) rmSync(dirname(copy), { recursive: true, force: true })
  })
  return {
    project: () => project,
    freshCache: () => {
      const copy = copyCache(original)
      copies.push(copy)
      return copy
    },
  }
}
