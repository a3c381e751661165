/**
 * `rio-client`: emit events to a Rio server from any service.
 *
 * @module
 */
export { type Dsn, parseDsn } from './dsn.js'
export {
  AbortError,
  ConnectionError,
  DsnError,
  type DsnErrorReason,
  type HttpErrorCode,
  type Issue,
  RioClientError,
  type RioClientErrorCode,
  type RioClientErrorOptions,
  RioHttpError,
  type RioHttpErrorOptions,
  ServerError,
  type ServerErrorCode,
  TimeoutError,
  ValidationError,
  type ValidationErrorCode,
} from './errors.js'
export { VERSION } from './version.js'
