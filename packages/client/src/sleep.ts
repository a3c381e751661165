/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts.
 *
 * @param ms - how long to wait
 * @param signal - stops the wait early
 * @returns resolves after `ms`
 * @throws the signal's reason, when it aborts first
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
