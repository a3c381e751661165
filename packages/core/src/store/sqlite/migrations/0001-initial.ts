/**
 * The first schema. Times are integer milliseconds since the epoch; JSON columns hold text.
 * Deliveries use integer ids (cheap inserts, compact indexes); events and handlers use UUIDv7 text
 * ids that are handed to receivers and operators.
 */
export const initial = `
CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE senders (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (project_id, name)
);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  idempotency_key TEXT
) WITHOUT ROWID; -- one b-tree keyed by the UUIDv7 instead of a rowid table plus a key index
-- A repeated key in one project is found, not inserted; NULL keys never collide.
CREATE UNIQUE INDEX events_idempotency ON events (project_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_project_created ON events (project_id, created_at);
-- Retention walks events oldest first.
CREATE INDEX events_created ON events (created_at);

CREATE TABLE handlers (
  id TEXT PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('webhook', 'function')),
  pattern TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT,
  concurrency INTEGER NOT NULL,
  rate_limit REAL,
  retry_schedule TEXT,
  url TEXT,
  method TEXT,
  content_type TEXT,
  secrets TEXT NOT NULL DEFAULT '[]',
  headers TEXT NOT NULL DEFAULT '{}',
  timeout_ms INTEGER,
  failing_since INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);
-- Removed handlers stay (their deliveries' history refers to them) but free their name.
CREATE UNIQUE INDEX handlers_name ON handlers (project_id, name) WHERE deleted_at IS NULL;

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES events(id),
  handler_id TEXT NOT NULL REFERENCES handlers(id),
  status TEXT NOT NULL CHECK (status IN ('pending', 'in_flight', 'succeeded', 'dead', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  retry_from INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  lease_until INTEGER,
  lease_owner TEXT,
  last_status INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
-- The claim query is a range scan of this partial index per handler: only pending rows are in it,
-- so finished history never slows claiming.
CREATE INDEX deliveries_due ON deliveries (handler_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_lease ON deliveries (lease_until) WHERE status = 'in_flight';
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_handler ON deliveries (handler_id, id);
CREATE INDEX deliveries_dead ON deliveries (updated_at) WHERE status = 'dead';

CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
  number INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status INTEGER,
  response_body TEXT,
  error TEXT
);
CREATE INDEX attempts_delivery ON attempts (delivery_id);
`
