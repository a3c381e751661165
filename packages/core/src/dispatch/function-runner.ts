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

/**
 * Runs one attempt of an in-process handler with a timeout. Never throws: whatever the function
 * does (throw a non-Error, hang, reject late) becomes a {@link FunctionResult}.
 */
export async function runFunction(
  fn: HandlerFunction,
  event: RioEvent,
  context: { deliveryId: string; attempt: number; timeoutMs: number; signal: AbortSignal },
): Promise<FunctionResult> {
  const started = performance.now()
  const controller = new AbortController()
  const abort = () => controller.abort(context.signal.reason)
  context.signal.addEventListener('abort', abort, { once: true })
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), context.timeoutMs)
  })
  try {
    const outcome = await Promise.race([
      Promise.resolve().then(() =>
        fn(event, { deliveryId: context.deliveryId, attempt: context.attempt, signal: controller.signal }),
      ),
      timeout,
    ])
    const durationMs = performance.now() - started
    if (outcome === 'timeout') {
      controller.abort(new Error('timeout'))
      return fail(durationMs, `function timed out after ${context.timeoutMs} ms`, { timedOut: true })
    }
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
