/** The `persist` bin: runs the command line and exits with its code. */
import { runCli } from './cli/program'

process.exitCode = await runCli(process.argv.slice(2))
