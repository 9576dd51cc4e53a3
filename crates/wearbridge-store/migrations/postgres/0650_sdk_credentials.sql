-- Mobile-SDK ingest credentials (issue 16, postgres). Keep in step with
-- ../sqlite/0650_sdk_credentials.sql. Timestamps: BIGINT unix microseconds (UTC).

-- The secret a phone holds after POST /v2/auth/sdk/connect: it lets the device post its
-- user's data (POST /wearbridge/v1/sdk/data/{type}) without the developer's API key. Only
-- the SHA-256 hex of the 256-bit random token is kept. The credential lives as long as its
-- user: a deauthenticated user's credential no longer resolves (the lookup skips them).
CREATE TABLE sdk_credentials (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX sdk_credentials_by_user ON sdk_credentials (user_id);

-- Terra's id for Health Connect is GOOGLEFIT (terra-api-notes F); users connected under
-- the name used before issue 16 take it.
UPDATE users SET provider = 'GOOGLEFIT' WHERE provider = 'HEALTH_CONNECT';
