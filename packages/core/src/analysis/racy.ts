/**
 * Whether a file-system observation made at `observedAt` can be trusted to have seen every change up to
 * the mtime it read. A change in the same timestamp tick as that mtime, but after the observation, leaves the
 * mtime as it was; once the tick is over, any further change moves it. File systems with whole-second
 * (or whole-millisecond) timestamps get a 2 s window; those with finer timestamps tick at most every few ms.
 */
export function observedLongAfter(mtimeMs: number, observedAt: number): boolean {
  const window = Number.isInteger(mtimeMs) ? 2000 : 100
  return mtimeMs < observedAt - window
}
