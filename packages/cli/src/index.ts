/**
 * `@rio/cli`: the `rio` command, and {@link run} for tests and hosts.
 * @module
 */

export type { Config, ConfigSources } from './config.js'
export { baseUrl, configPath, loadConfig, resolveConfig } from './config.js'
export { describeFailure } from './describe-failure.js'
export type { FailureReport } from './errors.js'
export { CliError, EXIT, UsageError } from './errors.js'
export type { LogFormat } from './logging.js'
export { createLogger, logRio } from './logging.js'
export { createMetrics } from './metrics.js'
export { createProgram, run } from './program.js'
export type { SyncChange } from './sync-file.js'
export { substituteEnv, syncFile } from './sync-file.js'
