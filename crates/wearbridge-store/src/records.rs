//! Normalised data records (activity, sleep, ...), upserted by identity and served as
//! the stored JSON text.

use sqlx::{AnyConnection, Row};
use wearbridge_model::DataType;

use crate::ids::{DeveloperId, UserId};
use crate::rows::json_list;
use crate::types::{NewRecord, RecordQuery, UpsertOutcome};
use crate::{Backend, Result, Store, StoreError, StoreTx, now_micros};

/// Step 1 of an upsert: insert when no record has this identity. The `SELECT ... WHERE
/// EXISTS` makes the write conditional on the user being visible to the developer in the
/// same statement. A conflict does nothing (and, on PostgreSQL, takes no row lock).
const INSERT_NEW: &str = "INSERT INTO records \
     (user_id, data_type, identity, developer_id, start_ts, end_ts, local_date, payload, \
      payload_no_samples, content_hash, version, created_at, updated_at) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11 \
     WHERE EXISTS (SELECT 1 FROM users \
                   WHERE id = $1 AND developer_id = $4 AND deauthenticated = 0) \
     ON CONFLICT (user_id, data_type, identity) DO NOTHING \
     RETURNING version";
/// Step 2: replace the existing record only when its content hash differs. Deliberately
/// not `ON CONFLICT DO UPDATE ... WHERE`: on PostgreSQL that locks the row even when
/// nothing changes, which gives the transaction an id and makes its commit flush the WAL
/// (measured: ~4 ms per unchanged upsert), while a re-sync is mostly unchanged records.
const REPLACE_CHANGED: &str = "UPDATE records SET \
     start_ts = $5, end_ts = $6, local_date = $7, payload = $8, payload_no_samples = $9, \
     content_hash = $10, version = version + 1, updated_at = $11 \
     WHERE user_id = $1 AND data_type = $2 AND identity = $3 AND developer_id = $4 \
     AND content_hash <> $10 \
     AND EXISTS (SELECT 1 FROM users \
                 WHERE id = $1 AND developer_id = $4 AND deauthenticated = 0) \
     RETURNING version";
const USER_VISIBLE: &str = "SELECT 1 AS one FROM users \
     WHERE developer_id = $1 AND id = $2 AND deauthenticated = 0";
/// Keeps `users.most_recent_data_at` at the latest record start without a read.
const BUMP_MOST_RECENT: &str = "UPDATE users SET most_recent_data_at = $3 \
     WHERE developer_id = $1 AND id = $2 \
     AND (most_recent_data_at IS NULL OR most_recent_data_at < $3)";
/// The four reads of a record range: (samples or not) x (by start instant or by local
/// day). Literal SQL each, so every statement is prepared once and visible in full here.
const QUERY_WITH_SAMPLES: &str = "SELECT payload AS body FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND start_ts >= $4 AND start_ts < $5 ORDER BY start_ts, identity";
const QUERY_NO_SAMPLES: &str = "SELECT payload_no_samples AS body FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND start_ts >= $4 AND start_ts < $5 ORDER BY start_ts, identity";
const QUERY_DAYS_WITH_SAMPLES: &str = "SELECT payload AS body FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND local_date >= $4 AND local_date <= $5 ORDER BY start_ts, identity";
const QUERY_DAYS_NO_SAMPLES: &str = "SELECT payload_no_samples AS body FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND local_date >= $4 AND local_date <= $5 ORDER BY start_ts, identity";
const JOINED_NO_SAMPLES: &str = "SELECT string_agg(payload_no_samples, ',' \
     ORDER BY start_ts, identity) AS bodies FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND start_ts >= $4 AND start_ts < $5";
const JOINED_WITH_SAMPLES: &str = "SELECT string_agg(payload, ',' \
     ORDER BY start_ts, identity) AS bodies FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND start_ts >= $4 AND start_ts < $5";
