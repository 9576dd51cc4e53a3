//! The periodic `healthcheck` event (terra-api-notes D.3): `status`,
//! `creation_timestamp`, `sent_webhooks_last_hour` and `trend_percentage` (the change of
//! that count against the hour before, in percent). One per developer with a webhook
//! URL per interval across all nodes (the store hands the slot to exactly one).

use std::time::Duration;

use chrono::{DateTime, Utc};
use wearbridge_store::Store;
use wearbridge_store::ids::DeveloperId;

use super::DeliveryError;
use crate::services::Services;
use crate::shutdown::ShutdownSignal;

const HOUR_MICROS: i64 = 3_600_000_000;
/// How often the producer checks whether a healthcheck is due.
const TICK: Duration = Duration::from_secs(60);

/// The deliveries to `dev` in the hour before `now` and in the hour before that.
async fn delivered_counts(
    store: &Store,
    dev: &DeveloperId,
    now: DateTime<Utc>,
) -> Result<(i64, i64), DeliveryError> {
    let now_micros = now.timestamp_micros();
    let hour_ago = now_micros - HOUR_MICROS;
    let last_hour = store
        .count_delivered_between(dev, hour_ago, now_micros)
        .await?;
    let hour_before = store
        .count_delivered_between(dev, hour_ago - HOUR_MICROS, hour_ago)
        .await?;
    Ok((last_hour, hour_before))
}

/// Appends a healthcheck for every developer with a webhook URL whose last one is at
/// least `interval` old; returns how many were appended.
pub async fn produce_due(services: &Services, interval: Duration) -> Result<usize, DeliveryError> {
    let now = services.clock.now();
    let mut appended = 0;
    for developer in services.store.list_developers().await? {
        if developer.webhook_url.is_none() {
            continue;
        }
        let (last_hour, hour_before) =
            delivered_counts(&services.store, &developer.id, now).await?;
        let event = crate::events::healthcheck(&developer.id, now, last_hour, hour_before);
        if services
            .store
            .append_healthcheck_if_due(&event, interval, now.timestamp_micros())
            .await?
        {
            appended += 1;
        }
    }
    if appended > 0 {
        super::wake();
    }
    Ok(appended)
}

/// The background producer; does nothing when the interval is 0.
pub async fn run(
    services: Services,
    interval: Duration,
    mut shutdown: ShutdownSignal,
) -> anyhow::Result<()> {
    if interval.is_zero() {
        return Ok(());
    }
    while !shutdown.is_shutting_down() {
        if let Err(error) = produce_due(&services, interval).await {
            tracing::error!(error = %error, "healthcheck producer failed");
        }
        tokio::select! {
            () = shutdown.wait() => break,
            () = tokio::time::sleep(TICK.min(interval)) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::events::trend_percentage;

    #[test]
    fn trend_is_percent_change() {
        assert_eq!(trend_percentage(0, 0), 0);
        assert_eq!(trend_percentage(0, 5), 100);
        assert_eq!(trend_percentage(10, 15), 50);
        assert_eq!(trend_percentage(10, 5), -50);
    }
}
