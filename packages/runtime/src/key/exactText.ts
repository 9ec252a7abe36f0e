/**
 * The bytes of a JavaScript string for hashing and naming, exact for every string JavaScript can compare.
 *
 * UTF-8 has no form for a lone surrogate (half of a pair, as `s.slice(0, n)` through an emoji leaves it): Node
 * writes U+FFFD in its place, so "\uD800", "\uDC00" and "\uFFFD" would hash alike. Here a string is written as
 * WTF-8 (generalized UTF-8): a well-formed string as its UTF-8 bytes, unchanged, and a lone surrogate as the three
 * bytes UTF-8 would give its code point, `ED A0..BF 80..BF`. Valid UTF-8 never holds those (after `ED` comes
 * `80..9F`), so no well-formed string, whatever it spells, has the bytes of an ill-formed one: one-to-one over all
 * strings, and hashes of well-formed text (nearly every key) stay what they were.
 */
import { hash } from 'node:crypto'

interface WellFormedCheck {
  isWellFormed(): boolean
}

/** Node 20+ has it natively (ES2024); V8 answers a one-byte string at once, since it cannot hold a surrogate. */
function isWellFormed(text: string): boolean {
  return (text as unknown as WellFormedCheck).isWellFormed()
}

/**
 * The exact bytes of `text`: the string itself when well-formed (hashing functions write it as UTF-8, with no
 * copy here), else its WTF-8 bytes.
 */
export function exactBytes(text: string): string | Buffer {
  return isWellFormed(text) ? text : wtf8(text)
}

/** The sha256 (hex) of `text`'s exact bytes. */
export function sha256Text(text: string): string {
  return hash('sha256', exactBytes(text))
}

/** The three bytes of a lone surrogate's code unit, as UTF-8 would write its code point. */
export function loneSurrogateBytes(code: number): [number, number, number] {
  return [0xed, 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
}

/** The code unit of a lone surrogate's three bytes, or undefined when they are not one. */
export function loneSurrogateOf(first: number, second: number, third: number): number | undefined {
  if (first !== 0xed || second < 0xa0 || second > 0xbf || (third & 0xc0) !== 0x80) return undefined
  return 0xd000 | ((second & 0x3f) << 6) | (third & 0x3f)
}

function isLead(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

function isTrail(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}

/** WTF-8: the well-formed runs as UTF-8, each lone surrogate as its three bytes. */
function wtf8(text: string): Buffer {
  const chunks: Buffer[] = []
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (isLead(code) && isTrail(text.charCodeAt(i + 1))) {
      i++
      continue
    }
    if (!isLead(code) && !isTrail(code)) continue
    chunks.push(Buffer.from(text.slice(start, i)), Buffer.from(loneSurrogateBytes(code)))
    start = i + 1
  }
  chunks.push(Buffer.from(text.slice(start)))
  return Buffer.concat(chunks)
}
