/** A JSON value, as an event payload must be. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * Something that happened, announced by a sender: written once, never changed.
 * @typeParam P - the payload's type
 */
export interface RioEvent<P = JsonValue> {
  /** Unique id (a UUIDv7: time-ordered); sent to webhooks as `webhook-id`, stable across retries. */
  readonly id: string
  /** The project (namespace) it was emitted into. */
  readonly project: string
  /** The event's name, e.g. `comment-published`. */
  readonly name: string
  readonly payload: P
  readonly createdAt: Date
  /** The key the sender gave to make retries of the same emit harmless, if any. */
  readonly idempotencyKey: string | null
}
