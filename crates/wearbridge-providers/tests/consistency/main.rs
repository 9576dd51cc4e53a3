//! Cross-provider consistency (issue 7): one synthetic person's day, served by every
//! registered provider's simulator in that provider's wire format and mapped back through
//! that provider's adapter, gives the same step total, sleep duration, resting heart rate,
//! weight and workout energy as the person model, within each provider's precision.
//!
//! Each provider is connected the way the server connects it (authorize with consent at
//! the simulator, code exchange, account lookup), then fetched over three days around the
//! checked day; a metric is compared wherever the provider maps it, and every metric must
//! come from at least two providers so the check cannot pass vacuously.

#[path = "../support/connect.rs"]
mod support_connect;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use secrecy::SecretString;
use serde_json::Value;
use url::Url;
use wearbridge_model::DataType;
use wearbridge_providers::{
    FetchRange, Provider, ProviderCtx, ProvidersConfig, Registry, TerraRecordData, http_client,
};
use wearbridge_sim::{SimConfig, Simulator};

/// The simulated account: any seed works; this one is fixed so failures reproduce.
const ACCOUNT: &str = "consistency-7";

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 4).unwrap_or_default()
}

/// What one provider reported for the checked day.
#[derive(Debug, Default, Clone, Copy)]
struct Reading {
    steps: Option<f64>,
    sleep_s: Option<f64>,
    resting_hr: Option<f64>,
    weight_kg: Option<f64>,
    workout_kcal: Option<f64>,
    /// The Daily's VO2 max (mL/min/kg), where the provider maps one.
    vo2max: Option<f64>,
    /// Breaths per minute of the night ending on the day, where the provider reports it.
    breaths: Option<f64>,
}

/// The local date of an RFC 3339 timestamp as written (its own offset).
fn local_date(timestamp: &Value) -> Option<NaiveDate> {
    let text = timestamp.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.date_naive())
}

fn records_json(records: &[TerraRecordData]) -> Vec<Value> {
    records
        .iter()
        .map(|record| match record.to_json() {
            Ok(json) => json,
            Err(error) => panic!("record serializes: {error}"),
        })
        .collect()
}

