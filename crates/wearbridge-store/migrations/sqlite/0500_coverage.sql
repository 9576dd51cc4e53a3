-- Coverage ledger (sqlite): which days of which data type have been fetched from the
-- provider for a user, and when. Keep in step with ../postgres/0500_coverage.sql.
-- One row per (user, data type, day): reads compute their gaps from it, and an upsert
-- per fetched day keeps concurrent writers from ever conflicting. `day` counts days
-- since 1970-01-01 (the provider's calendar day of the fetch window); `fetched_at` is
-- unix microseconds (UTC).
CREATE TABLE coverage (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    data_type  TEXT NOT NULL,
    day        INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, data_type, day)
) WITHOUT ROWID;

-- Who is fetching a (user, data type) from the provider right now, across nodes: a fill
-- holds the row until `until` (unix µs), extends it while it works and deletes it when
-- done, so two nodes never fetch the same missing days at once. An expired row is free.
CREATE TABLE fetch_leases (
    user_id   TEXT NOT NULL,
    data_type TEXT NOT NULL,
    holder    TEXT NOT NULL,
    until     INTEGER NOT NULL,
    PRIMARY KEY (user_id, data_type)
);
