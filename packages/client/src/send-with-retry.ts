import { AbortError, ConnectionError, RioClientError, TimeoutError, ValidationError } from './errors.js'
import { onAbort } from './on-abort.js'
import type { RequestSlots } from './request-slots.js'
import { attemptsText, errorFromAnswer, isRetryableStatus, type RequestContext } from './response.js'
import { parseRetryAfter } from './retry-after.js'
import type { RetryDecision, RetryPolicy } from './retry-policy.js'
import { sleep } from './sleep.js'
import { type Transport, TransportRefusal, type TransportResponse, TransportTimeout } from './transport.js'

/** What the client lends to every call. */
export interface SendEnvironment {
  /** The transport, created on first use. */
  readonly transport: () => Promise<Transport>
  readonly policy: RetryPolicy
  readonly timeoutMs: number
  readonly retryBudgetMs: number
  /** Bounds the client's requests on the wire; an attempt waits here for its turn. */
  readonly slots: RequestSlots
  /** The client's shutdown: no attempt starts after `close()`, and it cuts every wait short. */
  readonly closing: Closing
}

/**
 * What `close()` does to calls in progress. A set of waits rather than one shared AbortSignal:
 * many calls waiting on one signal would trip Node's listener-leak warning.
 */
export interface Closing {
  /** Whether `close()` was called. */
  isClosed(): boolean
  /** Registers a wait to abort on close; returns the function that unregisters it. */
  track(wait: AbortController): () => void
}

/** One logical request: sent once, then again on each retry with the same headers and body. */
export interface Call {
  readonly url: string
  /** Including the `idempotency-key` that makes repeating the request safe. */
  readonly headers: Record<string, string>
  readonly body: string
  /** `emit "comment-published"`: what the request is for, in messages. */
  readonly subject: string
  /** `project "shop" at https://rio.example.org:443`. */
  readonly target: string
  readonly project: string
  /** Whether the body is an `emitMany()` batch (`{ events }`) rather than one event. */
  readonly batch: boolean
  /** The caller's signal: aborting it stops the request in flight and any retry. */
  readonly signal: AbortSignal | undefined
  /** Most bytes read of an answer: `maxResponseBytes`, or room for a batch's ids. */
  readonly maxResponseBytes: number
}

type Outcome =
  | { readonly response: TransportResponse }
  | { readonly failure: 'timeout' | 'network'; cause: unknown }

/**
 * Sends a request until Rio answers 2xx, retrying — with the same idempotency key, so Rio stores
 * the event once — when there is no answer, a timeout, a 408, a 5xx or a 429, as the policy allows.
 *
 * @param call - the request and how to name it in messages
 * @param environment - transport, retry policy, timeouts and the client's closing state
 * @returns the 2xx answer, with the attempt count and elapsed time for later messages
 * @throws {@link RioHttpError} at once for other statuses; {@link ValidationError}
 *   `invalid_request` at once when the HTTP layer refuses to build the request; {@link ServerError},
 *   {@link ConnectionError} or {@link TimeoutError} when retrying stops; {@link AbortError} when
 *   the call's signal aborts; {@link RioClientError} `client_closed` when the client closes first
 */
export async function sendWithRetry(
  call: Call,
  environment: SendEnvironment,
): Promise<{ response: TransportResponse; context: RequestContext }> {
  // A monotonic clock: a wall-clock step (NTP, a VM resumed) during the call must neither spend
  // retryBudgetMs at once nor stretch it. Date.now() stays for Retry-After's absolute dates only.
  const started = performance.now()
  for (let attempt = 1; ; attempt++) {
    if (call.signal?.aborted) throw aborted(call, attempt - 1, call.signal.reason)
    if (environment.closing.isClosed()) throw closed(call, attempt - 1)
    // Only the request holds a slot, not the wait before a retry. Neither `timeoutMs` nor its
    // timer starts before the turn comes; the budget (time since the call began) does include it.
    if (!environment.slots.tryTake()) {
      await waitForSlot(call, environment, attempt - 1)
      // A retry whose turn came after close(): dropped, as close() drops retries still waiting.
      if (attempt > 1 && environment.closing.isClosed()) {
        environment.slots.give()
        throw closed(call, attempt - 1)
      }
    }
    let outcome: Outcome
    try {
      outcome = await attemptOnce(call, environment, attempt)
    } finally {
      environment.slots.give()
    }
    const context: RequestContext = {
      subject: call.subject,
      target: call.target,
      project: call.project,
      batch: call.batch,
      attempts: attempt,
      elapsedMs: performance.now() - started,
    }
    let retryAfterMs: number | undefined
    if ('response' in outcome) {
      const { status } = outcome.response
      if (status >= 200 && status < 300) return { response: outcome.response, context }
      retryAfterMs = parseRetryAfter(outcome.response.header('retry-after'))
      if (!isRetryableStatus(status)) throw errorFromAnswer(outcome.response, context, retryAfterMs)
    }
    const decision = environment.policy.decide(attempt, context.elapsedMs, retryAfterMs)
    if (!decision.retry) throw finalError(outcome, context, environment, decision, retryAfterMs)
    await pause(call, environment, decision.delayMs, attempt)
  }
}

