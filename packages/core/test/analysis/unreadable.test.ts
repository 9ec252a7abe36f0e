import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { createAnalyzer } from '../../src/analyzer'
import { PersistBuildError } from '../../src/diagnostics'
import { useProjects } from './project'

const project = useProjects()

// Tests run as root, so permissions cannot make a file unreadable: /proc/self/mem is a regular file whose read
// fails with EIO in any process.
test('an input that exists but cannot be read fails the build, naming the file, the error and the function', () => {
  const p = project({ 'src/main.ts': "import blob from './blob.bin?raw'\n\n/* @persist */\nexport function main() { return blob }\n" })
  fs.symlinkSync('/proc/self/mem', path.join(p.root, 'src/blob.bin'))
  const analyzer = createAnalyzer({ root: p.root, cacheDir: false })
  let thrown: unknown
  try {
    analyzer.analyzeFile(path.join(p.root, 'src/main.ts'))
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(PersistBuildError)
  const [diagnostic] = (thrown as PersistBuildError).diagnostics
  expect(diagnostic).toMatchObject({ level: 'error', code: 'PERSIST_UNREADABLE_INPUT', file: path.join(p.root, 'src/main.ts'), line: 4 })
  expect(diagnostic!.message).toMatch(/^persist: cannot read \S*mem \(EIO\), and the hash of `main` depends on it/)
})

test('a missing input is still a missing input, not an error', () => {
  const p = project({ 'src/main.ts': "import { a } from './gone'\n/* @persist */\nexport function main() { return a }\n" })
  const { diagnostics } = createAnalyzer({ root: p.root, cacheDir: false }).analyzeFile(path.join(p.root, 'src/main.ts'))
  expect(diagnostics.map((d) => d.code)).toEqual(['PERSIST_UNRESOLVED_IMPORT'])
})
