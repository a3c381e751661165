import type { RioErrorCode } from '../errors.js'

/**
 * The HTTP status of every {@link RioErrorCode}. Typed as a full record, so adding a code to
 * `errors.ts` without a status here does not compile.
 *
 * Choices worth knowing: `payload_too_large` is 413 like an oversized body (the sender must send
 * less, retrying will not help); `invalid_payload` is 422 (well-formed JSON Rio still refuses);
 * `idempotency_key_reused` is 422, as the IETF Idempotency-Key draft asks for a key reused with
 * another request body;
 * `database_error` and `closed` are 503 (transient: a client should retry later);
 * `database_corrupt` is 503 too: nothing was written, and a sender retrying later succeeds once the
 * operator has restored the file.
 */
export const RIO_ERROR_STATUS: Readonly<Record<RioErrorCode, number>> = {
  invalid_argument: 400,
  invalid_event_name: 400,
  invalid_payload: 422,
  payload_too_large: 413,
  invalid_options: 400,
  invalid_handler: 400,
  not_found: 404,
  conflict: 409,
  idempotency_key_reused: 422,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  closed: 503,
  database_error: 503,
  database_corrupt: 503,
  database_unrecognized: 500,
  database_too_new: 500,
}

/**
 * Error codes only the HTTP layer produces. `server_busy` (503) is the server as a whole holding
 * all the request bodies it may (`maxBufferedBodyBytes`), not this client sending too much: that
 * would be 429. `body_already_read` (500) is the host app's set-up: a body parser mounted before
 * Rio's handler read the body and kept no raw bytes; the sender cannot fix it.
 */
export type HttpErrorCode =
  | 'invalid_request'
  | 'malformed_json'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'admin_api_disabled'
  | 'server_busy'
  | 'body_already_read'
  | 'internal_error'

/** The HTTP status of every {@link HttpErrorCode}. */
export const HTTP_ERROR_STATUS: Readonly<Record<HttpErrorCode, number>> = {
  invalid_request: 400,
  malformed_json: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  route_not_found: 404,
  method_not_allowed: 405,
  admin_api_disabled: 403,
  server_busy: 503,
  body_already_read: 500,
  internal_error: 500,
}

/** Every `error.code` an API response can carry. */
export type ApiErrorCode = RioErrorCode | HttpErrorCode

/**
 * The HTTP status for an error code.
 * @param code - a Rio or HTTP error code
 * @returns its status (500 for a code neither table knows, which the types rule out)
 */
export function statusOf(code: ApiErrorCode): number {
  return (
    (RIO_ERROR_STATUS as Record<string, number>)[code] ??
    (HTTP_ERROR_STATUS as Record<string, number>)[code] ??
    500
  )
}
