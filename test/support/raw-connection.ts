import { connect, type Socket } from 'node:net'

/** A raw TCP connection to a test server, recording what it sends and how long it stayed open. */
export interface RawConnection {
  readonly socket: Socket
  /** Everything received so far, as text. */
  received(): string
  /** Resolves with the milliseconds from connecting to the close. */
  readonly closed: Promise<number>
}

/** Connects to `port` on 127.0.0.1; the caller destroys `socket` after the test. */
export function rawConnection(port: number): RawConnection {
  const socket = connect(port, '127.0.0.1')
  let text = ''
  socket.on('data', (chunk) => {
    text += chunk
  })
  socket.on('error', () => undefined)
  const started = Date.now()
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)))
  return { socket, received: () => text, closed }
}

/** Resolves with what `closed` resolves with, or rejects once `ms` have passed. */
export function within(ms: number, closed: Promise<number>): Promise<number> {
  return Promise.race([
    closed,
    new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms).unref(),
    ),
  ])
}
