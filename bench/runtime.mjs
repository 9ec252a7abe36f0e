// Runtime benchmarks (issue 5). Prints ratios measured in one run; medians over alternating rounds.
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deserialize, serialize } from 'node:v8'
import cacache from 'cacache'
import memoize from 'memoize'
import memoizeFs from 'memoize-fs'
import { configure, link, register } from '../packages/runtime/dist/index.js'

const ROUNDS = 7
const root = mkdtempSync(join(tmpdir(), 'persist-bench-'))
configure({ dir: join(root, 'persist') })

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const fmt = (x, digits = 2) => x.toFixed(digits)

/** Per-call time in µs of `fn` over `n` calls (sync or async). */
async function perCall(fn, n) {
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const r = fn(i)
    if (r && typeof r.then === 'function') await r
  }
  return ((performance.now() - start) * 1000) / n
}

/** Alternates the contenders ROUNDS times; returns median µs per call of each. */
async function race(contenders, n) {
  const times = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]))
  for (const fn of Object.values(contenders)) await perCall(fn, Math.ceil(n / 10)) // warm up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of Object.entries(contenders)) times[name].push(await perCall(fn, n))
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]))
}

/** A function shaped like the plugin's output. */
function persistedFunction(id, params, body, { async = false, options } = {}) {
  let registration
  const get = () => (registration ??= register({ id, hash: 'bench', params, async, kind: 'function', ...(options ? { options } : {}) }))
  const fn = function (...args) {
    return get().call(this, params.map((_, i) => args[i]), () => body(...args))
  }
  return link(fn, get)
}

const smallValue = { id: 42, name: 'widget', tags: ['a', 'b', 'c'], score: 1.5, nested: { ok: true } }
const smallArgs = ['data/input.csv', 3]
const lines = []
const report = (what, value, target) => {
  const line = `${what.padEnd(62)} ${value.padStart(10)}   ${target}`
  lines.push(line)
  console.log(line)
}

// Disk hit, small value -------------------------------------------------------------------------
{
  const diskSync = persistedFunction('bench/disk.ts#small', ['path', 'n'], () => smallValue, { options: () => ({ store: 'disk' }) })
  const diskAsync = persistedFunction('bench/disk.ts#smallAsync', ['path', 'n'], async () => smallValue, {
    async: true,
    options: () => ({ store: 'disk' }),
  })
  diskSync(...smallArgs)
  await diskAsync(...smallArgs)
  const floorFile = join(root, 'floor.bin')
  writeFileSync(floorFile, serialize(smallValue))
  const floor = () => {
    createHash('sha256').update(JSON.stringify(smallArgs)).digest('hex')
    return deserialize(readFileSync(floorFile))
  }
  const memoizer = memoizeFs({ cachePath: join(root, 'memoize-fs') })
  const viaMemoizeFs = await memoizer.fn(async (_path, _n) => smallValue)
  await viaMemoizeFs(...smallArgs)
  const cacachePath = join(root, 'cacache')
  await cacache.put(cacachePath, JSON.stringify(smallArgs), serialize(smallValue))
  const viaCacache = async () => deserialize((await cacache.get(cacachePath, JSON.stringify(smallArgs))).data)

  const fast = await race({ floor, sync: () => diskSync(...smallArgs), async: () => diskAsync(...smallArgs) }, 5000)
  const slow = await race({ async: () => diskAsync(...smallArgs), memoizeFs: () => viaMemoizeFs(...smallArgs), cacache: viaCacache }, 300)
  console.log(`disk hit µs/call: floor ${fmt(fast.floor)}, persist sync ${fmt(fast.sync)}, persist async ${fmt(fast.async)}, memoize-fs ${fmt(slow.memoizeFs)}, cacache ${fmt(slow.cacache)}`)
  report('disk hit small value (sync) / floor', `${fmt(fast.sync / fast.floor)}×`, 'target ≤ 1.5×')
  report('disk hit small value (async) / floor', `${fmt(fast.async / fast.floor)}×`, 'target ≤ 1.5×')
  report('memoize-fs hit / persist disk hit (async)', `${fmt(slow.memoizeFs / slow.async, 1)}×`, 'target ≥ 10×')
  report('cacache hit / persist disk hit (async)', `${fmt(slow.cacache / slow.async, 1)}×`, 'target ≥ 10×')
}

