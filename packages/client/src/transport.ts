/** One POST to Rio, as a transport sends it. */
export interface TransportRequest {
  readonly url: string
  /** Lower-case names. */
  readonly headers: Record<string, string>
  readonly body: string
  /** The whole exchange (connect, send, read the answer) must end within this; else the transport rejects with {@link TransportTimeout}. */
  readonly timeoutMs: number
  /** The caller's signal: aborting it aborts the request (the transport rejects with its reason). */
  readonly signal: AbortSignal | undefined
  /** Read at most this many bytes of the answer's body. */
  readonly maxResponseBytes: number
}

/** Rio's answer, with its body read up to the cap. */
export interface TransportResponse {
  readonly status: number
  /** A response header by lower-case name; undefined when absent. */
  header(name: string): string | undefined
  /** The body, or its first `maxResponseBytes` bytes when {@link TransportResponse.truncated}. */
  readonly body: Uint8Array
  /** Whether the body was longer than `maxResponseBytes` (and so cut off, or not read at all). */
  readonly truncated: boolean
}

/** What a transport rejects with when a request's `timeoutMs` ran out. */
export class TransportTimeout extends Error {
  override name = 'TransportTimeout'
  constructor(timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`)
  }
}

/**
 * What a transport rejects with when the HTTP layer refused to build or dispatch the request (a
 * header it cannot send, say): nothing was sent, and sending the same request again fails the same
 * way. `cause` is the HTTP layer's error.
 */
export class TransportRefusal extends Error {
  override name = 'TransportRefusal'
  constructor(cause: unknown) {
    super('the HTTP layer refused to build the request; nothing was sent', { cause })
  }
}

// undici's errors for arguments it will not send (InvalidArgumentError, NotSupportedError): raised
// while it builds a request, never by the network. Node's fetch wraps them in "fetch failed".
const ARGUMENT_ERRORS = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED'])

/**
 * Whether an error, or one of its causes, is undici refusing a request's arguments.
 *
 * @param error - what a send threw
 * @returns true when nothing was sent because the request itself is unsendable
 */
export function isArgumentError(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (ARGUMENT_ERRORS.has((current as { code?: unknown }).code as string)) return true
    current = current.cause
  }
  return false
}

/**
 * How requests reach Rio: undici on Node, `fetch` elsewhere. A transport only moves bytes:
 * timeouts, retries and errors are the client's.
 */
export interface Transport {
  /**
   * Sends one request and reads its answer.
   * @throws {@link TransportTimeout} when `timeoutMs` ran out; {@link TransportRefusal} when the
   *   HTTP layer refused to build the request; the signal's reason when it aborted; whatever the
   *   network layer throws when there is no answer
   */
  send(request: TransportRequest): Promise<TransportResponse>
  /** Releases connections; waits for requests in flight. */
  close(): Promise<void>
}
