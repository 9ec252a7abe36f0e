import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { build, type Bundler, linkRuntime } from '../utils/build'

// The plugin is given no `root`: relative include and exclude globs are anchored at the bundler's root (Vite's
// `root`, esbuild's `absWorkingDir`, webpack's `context`), not at the directory the build was started from.

const roots: string[] = []
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true })
})

function createProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-globs-'))
  roots.push(root)
  const files: Record<string, string> = {
    'src/jobs/load.ts': '/* @persist */\nexport function load(x: number) { return x + 1 }\n',
    'src/jobs/skip.ts': '/* @persist */\nexport function skip(x: number) { return x + 2 }\n',
    'src/other.ts': '/* @persist */\nexport function other(x: number) { return x + 3 }\n',
    'src/main.ts': "import { load } from './jobs/load'\nimport { skip } from './jobs/skip'\nimport { other } from './other'\nconsole.log(load(1), skip(1), other(1))\n",
  }
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    fs.writeFileSync(path.join(root, name), text)
  }
  linkRuntime(root)
  return root
}

describe('relative include and exclude globs', () => {
  // rollup has no root of its own; the others do.
  it.each(['vite', 'esbuild', 'rolldown', 'webpack', 'rspack'] as Bundler[])('are anchored at the root of %s', async (bundler) => {
    const root = createProject()
    expect(process.cwd()).not.toBe(root)
    const plugin = { include: ['src/jobs/**'], exclude: ['src/jobs/skip.ts'], manifest: false as const, analysisCache: false as const }
    const bundle = await build[bundler]({ root, entry: 'src/main.ts', outDir: path.join(root, 'dist'), plugin })
    const ids = [...fs.readFileSync(bundle, 'utf8').matchAll(/id: "([^"]+)"/g)].map((m) => m[1])
    expect(ids).toEqual(['src/jobs/load.ts#load'])
  })
})
