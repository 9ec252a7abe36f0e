// Leak run (issue 11): LEAK_CALLS calls (default a million) of two persisted functions, sync and async, each taking a
// fresh 64 KiB argument and returning a 16 KiB result, over LEAK_KEYS distinct arguments (default 3,000: more
// than the memory tier's 1,024, so calls are a mix of memory hits, disk hits and the first writes). Prints RSS,
// heap, open descriptors and the files in the cache after a warm-up and at the end; what persist holds must not
// grow with the number of calls.
//   LEAK_CALLS=100000 node --expose-gc bench/leak.mjs
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configure, link, register } from '../packages/runtime/dist/index.js'

const calls = Number(process.env.LEAK_CALLS ?? 1_000_000)
const keys = Number(process.env.LEAK_KEYS ?? 3_000)
const dir = mkdtempSync(join(tmpdir(), 'persist-leak-'))
configure({ dir })

function persistedFn(name, async, body) {
  let registration
  const get = () => (registration ??= register({ id: `bench/leak.mjs#${name}`, hash: 'leak', params: ['bytes'], async, kind: 'function' }))
  return link((bytes) => get().call(undefined, [bytes], () => body(bytes)), get)
}

/** A 16 KiB result that depends on the argument. */
const summarize = (bytes) => new Float64Array(2048).fill(bytes[0] + bytes[1] * 256 + bytes[2] * 65536)
const syncFn = persistedFn('sync', false, summarize)
const asyncFn = persistedFn('async', true, async (bytes) => summarize(bytes))

/** A fresh 64 KiB argument for key `k`: every call allocates its own, as a real caller's data would be. */
function argument(k) {
  const bytes = Buffer.alloc(64 * 1024)
  bytes[0] = k & 0xff
  bytes[1] = (k >> 8) & 0xff
  bytes[2] = (k >> 16) & 0xff
  return bytes
}

function countFiles(path) {
  let count = 0
  for (const entry of readdirSync(path, { withFileTypes: true })) count += entry.isDirectory() ? countFiles(join(path, entry.name)) : 1
  return count
}

function sample() {
  globalThis.gc?.()
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage()
  return { rss, heapUsed, external: external + arrayBuffers, fds: readdirSync('/proc/self/fd').length, files: countFiles(dir) }
}

async function run(from, to) {
  for (let i = from; i < to; i++) {
    const k = (i * 7919) % keys
    const value = i % 2 === 0 ? syncFn(argument(k)) : await asyncFn(argument(k))
    if (value[0] !== k || value[2047] !== k || value.length !== 2048) throw new Error(`wrong value at call ${i}`)
  }
}

const warmup = Math.min(calls, keys * 4)
const started = performance.now()
await run(0, warmup)
const start = sample()
await run(warmup, calls)
const end = sample()
const seconds = (performance.now() - started) / 1000

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`
const row = (what, a, b, format) => console.log(`${what.padEnd(28)} ${format(a).padStart(12)} ${format(b).padStart(12)} ${(b / a).toFixed(2).padStart(8)}×`)
console.log(`\n${calls} calls (${keys} distinct 64 KiB arguments, 16 KiB results) in ${seconds.toFixed(1)} s`)
console.log(`${'leak'.padEnd(28)} ${`after ${warmup}`.padStart(12)} ${`after ${calls}`.padStart(12)}   end/start`)
row('RSS', start.rss, end.rss, mb)
row('JS heap used', start.heapUsed, end.heapUsed, mb)
row('external + array buffers', start.external, end.external, mb)
row('open file descriptors', start.fds, end.fds, String)
row('files in the cache', start.files, end.files, String)
rmSync(dir, { recursive: true, force: true })
