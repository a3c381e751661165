/** One POST to Rio, as a transport sends it. */
export interface TransportRequest {
  readonly url: string
  /** Lower-case names. */
  readonly headers: Record<string, string>
  readonly body: string
  /** Aborts the request, including reading the answer. */
  readonly signal: AbortSignal
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

/**
 * How requests reach Rio: undici on Node, `fetch` elsewhere. A transport only moves bytes:
 * timeouts, retries and errors are the client's.
 */
export interface Transport {
  /**
   * Sends one request and reads its answer.
   * @throws whatever the network layer throws when there is no answer, or the signal's reason
   */
  send(request: TransportRequest): Promise<TransportResponse>
  /** Releases connections; waits for requests in flight. */
  close(): Promise<void>
}
