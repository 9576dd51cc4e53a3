-- Sync engine (postgres). Keep in step with ../sqlite/0300_sync.sql.
-- Timestamps: BIGINT unix microseconds (UTC).

-- Provider rate budgets, shared by every node on this database. One row per budget
-- (`app:<PROVIDER>` or `user:<PROVIDER>:<user id>`). `tat` is the GCRA "theoretical
-- arrival time": the budget is spent up to that instant. A request of cost n is allowed
-- when max(tat, now) + n*interval - now <= burst*interval, and then advances tat by
-- n*interval in the same UPDATE, so concurrent nodes cannot both spend the last token.
CREATE TABLE rate_budgets (
    key TEXT PRIMARY KEY NOT NULL,
    tat BIGINT NOT NULL
);

-- Backfill status lookups by user (the API route and `wearbridge users show`).
CREATE INDEX jobs_by_user_kind ON jobs (user_id, kind);

-- Provider push notifications name the provider account, in any developer.
CREATE INDEX users_by_account_any_developer ON users (provider, provider_user_id);
