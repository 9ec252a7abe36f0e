import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { build, type Bundler } from '../utils/build'

/** A project whose only module has a misspelled option, on line 3, column 15 (`tll`). */
function createProject(): { root: string; file: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-errors-'))
  fs.mkdirSync(path.join(root, 'src'))
  const file = path.join(root, 'src', 'main.ts')
  fs.writeFileSync(file, `export const x = 1\n\n/* @persist({ tll: 60 }) */\nexport function load(path: string) {\n  return path\n}\n\nconsole.log(load('a'), x)\n`)
  return { root, file }
}

async function buildError(bundler: Bundler): Promise<{ error: Error & Record<string, any>; file: string }> {
  const { root, file } = createProject()
  try {
    await build[bundler]({ root, entry: 'src/main.ts', outDir: path.join(root, 'dist'), plugin: { manifest: false, analysisCache: false } })
  } catch (error) {
    return { error: error as Error & Record<string, any>, file }
  }
  throw new Error(`${bundler} built a module with an unknown option`)
}

describe('a bad annotation fails the build with its place, a code frame and a fix', () => {
  it.each(['rollup', 'vite', 'rolldown', 'webpack', 'rspack'] as const)('%s', async (bundler) => {
    const { error, file } = await buildError(bundler)
    // Colour codes (rspack colours its output when CI is set) are not part of what is asserted.
    const text = stripVTControlCharacters(`${error.message}\n${error.frame ?? ''}`)
    expect(text).toContain(`${file}:3:15: unknown option \`tll\``)
    expect(text).toContain('Did you mean `ttl`?')
    // rspack draws a gutter (`│`) before each line of the message.
    expect(text).toMatch(/> 3 \| \/\* @persist\(\{ tll: 60 \}\) \*\/\n[\s│]+\| {15}\^/)
  })

  it('esbuild', async () => {
    const { error } = await buildError('esbuild')
    const [message] = error.errors as Array<{ text: string; location: { file: string; line: number; column: number; lineText: string } }>
    // esbuild draws the frame itself from the location; paths are relative to its working directory.
    expect(message!.location).toEqual(
      expect.objectContaining({ file: 'src/main.ts', line: 3, column: 14, lineText: '/* @persist({ tll: 60 }) */' }),
    )
    expect(message!.text).toContain('unknown option `tll` in the `@persist` options of `load`. Did you mean `ttl`?')
  })
})
