import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'

/** A fixture project written to a fresh temporary directory. */
export interface Project {
  root: string
  write(files: Record<string, string | null>): void
  read(file: string): string
  /**
   * Backdates every file and directory by a minute, so the analysis trusts their stats and directory
   * listings (outside the window where a same-tick change could hide) and reuses what it computed.
   */
  age(): void
  remove(): void
}

export function createProject(files: Record<string, string | null>): Project {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'persist-analysis-')))
  const project: Project = {
    root,
    write(next) {
      for (const [file, content] of Object.entries(next)) {
        const abs = path.join(root, file)
        if (content === null) fs.rmSync(abs, { force: true })
        else {
          fs.mkdirSync(path.dirname(abs), { recursive: true })
          fs.writeFileSync(abs, content)
        }
      }
    },
    read(file) {
      return fs.readFileSync(path.join(root, file), 'utf8')
    },
    age() {
      const past = new Date(Date.now() - 60_000)
      const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const abs = path.join(dir, entry.name)
          if (entry.isDirectory()) walk(abs)
          fs.lutimesSync(abs, past, past)
        }
      }
      walk(root)
      fs.utimesSync(root, past, past)
    },
    remove() {
      fs.rmSync(root, { recursive: true, force: true })
    },
  }
  project.write(files)
  return project
}

/** A `project(files)` factory for one test file; every project it makes is removed after the file's tests. */
export function useProjects(): (files: Record<string, string>) => Project {
  const projects: Project[] = []
  afterAll(() => {
    for (const p of projects) p.remove()
  })
  return (files) => {
    const p = createProject(files)
    projects.push(p)
    return p
  }
}

/** Dependencies without their hashes: which declarations a hash covers. */
export const declarationsOf = (deps: Array<{ file: string; declaration: string }>) => deps.map(({ file, declaration }) => ({ file, declaration }))
