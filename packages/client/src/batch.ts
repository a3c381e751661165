import type { EncodedEvent } from './event.js'

/** `{"events":[` and `]}` around the events. */
const ENVELOPE_BYTES = '{"events":[]}'.length

/**
 * Splits events into request bodies, in order, each holding at most `maxCount` events and at
 * most `maxBytes` bytes. An event too large for `maxBytes` on its own still gets a request of its
 * own, for Rio to judge.
 *
 * @param events - the encoded events
 * @param maxCount - most events per request
 * @param maxBytes - largest request body
 * @returns the batches, each with its request body and the number of events it holds
 * @example
 * ```ts
 * splitIntoBatches(events2500, 1000, 1024 * 1024).map((batch) => batch.count) // [1000, 1000, 500]
 * ```
 */
export function splitIntoBatches(
  events: readonly EncodedEvent[],
  maxCount: number,
  maxBytes: number,
): { body: string; count: number }[] {
  const batches: { body: string; count: number }[] = []
  let current: string[] = []
  let bytes = ENVELOPE_BYTES
  const flush = () => {
    if (current.length === 0) return
    batches.push({ body: `{"events":[${current.join(',')}]}`, count: current.length })
    current = []
    bytes = ENVELOPE_BYTES
  }
  for (const event of events) {
    const added = event.bytes + (current.length > 0 ? 1 : 0)
    if (current.length >= maxCount || (current.length > 0 && bytes + added > maxBytes)) flush()
    bytes += event.bytes + (current.length > 0 ? 1 : 0)
    current.push(event.json)
  }
  flush()
  return batches
}