const JOINED_DAYS_NO_SAMPLES: &str = "SELECT string_agg(payload_no_samples, ',' \
     ORDER BY start_ts, identity) AS bodies FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND local_date >= $4 AND local_date <= $5";
const JOINED_DAYS_WITH_SAMPLES: &str = "SELECT string_agg(payload, ',' \
     ORDER BY start_ts, identity) AS bodies FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND local_date >= $4 AND local_date <= $5";

/// The statement for `query`: `rows` (one row per record) or joined (one row in all).
fn range_sql(query: &RecordQuery, joined: bool) -> &'static str {
    match (joined, query.local_days.is_some(), query.with_samples) {
        (false, false, true) => QUERY_WITH_SAMPLES,
        (false, false, false) => QUERY_NO_SAMPLES,
        (false, true, true) => QUERY_DAYS_WITH_SAMPLES,
        (false, true, false) => QUERY_DAYS_NO_SAMPLES,
        (true, false, true) => JOINED_WITH_SAMPLES,
        (true, false, false) => JOINED_NO_SAMPLES,
        (true, true, true) => JOINED_DAYS_WITH_SAMPLES,
        (true, true, false) => JOINED_DAYS_NO_SAMPLES,
    }
}

/// Binds a range read's five parameters (developer, user, type, then the bounds).
fn range_statement<'q>(
    sql: &'q str,
    dev: &'q DeveloperId,
    user: &'q UserId,
    data_type: DataType,
    query: &RecordQuery,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let statement = sqlx::query(sql)
        .bind(dev.as_str())
        .bind(user.as_str())
        .bind(data_type.as_str());
    match query.local_days {
        Some((first, last)) => statement.bind(first.to_string()).bind(last.to_string()),
        None => statement.bind(query.start_ts).bind(query.end_ts),
    }
}

const DELETE_SQLITE: &str = "DELETE FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND identity IN (SELECT value FROM json_each($4)) RETURNING identity";
const DELETE_POSTGRES: &str = "DELETE FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 \
     AND identity IN (SELECT jsonb_array_elements_text($4::jsonb)) RETURNING identity";
const COUNT: &str = "SELECT COUNT(*) AS n FROM records \
     WHERE developer_id = $1 AND user_id = $2 AND data_type = $3";

/// Binds the eleven parameters shared by [`INSERT_NEW`] and [`REPLACE_CHANGED`].
fn record_statement<'q>(
    sql: &'q str,
    dev: &'q DeveloperId,
    user: &'q UserId,
    record: &'q NewRecord,
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(user.as_str())
        .bind(record.data_type.as_str())
        .bind(record.identity.as_str())
        .bind(dev.as_str())
        .bind(record.start_ts)
        .bind(record.end_ts)
        .bind(record.local_date.as_str())
        .bind(record.payload.as_str())
        .bind(record.payload_no_samples.as_str())
        .bind(record.content_hash.as_str())
        .bind(now)
}

/// Insert, else replace if changed, else tell unchanged from invisible user. Writes
/// happen only when something changes.
async fn upsert(
    conn: &mut AnyConnection,
    dev: &DeveloperId,
    user: &UserId,
    record: &NewRecord,
) -> Result<UpsertOutcome> {
    let now = now_micros();
    let inserted = record_statement(INSERT_NEW, dev, user, record, now)
        .fetch_optional(&mut *conn)
        .await?;
    let outcome = if inserted.is_some() {
        UpsertOutcome::Inserted
    } else {
        let replaced = record_statement(REPLACE_CHANGED, dev, user, record, now)
            .fetch_optional(&mut *conn)
            .await?;
        if replaced.is_none() {
            return unchanged_or_not_found(conn, dev, user).await;
        }
        UpsertOutcome::Updated
    };
    sqlx::query(BUMP_MOST_RECENT)
        .bind(dev.as_str())
        .bind(user.as_str())
        .bind(record.start_ts)
        .execute(conn)
        .await?;
    Ok(outcome)
}

