import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProject, createProject, runProject } from '../utils/project'

// Out-files and random() as a user meets them: options in the comment, a real build, fresh processes.

const files: Record<string, string> = {
  'package.json': '{ "name": "fixture", "type": "module" }',
  'src/jobs.ts': `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { random } from '@persist/runtime'

function log(name: string) { appendFileSync(process.env.LOG_FILE!, name + '\\n') }

/* @persist({ outFiles: ['dest'] }) */
export function render(text: string, dest: string) {
  log('render')
  mkdirSync(dirname(dest), { recursive: true })
  writeFileSync(dest, text.repeat(2))
  return text.length
}

/* @persist({ seed: 'seed' }) */
export async function simulate(steps: number, seed: number) {
  log('simulate')
  const path: number[] = []
  for (let i = 0; i < steps; i++) {
    path.push(random())
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  return path
}
`,
  'src/main.ts': `import { render, simulate } from './jobs'
console.log(JSON.stringify({ length: render('abc', process.env.DEST!), path: await simulate(3, 42) }))
`,
}

let dir: string

function run(dest: string, mode = 'on'): { output: { length: number; path: number[] }; computed: string[] } {
  const { stdout, computed } = runProject(dir, { DEST: join(dir, dest), PERSIST_DIR: join(dir, 'cache'), PERSIST_MODE: mode })
  return { output: JSON.parse(stdout), computed }
}

beforeAll(async () => {
  dir = createProject(files, 'persist-features-')
  await buildProject(dir)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('outFiles and random() in a built program', () => {
  it('restores the out-file and recalls the random path in a fresh process; a recomputation draws the same numbers', () => {
    const first = run('out/first.txt')
    expect(first.computed).toEqual(['render', 'simulate'])
    expect(first.output.length).toBe(3)
    expect(first.output.path).toHaveLength(3)
    expect(new Set(first.output.path).size).toBe(3)
    expect(readFileSync(join(dir, 'out/first.txt'), 'utf8')).toBe('abcabc')

    rmSync(join(dir, 'out'), { recursive: true })
    const second = run('out/second.txt')
    expect(second).toEqual({ output: first.output, computed: [] })
    expect(readFileSync(join(dir, 'out/second.txt'), 'utf8')).toBe('abcabc')
    expect(existsSync(join(dir, 'out/first.txt'))).toBe(false)

    const refreshed = run('out/third.txt', 'refresh')
    expect(refreshed).toEqual({ output: first.output, computed: ['render', 'simulate'] })
  })
})
