/**
 * A user's project in a temporary directory: write its files, build it with esbuild and the persist plugin, run
 * the output in a fresh `node` process and read which persisted bodies ran (each fixture body appends its name to
 * `$LOG_FILE`).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'
import persist from '@persist/unplugin/esbuild'
import { linkRuntime } from './build'

/** Writes `files` into a fresh temporary directory and makes `@persist/runtime` resolvable from it. */
export function createProject(files: Record<string, string>, prefix = 'persist-project-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  linkRuntime(dir)
  return dir
}

/** Bundles `src/main.ts` to `dist/main.mjs` with the persist plugin rooted at the project. */
export async function buildProject(project: string): Promise<void> {
  await build({
    absWorkingDir: project,
    entryPoints: ['src/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: 'dist/main.mjs',
    packages: 'external',
    logLevel: 'silent',
    plugins: [persist({ root: project })],
  })
}

/** The environment of a child: the test runner's, less any PERSIST_* setting it may carry, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  delete env.PERSIST_DIR
  delete env.PERSIST_MODE
  delete env.FORCE_COLOR
  return { ...env, ...extra }
}

/** Runs `dist/main.mjs` in a fresh process; returns its stdout and the sorted names of the bodies that ran. */
export function runProject(project: string, env: Record<string, string | undefined> = {}): { stdout: string; computed: string[] } {
  const log = join(project, 'log.txt')
  writeFileSync(log, '')
  const stdout = execFileSync(process.execPath, [join(project, 'dist/main.mjs')], {
    cwd: project,
    env: childEnv({ LOG_FILE: log, ...env }),
    encoding: 'utf8',
  })
  return { stdout, computed: readFileSync(log, 'utf8').split('\n').filter(Boolean).sort() }
}

/** Replaces `from` with `to` in a project file; throws when `from` is not there, so a test cannot edit nothing. */
export function editProject(project: string, file: string, from: string, to: string): void {
  const path = join(project, file)
  const before = readFileSync(path, 'utf8')
  const after = before.replace(from, to)
  if (after === before) throw new Error(`edit of ${file} did not apply: ${from}`)
  writeFileSync(path, after)
}
