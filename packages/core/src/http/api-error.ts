import type { z } from 'zod'
import { RioError } from '../errors.js'
import { type ApiErrorCode, statusOf } from './status.js'

/** One problem with a request field, as sent in a 400 body. */
export interface ApiIssue {
  /** Where, as a dotted path from the body or query root (`events.3.name`); `''` for the root. */
  readonly path: string
  readonly message: string
}

/** The body of every JSON error response. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode
    readonly message: string
    readonly issues?: readonly ApiIssue[]
  }
}

/**
 * An error a route throws to answer with a given code; the API turns it (and any {@link RioError})
 * into `{ "error": { code, message, issues? } }` with the code's status.
 */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: number

  /**
   * @param code - the stable code; its status comes from `status.ts`
   * @param message - names the subject, the bad value and the fix
   * @param extra.issues - per-field problems (400)
   * @param extra.headers - response headers (`Allow`, `WWW-Authenticate`, `Retry-After`)
   */
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { issues?: readonly ApiIssue[]; headers?: Readonly<Record<string, string>> } = {},
  ) {
    super(message)
    this.status = statusOf(code)
  }
}

/**
 * Converts zod issues to {@link ApiIssue}s.
 * @param prefix - path segments to put in front (e.g. `['query']`)
 */
export function toApiIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ApiIssue[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.'),
    message: issue.message,
  }))
}

/**
 * The status, headers and body for any thrown value: {@link ApiError}s and {@link RioError}s keep
 * their code; anything else is a 500 `internal_error` whose message reveals nothing internal.
 */
export function errorResponse(error: unknown): {
  status: number
  headers: Readonly<Record<string, string>>
  body: ApiErrorBody
} {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      headers: error.extra.headers ?? {},
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.extra.issues?.length ? { issues: error.extra.issues } : {}),
        },
      },
    }
  }
  if (error instanceof RioError) {
    const headers: Record<string, string> = error.code === 'closed' ? { 'retry-after': '1' } : {}
    return {
      status: statusOf(error.code),
      headers,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.issues?.length ? { issues: toApiIssues(error.issues) } : {}),
        },
      },
    }
  }
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'internal_error', message: 'internal error; the details are in the server log' } },
  }
}
