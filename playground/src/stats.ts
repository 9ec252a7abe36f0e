/** Running mean and standard deviation (Welford), numerically stable over millions of values. */
export class Moments {
  count = 0
  mean = 0
  private m2 = 0

  add(value: number): void {
    this.count++
    const delta = value - this.mean
    this.mean += delta / this.count
    this.m2 += delta * (value - this.mean)
  }

  get stddev(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : 0
  }
}

/** Rounds for display and for stable output. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
