/**
 * `@rio/core`: Rio's embeddable engine. Emit named events with JSON payloads; Rio stores them
 * durably (SQLite by default), fans each out to every subscribed webhook and in-process function,
 * retries failures with backoff, signs every request (Standard Webhooks) and records every attempt.
 *
 * @example
 * ```ts
 * import { Rio } from '@rio/core'
 * const rio = new Rio({ database: './rio.db' })
 * await rio.webhook('comment-published', { url: 'http://antispam.internal/webhook' })
 * await rio.start()
 * await rio.emit('comment-published', { content: 'hi' })
 * ```
 * @module
 */

export type { Clock } from './clock.js'
export { ManualClock, systemClock } from './clock.js'
export { diagnostics } from './diagnostics.js'
export type {
  RioDatabaseFault,
  RioDatabaseUnrecognizedReason,
  RioErrorCode,
  RioErrorOptions,
} from './errors.js'
export {
  RetryLaterError,
  RioClosedError,
  RioConflictError,
  RioDatabaseCorruptError,
  RioDatabaseError,
  RioDatabaseTooNewError,
  RioDatabaseUnrecognizedError,
  RioError,
  RioIdempotencyError,
  RioNotFoundError,
  RioValidationError,
  UnrecoverableError,
} from './errors.js'
export type { JsonValue, RioEvent } from './events/event.js'
export type { DeliveryReport, RioEventMap } from './events/event-bus.js'
export { RioEventBus } from './events/event-bus.js'
export { EVENT_NAME_RE } from './events/event-name.js'
export type {
  ContentType,
  FunctionHandler,
  Handler,
  HandlerBase,
  WebhookHandler,
  WebhookMethod,
} from './handlers/handler.js'
export type {
  FunctionHandlerOptions,
  HandlerCommonOptions,
  WebhookOptions,
} from './handlers/handler-options.js'
export type { HandlerContext, HandlerFunction } from './handlers/handler-registry.js'
export type { ApiHandler } from './http/api.js'
export { createApiHandler } from './http/api.js'
export type { ApiErrorBody, ApiIssue } from './http/api-error.js'
export type { ApiOptions } from './http/api-options.js'
export { clientAddress, clientKey } from './http/client-address.js'
export type { HealthOptions, HealthReport } from './http/health-report.js'
export { openApiDocument } from './http/openapi.js'
export type {
  JsonSchema,
  OpenApiContent,
  OpenApiDocument,
  OpenApiOperation,
  OpenApiParameter,
  OpenApiResponse,
} from './http/openapi-document.js'
export type { ListenOptions, RioServer, ServerMount } from './http/server.js'
export type { ApiErrorCode, HttpErrorCode } from './http/status.js'
export { HTTP_ERROR_STATUS, RIO_ERROR_STATUS } from './http/status.js'
export type { ResolvedOptions, RioOptions } from './options.js'
export { DEFAULT_RETRY_SCHEDULE, resolveOptions } from './options.js'
export type { EmitManyItem, EmitOptions, EmitResult, HandlerUpdate } from './rio.js'
export { Rio } from './rio.js'
export type { Attempt, Delivery, DeliveryStatus } from './store/delivery.js'
export type { BackupOptions, BackupProgress, BackupReport } from './store/sqlite/backup-database.js'
export { backupDatabase } from './store/sqlite/backup-database.js'
export type { CheckOptions, CheckReport } from './store/sqlite/check-database.js'
export { checkDatabase } from './store/sqlite/check-database.js'
export type { SqliteStoreOptions } from './store/sqlite/sqlite-store.js'
export { SqliteStore } from './store/sqlite/sqlite-store.js'
export type {
  ClaimedDelivery,
  ClaimSlot,
  CleanupCounts,
  CompletionOutcome,
  DeliveryFilter,
  DeliveryOutcome,
  DeliveryResult,
  DeliveryStats,
  DueTimes,
  EventFilter,
  EventInput,
  EventOutcome,
  HandlerFilter,
  HandlerInput,
  HandlerPatch,
  MigrationReport,
  Project,
  Sender,
  Store,
} from './store/store.js'
export type { WriteFailure } from './store/store-fault.js'
export { VERSION } from './version.js'
