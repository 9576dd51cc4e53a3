-- Webhook delivery (SQLite). Keep in step with ../postgres/0200_delivery.sql.
-- Timestamps: INTEGER unix microseconds (UTC). The outbox lease columns
-- (events.locked_by / events.locked_until) come from 0001_foundation.

-- One row per delivery attempt, written in the same transaction as the event's new state.
CREATE TABLE delivery_attempts (
    id             TEXT PRIMARY KEY NOT NULL,
    event_id       TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    developer_id   TEXT NOT NULL,
    attempt_number INTEGER NOT NULL,
    started_at     INTEGER NOT NULL,
    latency_micros INTEGER NOT NULL,
    status_code    INTEGER,
    error          TEXT,
    outcome        TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed'))
);
CREATE INDEX delivery_attempts_by_event ON delivery_attempts (event_id, started_at);

-- Per-developer destination state. A missing row means "enabled, never failed".
CREATE TABLE webhook_destinations (
    developer_id          TEXT PRIMARY KEY NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    -- Set when a 410 answered or every attempt failed for 5 days; claims skip the developer.
    disabled_at           INTEGER,
    disabled_reason       TEXT,
    -- First failed attempt since the last success; NULL while healthy.
    failing_since         INTEGER,
    -- The secret before the last rotation, still signing (second v1) until the deadline.
    previous_secret_enc   TEXT,
    previous_secret_until INTEGER,
    -- Last periodic healthcheck event appended (one per interval across all nodes).
    last_healthcheck_at   INTEGER
);

-- Resend-failed scans failed events of one developer by creation time.
CREATE INDEX events_failed ON events (developer_id, created_at) WHERE state = 'failed';
