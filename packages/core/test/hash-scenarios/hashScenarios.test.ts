import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { createAnalyzer } from '../../src/analyzer'
import { createProject, type Project } from '../analysis/project'
import { type Scenario, scenarios } from './scenarios'

const projects: Project[] = []
afterAll(() => {
  for (const p of projects) p.remove()
})

function hashOf(analyzer: ReturnType<typeof createAnalyzer>, project: Project, fnId: string): string {
  const [file] = fnId.split('#')
  const analysis = analyzer.analyzeFile(path.join(project.root, file!))
  const fn = analysis.functions.find((f) => f.id === fnId)
  if (!fn) throw new Error(`no function ${fnId} in ${JSON.stringify(analysis.functions.map((f) => f.id))}`)
  return fn.hash
}

function applyEdit(project: Project, edit: Scenario['edit']) {
  const next: Record<string, string | null> = {}
  for (const [file, change] of Object.entries(edit)) next[file] = typeof change === 'function' ? change(project.read(file)) : change
  project.write(next)
}

describe('hash scenarios', () => {
  test('there are at least 40', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40)
  })

  test.each(scenarios.map((s) => [s.name, s] as const))('%s', (_, scenario) => {
    const project = createProject(scenario.files)
    projects.push(project)
    const fnId = scenario.fn ?? 'src/main.ts#main'
    // Old files: the long-lived analyzer trusts stats and reuses its work, so it must notice the edit by itself.
    project.age()
    const cacheDir = path.join(project.root, '.persist-cache')
    const warm = () => createAnalyzer({ root: project.root, cacheDir })
    const longLived = createAnalyzer({ root: project.root, cacheDir: false })
    const before = hashOf(longLived, project, fnId)
    expect(hashOf(longLived, project, fnId), 'a second call reuses and agrees').toBe(before)
    expect(longLived.stats.reuses, 'the second call reused the first analysis').toBe(1)
    const first = warm()
    expect(hashOf(first, project, fnId)).toBe(before)
    first.flush()

    const exists = (file: string) => fs.existsSync(path.join(project.root, file))
    const edited = Object.entries(scenario.edit).map(([file, change]) => [file, typeof change === 'function' ? change(project.read(file)) : change])
    // Guard the table itself: an edit that does nothing would make "stays" pass vacuously (a new file is a change).
    for (const [file, content] of edited) {
      if (content !== null && exists(file as string)) expect(content, `edit of ${file} changes its text`).not.toBe(project.read(file as string))
    }
    applyEdit(project, scenario.edit)

    const fresh = hashOf(createAnalyzer({ root: project.root, cacheDir: false }), project, fnId)
    // A long-lived analyzer (watch mode) must see the edit without being told, and so must a warm disk cache.
    expect(hashOf(longLived, project, fnId), 'watch-mode analyzer agrees with a fresh one').toBe(fresh)
    expect(hashOf(warm(), project, fnId), 'an analyzer on the disk cache of the first run agrees').toBe(fresh)
    if (scenario.expect === 'changes') expect(fresh).not.toBe(before)
    else expect(fresh).toBe(before)
  })
})
