import { mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { restoreTempIn, sweepStrayRestoreTemps } from '../src/outFiles/restoreTemp'
import { useSandbox } from './helpers'

const sandbox = useSandbox()

/** A pid no process has: above Linux's pid_max (4194304) and macOS's. */
const GONE_PID = 99_999_999

/** Sets a file's modification time `ms` into the past. */
function age(path: string, ms: number): void {
  const then = new Date(Date.now() - ms)
  utimesSync(path, then, then)
}

describe("a restore's temporary file in the user's folder", () => {
  it('has a short name, whatever the destination', () => {
    const name = basename(restoreTempIn(join(sandbox.dir(), 'out')))
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(40)
    expect(name.startsWith('.')).toBe(true)
  })

  it("is removed when its process is gone and it was not touched for a while; a running restore's file and the user's files are left alone", () => {
    const dir = join(sandbox.dir(), 'out')
    mkdirSync(dir)
    const running = restoreTempIn(dir)
    const crashed = join(dir, basename(running).replace(`-${process.pid}-`, `-${GONE_PID}-`))
    const userFiles = ['.persist-notes.tmp', `.persist-${GONE_PID}-notes.tmp`, 'report.txt', `persist-${GONE_PID}-0badcafe.tmp`]
    for (const path of [running, crashed, ...userFiles.map((name) => join(dir, name))]) writeFileSync(path, 'x')
    age(crashed, 5 * 60_000)
    // A link named like a temporary file is not a file persist wrote.
    mkdirSync(join(sandbox.dir(), 'elsewhere'))
    const link = join(dir, basename(crashed).replace(/-[0-9a-f]{8}\./, '-12345678.'))
    symlinkSync(join(sandbox.dir(), 'elsewhere'), link)
    sweepStrayRestoreTemps(dirname(crashed))
    expect(readdirSync(dir).sort()).toEqual([basename(running), basename(link), ...userFiles].sort())
  })

  it('of a process this host cannot see (another host or container sharing the folder) is left alone while it is fresh', () => {
    const dir = join(sandbox.dir(), 'shared')
    mkdirSync(dir)
    const elsewhere = join(dir, basename(restoreTempIn(dir)).replace(`-${process.pid}-`, `-${GONE_PID}-`))
    writeFileSync(elsewhere, 'being copied')
    sweepStrayRestoreTemps(dir)
    expect(readdirSync(dir)).toEqual([basename(elsewhere)])
  })

  it('is removed when untouched for hours even though its pid runs (pids are reused)', () => {
    const dir = join(sandbox.dir(), 'old')
    mkdirSync(dir)
    const reused = restoreTempIn(dir)
    writeFileSync(reused, 'x')
    age(reused, 2 * 3_600_000)
    sweepStrayRestoreTemps(dir)
    expect(readdirSync(dir)).toEqual([])
  })
})
