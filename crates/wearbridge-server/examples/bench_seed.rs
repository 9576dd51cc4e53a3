//! Seeds a database for the load benchmark (`bench/load.sh`): one developer, one user and
//! 30 days of daily summaries, written through the server's own code paths
//! (`developers::create_developer`, `ingest::prepare_record`, `ingest::store_records`).
//! Benchmark-only: the records are synthetic (fixed shapes, values varying by day) and
//! this program is not part of the server binary.
//!
//! Usage: `WEARBRIDGE_ENCRYPTION_KEY=<b64> cargo run --release --example bench_seed -- <database-url>`
//! Prints `{"dev_id", "api_key", "user_id"}`.

use anyhow::{Context, bail};
use chrono::{Days, NaiveDate};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use wearbridge_model::Daily;
use wearbridge_server::crypto::Cipher;
use wearbridge_server::developers::create_developer;
use wearbridge_server::ingest::{prepare_record, store_records};
use wearbridge_store::{NewUser, Store};

/// Days of data the benchmark reads back.
const DAYS: u64 = 30;
/// One heart-rate sample per minute by default, so the stored full payload is
/// realistically large while the samples-free copy the benchmark reads stays small.
/// `BENCH_SAMPLES_PER_DAY` overrides it (0 isolates the cost of the large column).
const DEFAULT_SAMPLES_PER_DAY: u64 = 1440;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(database_url) = std::env::args().nth(1) else {
        bail!("usage: bench_seed <database-url>");
    };
    let key = std::env::var("WEARBRIDGE_ENCRYPTION_KEY")
        .context("WEARBRIDGE_ENCRYPTION_KEY must be set")?;
    let cipher = Cipher::from_key_spec(&key)?;
    let store = Store::connect(&database_url).await?;
    store.migrate().await?;
    let credentials = create_developer(
        &store,
        &cipher,
        "load benchmark",
        (None, &wearbridge_server::outbound::TargetPolicy::default()),
    )
    .await?;
    let user = store
        .create_user(
            &credentials.dev_id,
            NewUser {
                provider: "SANDBOX".to_owned(),
                reference_id: Some("bench".to_owned()),
                ..NewUser::default()
            },
        )
        .await?;
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).context("valid date")?;
    let samples_per_day = match std::env::var("BENCH_SAMPLES_PER_DAY") {
        Ok(value) => value
            .parse()
            .context("BENCH_SAMPLES_PER_DAY must be a number")?,
        Err(_) => DEFAULT_SAMPLES_PER_DAY,
    };
    let mut rows = Vec::new();
    for offset in 0..DAYS {
        let date = start
            .checked_add_days(Days::new(offset))
            .context("valid date")?;
        let daily: Daily = serde_json::from_value(daily_json(date, offset, samples_per_day)?)?;
        rows.push(prepare_record(&daily, usize::try_from(offset)?)?);
    }
    store_records(&store, &credentials.dev_id, &user.id, &rows).await?;
    println!(
        "{}",
        json!({
            "dev_id": credentials.dev_id.as_str(),
            "api_key": credentials.api_key.expose_secret(),
            "user_id": user.id.as_str(),
        })
    );
    Ok(())
}

fn daily_json(date: NaiveDate, offset: u64, samples_per_day: u64) -> anyhow::Result<Value> {
    let next = date.checked_add_days(Days::new(1)).context("valid date")?;
    let variation = f64::from(u32::try_from(offset)?);
    let samples: Vec<Value> = (0..samples_per_day)
        .map(|minute| {
            json!({
                "timestamp": format!("{date}T{:02}:{:02}:00.000000+00:00", minute / 60, minute % 60),
                "bpm": 55.0 + f64::from(u32::try_from(minute % 40).unwrap_or(0))
            })
        })
        .collect();
    Ok(json!({
        "metadata": {
            "start_time": format!("{date}T00:00:00.000000+00:00"),
            "end_time": format!("{next}T00:00:00.000000+00:00"),
            "upload_type": 1
        },
        "distance_data": { "steps": 8000 + offset * 10, "distance_meters": 6100.0 + variation, "floors_climbed": 7 },
        "calories_data": { "total_burned_calories": 2300.0 + variation, "net_activity_calories": 540.0, "BMR_calories": 1760.0 },
        "active_durations_data": { "activity_seconds": 5400.0, "rest_seconds": 30000.0, "low_intensity_seconds": 3000.0, "vigorous_intensity_seconds": 900.0 },
        "heart_rate_data": {
            "summary": { "avg_hr_bpm": 68.0, "max_hr_bpm": 151.0, "min_hr_bpm": 49.0, "resting_hr_bpm": 54.0 },
            "detailed": { "hr_samples": samples }
        },
        "scores": { "recovery": 71.0, "activity": 64.0, "sleep": 80.0 }
    }))
}
