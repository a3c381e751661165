/** A progress line on stderr; see {@link progress}. */
export interface Progress {
  /** Replaces the line with `text`. */
  update(text: string): void
  /** Clears the line (the final result goes to stdout). */
  done(): void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/**
 * Shows `label` with a spinner on stderr while long work runs — only when stderr is a terminal
 * (and `quiet` is not set), so logs, pipes and `--json` output never see it.
 * @param stream - where to draw @default process.stderr
 */
export function progress(
  label: string,
  options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {},
): Progress {
  const stream = options.stream ?? process.stderr
  if (options.quiet || stream.isTTY !== true) return { update() {}, done() {} }
  let text = label
  let frame = 0
  const draw = () => stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`)
  draw()
  const timer = setInterval(draw, 100)
  timer.unref()
  return {
    update(next) {
      text = next
      draw()
    },
    done() {
      clearInterval(timer)
      stream.write('\r\x1b[2K')
    },
  }
}
