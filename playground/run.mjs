// Builds the playground, then runs it twice in fresh processes: cold (computes), then warm (recalls from disk).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const node = (args) => execFileSync(process.execPath, args, { cwd: here, stdio: 'inherit' })

console.log('Building src/main.ts with esbuild and @persist/unplugin ...')
node(['build.mjs'])
for (const run of ['first run', 'second run (fresh process)']) {
  console.log(`\n${run}:`)
  node(['--enable-source-maps', 'dist/main.mjs'])
}
console.log(`
The cache lives in playground/node_modules/.cache/persist (or PERSIST_DIR). To see invalidation:
  - edit round() in src/stats.ts, then run \`pnpm playground\` again: only summarize recomputes;
  - edit the parsing loop in src/csv.ts: parseTable and summarize recompute, generateCsv is recalled;
  - reformat any file or edit a comment: nothing recomputes.
Start over with PERSIST_MODE=refresh, or delete the cache directory.`)
