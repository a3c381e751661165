import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Handle on the receiver process started by {@link startReceiverProcess}. */
export interface ReceiverProcess {
  readonly url: string
  count(): Promise<number>
  reset(): Promise<void>
  /** Waits until the receiver has acknowledged `n` requests (polling over IPC). */
  waitFor(n: number, timeoutMs: number): Promise<void>
  stop(): void
}

/** Starts `receiver-process.ts` in a child Node process (through tsx). */
export async function startReceiverProcess(): Promise<ReceiverProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./receiver-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ask = <T>(type: string): Promise<T> =>
    new Promise((resolve) => {
      const listener = (message: { type: string } & T) => {
        if (message.type !== type) return
        child.off('message', listener)
        resolve(message)
      }
      child.on('message', listener)
      child.send({ type })
    })
  const port = await new Promise<number>((resolve) => {
    child.once('message', (message: { port: number }) => resolve(message.port))
  })
  const count = async () => (await ask<{ count: number }>('count')).count
  return {
    url: `http://127.0.0.1:${port}`,
    count,
    reset: async () => {
      await ask('reset')
    },
    async waitFor(n, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      while ((await count()) < n) {
        if (Date.now() > deadline)
          throw new Error(`receiver got ${await count()} of ${n} requests in ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
    stop: () => child.kill(),
  }
}
