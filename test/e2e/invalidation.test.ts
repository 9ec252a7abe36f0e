import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProject, createProject, editProject, runProject } from '../utils/project'

// A user's loop: build, run, edit a file, build again, run again. Which steps recompute is what the user sees.

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

async function buildAndRun(): Promise<{ output: unknown; computed: string[] }> {
  await buildProject(dir)
  const { stdout, computed } = runProject(dir, { PERSIST_DIR: join(dir, 'cache') })
  return { output: JSON.parse(stdout), computed }
}

const edit = (file: string, from: string, to: string) => editProject(dir, file, from, to)

beforeAll(() => {
  dir = createProject(files, 'persist-e2e-')
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
