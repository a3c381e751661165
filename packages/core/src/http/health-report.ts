/** Thresholds of {@link Rio.health}. */
export interface HealthOptions {
  /** More due-and-waiting deliveries than this is a problem. @default 1000 */
  backlogThreshold?: number
  /** A started dispatcher that has not finished a round for this long (ms) is a problem. @default 60000 */
  heartbeatStaleMs?: number
}

/** What {@link Rio.health} found. */
export interface HealthReport {
  /** True when there are no problems. */
  readonly ok: boolean
  /** One sentence per problem, naming the number and the threshold. */
  readonly problems: readonly string[]
}
