-- Terra's inbound rate limit r2 (postgres). Keep in step with ../sqlite/0510_rate_limits.sql.
-- Timestamps: BIGINT unix microseconds (UTC).

-- Day units one user's data reads spent in the last hour, shared by every node on this
-- database. One row per (developer, user). `buckets` is the rolling window: the units
-- spent per minute, "<unix minute>:<units>" comma-separated, oldest first, at most 61
-- entries (minutes older than the window are dropped on the next write). A read locks
-- the row (an upsert that returns it), checks and adds in Rust (`wearbridge-store` `rate_limits.rs`), and writes
-- it back in the same transaction, so concurrent nodes queue on the row lock and never
-- both spend the last units.
CREATE TABLE rate_limit_windows (
    developer_id TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    buckets      TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (developer_id, user_id)
);
