/** The `persist` command line: commands, their options, and the mapping of failures to exit codes. */
import { readFileSync } from 'node:fs'
import { cac } from 'cac'
import pc from 'picocolors'
import { adopt } from './commands/adopt'
import { clear } from './commands/clear'
import { explain } from './commands/explain'
import { gc } from './commands/gc'
import { ls } from './commands/ls'
import { prune } from './commands/prune'
import { show } from './commands/show'
import { stats } from './commands/stats'
import { verify } from './commands/verify'
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors'
import { rawOption } from './rawOption'

const TEXT_OPTIONS = ['dir', 'manifest', 'from', 'to', 'scope', 'since', 'root'] as const

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/** Options as typed: names and hashes stay strings, positional arguments too. */
function textual(argv: readonly string[], options: Record<string, unknown>): Record<string, unknown> {
  const out = { ...options }
  for (const name of TEXT_OPTIONS) if (out[name] !== undefined) out[name] = rawOption(argv, name, out[name])
  return out
}

/** Runs the CLI on `argv` (without `node` and the script) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const cli = cac('persist')
  let exitCode = EXIT_OK
  const run =
    <A extends unknown[]>(action: (...args: A) => number | void) =>
    (...args: unknown[]) => {
      const options = textual(argv, args.pop() as Record<string, unknown>)
      const positional = args.map((arg) => (arg === undefined ? undefined : String(arg)))
      exitCode = action(...([...positional, options] as A)) ?? EXIT_OK
    }

  cli.option('--dir <dir>', 'Cache directory (default: $PERSIST_DIR, else node_modules/.cache/persist of the nearest package)')
  cli.option('--json', 'Print JSON for scripts instead of a table')

  cli.command('ls [pattern]', 'List cached functions, their versions, entry counts, sizes and last use')
    .option('--manifest <file>', 'Build manifest naming the live versions (default: <dir>/manifest.json)')
    .action(run(ls))
  cli.command('show <id>', 'List the entries of one function: arguments, created time, compute time, size')
    .option('--manifest <file>', 'Build manifest (default: <dir>/manifest.json)')
    .action(run(show))
  cli.command('stats [pattern]', 'Per function: entries, size and the compute time the entries stand for')
    .option('--manifest <file>', 'Build manifest (default: <dir>/manifest.json)')
    .action(run(stats))
  cli.command('prune', 'Delete versions the build manifest no longer names')
    .option('--manifest <file>', 'Build manifest (default: <dir>/manifest.json)')
    .option('--unknown', 'Also delete functions the manifest does not name at all')
    .option('--dry-run', 'Show what would be deleted, delete nothing')
    .action(run(prune))
  cli.command('gc', 'Evict least recently used entries until the cache fits the limits')
    .option('--max-bytes <size>', 'Largest total size, e.g. 2G, 500M')
    .option('--max-entries <n>', 'Largest number of entries')
    .option('--max-age <age>', 'Oldest last use, e.g. 30d, 12h')
    .option('--dry-run', 'Show what would be evicted, delete nothing')
    .action(run(gc))
  cli.command('verify', 'Re-check checksums; remove corrupt entries and stale temporary files')
    .option('--tmp-age <age>', 'Age after which a temporary file is stale (default: 1h)')
    .option('--dry-run', 'Report only; exit 1 when something needs repair')
    .action(run(verify))
  cli.command('clear [id]', 'Delete the entries of one function, one scope, or all')
    .option('--scope <scope>', 'Only the entries of this scope')
    .option('--dry-run', 'Show what would be deleted, delete nothing')
    .action(run(clear))
  cli.command('adopt <id>', 'Make the entries of an old version valid under the current one')
    .option('--from <hash>', 'The old version (a unique prefix is enough)')
    .option('--to <hash>', 'The version to adopt into (default: the one the manifest names)')
    .option('--manifest <file>', 'Build manifest (default: <dir>/manifest.json)')
    .option('--dry-run', 'Show what would be adopted, change nothing')
    .action(run(adopt))
  cli.command('explain <id>', 'Show what a function hash covers, and what changed since an older build')
    .option('--since <manifest>', 'An older build manifest to compare with')
    .option('--manifest <file>', 'Build manifest (default: <dir>/manifest.json)')
    .option('--root <dir>', 'Project root the manifest paths are relative to (default: the current directory)')
    .action(run(explain))

  cli.help()
  cli.version(version())

  try {
    cli.parse(['node', 'persist', ...argv], { run: false })
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return EXIT_OK
      if (cli.args.length > 0) throw new UsageError(`unknown command ${JSON.stringify(cli.args[0])}; run \`persist --help\` to see the commands.`)
      const stray = Object.keys(cli.options).find((name) => !['--', 'help', 'h', 'version', 'v', 'dir', 'json'].includes(name))
      if (stray) throw new UsageError(`unknown option --${stray} without a command; run \`persist --help\` to see the commands.`)
      cli.outputHelp()
      return EXIT_USAGE
    }
    await cli.runMatchedCommand()
    return exitCode
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`${pc.red('persist:')} ${error.message}\n`)
      return error.exitCode
    }
    if ((error as Error)?.name === 'CACError') {
      const help = cli.matchedCommandName ? `persist ${cli.matchedCommandName} --help` : 'persist --help'
      process.stderr.write(`${pc.red('persist:')} ${(error as Error).message}; run \`${help}\`.\n`)
      return EXIT_USAGE
    }
    const code = (error as NodeJS.ErrnoException)?.code
    process.stderr.write(`${pc.red('persist:')} ${(error as Error)?.message ?? String(error)}${code ? '' : ' (this is a bug in persist; please report it)'}\n`)
    return EXIT_FAILURE
  }
}
