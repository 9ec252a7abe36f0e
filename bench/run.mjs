// `pnpm bench` runs each script below in its own process, one after another.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const scripts = ['runtime.mjs', 'build.mjs', 'soak.mjs', 'leak.mjs']

for (const script of scripts) {
  console.log(`\n# ${script}`)
  execFileSync(process.execPath, ['--expose-gc', fileURLToPath(new URL(script, import.meta.url))], { stdio: 'inherit' })
}
