/**
 * The text of an option exactly as typed. The argument parser turns number-like values into numbers, which
 * would turn a hash prefix such as `0123` into 123 or a scope named `007` into 7; names and hashes are text.
 */
export function rawOption(argv: readonly string[], name: string, parsed: unknown): string | undefined {
  if (parsed === undefined) return undefined
  const flag = `--${name}`
  let found: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') break
    if (arg === flag && i + 1 < argv.length) found = argv[i + 1]
    else if (arg.startsWith(`${flag}=`)) found = arg.slice(flag.length + 1)
  }
  return found ?? String(parsed)
}
