// Soak (issue 7): one function with SOAK_ENTRIES small entries (default a million) against one with a thousand:
// disk-hit latency, and `persist ls` / `persist gc` time, each beside the file system's own cost of walking the
// same directories. The cost must not grow with the entry count beyond what the file system imposes.
//   SOAK_ENTRIES=100000 node bench/soak.mjs      try a smaller cache first
//   SOAK_DIR=/path node bench/soak.mjs            keep the caches there (reused when already filled)
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { configure, link, register } from '../packages/runtime/dist/index.js'

const self = fileURLToPath(import.meta.url)
const cli = fileURLToPath(new URL('../packages/runtime/bin/persist.mjs', import.meta.url))
const SMALL = 1_000

/** The soaked function: a small value per key, on disk only (so every call below is a disk hit or a write). */
function soaked() {
  let registration
  const get = () =>
    (registration ??= register({ id: 'bench/soak.mjs#item', hash: 'soak', params: ['i'], async: false, kind: 'function', options: () => ({ store: 'disk' }) }))
  const fn = (i) => get().call(undefined, [i], () => ({ i, name: `item ${i}`, tags: ['a', 'b'], score: i / 7 }))
  return link(fn, get)
}

// Child mode: write entries from..to-1 into dir, in this process.
if (process.argv[2] === '--write') {
  const [, , , dir, from, to] = process.argv
  configure({ dir })
  const item = soaked()
  for (let i = Number(from); i < Number(to); i++) item(i)
  process.exit(0)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Fills `dir` with `count` entries, in batches spread over the cores; skipped when a marker says it is done. */
async function fill(dir, count) {
  const marker = join(dir, `.soak-filled-${count}`)
  if (existsSync(marker)) return 0
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const started = performance.now()
  const batch = 50_000
  const ranges = []
  for (let from = 0; from < count; from += batch) ranges.push([from, Math.min(count, from + batch)])
  const run = ([from, to]) =>
    new Promise((resolve, reject) => {
      spawn(process.execPath, [self, '--write', dir, String(from), String(to)], { stdio: 'inherit' }).once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`writer ${from}-${to} exited with ${code}`)),
      )
    })
  const workers = Array.from({ length: Math.max(1, availableParallelism()) }, async () => {
    while (ranges.length > 0) await run(ranges.shift())
  })
  await Promise.all(workers)
  writeFileSync(marker, '')
  return performance.now() - started
}

/** Median µs of a disk hit over `samples` random keys of a cache of `count` entries (fresh registration, so no memory tier). */
function hitLatency(dir, count, samples = 20_000) {
  configure({ dir })
  const item = soaked()
  const keys = Array.from({ length: samples }, () => Math.floor(Math.random() * count))
  for (const i of keys.slice(0, 2_000)) item(i)
  const rounds = []
  for (let round = 0; round < 5; round++) {
    const started = performance.now()
    for (const i of keys) if (item(i).i !== i) throw new Error(`wrong value for ${i}`)
    rounds.push(((performance.now() - started) * 1000) / keys.length)
  }
  return median(rounds)
}

/** The floor of a hit: median µs of readFileSync of entry files picked uniformly from the whole cache. */
function readFloor(dir, samples = 20_000) {
  const picks = []
  let seen = 0
  const bucket = join(dir, 'bench__soak.mjs#item', 'soak')
  for (const shard of readdirSync(bucket)) {
    for (const name of readdirSync(join(bucket, shard))) {
      if (name.startsWith('.')) continue
      // Reservoir sampling: every entry is equally likely to be picked, like the random keys of hitLatency.
      const slot = seen++ < samples ? picks.length : Math.floor(Math.random() * seen)
      if (slot < samples) picks[slot] = join(bucket, shard, name)
    }
  }
  picks.sort(() => Math.random() - 0.5)
  for (const path of picks.slice(0, 2_000)) readFileSync(path)
  const rounds = []
  for (let round = 0; round < 5; round++) {
    const started = performance.now()
    for (const path of picks) readFileSync(path)
    rounds.push(((performance.now() - started) * 1000) / picks.length)
  }
  return median(rounds)
}

