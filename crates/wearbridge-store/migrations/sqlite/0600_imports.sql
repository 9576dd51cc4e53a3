-- File imports (Apple Health exports) and their progress (sqlite). Keep in step with
-- ../postgres/0600_imports.sql. Timestamps: BIGINT unix microseconds (UTC).

-- One uploaded export being imported by the durable `import` job. The file is kept
-- on disk at `file_path` until the job ends; `result` is the summary JSON once done.
CREATE TABLE imports (
    id             TEXT PRIMARY KEY NOT NULL,
    developer_id   TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    -- queued | running | succeeded | failed
    state          TEXT NOT NULL,
    file_path      TEXT NOT NULL,
    bytes_total    BIGINT NOT NULL,
    bytes_read     BIGINT NOT NULL DEFAULT 0,
    records_stored BIGINT NOT NULL DEFAULT 0,
    result         TEXT,
    error          TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX imports_by_developer ON imports (developer_id, created_at, id);
