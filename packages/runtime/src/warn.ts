/** Warnings to stderr, each at most once per process. */
import pc from 'picocolors'

const said = new Set<string>()
let sink: ((message: string) => void) | undefined

/** Prints `message` once per `onceKey` (default: the message itself). */
export function warnOnce(message: string, onceKey: string = message): void {
  if (said.has(onceKey)) return
  said.add(onceKey)
  if (sink) sink(message)
  else process.stderr.write(`${pc.yellow('persist')} ${message}\n`)
}

/** Redirects warnings (tests, embedding tools); `undefined` restores stderr. Also forgets what was said. */
export function setWarningSink(next: ((message: string) => void) | undefined): void {
  sink = next
  said.clear()
}
