import { persisted } from '@persist/runtime'
import { parseTable } from './csv'
import { generateCsv } from './generate'
import { summarize } from './summarize'

const ROWS = Number(process.env.ROWS ?? 1_500_000)

/** Runs one step, saying whether persist computed it or recalled it from disk, and how long it took. */
function step<A extends unknown[], R>(label: string, fn: (...args: A) => R, ...args: A): R {
  const before = persisted(fn).stats().misses
  const started = performance.now()
  const result = fn(...args)
  const ms = performance.now() - started
  const computed = persisted(fn).stats().misses > before
  const verdict = computed ? 'computed' : 'recalled'
  console.log(`  ${label.padEnd(28)} ${verdict.padEnd(9)} ${ms.toFixed(1).padStart(9)} ms   ${persisted(fn).id}`)
  return result
}

step(`generateCsv(${ROWS})`, generateCsv, ROWS)
step(`parseTable(${ROWS})`, parseTable, ROWS)
const summary = step(`summarize(${ROWS})`, summarize, ROWS)
console.table(summary)
