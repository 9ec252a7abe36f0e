/** The `persist` bin: runs the command line and exits with its code. */
import { runCli } from './cli/program'

// `persist ls | head` closes the pipe early: that is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

process.exitCode = await runCli(process.argv.slice(2))
