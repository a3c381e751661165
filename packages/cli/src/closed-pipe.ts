/** Errors a write to a pipe whose reader has gone away ends with. */
const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED'])

/**
 * Keeps a closed pipe on `stream` (stdout or stderr) from crashing the process with a stack trace:
 * `rio events list --json | head -1` exits with its usual code, and `rio start | log-shipper` keeps
 * serving when the shipper exits (what it would have printed is dropped; pino's own destination
 * stops writing on `EPIPE` by itself). Any other write error is thrown as before.
 * @param stream - the stream to guard @default process.stdout
 */
export function survivePipeClose(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (CLOSED.has(error.code ?? '')) return
    throw error
  })
}
