import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import persist from '@persist/unplugin/esbuild'

// A user's loop: build, run, edit a file, build again, run again. Which steps recompute is what the user sees.
const workspace = resolve(import.meta.dirname, '../..')

const files: Record<string, string> = {
  'package.json': '{ "name": "fixture", "type": "module" }',
  'src/scale.ts': `export const FACTOR = 3
export function unrelated() { return 'sibling' }
`,
  'src/math.ts': `import { FACTOR } from './scale'
export function scale(x: number) { return x * FACTOR }
export function offset(x: number) { return x + 1 }
`,
  'src/steps.ts': `import { appendFileSync } from 'node:fs'
import { scale, offset } from './math'

function log(name: string) { appendFileSync(process.env.LOG_FILE!, name + '\\n') }

/* @persist */
export function scaled(x: number) { log('scaled'); return scale(x) }

/* @persist */
export function shifted(x: number) { log('shifted'); return offset(x) }

/* @persist */
export async function both(x: number) { log('both'); return scaled(x) + shifted(x) }
`,
  'src/main.ts': `import { scaled, shifted, both } from './steps'
console.log(JSON.stringify([scaled(2), shifted(2), await both(2)]))
`,
}

let dir: string
let log: string

async function buildAndRun(): Promise<{ output: unknown; computed: string[] }> {
  await build({
    absWorkingDir: dir,
    entryPoints: ['src/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: 'dist/main.mjs',
    packages: 'external',
    logLevel: 'silent',
    plugins: [persist({ root: dir })],
  })
  writeFileSync(log, '')
  const stdout = execFileSync(process.execPath, [join(dir, 'dist/main.mjs')], {
    cwd: dir,
    env: { ...process.env, LOG_FILE: log, PERSIST_DIR: join(dir, 'cache'), PERSIST_MODE: 'on' },
    encoding: 'utf8',
  })
  const computed = readFileSync(log, 'utf8').split('\n').filter(Boolean).sort()
  return { output: JSON.parse(stdout), computed }
}

function edit(file: string, from: string, to: string) {
  const path = join(dir, file)
  const before = readFileSync(path, 'utf8')
  const after = before.replace(from, to)
  if (after === before) throw new Error(`edit of ${file} did not apply: ${from}`)
  writeFileSync(path, after)
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'persist-e2e-'))
  log = join(dir, 'log.txt')
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  // The bundle imports @persist/runtime; resolve it to the workspace's build.
  mkdirSync(join(dir, 'node_modules/@persist'), { recursive: true })
  execFileSync('ln', ['-s', join(workspace, 'packages/runtime'), join(dir, 'node_modules/@persist/runtime')])
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('edit, rebuild, rerun', () => {
  it('computes everything once, then recalls everything in a fresh process', async () => {
    expect(await buildAndRun()).toEqual({ output: [6, 3, 9], computed: ['both', 'scaled', 'shifted'] })
    expect(await buildAndRun()).toEqual({ output: [6, 3, 9], computed: [] })
  })

  it('recomputes nothing after a comment and formatting edit', async () => {
    edit('src/math.ts', 'export function offset(x: number) { return x + 1 }', '// adds one\nexport function offset( x : number ) {\n  return x + 1\n}')
    expect(await buildAndRun()).toEqual({ output: [6, 3, 9], computed: [] })
  })

  it('recomputes nothing after an edit to an unrelated sibling two modules away', async () => {
    edit('src/scale.ts', "return 'sibling'", "return 'changed sibling'")
    expect(await buildAndRun()).toEqual({ output: [6, 3, 9], computed: [] })
  })

  it('recomputes exactly the functions that reach a constant changed two modules away', async () => {
    edit('src/scale.ts', 'FACTOR = 3', 'FACTOR = 4')
    expect(await buildAndRun()).toEqual({ output: [8, 3, 11], computed: ['both', 'scaled'] })
  })

  it('recomputes exactly the functions that reach an edited helper', async () => {
    edit('src/math.ts', 'return x + 1', 'return x + 10')
    expect(await buildAndRun()).toEqual({ output: [8, 12, 20], computed: ['both', 'shifted'] })
  })

  it('still recalls the older results when an edit is undone', async () => {
    edit('src/math.ts', 'return x + 10', 'return x + 1')
    expect(await buildAndRun()).toEqual({ output: [8, 3, 11], computed: [] })
  })
})
