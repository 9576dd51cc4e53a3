-- Connect flow (PostgreSQL). Keep in step with ../sqlite/0100_connect.sql.
-- Timestamps: BIGINT unix microseconds (UTC). Secrets: TEXT produced by the server's
-- cipher (versioned AES-256-GCM); one-time tokens are stored only as SHA-256 hex.

-- A widget session (generateWidgetSession, /widget/api/session) or a direct
-- authenticateUser flow. `reserved_user_id` is set for authenticateUser, which returns
-- the user id before the provider login: the user is created with that id on success.
CREATE TABLE connect_sessions (
    id                TEXT PRIMARY KEY NOT NULL,
    developer_id      TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    -- Comma-separated uppercase provider ids; NULL offers every enabled provider.
    providers         TEXT,
    language          TEXT,
    reference_id      TEXT,
    success_url       TEXT,
    failure_url       TEXT,
    reserved_user_id  TEXT,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL
);

-- OAuth `state` values in flight: single use (deleted when consumed), bound to one
-- session and one provider, with the PKCE verifier (encrypted) kept server-side.
CREATE TABLE oauth_states (
    state_hash        TEXT PRIMARY KEY NOT NULL,
    session_id        TEXT NOT NULL REFERENCES connect_sessions (id) ON DELETE CASCADE,
    provider          TEXT NOT NULL,
    pkce_verifier_enc TEXT,
    redirect_uri      TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL
);

-- Provider tokens of a connected user (one row per user). `version` grows with every
-- token change; `refresh_locked_until` is a short lease so one node at a time refreshes
-- (refresh tokens rotate and are single-use at most providers).
CREATE TABLE connections (
    user_id              TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    developer_id         TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    provider             TEXT NOT NULL,
    access_token_enc     TEXT NOT NULL,
    refresh_token_enc    TEXT,
    expires_at           BIGINT,
    scopes               TEXT,
    version              BIGINT NOT NULL DEFAULT 1,
    refresh_locked_until BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

-- generateAuthToken: short-lived single-use tokens a mobile SDK exchanges for a user.
CREATE TABLE sdk_auth_tokens (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