async function attemptOnce(call: Call, environment: SendEnvironment, attempt: number): Promise<Outcome> {
  try {
    const transport = await environment.transport()
    const response = await transport.send({
      url: call.url,
      headers: call.headers,
      body: call.body,
      timeoutMs: environment.timeoutMs,
      signal: call.signal,
      maxResponseBytes: call.maxResponseBytes,
    })
    return { response }
  } catch (cause) {
    // First: a signal aborted with a rio-client error as its reason (another call's failure, say)
    // rejects the transport with that error, and the call must still end as aborted.
    if (call.signal?.aborted) throw aborted(call, attempt, call.signal.reason)
    if (cause instanceof RioClientError) throw cause
    if (cause instanceof TransportTimeout) return { failure: 'timeout', cause }
    // Nothing was sent, and the same request is refused again on every retry.
    if (cause instanceof TransportRefusal) throw refused(call, cause)
    return { failure: 'network', cause }
  }
}

/**
 * Waits for a free request slot. The caller's signal ends the wait; `close()` does not: a call
 * made before `close()` is still sent once, as `close()` lets requests in flight finish.
 */
async function waitForSlot(call: Call, environment: SendEnvironment, attempts: number): Promise<void> {
  const controller = new AbortController()
  const unlisten = call.signal === undefined ? undefined : onAbort(call.signal, () => controller.abort())
  try {
    await environment.slots.take(controller.signal)
  } catch {
    throw aborted(call, attempts, call.signal?.reason)
  } finally {
    unlisten?.()
  }
}

/** Waits before the next attempt; the caller's signal and `close()` both cut the wait short. */
async function pause(
  call: Call,
  environment: SendEnvironment,
  delayMs: number,
  attempts: number,
): Promise<void> {
  const controller = new AbortController()
  const stop = () => controller.abort()
  const unlisten = call.signal?.aborted === false ? onAbort(call.signal, stop) : undefined
  const untrack = environment.closing.track(controller)
  try {
    if (call.signal?.aborted || environment.closing.isClosed()) stop()
    await sleep(delayMs, controller.signal)
  } catch {
    if (call.signal?.aborted) throw aborted(call, attempts, call.signal.reason)
    throw closed(call, attempts)
  } finally {
    unlisten?.()
    untrack()
  }
}

function finalError(
  outcome: Outcome,
  context: RequestContext,
  environment: SendEnvironment,
  decision: Extract<RetryDecision, { retry: false }>,
  retryAfterMs: number | undefined,
): RioClientError {
  const stopped =
    decision.reason === 'retry_after'
      ? `; stopped retrying since Rio asks to wait ${Math.ceil((retryAfterMs ?? 0) / 1000)} s, past what is left of retryBudgetMs (${environment.retryBudgetMs} ms): retry later`
      : decision.reason === 'budget'
        ? `; retryBudgetMs (${environment.retryBudgetMs} ms) is spent`
        : ''
  if ('response' in outcome) return errorFromAnswer(outcome.response, context, retryAfterMs, stopped)
  const tries = context.attempts > 1 ? ` (${attemptsText(context)})` : ''
  const options = { cause: outcome.cause, attempts: context.attempts }
  if (outcome.failure === 'timeout') {
    return new TimeoutError(
      environment.timeoutMs,
      `Rio at ${context.target} did not answer ${context.subject} within timeoutMs (${environment.timeoutMs} ms)${tries}${stopped}; check Rio's health, or raise timeoutMs`,
      options,
    )
  }
  return new ConnectionError(
    `could not reach Rio at ${context.target} to ${context.subject}${tries}: ${describeNetworkError(outcome.cause)}${stopped}; check that Rio is running and that the DSN's host and port are right`,
    options,
  )
}

function aborted(call: Call, attempts: number, reason: unknown): AbortError {
  const sent = attempts === 0 ? 'before sending it' : `after ${attempts} attempt${attempts === 1 ? '' : 's'}`
  return new AbortError(`${call.subject} into ${call.target} was aborted by its signal ${sent}`, {
    cause: reason,
    attempts,
  })
}

function refused(call: Call, refusal: TransportRefusal): ValidationError {
  return new ValidationError(
    'invalid_request',
    `${call.subject} into ${call.target} was not sent: the HTTP layer refused to build the request (${describeNetworkError(refusal.cause)}); check the headers a fetch wrapper adds, and the client's headers option`,
    { cause: refusal.cause },
  )
}

function closed(call: Call, attempts: number): RioClientError {
  return new RioClientError(
    'client_closed',
    `${call.subject} into ${call.target} stopped: the client was closed${attempts > 0 ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : ''}; create a new Client to emit`,
    { attempts },
  )
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9` from an error and its causes. */
function describeNetworkError(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    const message = current.message || current.name
    parts.push(typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message)
    current = current.cause
  }
  return parts.length > 0 ? parts.join(': ') : String(error)
}
