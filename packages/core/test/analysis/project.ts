import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** A fixture project written to a fresh temporary directory. */
export interface Project {
  root: string
  write(files: Record<string, string | null>): void
  read(file: string): string
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
    remove() {
      fs.rmSync(root, { recursive: true, force: true })
    },
  }
  project.write(files)
  return project
}