/** Median ms of `persist <args>` over three runs. */
function cliTime(dir, args) {
  const times = []
  for (let round = 0; round < 3; round++) {
    const started = performance.now()
    execFileSync(process.execPath, [cli, ...args, '--dir', dir], { stdio: ['ignore', 'ignore', 'inherit'] })
    times.push(performance.now() - started)
  }
  return median(times)
}

/** What the file system imposes: ms to list every directory of the cache, and to stat every file (sizes, times). */
function walkTime(dir, withStat) {
  const times = []
  for (let round = 0; round < 3; round++) {
    const started = performance.now()
    const walk = (path) => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(path, entry.name))
        else if (withStat) statSync(join(path, entry.name))
      }
    }
    walk(dir)
    times.push(performance.now() - started)
  }
  return median(times)
}

const entries = Number(process.env.SOAK_ENTRIES ?? 1_000_000)
const base = process.env.SOAK_DIR ?? mkdtempSync(join(tmpdir(), 'persist-soak-'))
const caches = { small: [join(base, `n${SMALL}`), SMALL], large: [join(base, `n${entries}`), entries] }
const fillMs = {}
for (const [name, [dir, count]] of Object.entries(caches)) fillMs[name] = await fill(dir, count)
if (fillMs.large > 0) console.log(`filled ${entries} entries in ${(fillMs.large / 1000).toFixed(1)} s (${((fillMs.large * 1000) / entries).toFixed(0)} µs per entry, ${availableParallelism()} writers)`)

const measured = {}
for (const [name, [dir, count]] of Object.entries(caches)) {
  measured[name] = {
    hit: hitLatency(dir, count),
    read: readFloor(dir),
    walk: walkTime(dir, false),
    walkStat: walkTime(dir, true),
    ls: cliTime(dir, ['ls', '--json']),
    gc: cliTime(dir, ['gc', '--max-entries', String(Math.max(1, count - 10)), '--dry-run']),
  }
}

const { small, large } = measured
const row = (what, a, b, unit) =>
  console.log(`${what.padEnd(44)} ${a.toFixed(2).padStart(10)} ${b.toFixed(2).padStart(12)} ${unit.padEnd(4)} ${(b / a).toFixed(2).padStart(8)}×`)
console.log(`\n${'soak'.padEnd(44)} ${`${SMALL}`.padStart(10)} ${`${entries}`.padStart(12)}      large/small`)
row('disk hit, random key (median)', small.hit, large.hit, 'µs')
row('file system: readFileSync of a random entry', small.read, large.read, 'µs')
row('file system: list every directory', small.walk, large.walk, 'ms')
row('file system: list and stat every file', small.walkStat, large.walkStat, 'ms')
row('persist ls --json', small.ls, large.ls, 'ms')
row('persist gc --dry-run (evict 10)', small.gc, large.gc, 'ms')
const perEntry = (ms, count) => (ms * 1000) / count
console.log(
  `per entry: ls ${perEntry(small.ls, SMALL).toFixed(1)} → ${perEntry(large.ls, entries).toFixed(1)} µs, ` +
    `gc ${perEntry(small.gc, SMALL).toFixed(1)} → ${perEntry(large.gc, entries).toFixed(1)} µs, ` +
    `directory walk ${perEntry(small.walk, SMALL).toFixed(1)} → ${perEntry(large.walk, entries).toFixed(1)} µs`,
)
console.log(`hit / read floor: ${(small.hit / small.read).toFixed(2)}× at ${SMALL}, ${(large.hit / large.read).toFixed(2)}× at ${entries}`)
console.log(`ls / (list+stat): ${(small.ls / small.walkStat).toFixed(1)}× at ${SMALL}, ${(large.ls / large.walkStat).toFixed(1)}× at ${entries}`)
if (!process.env.SOAK_DIR) rmSync(base, { recursive: true, force: true })
