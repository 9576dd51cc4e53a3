-- Web dashboard sign-in sessions (postgres). Keep in step with
-- ../sqlite/0700_dashboard_sessions.sql. Timestamps: BIGINT unix microseconds (UTC).

-- One signed-in browser. The cookie carries a random id; only its SHA-256 is stored, so a
-- database leak hands out no usable session. A developer session has developer_id set; an
-- operator session (the configured operator key) has it NULL and operator = 1.
CREATE TABLE dashboard_sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    developer_id TEXT REFERENCES developers (id) ON DELETE CASCADE,
    operator     INTEGER NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
-- Purging expired sessions.
CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);
