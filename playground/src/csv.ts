import { generateCsv, REGIONS } from './generate'

/** Columns of the parsed ledger; typed arrays keep millions of rows compact on disk and in memory. */
export interface Table {
  day: Uint16Array
  region: Uint8Array
  units: Uint16Array
  price: Float64Array
}

/** Step 2: parse the CSV that step 1 produced into typed columns. */
/* @persist */
export function parseTable(rows: number, seed = 42): Table {
  const lines = generateCsv(rows, seed).split('\n')
  const table: Table = {
    day: new Uint16Array(rows),
    region: new Uint8Array(rows),
    units: new Uint16Array(rows),
    price: new Float64Array(rows),
  }
  for (let i = 0; i < rows; i++) {
    const [day, region, units, price] = lines[i + 1]!.split(',')
    table.day[i] = Number(day)
    table.region[i] = REGIONS.indexOf(region as (typeof REGIONS)[number])
    table.units[i] = Number(units)
    table.price[i] = Number(price)
  }
  return table
}
