import { parseTable } from './csv'
import { REGIONS } from './generate'
import { Moments, round } from './stats'

export interface RegionSummary {
  region: string
  orders: number
  revenue: number
  meanOrder: number
  stddevOrder: number
}

/** Step 3: revenue per region over the parsed ledger. */
/* @persist */
export function summarize(rows: number, seed = 42): RegionSummary[] {
  const table = parseTable(rows, seed)
  const moments = REGIONS.map(() => new Moments())
  for (let i = 0; i < table.price.length; i++) {
    moments[table.region[i]!]!.add(table.units[i]! * table.price[i]!)
  }
  return REGIONS.map((region, r) => ({
    region,
    orders: moments[r]!.count,
    revenue: round(moments[r]!.mean * moments[r]!.count),
    meanOrder: round(moments[r]!.mean),
    stddevOrder: round(moments[r]!.stddev),
  }))
}