/// The upsert wrote nothing: either the content was equal or the user is not visible.
async fn unchanged_or_not_found(
    conn: &mut AnyConnection,
    dev: &DeveloperId,
    user: &UserId,
) -> Result<UpsertOutcome> {
    let visible = sqlx::query(USER_VISIBLE)
        .bind(dev.as_str())
        .bind(user.as_str())
        .fetch_optional(conn)
        .await?;
    match visible {
        Some(_) => Ok(UpsertOutcome::Unchanged),
        None => Err(StoreError::NotFound),
    }
}

async fn delete(
    conn: &mut AnyConnection,
    backend: Backend,
    dev: &DeveloperId,
    user: &UserId,
    data_type: DataType,
    identities: &[String],
) -> Result<Vec<(String, bool)>> {
    if identities.is_empty() {
        return Ok(Vec::new());
    }
    let sql = match backend {
        Backend::Sqlite => DELETE_SQLITE,
        Backend::Postgres => DELETE_POSTGRES,
    };
    let rows = sqlx::query(sql)
        .bind(dev.as_str())
        .bind(user.as_str())
        .bind(data_type.as_str())
        .bind(json_list(identities)?)
        .fetch_all(conn)
        .await?;
    let deleted = rows
        .iter()
        .map(|row| row.try_get::<String, _>("identity"))
        .collect::<Result<std::collections::HashSet<_>, _>>()?;
    Ok(identities
        .iter()
        .map(|identity| (identity.clone(), deleted.contains(identity)))
        .collect())
}

