import { seededRandom } from './random'

export const REGIONS = ['north', 'south', 'east', 'west', 'central'] as const

/**
 * Step 1: a synthetic sales ledger as CSV text (`day,region,units,price`).
 * Slow on purpose: it formats millions of lines.
 */
/* @persist */
export function generateCsv(rows: number, seed = 42): string {
  const random = seededRandom(seed)
  const lines: string[] = ['day,region,units,price']
  for (let i = 0; i < rows; i++) {
    const region = REGIONS[Math.floor(random() * REGIONS.length)]
    const units = 1 + Math.floor(random() * 20)
    const price = (5 + random() * 95).toFixed(2)
    lines.push(`${i % 365},${region},${units},${price}`)
  }
  return lines.join('\n')
}
