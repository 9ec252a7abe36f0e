/**
 * A progress bar for commands that walk many entries. It goes to stderr and only when stderr is a terminal, so
 * `--json` output and logs stay clean; it redraws at most ten times a second.
 */
import pc from 'picocolors'

export interface Progress {
  tick(): void
  done(): void
}

const WIDTH = 24
const MIN_TOTAL = 200

const silent: Progress = { tick() {}, done() {} }

/** A bar for `total` steps labelled `label`; silent when stderr is not a TTY or there is little to do. */
export function createProgress(label: string, total: number): Progress {
  const stream = process.stderr
  if (!stream.isTTY || total < MIN_TOTAL) return silent
  let count = 0
  let drawnAt = 0
  const draw = () => {
    const filled = Math.round((count / total) * WIDTH)
    stream.write(`\r${label} ${pc.cyan('█'.repeat(filled))}${pc.dim('░'.repeat(WIDTH - filled))} ${count}/${total}`)
  }
  return {
    tick() {
      count++
      const now = Date.now()
      if (now - drawnAt >= 100) {
        drawnAt = now
        draw()
      }
    },
    done() {
      stream.write('\r\x1b[2K')
    },
  }
}
