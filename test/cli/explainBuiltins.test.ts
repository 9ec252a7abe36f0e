import { describe, expect, it } from 'vitest'
import { cacheOf, persistCli, persistJson, useFilledCache } from './helpers'

// A real build: `scaled` reaches `log`, which calls appendFileSync from node:fs.
const filled = useFilledCache()

describe('persist explain on a function that reaches a built-in module', () => {
  it('names the built-in once, as a whole module, like any other module', () => {
    const cache = cacheOf(filled.project())
    const out = persistJson(['explain', 'scaled', '--dir', cache])
    const builtins = out.deps.filter((dep: { file: string }) => dep.file.startsWith('node:'))
    expect(builtins.map((dep: { file: string; declaration: string }) => [dep.file, dep.declaration])).toEqual([['node:fs', '*']])

    const human = persistCli(['explain', 'scaled', '--dir', cache])
    expect(human.status).toBe(0)
    const lines = human.stdout.split('\n').filter((line) => line.includes('node:fs'))
    expect(lines.map((line) => line.trim())).toEqual(['node:fs *'])
  })
})
