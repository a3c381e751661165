import { RetryLaterError, UnrecoverableError } from '../errors.js'
import type { RioEvent } from '../events/event.js'
import type { HandlerFunction } from '../handlers/handler-registry.js'
import { describeThrown, isInstance } from './describe-thrown.js'

/** How a function handler's attempt ended. */
export interface FunctionResult {
  readonly ok: boolean
  readonly durationMs: number
  readonly error: string | null
  readonly timedOut: boolean
  /** The handler threw {@link UnrecoverableError}: no more attempts. */
  readonly unrecoverable: boolean
  /** The handler threw {@link RetryLaterError} with this delay. */
  readonly requestedDelayMs: number | null
}

/** The function attempt a piece of code runs inside, and who runs it (see {@link functionAttempt}). */
export interface FunctionAttempt {
  readonly deliveryId: string
  /** The `runner` given to {@link runFunction}: tells one dispatcher's attempts from another's. */
  readonly runner: unknown
}

/** How an attempt was cut short; symbols, as a function may well resolve to the string `'timeout'`. */
const TIMED_OUT = Symbol('timed out')
const ABORTED = Symbol('aborted')

/** The attempt whose function is running synchronously right now (see {@link functionAttempt}). */
let current: FunctionAttempt | undefined

/**
 * The attempt whose function handler is running synchronously right now (its body up to its first
 * `await`), if any: `rio.stop()` called there must not wait for that handler, which waits for it.
 * Not an `AsyncLocalStorage`, which would follow the handler past its awaits: on Node 20 and 22
 * enabling one slows every `await` in the host process 2–4× (2 M awaits: 0.40–0.49 s without,
 * 0.88–1.85 s with).
 */
export function functionAttempt(): FunctionAttempt | undefined {
  return current
}

/**
 * Runs one attempt of an in-process handler with a timeout. Never throws: whatever the function
 * does (throw a non-Error, hang, reject late) becomes a {@link FunctionResult}. When `signal`
 * aborts (Rio is stopping and gave up waiting), it resolves at once, the function's signal aborted:
 * a function that never settles then holds no timer, which would keep the process alive until
 * `timeoutMs` after `stop()` (15 s by default).
 */
export async function runFunction(
  fn: HandlerFunction,
  event: RioEvent,
  context: {
    deliveryId: string
    attempt: number
    timeoutMs: number
    signal: AbortSignal
    /** Who runs the attempt, as {@link functionAttempt} reports it. */
    runner?: unknown
  },
): Promise<FunctionResult> {
  const started = performance.now()
  const controller = new AbortController()
  let cut!: (why: typeof TIMED_OUT | typeof ABORTED) => void
  const cutShort = new Promise<typeof TIMED_OUT | typeof ABORTED>((resolve) => (cut = resolve))
  const abort = () => {
    controller.abort(context.signal.reason)
    cut(ABORTED)
  }
  if (context.signal.aborted) abort()
  else context.signal.addEventListener('abort', abort, { once: true })
  const timer = setTimeout(() => cut(TIMED_OUT), context.timeoutMs)
  const attempt = { deliveryId: context.deliveryId, runner: context.runner }
  try {
    const outcome = await Promise.race([
      Promise.resolve().then(() => {
        const outer = current
        current = attempt
        try {
          return fn(readOnlyEvent(event), {
            deliveryId: context.deliveryId,
            attempt: context.attempt,
            signal: controller.signal,
          })
        } finally {
          current = outer
        }
      }),
      cutShort,
    ])
    const durationMs = performance.now() - started
    if (outcome === TIMED_OUT) {
      controller.abort(new Error('timeout'))
      return fail(durationMs, `function timed out after ${context.timeoutMs} ms`, { timedOut: true })
    }
    if (outcome === ABORTED) return fail(durationMs, 'aborted: Rio is stopping', {})
    return {
      ok: true,
      durationMs,
      error: null,
      timedOut: false,
      unrecoverable: false,
      requestedDelayMs: null,
    }
  } catch (error) {
    const durationMs = performance.now() - started
    // Whatever was thrown is described without trusting it: `throw Object.create(null)` makes
    // String() throw, and a rejection here would leave the delivery in flight for good.
    return fail(durationMs, describeThrown(error), {
      unrecoverable: isInstance(error, UnrecoverableError),
      requestedDelayMs: isInstance(error, RetryLaterError) ? error.delayMs : null,
    })
  } finally {
    clearTimeout(timer)
    context.signal.removeEventListener('abort', abort)
  }
}

function fail(durationMs: number, error: string, extra: Partial<FunctionResult>): FunctionResult {
  return {
    ok: false,
    durationMs,
    error: error.slice(0, 4096),
    timedOut: false,
    unrecoverable: false,
    requestedDelayMs: null,
    ...extra,
  }
}

/** The read-only view of each event object given to functions (see {@link readOnlyEvent}). */
const views = new WeakMap<RioEvent, RioEvent>()

/**
 * The event as function handlers receive it: frozen, its payload too, to the last nested value. The
 * deliveries of one event claimed together share one event object and one parsed payload, so every
 * handler of an 8 MiB payload costs one parse, not one each; frozen, a handler that changes what it
 * was given (`payload.items.sort()`, `delete payload.card`) fails its own attempt with a TypeError
 * instead of changing what the event's other handlers, listeners and form webhooks get, and only
 * in the rounds that happened to claim them together. The payload is parsed and frozen on first
 * read, so a handler that never reads it costs nothing.
 * @param event - the claimed event, shared by the deliveries of one claim
 * @returns one frozen view per event object
 */
export function readOnlyEvent(event: RioEvent): RioEvent {
  let view = views.get(event)
  if (view) return view
  let payload: RioEvent['payload'] | undefined
  let read = false
  view = Object.freeze({
    id: event.id,
    project: event.project,
    name: event.name,
    get payload(): RioEvent['payload'] {
      if (!read) {
        payload = deepFreeze(event.payload)
        read = true
      }
      return payload as RioEvent['payload']
    },
    createdAt: event.createdAt,
    idempotencyKey: event.idempotencyKey,
  })
  views.set(event, view)
  return view
}

/** Freezes `value` and every object and array in it, without recursion (a payload may nest deeper than the stack). */
function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const next = stack.pop()
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue
    Object.freeze(next)
    if (Array.isArray(next)) {
      for (const item of next) if (typeof item === 'object' && item !== null) stack.push(item)
    } else {
      for (const key in next) {
        const item = (next as Record<string, unknown>)[key]
        if (typeof item === 'object' && item !== null) stack.push(item)
      }
    }
  }
  return value
}