impl Store {
    /// The stored JSON of `user`'s records of `data_type` whose start lies in
    /// `[query.start_ts, query.end_ts)`, ordered by start time. Returns the text exactly
    /// as stored; nothing is parsed. Scoped by developer but, to keep the hot read a
    /// single index range scan, it does not re-check deauthentication: callers resolve
    /// the user with [`Store::get_user`] first (the response needs it anyway).
    pub async fn query_records(
        &self,
        dev: &DeveloperId,
        user: &UserId,
        data_type: DataType,
        query: RecordQuery,
    ) -> Result<Vec<String>> {
        let rows = range_statement(range_sql(&query, false), dev, user, data_type, &query)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<String, _>("body")?))
            .collect()
    }

    /// The same records as [`Store::query_records`], in the same order, as one string:
    /// the stored JSON texts joined with `,` (empty when there are none), ready to be
    /// placed between `[` and `]`. Same scoping and caveat as [`Store::query_records`].
    /// This is the hot read behind `GET /v2/{type}?to_webhook=false`: one result row per
    /// request whatever the number of records.
    pub async fn query_records_joined(
        &self,
        dev: &DeveloperId,
        user: &UserId,
        data_type: DataType,
        query: RecordQuery,
    ) -> Result<String> {
        if self.backend == Backend::Postgres {
            // PostgreSQL streams rows without a thread hop, and its `string_agg` with
            // `ORDER BY` sorts apart from the index order: measured slower there
            // (DECISIONS.md, Store), so rows are joined here.
            let rows = self.query_records(dev, user, data_type, query).await?;
            return Ok(rows.join(","));
        }
        let row = range_statement(range_sql(&query, true), dev, user, data_type, &query)
            .fetch_one(&self.read)
            .await?;
        // The aggregate of no rows is NULL on both backends.
        Ok(row
            .try_get::<Option<String>, _>("bodies")?
            .unwrap_or_default())
    }

    /// Number of `user`'s records of `data_type` (tests and benchmarks).
    pub async fn count_records(
        &self,
        dev: &DeveloperId,
        user: &UserId,
        data_type: DataType,
    ) -> Result<i64> {
        let row = sqlx::query(COUNT)
            .bind(dev.as_str())
            .bind(user.as_str())
            .bind(data_type.as_str())
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// [`StoreTx::upsert_record`] in its own transaction.
    pub async fn upsert_record(
        &self,
        dev: &DeveloperId,
        user: &UserId,
        record: &NewRecord,
    ) -> Result<UpsertOutcome> {
        let mut tx = self.begin().await?;
        let outcome = tx.upsert_record(dev, user, record).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// [`StoreTx::delete_records`] in its own transaction.
    pub async fn delete_records(
        &self,
        dev: &DeveloperId,
        user: &UserId,
        data_type: DataType,
        identities: &[String],
    ) -> Result<Vec<(String, bool)>> {
        let mut tx = self.begin().await?;
        let result = tx.delete_records(dev, user, data_type, identities).await?;
        tx.commit().await?;
        Ok(result)
    }
}

impl StoreTx<'_> {
    /// Inserts the record, replaces it when its content hash changed, or leaves it alone
    /// (`Unchanged`) when the hash is equal, so callers emit exactly one event per new or
    /// changed record. Also advances the user's `most_recent_data_at`.
    /// `NotFound` when `dev` cannot see the user.
    pub async fn upsert_record(
        &mut self,
        dev: &DeveloperId,
        user: &UserId,
        record: &NewRecord,
    ) -> Result<UpsertOutcome> {
        self.touch(user);
        upsert(&mut self.tx, dev, user, record).await
    }

    /// Deletes the named records; for each identity (in input order) whether a record
    /// was deleted.
    pub async fn delete_records(
        &mut self,
        dev: &DeveloperId,
        user: &UserId,
        data_type: DataType,
        identities: &[String],
    ) -> Result<Vec<(String, bool)>> {
        let backend = self.backend;
        self.touch(user);
        delete(&mut self.tx, backend, dev, user, data_type, identities).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{NewDeveloper, NewUser};

    const DAY_MICROS: i64 = 86_400_000_000;

    fn record(day: i64, identity: &str) -> NewRecord {
        NewRecord {
            data_type: DataType::Daily,
            identity: identity.into(),
            start_ts: day * DAY_MICROS,
            end_ts: (day + 1) * DAY_MICROS,
            local_date: local_day(day).to_string(),
            payload: format!(r#"{{"day":{day},"id":"{identity}","samples":[1,2]}}"#),
            payload_no_samples: format!(r#"{{"day":{day},"id":"{identity}"}}"#),
            content_hash: format!("{day}-{identity}"),
        }
    }

    fn local_day(day: i64) -> chrono::NaiveDate {
        chrono::NaiveDate::default() + chrono::Days::new(u64::try_from(day).unwrap_or(0))
    }

    async fn developer(store: &Store, name: &str) -> Result<DeveloperId> {
        let developer = store
            .create_developer(NewDeveloper {
                name: name.to_owned(),
                api_key_hash: format!("hash-of-{name}"),
                webhook_url: None,
                webhook_secret_enc: format!("enc-secret-of-{name}"),
            })
            .await?;
        Ok(developer.id)
    }

    async fn user(store: &Store, dev: &DeveloperId) -> Result<UserId> {
        let new_user = NewUser {
            provider: "GARMIN".to_owned(),
            provider_user_id: Some("garmin-1".to_owned()),
            reference_id: None,
            scopes: None,
        };
        Ok(store.create_user(dev, new_user).await?.id)
    }

    fn range(start_day: i64, end_day: i64, with_samples: bool) -> RecordQuery {
        RecordQuery {
            local_days: None,
            start_ts: start_day * DAY_MICROS,
            end_ts: end_day * DAY_MICROS,
            with_samples,
        }
    }

    /// The joined read must equal the row-per-record read joined with commas, in the
    /// same order (start, then identity), for both payload columns and for no records.
    #[tokio::test]
    async fn joined_read_matches_row_read() -> Result<()> {
        let store = Store::connect("sqlite::memory:").await?;
        store.migrate().await?;
        let dev = developer(&store, "dev").await?;
        let user = user(&store, &dev).await?;
        for (day, identity) in [(3, "b"), (1, "z"), (3, "a"), (2, "m"), (9, "out")] {
            store
                .upsert_record(&dev, &user, &record(day, identity))
                .await?;
        }
        for with_samples in [false, true] {
            let query = range(1, 5, with_samples);
            let rows = store
                .query_records(&dev, &user, DataType::Daily, query)
                .await?;
            assert_eq!(rows.len(), 4);
            let joined = store
                .query_records_joined(&dev, &user, DataType::Daily, query)
                .await?;
            assert_eq!(joined, rows.join(","));
        }
        let empty = store.query_records_joined(&dev, &user, DataType::Daily, range(0, 1, false));
        assert_eq!(empty.await?, "");
        let other = developer(&store, "other").await?;
        let foreign =
            store.query_records_joined(&other, &user, DataType::Daily, range(0, 10, false));
        assert_eq!(foreign.await?, "");
        Ok(())
    }

    /// A date range means the user's local days: a record that starts at 22:00 UTC on
    /// day 2 but on day 3 in its own zone (UTC+3) belongs to day 3.
    #[tokio::test]
    async fn day_ranges_match_the_local_date() -> Result<()> {
        let store = Store::connect("sqlite::memory:").await?;
        store.migrate().await?;
        let dev = developer(&store, "local").await?;
        let user = user(&store, &dev).await?;
        let mut east = record(2, "east");
        east.start_ts = 2 * DAY_MICROS + 22 * 3_600_000_000;
        east.local_date = local_day(3).to_string();
        for row in [
            record(2, "two"),
            east,
            record(3, "three"),
            record(4, "four"),
        ] {
            store.upsert_record(&dev, &user, &row).await?;
        }
        let days = |first: i64, last: i64| RecordQuery {
            local_days: Some((local_day(first), local_day(last))),
            ..range(0, 0, false)
        };
        let ids = |rows: Vec<String>| -> Vec<String> {
            rows.iter()
                .filter_map(|row| serde_json::from_str::<serde_json::Value>(row).ok())
                .map(|value| value["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let day_three = store
            .query_records(&dev, &user, DataType::Daily, days(3, 3))
            .await?;
        assert_eq!(ids(day_three), ["east", "three"]);
        let utc_day_three = store.query_records(&dev, &user, DataType::Daily, range(3, 4, false));
        assert_eq!(ids(utc_day_three.await?), ["three"]);
        let joined = store
            .query_records_joined(&dev, &user, DataType::Daily, days(2, 4))
            .await?;
        let rows = store
            .query_records(&dev, &user, DataType::Daily, days(2, 4))
            .await?;
        assert_eq!(rows.len(), 4);
        assert_eq!(joined, rows.join(","));
        Ok(())
    }

    /// The one-statement read equals the user lookup plus the joined read, and is `None`
    /// for another developer's user.
    #[tokio::test]
    async fn user_with_records_matches_the_two_reads() -> Result<()> {
        let store = Store::connect("sqlite::memory:").await?;
        store.migrate().await?;
        let dev = developer(&store, "one").await?;
        let user = user(&store, &dev).await?;
        for day in [1, 2, 3] {
            store.upsert_record(&dev, &user, &record(day, "r")).await?;
        }
        let by_days = RecordQuery {
            local_days: Some((local_day(2), local_day(3))),
            ..range(0, 0, true)
        };
        for query in [
            range(1, 3, false),
            range(0, 9, true),
            by_days,
            range(7, 9, false),
        ] {
            let found = store
                .get_user_with_records(&dev, &user, DataType::Daily, query)
                .await?;
            let Some((found_user, joined)) = found else {
                panic!("user not found");
            };
            assert_eq!(Some(found_user), store.get_user(&dev, &user).await?);
            let expected = store
                .query_records_joined(&dev, &user, DataType::Daily, query)
                .await?;
            assert_eq!(joined, expected);
        }
        let other = developer(&store, "other").await?;
        let foreign =
            store.get_user_with_records(&other, &user, DataType::Daily, range(0, 9, false));
        assert!(foreign.await?.is_none());
        Ok(())
    }
}
