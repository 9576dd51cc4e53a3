//! The per-developer destination row (`webhook_destinations`, next to the developer's
//! URL and current secret): whether deliveries flow, the failure streak, the previous
//! signing secret and the healthcheck slot.

use std::time::Duration;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Destination;
use crate::ids::DeveloperId;
use crate::rows::lease_micros;
use crate::types::NewEvent;
use crate::{Result, Store};

const ENABLE: &str = "INSERT INTO webhook_destinations (developer_id) VALUES ($1) \
     ON CONFLICT (developer_id) DO UPDATE \
     SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL";
const ENSURE_DESTINATION: &str = "INSERT INTO webhook_destinations (developer_id) VALUES ($1) \
     ON CONFLICT (developer_id) DO NOTHING";
const DESTINATION: &str = "SELECT d.id AS developer_id, d.webhook_url, d.webhook_secret_enc, \
     w.previous_secret_enc, w.previous_secret_until, w.disabled_at, w.disabled_reason, \
     w.failing_since FROM developers d \
     LEFT JOIN webhook_destinations w ON w.developer_id = d.id WHERE d.id = $1";
const DEVELOPER_SECRET: &str = "SELECT webhook_secret_enc FROM developers WHERE id = $1";
const KEEP_PREVIOUS_SECRET: &str = "INSERT INTO webhook_destinations \
     (developer_id, previous_secret_enc, previous_secret_until) VALUES ($1, $2, $3) \
     ON CONFLICT (developer_id) DO UPDATE \
     SET previous_secret_enc = excluded.previous_secret_enc, \
         previous_secret_until = excluded.previous_secret_until";
const SET_SECRET: &str = "UPDATE developers SET webhook_secret_enc = $2 WHERE id = $1";
/// Takes the healthcheck slot when the last one is at least the interval old; on
/// PostgreSQL the row lock makes exactly one node win.
const TAKE_HEALTHCHECK_SLOT: &str = "UPDATE webhook_destinations SET last_healthcheck_at = $2 \
     WHERE developer_id = $1 AND (last_healthcheck_at IS NULL OR last_healthcheck_at <= $3)";

fn destination(row: &AnyRow) -> Result<Destination> {
    Ok(Destination {
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        webhook_url: row.try_get("webhook_url")?,
        secret_enc: row.try_get("webhook_secret_enc")?,
        previous_secret_enc: row.try_get("previous_secret_enc")?,
        previous_secret_until: row.try_get("previous_secret_until")?,
        disabled_at: row.try_get("disabled_at")?,
        disabled_reason: row.try_get("disabled_reason")?,
        failing_since: row.try_get("failing_since")?,
    })
}

impl Store {
    /// The destination of `dev`; `None` when the developer does not exist.
    pub async fn destination(&self, dev: &DeveloperId) -> Result<Option<Destination>> {
        let row = sqlx::query(DESTINATION)
            .bind(dev.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(destination).transpose()
    }

    /// Re-enables a disabled destination and forgets its failure streak; its waiting
    /// events flow again. False when the developer does not exist.
    pub async fn enable_destination(&self, dev: &DeveloperId) -> Result<bool> {
        if self.destination(dev).await?.is_none() {
            return Ok(false);
        }
        sqlx::query(ENABLE)
            .bind(dev.as_str())
            .execute(&self.write)
            .await?;
        Ok(true)
    }

    /// Replaces the encrypted signing secret and keeps the old one (signing as a second
    /// `v1`) until `previous_until_micros`. False when the developer does not exist.
    pub async fn rotate_webhook_secret(
        &self,
        dev: &DeveloperId,
        new_secret_enc: &str,
        previous_until_micros: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let Some(row) = sqlx::query(DEVELOPER_SECRET)
            .bind(dev.as_str())
            .fetch_optional(&mut *tx.tx)
            .await?
        else {
            return Ok(false);
        };
        let previous: String = row.try_get("webhook_secret_enc")?;
        sqlx::query(KEEP_PREVIOUS_SECRET)
            .bind(dev.as_str())
            .bind(previous)
            .bind(previous_until_micros)
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(SET_SECRET)
            .bind(dev.as_str())
            .bind(new_secret_enc)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Appends `event` (a periodic healthcheck) unless `dev` got one less than
    /// `interval` before `now_micros`. Exactly one of several nodes racing wins the
    /// slot. Returns whether the event was appended.
    pub async fn append_healthcheck_if_due(
        &self,
        event: &NewEvent,
        interval: Duration,
        now_micros: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query(ENSURE_DESTINATION)
            .bind(event.developer_id.as_str())
            .execute(&mut *tx.tx)
            .await?;
        let taken = sqlx::query(TAKE_HEALTHCHECK_SLOT)
            .bind(event.developer_id.as_str())
            .bind(now_micros)
            .bind(now_micros.saturating_sub(lease_micros(interval)))
            .execute(&mut *tx.tx)
            .await?;
        if taken.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.append_event(event).await?;
        tx.commit().await?;
        Ok(true)
    }
}
