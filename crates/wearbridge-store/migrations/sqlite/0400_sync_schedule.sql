-- Sync schedule (sqlite): periodic polls and token refresh-ahead. Keep in step with
-- ../postgres/0400_sync_schedule.sql. Timestamps: BIGINT unix microseconds (UTC).

-- The poll sweep walks the active users of one provider.
CREATE INDEX users_active_by_provider ON users (provider, id)
    WHERE active = 1 AND deauthenticated = 0;

-- The refresh-ahead sweep finds refreshable tokens by expiry.
CREATE INDEX connections_refreshable_by_expiry ON connections (expires_at)
    WHERE refresh_token_enc IS NOT NULL;
