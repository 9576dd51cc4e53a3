//! The coverage ledger: which days of which data type were fetched from the provider for
//! a user, and when. Reads compute the days they still have to fetch from it
//! (`wearbridge_server::sync::coverage`); every fetch that stores a provider window
//! records its days in the transaction that stores its records, so the ledger never
//! claims data that did not commit.
//!
//! One row per (user, data type, day), written by upsert: concurrent fetches of
//! overlapping windows on any number of nodes only move `fetched_at`, never conflict.
//! Days are counted from 1970-01-01 (`chrono`'s `num_days_from_ce` offset), which keeps
//! the key an integer on both backends.

use chrono::{Days, NaiveDate};
use sqlx::Row;
use wearbridge_model::DataType;

use crate::ids::UserId;
use crate::{Result, Store, StoreTx};

/// Days from 0001-01-01 to 1970-01-01 in `chrono`'s count.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Rows per upsert statement (two binds per row stay far below both backends' limits).
const ROWS_PER_STATEMENT: usize = 200;

const SELECT: &str = "SELECT day, fetched_at FROM coverage \
     WHERE user_id = $1 AND data_type = $2 AND day >= $3 AND day <= $4 ORDER BY day";
const DELETE_USER: &str = "DELETE FROM coverage WHERE user_id = $1";
/// Takes or extends the lease when it is free, expired (`$5` is now) or already ours.
const TAKE_LEASE: &str = "INSERT INTO fetch_leases (user_id, data_type, holder, until) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, data_type) DO UPDATE \
     SET holder = excluded.holder, until = excluded.until \
     WHERE fetch_leases.until <= $5 OR fetch_leases.holder = excluded.holder";
const RELEASE_LEASE: &str =
    "DELETE FROM fetch_leases WHERE user_id = $1 AND data_type = $2 AND holder = $3";

/// One covered day of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoveredDay {
    pub day: NaiveDate,
    /// When the day was last fetched, unix microseconds.
    pub fetched_at: i64,
}

/// The day number stored for `day` (days since 1970-01-01).
pub fn day_number(day: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&day) - EPOCH_DAYS_FROM_CE
}

/// The date of a stored day number.
fn day_from_number(number: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(number.checked_add(EPOCH_DAYS_FROM_CE)?)
}

/// `INSERT ... VALUES (..), (..) ON CONFLICT DO UPDATE` for `rows` days.
fn upsert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let day = 3 + row * 2;
            format!("($1, $2, ${day}, ${})", day + 1)
        })
        .collect();
    format!(
        "INSERT INTO coverage (user_id, data_type, day, fetched_at) VALUES {} \
         ON CONFLICT (user_id, data_type, day) DO UPDATE SET fetched_at = \
         CASE WHEN coverage.fetched_at > excluded.fetched_at THEN coverage.fetched_at \
         ELSE excluded.fetched_at END",
        values.join(", ")
    )
}

impl StoreTx<'_> {
    /// Records that `first..=last` of `data_type` was fetched for `user` at
    /// `fetched_at` (never moving a day's time back).
    pub async fn record_coverage(
        &mut self,
        user: &UserId,
        data_type: DataType,
        first: NaiveDate,
        last: NaiveDate,
        fetched_at: i64,
    ) -> Result<()> {
        let days: Vec<NaiveDate> = first.iter_days().take_while(|day| *day <= last).collect();
        for batch in days.chunks(ROWS_PER_STATEMENT) {
            let sql = upsert_sql(batch.len());
            let mut query = sqlx::query(&sql)
                .bind(user.as_str())
                .bind(data_type.as_str());
            for day in batch {
                query = query.bind(i64::from(day_number(*day))).bind(fetched_at);
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Forgets every covered day of `user` (their records are being deleted).
    pub(crate) async fn forget_coverage(&mut self, user: &UserId) -> Result<()> {
        sqlx::query(DELETE_USER)
            .bind(user.as_str())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

impl Store {
    /// The covered days of `user`'s `data_type` within `first..=last`, oldest first.
    pub async fn coverage(
        &self,
        user: &UserId,
        data_type: DataType,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<CoveredDay>> {
        let rows = sqlx::query(SELECT)
            .bind(user.as_str())
            .bind(data_type.as_str())
            .bind(i64::from(day_number(first)))
            .bind(i64::from(day_number(last)))
            .fetch_all(&self.read)
            .await?;
        let mut days = Vec::with_capacity(rows.len());
        for row in rows {
            let number: i32 = row.try_get::<i64, _>("day")?.try_into().unwrap_or(i32::MAX);
            if let Some(day) = day_from_number(number) {
                days.push(CoveredDay {
                    day,
                    fetched_at: row.try_get("fetched_at")?,
                });
            }
        }
        Ok(days)
    }
}

impl Store {
    /// Takes (or extends) the fetch lease of `user`'s `data_type` for `holder` until
    /// `until` (unix µs); false while another holder's unexpired lease stands.
    pub async fn take_fetch_lease(
        &self,
        (user, data_type): (&UserId, DataType),
        holder: &str,
        until: i64,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(TAKE_LEASE)
            .bind(user.as_str())
            .bind(data_type.as_str())
            .bind(holder)
            .bind(until)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Gives the fetch lease back, if `holder` still has it.
    pub async fn release_fetch_lease(
        &self,
        (user, data_type): (&UserId, DataType),
        holder: &str,
    ) -> Result<()> {
        sqlx::query(RELEASE_LEASE)
            .bind(user.as_str())
            .bind(data_type.as_str())
            .bind(holder)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

/// `day` moved by `delta` days, saturating at the calendar's ends.
pub fn shift_day(day: NaiveDate, delta: i64) -> NaiveDate {
    let magnitude = Days::new(delta.unsigned_abs());
    let shifted = if delta >= 0 {
        day.checked_add_days(magnitude)
    } else {
        day.checked_sub_days(magnitude)
    };
    shifted.unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_count_from_the_unix_epoch() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        assert_eq!(day_number(epoch), 0);
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        assert_eq!(day_from_number(day_number(day)), Some(day));
        assert_eq!(day_number(day) - day_number(shift_day(day, -30)), 30);
    }
}
