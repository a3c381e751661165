/** The callbacks waiting on each signal, and the one listener that calls them. */
interface Waiters {
  readonly callbacks: Set<() => void>
  readonly listener: () => void
}

const waiting = new WeakMap<AbortSignal, Waiters>()

/**
 * Calls `callback` once when `signal` aborts, through a single `abort` listener per signal
 * however many calls wait on it. Callers commonly share one signal (a shutdown controller) across
 * dozens of concurrent emits, each with a request in flight and a retry wait: one listener each
 * would trip Node's "Possible EventTarget memory leak" warning at the eleventh.
 *
 * @param signal - a signal that has not aborted yet (check `signal.aborted` first: an aborted
 *   signal fires no more events)
 * @param callback - called when the signal aborts, unless removed before
 * @returns removes the callback; the signal's listener goes with the last one
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let waiters = waiting.get(signal)
  if (waiters === undefined) {
    const callbacks = new Set<() => void>()
    const listener = () => {
      waiting.delete(signal)
      for (const waiter of [...callbacks]) {
        // As EventTarget does for its listeners: one that throws does not stop the others.
        try {
          waiter()
        } catch (error) {
          queueMicrotask(() => {
            throw error
          })
        }
      }
    }
    waiters = { callbacks, listener }
    waiting.set(signal, waiters)
    signal.addEventListener('abort', listener, { once: true })
  }
  // A wrapper of its own, so the same function registered twice is removed once per registration.
  const waiter = () => callback()
  const { callbacks, listener } = waiters
  callbacks.add(waiter)
  return () => {
    if (!callbacks.delete(waiter) || callbacks.size > 0) return
    if (waiting.get(signal) === waiters) waiting.delete(signal)
    signal.removeEventListener('abort', listener)
  }
}
