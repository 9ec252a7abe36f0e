/** Parsing of the sizes and ages given on the command line (`2G`, `30d`). */
import { parseDuration } from '../options'
import { UsageError } from './errors'

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/** Bytes from `2G`, `500M`, `1.5GiB`, `100k` or a plain number of bytes (units are powers of 1024). */
export function parseSize(text: unknown, option: string): number {
  const match = SIZE_RE.exec(String(text).trim())
  if (!match) throw new UsageError(`${option} ${JSON.stringify(String(text))} is not a size; write e.g. 2G, 500M, 64k or 1048576.`)
  return Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!)
}

/** Milliseconds from `30d`, `12h`, `90m`, `45s`, `2w` or a plain number of seconds (the `ttl` option's grammar). */
export function parseAge(text: unknown, option: string): number {
  const ms = parseDuration(String(text))
  if (ms === undefined) throw new UsageError(`${option} ${JSON.stringify(String(text))} is not an age; write e.g. 30d, 12h, 90m or 45s.`)
  return ms
}

/** A non-negative integer option such as `--max-entries`. */
export function parseCount(text: unknown, option: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`${option} ${JSON.stringify(String(text))} must be a whole number (0 or more).`)
  return value
}
