/** A small, fast, seedable generator (sfc32, Chris Doty-Humphrey's PractRand-tested design). */

/** Returns the next number in [0, 1) on each call, with 53 random bits. */
export type RandomStream = () => number

/** A stream seeded by the first 16 bytes of `seed` (a sha256 digest). */
export function createRandomStream(seed: Uint8Array): RandomStream {
  const words = new DataView(seed.buffer, seed.byteOffset, seed.byteLength)
  let a = words.getUint32(0, true)
  let b = words.getUint32(4, true)
  let c = words.getUint32(8, true)
  let d = words.getUint32(12, true)
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  // Mix the seed in before the first output, as sfc32's author recommends.
  for (let i = 0; i < 12; i++) next32()
  return () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992
}