/// Sums a numeric field over the records whose `time_field` falls on `date`.
fn sum_on(records: &[Value], time_field: &str, date: NaiveDate, path: &[&str]) -> Option<f64> {
    let values: Vec<f64> = records
        .iter()
        .filter(|record| local_date(&record["metadata"][time_field]) == Some(date))
        .filter_map(|record| {
            path.iter()
                .try_fold(record, |value, key| value.get(*key))
                .and_then(Value::as_f64)
        })
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

fn first_on(records: &[Value], time_field: &str, date: NaiveDate, path: &[&str]) -> Option<f64> {
    records
        .iter()
        .filter(|record| local_date(&record["metadata"][time_field]) == Some(date))
        .find_map(|record| {
            path.iter()
                .try_fold(record, |value, key| value.get(*key))
                .and_then(Value::as_f64)
        })
}

fn weight_on(records: &[Value], date: NaiveDate) -> Option<f64> {
    records
        .iter()
        .filter(|record| local_date(&record["metadata"]["start_time"]) == Some(date))
        .flat_map(|record| {
            record["measurements_data"]["measurements"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find_map(|measurement| measurement["weight_kg"].as_f64())
}

async fn fetch(
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    token: &SecretString,
    data_type: DataType,
) -> Vec<Value> {
    if !provider.supported_types().contains(&data_type) {
        return Vec::new();
    }
    let range = FetchRange {
        start: day() - Days::new(1),
        end: day() + Days::new(1),
    };
    match provider.fetch(ctx, token, data_type, range).await {
        Ok(records) => records_json(&records),
        Err(error) => panic!("{} {data_type}: {error}", provider.info().id),
    }
}

async fn read(provider: &dyn Provider, ctx: &ProviderCtx, token: &SecretString) -> Reading {
    let daily = fetch(provider, ctx, token, DataType::Daily).await;
    let sleep = fetch(provider, ctx, token, DataType::Sleep).await;
    let body = fetch(provider, ctx, token, DataType::Body).await;
    let activity = fetch(provider, ctx, token, DataType::Activity).await;
    let energy = ["calories_data", "total_burned_calories"];
    let resting = ["heart_rate_data", "summary", "resting_hr_bpm"];
    Reading {
        steps: sum_on(&daily, "start_time", day(), &["distance_data", "steps"]),
        sleep_s: sum_on(
            &sleep,
            "end_time",
            day(),
            &[
                "sleep_durations_data",
                "asleep",
                "duration_asleep_state_seconds",
            ],
        ),
        resting_hr: first_on(&daily, "start_time", day(), &resting)
            .or_else(|| first_on(&sleep, "end_time", day(), &resting)),
        weight_kg: weight_on(&body, day()),
        workout_kcal: sum_on(&activity, "start_time", day(), &energy),
        vo2max: first_on(
            &daily,
            "start_time",
            day(),
            &["oxygen_data", "vo2max_ml_per_min_per_kg"],
        ),
        breaths: first_on(
            &sleep,
            "end_time",
            day(),
            &["respiration_data", "breaths_data", "avg_breaths_per_min"],
        ),
    }
}

/// How close a provider's value must be to the model's: its documented precision.
struct Precision {
    steps: f64,
    sleep_s: f64,
    resting_hr: f64,
    weight_kg: f64,
    workout_kcal: f64,
}

/// Steps are counted exactly everywhere; sleep durations are whole seconds (Oura, Garmin,
/// Polar's ISO durations) or milliseconds (WHOOP), but some providers report stage totals
/// rounded to minutes (60 s); heart rates are whole bpm (±1 for rounding the model's
/// mean); weights are grams (Garmin) or a mantissa with a power-of-ten unit (Withings),
/// so 0.05 kg covers every provider's rounding; workout energy is tenths of a kcal (or of
/// a kJ, WHOOP), so 0.1 kcal.
const PRECISION: Precision = Precision {
    steps: 0.0,
    sleep_s: 60.0,
    resting_hr: 1.0,
    weight_kg: 0.05,
    workout_kcal: 0.1,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_reports_the_same_day() {
    let sim = Simulator::spawn(SimConfig::default())
        .await
        .unwrap_or_else(|error| panic!("simulator: {error}"));
    let base = Url::parse(&sim.base_url()).unwrap_or_else(|error| panic!("{error}"));
    let endpoints = wearbridge_sim::layout::endpoints(&base);
    let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
    let person = sim.person(ACCOUNT);
    let truth = person.day(day());
    // Oura's activity day runs from 04:00 to 04:00 local (its documented `timestamp`), so
    // its step total is the person's steps over that window, not over the midnight day.
    let next = person.day(day() + Days::new(1));
    let oura_steps: u32 = truth
        .intervals
        .iter()
        .chain(next.intervals.iter())
        .filter(|interval| {
            let start = interval.start.naive_local();
            let from = day().and_hms_opt(4, 0, 0).unwrap_or_default();
            let to = (day() + Days::new(1))
                .and_hms_opt(4, 0, 0)
                .unwrap_or_default();
            start >= from && start < to
        })
        .map(|interval| interval.steps)
        .sum();
    let mut readings = BTreeMap::new();
    for info in registry.enabled() {
        let (Some(provider), Ok(http)) = (registry.get(info.id), http_client()) else {
            panic!("{} is enabled in sandbox mode", info.id);
        };
        let Some(ctx) = registry.ctx(info.id, http) else {
            panic!("{} has a context", info.id);
        };
        let (token, ctx) = support_connect::connect(provider.as_ref(), &ctx, ACCOUNT).await;
        readings.insert(info.id, read(provider.as_ref(), &ctx, &token).await);
    }
    let expected = [
        ("steps", f64::from(truth.total_steps()), PRECISION.steps),
        (
            "sleep_s",
            truth.sleep_duration_s() as f64,
            PRECISION.sleep_s,
        ),
        (
            "resting_hr",
            f64::from(truth.resting_hr_bpm()),
            PRECISION.resting_hr,
        ),
        ("weight_kg", truth.weight_kg(), PRECISION.weight_kg),
        (
            "workout_kcal",
            truth
                .workouts
                .iter()
                .map(|workout| workout.total_kcal)
                .sum(),
            PRECISION.workout_kcal,
        ),
    ];
    let mut problems = Vec::new();
    for (metric, want, tolerance) in expected {
        let mut reporters = 0;
        for (provider, reading) in &readings {
            let got = match metric {
                "steps" => reading.steps,
                "sleep_s" => reading.sleep_s,
                "resting_hr" => reading.resting_hr,
                "workout_kcal" => reading.workout_kcal,
                _ => reading.weight_kg,
            };
            let Some(got) = got else { continue };
            reporters += 1;
            let want = if metric == "steps" && *provider == "OURA" {
                f64::from(oura_steps)
            } else {
                want
            };
            if (got - want).abs() > tolerance {
                problems.push(format!(
                    "{provider} {metric}: {got} vs model {want} (±{tolerance})"
                ));
            }
        }
        if reporters < 2 {
            problems.push(format!(
                "{metric}: only {reporters} provider(s) report it ({readings:?})"
            ));
        }
    }
    // OURA's Daily carries its vO2_max collection: the simulator's Uth–Sørensen estimate
    // from the person's maximum heart rate and that night's resting heart rate.
    let oura_vo2 = (15.3 * person.profile().max_hr_bpm / f64::from(truth.resting_hr_bpm())).round();
    if readings.get("OURA").and_then(|reading| reading.vo2max) != Some(oura_vo2) {
        problems.push(format!("OURA vo2max: want {oura_vo2}"));
    }
    // GOOGLE_HEALTH's `daily-vo2-max` is the same estimate, unrounded (a double).
    let night = person.sleep_ending_on(day());
    let google_vo2 = night.vo2_max_estimate(person.profile().max_hr_bpm);
    let got = readings
        .get("GOOGLE_HEALTH")
        .and_then(|reading| reading.vo2max);
    if got.is_none_or(|got| (got - google_vo2).abs() > 1e-9) {
        problems.push(format!("GOOGLE_HEALTH vo2max: {got:?}, want {google_vo2}"));
    }
    // The night's breathing rate, wherever a provider reports it, to its rounding: Withings'
    // `rr_average` is whole breaths per minute, the others keep tenths.
    let breathing: Vec<_> = readings
        .iter()
        .filter_map(|(provider, reading)| Some((provider, reading.breaths?)))
        .collect();
    for (provider, got) in &breathing {
        let tolerance = if **provider == "WITHINGS" { 0.5 } else { 0.1 };
        if (got - night.respiration_rate_brpm).abs() > tolerance {
            problems.push(format!(
                "{provider} breaths: {got} vs model {}",
                night.respiration_rate_brpm
            ));
        }
    }
    if !breathing
        .iter()
        .any(|(provider, _)| **provider == "GOOGLE_HEALTH")
    {
        problems.push(format!(
            "GOOGLE_HEALTH reports no breathing rate: {breathing:?}"
        ));
    }
    assert!(
        problems.is_empty(),
        "{problems:#?}\nreadings: {readings:#?}"
    );
}