// Memory hit ----------------------------------------------------------------------------------------
{
  const hybrid = persistedFunction('bench/memory.ts#small', ['path', 'n'], () => smallValue)
  const viaMemoize = memoize((_path, _n) => smallValue, { cacheKey: (args) => JSON.stringify(args) })
  hybrid(...smallArgs)
  viaMemoize(...smallArgs)
  const objectArg = { region: 'eu', limit: 10, fields: ['a', 'b'] }
  const hybridObject = persistedFunction('bench/memory.ts#object', ['query'], () => smallValue)
  const memoizeObject = memoize((_query) => smallValue, { cacheKey: (args) => JSON.stringify(args) })
  const times = await race(
    {
      persist: () => hybrid(...smallArgs),
      memoize: () => viaMemoize(...smallArgs),
      persistObject: () => hybridObject(objectArg),
      memoizeObject: () => memoizeObject(objectArg),
    },
    200_000,
  )
  console.log(`memory hit µs/call: persist ${fmt(times.persist, 3)}, memoize ${fmt(times.memoize, 3)}; object arg: persist ${fmt(times.persistObject, 3)}, memoize ${fmt(times.memoizeObject, 3)}`)
  report('memory hit (string, number) / memoize+JSON.stringify', `${fmt(times.persist / times.memoize)}×`, 'target ≤ 1.5×')
  report('memory hit (small object) / memoize+JSON.stringify', `${fmt(times.persistObject / times.memoizeObject)}×`, 'target ≤ 1.5×')
}

// Large value: 256 MB Float64Array ------------------------------------------------------------------------
{
  const big = new Float64Array(32 * 1024 * 1024)
  for (let i = 0; i < big.length; i += 4096) big[i] = i
  const bytes = big.byteLength
  // Page-cache writes of 256 MB swing widely on a shared machine (writeback, other processes): more rounds than
  // the small-value races, so that the medians hold.
  const LARGE_ROUNDS = 7
  /** Store and load times (ms) of `value` through a disk-only persisted function, and raw fs times of the bytes. */
  const measure = (label, value, check) => {
    const times = { store: [], load: [], rawWrite: [], rawRead: [] }
    const persistDir = join(root, 'persist', `bench__large.ts#${label}`)
    for (let round = 0; round < LARGE_ROUNDS; round++) {
      const rawFile = join(root, `raw-${label}-${round}.bin`)
      const timed = (list, fn) => {
        globalThis.gc?.()
        const start = performance.now()
        const result = fn()
        list.push(performance.now() - start)
        return result
      }
      const persistWrite = () => {
        const writer = persistedFunction(`bench/large.ts#${label}`, ['n'], () => value, { options: () => ({ store: 'disk' }) })
        timed(times.store, () => writer(round))
      }
      const rawWrite = () => timed(times.rawWrite, () => writeFileSync(rawFile, big))
      const persistRead = () => {
        const reader = persistedFunction(`bench/large.ts#${label}`, ['n'], () => {
          throw new Error('should hit')
        }, { options: () => ({ store: 'disk' }) })
        if (!check(timed(times.load, () => reader(round)))) throw new Error('large value did not round-trip')
      }
      const rawRead = () => timed(times.rawRead, () => readFileSync(rawFile))
      // Each side writes, reads back and deletes its file before the other writes: a write that finds the other's
      // fresh 256 MB still dirty in the page cache is slowed down, which would favour whichever side went first.
      // Who goes first alternates anyway.
      const persistPair = () => (persistWrite(), persistRead(), rmSync(persistDir, { recursive: true, force: true }))
      const rawPair = () => (rawWrite(), rawRead(), rmSync(rawFile))
      for (const pair of round % 2 === 0 ? [persistPair, rawPair] : [rawPair, persistPair]) pair()
    }
    return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]))
  }
  const gbps = (ms) => bytes / 1e9 / (ms / 1000)
  const bare = measure('bare', big, (back) => back.length === big.length && back[4096] === 4096)
  const nested = measure('nested', { data: big }, (back) => back.data.length === big.length && back.data[4096] === 4096)
  console.log(
    `256 MB: persist store ${fmt(gbps(bare.store))} GB/s vs writeFileSync ${fmt(gbps(bare.rawWrite))} GB/s; ` +
      `load ${fmt(gbps(bare.load))} GB/s vs readFileSync ${fmt(gbps(bare.rawRead))} GB/s`,
  )
  report('large value store throughput / raw writeFileSync', `${fmt((100 * bare.rawWrite) / bare.store, 0)}%`, 'target ≥ 50%')
  report('large value load throughput / raw readFileSync', `${fmt((100 * bare.rawRead) / bare.load, 0)}%`, 'target ≥ 50%')
  report('  same, array nested in an object (v8 path): store', `${fmt((100 * nested.rawWrite) / nested.store, 0)}%`, 'target ≥ 50%')
  report('  same, array nested in an object (v8 path): load', `${fmt((100 * nested.rawRead) / nested.load, 0)}%`, 'target ≥ 50%')

  // Large argument hashing: a call whose argument is the 256 MB array (memory store: the key is all it costs).
  const keyed = persistedFunction('bench/large.ts#arg', ['data'], () => 1, { options: () => ({ store: 'memory' }) })
  keyed(big)
  const hashTimes = []
  for (let round = 0; round < 5; round++) {
    const start = performance.now()
    keyed(big)
    hashTimes.push(performance.now() - start)
  }
  report('large argument (256 MB Float64Array) keying', `${fmt(gbps(median(hashTimes)))} GB/s`, 'target ≥ 1 GB/s')
}

rmSync(root, { recursive: true, force: true })
console.log('\nsummary')
for (const line of lines) console.log(line)
