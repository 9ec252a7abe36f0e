import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { configure } from '../src/index'
import { defaultDir, resetConfiguration } from '../src/config'
import { setWarningSink } from '../src/warn'
import { persistedFn } from './helpers'

describe('where the cache lives', () => {
  const dirs: string[] = []
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'persist-config-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    delete process.env.PERSIST_DIR
    resetConfiguration()
    setWarningSink(undefined)
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('defaults to node_modules/.cache/persist under the nearest package.json, searching upward', () => {
    const project = scratch()
    writeFileSync(join(project, 'package.json'), '{}')
    const deep = join(project, 'src', 'jobs')
    mkdirSync(deep, { recursive: true })
    expect(defaultDir(deep)).toBe(join(project, 'node_modules', '.cache', 'persist'))
  })

  it('PERSIST_DIR wins over configure({ dir })', () => {
    setWarningSink(() => {})
    const fromEnv = join(scratch(), 'env')
    const fromConfigure = join(scratch(), 'configured')
    process.env.PERSIST_DIR = fromEnv
    configure({ dir: fromConfigure })
    persistedFn((x: number) => x)(1)
    expect(existsSync(fromEnv)).toBe(true)
    expect(existsSync(fromConfigure)).toBe(false)
  })
})
