/** How a webhook's body is encoded. */
export type ContentType = 'json' | 'form' | 'form-payload'
/** The HTTP methods a webhook may use; GET sends the payload as query parameters. */
export type WebhookMethod = 'POST' | 'PUT' | 'GET'

/** What every handler has, whatever calls it. */
export interface HandlerBase {
  readonly id: string
  readonly project: string
  /** Stable, unique within the project. */
  readonly name: string
  /** An event name, or a pattern where `*` matches any run of characters (`comment.*`, `*`). */
  readonly pattern: string
  readonly enabled: boolean
  /** Why it was disabled (`manual`, `gone`, `endpoint_disabled`, `failing`), or null. */
  readonly disabledReason: string | null
  /** At most this many deliveries to this handler run at once (per process). */
  readonly concurrency: number
  /** At most this many deliveries start per second (per process), or null for no limit. */
  readonly rateLimit: number | null
  /** Delays in ms before each attempt; null uses Rio's schedule. */
  readonly retrySchedule: readonly number[] | null
  /** Since when every delivery to it has failed, or null when the last one succeeded. */
  readonly failingSince: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** An HTTP endpoint that receives signed requests. */
export interface WebhookHandler extends HandlerBase {
  readonly kind: 'webhook'
  /** http(s) URL; may hold `{{ payload.x }}` templates, filled per event and URL-encoded. */
  readonly url: string
  readonly method: WebhookMethod
  readonly contentType: ContentType
  /** Signing secrets (`whsec_…` or `whsk_…`); every one signs, so receivers can rotate. */
  readonly secrets: readonly string[]
  /** Static headers sent with every request. */
  readonly headers: Readonly<Record<string, string>>
  /** Per-request timeout in ms. */
  readonly timeoutMs: number
}

/** A function in the host process, registered in code under a stable name. */
export interface FunctionHandler extends HandlerBase {
  readonly kind: 'function'
}

/** A subscription of one project to an event name or pattern. */
export type Handler = WebhookHandler | FunctionHandler
