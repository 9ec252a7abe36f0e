/**
 * Whether setup runs inside `esbuild.build()` rather than `esbuild.context()`. esbuild tells plugins neither,
 * so the call stack says it; anything unrecognised counts as a context, whose filters must see every module.
 */
export function isCalledFromBuild(): boolean {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 40
  const stack = new Error().stack ?? ''
  Error.stackTraceLimit = limit
  return /\bat (?:Object|Module)\.build \(/.test(stack) && !/\bat (?:Object|Module)\.context \(/.test(stack)
}
