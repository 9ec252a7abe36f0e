import { spawnSync } from 'node:child_process'

export interface RunResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs a built file in a fresh `node` process, as a user would. */
export function runNode(file: string, env: Record<string, string>, nodeArgs: string[] = []): RunResult {
  const result = spawnSync(process.execPath, [...nodeArgs, file], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}
