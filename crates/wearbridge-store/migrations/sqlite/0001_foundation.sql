-- Foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql.
-- Timestamps: INTEGER unix microseconds (UTC). Booleans: INTEGER 0/1.
-- Ids: TEXT. JSON: TEXT, served as stored.

CREATE TABLE developers (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    api_key_hash       TEXT NOT NULL,
    webhook_url        TEXT,
    webhook_secret_enc TEXT NOT NULL,
    created_at         INTEGER NOT NULL
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    developer_id        TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    provider            TEXT NOT NULL,
    provider_user_id    TEXT,
    reference_id        TEXT,
    scopes              TEXT,
    active              INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    deauthenticated     INTEGER NOT NULL DEFAULT 0 CHECK (deauthenticated IN (0, 1)),
    created_at          INTEGER NOT NULL,
    last_webhook_update INTEGER,
    last_polled_at      INTEGER,
    most_recent_data_at INTEGER
);
-- Paged listing (subscriptions) in creation order.
CREATE INDEX users_by_developer ON users (developer_id, created_at, id);
-- userInfo?reference_id=
CREATE INDEX users_by_reference ON users (developer_id, reference_id);
-- Provider webhooks and reconnects find the user by the provider's account id.
CREATE INDEX users_by_provider_account ON users (developer_id, provider, provider_user_id);

CREATE TABLE records (
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    data_type          TEXT NOT NULL,
    identity           TEXT NOT NULL,
    developer_id       TEXT NOT NULL,
    start_ts           INTEGER NOT NULL,
    end_ts             INTEGER NOT NULL,
    local_date         TEXT NOT NULL,
    payload_no_samples TEXT NOT NULL,
    content_hash       TEXT NOT NULL,
    -- 1 on insert, +1 per changing upsert: tells Inserted from Updated in one statement.
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    -- The full record (samples included, often tens of kB) goes last: SQLite stores a
    -- row's columns in order and spills the tail to overflow pages, so reading
    -- payload_no_samples (the default read) must not have to walk past it.
    payload            TEXT NOT NULL,
    PRIMARY KEY (user_id, data_type, identity)
);
-- Range reads: GET /v2/{type}?user_id&start_date&end_date, ordered by start.
CREATE INDEX records_by_start ON records (user_id, data_type, start_ts);

-- Transactional outbox: rows are appended in the same transaction as the change.
CREATE TABLE events (
    id              TEXT PRIMARY KEY NOT NULL,
    developer_id    TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    user_id         TEXT,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    reference       TEXT,
    created_at      INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed')),
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    locked_by       TEXT,
    delivered_at    INTEGER,
    last_error      TEXT
);
-- The delivery worker scans only pending rows, oldest due first.
CREATE INDEX events_pending ON events (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX events_by_developer ON events (developer_id, id);

-- Durable job queue.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    dedup_key    TEXT,
    state        TEXT NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'completed', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    run_at       INTEGER NOT NULL,
    locked_until INTEGER,
    locked_by    TEXT,
    last_error   TEXT,
    progress     TEXT,
    developer_id TEXT REFERENCES developers (id) ON DELETE CASCADE,
    user_id      TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- At most one queued-or-running job per dedup key.
CREATE UNIQUE INDEX jobs_dedup_active ON jobs (dedup_key)
    WHERE state IN ('queued', 'running');
-- Claims look at queued jobs by run_at and running jobs by lease expiry.
CREATE INDEX jobs_queued ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (locked_until) WHERE state = 'running';
