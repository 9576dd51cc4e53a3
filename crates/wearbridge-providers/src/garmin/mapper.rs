//! Pure mappers from Garmin Health/Activity API summaries ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Garmin sends instants as Unix seconds plus the device's display
//! offset; every Terra timestamp here is that instant *in that offset*, so a summary keeps
//! the local day the user saw it on. Without an offset an instant stays in UTC (still the
//! right instant). Units: weights arrive in **grams** and become kilograms where Terra
//! wants kilograms (`weight_kg`) but stay grams where Terra counts grams (`bone_mass_g`,
//! `muscle_mass_g`); durations are seconds on both sides; HRV values are RMSSD (ms).
//!
//! Terra keys Daily and Body records by local day, while Garmin spreads a day over several
//! summaries (dailies, epochs, stressDetails; bodyComps, bloodPressures, pulseOx, hrv,
//! userMetrics). The `*_days` functions therefore merge everything of one local day into
//! one record, so two summaries never overwrite each other in the store.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, Offset, TimeDelta, Utc};
use serde_json::Value;
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityLevel, ActivityLevelSample, ActivityMetadata,
    ActivityType, AsleepDurations, Athlete, AwakeDurations, BloodPressureData, BloodPressureSample,
    Body, BodyBatterySample, BodyMetadata, BreathSample, BreathsData, CaloriesData, Daily,
    DailyDistanceData, DailyMetadata, DeviceData, DistanceData, DistanceDataDetailed,
    DistanceDataSummary, DistanceSample, ElevationData, ElevationSample, HeartData, HeartRateData,
    HeartRateDataDetailed, HeartRateDataSample, HeartRateDataSummary,
    HeartRateVariabilityDataSampleRmssd, LapData, LapSample, MeasurementDataSample,
    MeasurementsData, Menstruation, MenstruationData, MenstruationInterval, MenstruationMetadata,
    MetData, MetSample, MovementData, OtherSleepDurations, OxygenData, OxygenSaturationData,
    OxygenSaturationSample, OxygenSaturationType, PositionData, PositionSample, PowerData,
    PowerSample, RespirationData, Sleep, SleepDurationsData, SleepHypnogramSample, SleepLevel,
    SleepMetadata, SleepScores, SleepUploadType, SpeedSample, StepSample, StressData, StressLevel,
    StressSample, Timestamp, UploadType,
};

use super::wire;

/// Longest series accepted (a week of 1-second samples); longer ones are cut, so a hostile
/// payload cannot make one record unbounded.
const MAX_SAMPLES: usize = 7 * 24 * 3600;
/// Instants beyond ±10^11 s (year ~5000) are refused rather than overflowing chrono.
const MAX_EPOCH_SECONDS: f64 = 1e11;
/// A day, the span of a complete daily summary.
const DAY_S: i64 = 86_400;

fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

fn device() -> DeviceData {
    DeviceData {
        manufacturer: Some("Garmin".to_owned()),
        ..DeviceData::default()
    }
}

/// `None` for an empty series, so a record without samples omits the key.
fn some<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite())
}

/// A whole, non-negative count (steps, floors) as Terra's integer.
fn count(value: Option<f64>) -> Option<i64> {
    finite(value)
        .filter(|value| (0.0..=9.0e15).contains(value))
        .map(|value| value.round() as i64)
}

/// Garmin's `…OffsetInSeconds`, or UTC when absent or outside ±24 h.
pub fn display_offset(seconds: Option<f64>) -> FixedOffset {
    finite(seconds)
        .filter(|seconds| seconds.abs() < DAY_S as f64)
        .and_then(|seconds| FixedOffset::east_opt(seconds.round() as i32))
        .unwrap_or(Utc.fix())
}

/// The instant `seconds` (Unix, UTC) shown in `offset`. Fractions are kept to the
/// millisecond (pulseOx and respiration type their start as a float).
pub fn instant(seconds: Option<f64>, offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let seconds = finite(seconds).filter(|s| s.abs() < MAX_EPOCH_SECONDS)?;
    let millis = (seconds * 1000.0).round() as i64;
    Some(DateTime::from_timestamp_millis(millis)?.with_timezone(&offset))
}

fn plus(start: DateTime<FixedOffset>, seconds: f64) -> Option<DateTime<FixedOffset>> {
    if !seconds.is_finite() || seconds.abs() > MAX_EPOCH_SECONDS {
        return None;
    }
    start.checked_add_signed(TimeDelta::try_milliseconds(
        (seconds * 1000.0).round() as i64
    )?)
}

/// A Garmin offset series as (time, value), ordered by offset. Keys that are not whole
/// numbers and values that are not finite numbers are skipped.
pub fn series(
    map: Option<&wire::OffsetSeries>,
    start: DateTime<FixedOffset>,
) -> Vec<(Timestamp, f64)> {
    let Some(map) = map else {
        return Vec::new();
    };
    let mut points: Vec<(i64, f64)> = map
        .iter()
        .filter_map(|(key, value)| Some((key.trim().parse::<i64>().ok()?, value.as_f64()?)))
        .filter(|(_, value)| value.is_finite())
        .take(MAX_SAMPLES)
        .collect();
    points.sort_by_key(|(offset, _)| *offset);
    points
        .into_iter()
        .filter_map(|(offset, value)| {
            let at = start.checked_add_signed(TimeDelta::try_seconds(offset)?)?;
            Some((ts(at), value))
        })
        .collect()
}

fn values(points: &[(Timestamp, f64)]) -> impl Iterator<Item = f64> + '_ {
    points.iter().map(|(_, value)| *value)
}

fn mean(points: &[(Timestamp, f64)]) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    Some(values(points).sum::<f64>() / points.len() as f64).filter(|avg| avg.is_finite())
}

/// Local midnight of `day` and of the next day at `offset`: a day-scoped record's period.
fn day_bounds(day: NaiveDate, offset: FixedOffset) -> Option<(Timestamp, Timestamp)> {
    let start = day
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    let next = day.checked_add_days(Days::new(1))?;
    let end = next
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    Some((ts(start), ts(end)))
}

/// Local midnights without an offset, for date-only summaries (userMetrics, mct):
/// inventing UTC would move the record to another day for half the world.
fn local_day_bounds(day: NaiveDate) -> Option<(Timestamp, Timestamp)> {
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = day.checked_add_days(Days::new(1))?.and_hms_opt(0, 0, 0)?;
    Some((Timestamp::from_local(start), Timestamp::from_local(end)))
}

/// Strict `YYYY-MM-DD`.
pub fn parse_date(text: Option<&str>) -> Option<NaiveDate> {
    let text = text?.trim();
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The local day of a summary: its `calendarDate`, else the local date of its start.
fn summary_day(
    calendar_date: Option<&str>,
    start: Option<DateTime<FixedOffset>>,
) -> Option<NaiveDate> {
    parse_date(calendar_date).or_else(|| start.map(|start| start.date_naive()))
}

fn hr_samples(points: &[(Timestamp, f64)]) -> Vec<HeartRateDataSample> {
    points
        .iter()
        .map(|(timestamp, bpm)| HeartRateDataSample {
            timestamp: Some(*timestamp),
            bpm: Some(*bpm),
            ..HeartRateDataSample::default()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Athlete.

/// The athlete: Garmin has no profile endpoint, only the user id.
pub fn athlete(user: &wire::UserId) -> Athlete {
    Athlete {
        provider_user_id: Some(user.user_id.clone()),
        ..Athlete::default()
    }
}

// ---------------------------------------------------------------------------------------
// Daily: dailies + epochs + stressDetails.

/// Everything Garmin sent about one local day.
#[derive(Debug, Default)]
struct DayParts<'a> {
    offset: Option<FixedOffset>,
    daily: Option<&'a wire::Daily>,
    epochs: Vec<(DateTime<FixedOffset>, &'a wire::Epoch)>,
    stress: Vec<(DateTime<FixedOffset>, &'a wire::StressDetails)>,
}

/// One Terra Daily per local day found in `dailies`, `epochs` and `stress` (any may be
/// empty), in date order. A later daily summary of the same day wins (Garmin re-sends a
/// day with a longer duration after each sync).
pub fn daily_days(
    dailies: &[wire::Daily],
    epochs: &[wire::Epoch],
    stress: &[wire::StressDetails],
) -> Vec<Daily> {
    let mut days: BTreeMap<NaiveDate, DayParts<'_>> = BTreeMap::new();
    for daily in dailies {
        let offset = display_offset(daily.start_time_offset_in_seconds);
        let start = instant(daily.start_time_in_seconds, offset);
        if let Some(date) = summary_day(daily.calendar_date.as_deref(), start) {
            let parts = days.entry(date).or_default();
            parts.offset = Some(offset);
            parts.daily = Some(daily);
        }
    }
    for epoch in epochs {
        let offset = display_offset(epoch.start_time_offset_in_seconds);
        if let Some(start) = instant(epoch.start_time_in_seconds, offset) {
            let parts = days.entry(start.date_naive()).or_default();
            parts.offset.get_or_insert(offset);
            parts.epochs.push((start, epoch));
        }
    }
    for details in stress {
        let offset = display_offset(details.start_time_offset_in_seconds);
        let start = instant(details.start_time_in_seconds, offset);
        if let (Some(start), Some(date)) =
            (start, summary_day(details.calendar_date.as_deref(), start))
        {
            let parts = days.entry(date).or_default();
            parts.offset.get_or_insert(offset);
            parts.stress.push((start, details));
        }
    }
    days.into_iter()
        .filter_map(|(date, parts)| daily_record(date, &parts))
        .collect()
}

fn daily_record(date: NaiveDate, parts: &DayParts<'_>) -> Option<Daily> {
    let offset = parts.offset?;
    let (start_time, end_time) = day_bounds(date, offset)?;
    let empty = wire::Daily::default();
    let day = parts.daily.unwrap_or(&empty);
    let day_start = instant(day.start_time_in_seconds, offset);
    let heart = day_start
        .map(|start| series(day.time_offset_heart_rate_samples.as_ref(), start))
        .unwrap_or_default();
    let epochs = EpochSeries::of(&parts.epochs);
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: if day.source.is_some() {
                UploadType::ThirdPartyUpload
            } else {
                UploadType::Automatic
            },
            timestamp_localization: None,
        },
        distance_data: Some(DailyDistanceData {
            steps: count(day.steps).or(epochs.total_steps),
            distance_meters: finite(day.distance_in_meters),
            floors_climbed: count(day.floors_climbed),
            detailed: Some(DistanceDataDetailed {
                step_samples: some(epochs.steps),
                distance_samples: some(epochs.distance),
                ..DistanceDataDetailed::default()
            }),
            ..DailyDistanceData::default()
        }),
        calories_data: Some(daily_calories(day)),
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: finite(day.active_time_in_seconds),
            moderate_intensity_seconds: finite(day.moderate_intensity_duration_in_seconds),
            vigorous_intensity_seconds: finite(day.vigorous_intensity_duration_in_seconds),
            activity_levels_samples: some(epochs.levels),
            ..ActiveDurationsData::default()
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                // `averageHeartRateInBeatsPerMinute` is a 7-day mean (spec §7.1): the
                // day's average comes from the day's own samples.
                avg_hr_bpm: mean(&heart),
                min_hr_bpm: finite(day.min_heart_rate_in_beats_per_minute),
                max_hr_bpm: finite(day.max_heart_rate_in_beats_per_minute),
                resting_hr_bpm: finite(day.resting_heart_rate_in_beats_per_minute),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: some(hr_samples(&heart)),
                ..HeartRateDataDetailed::default()
            }),
        }),
        met_data: Some(MetData {
            met_samples: some(epochs.met),
            num_moderate_intensity_minutes: finite(day.moderate_intensity_duration_in_seconds)
                .map(|seconds| seconds / 60.0),
            num_high_intensity_minutes: finite(day.vigorous_intensity_duration_in_seconds)
                .map(|seconds| seconds / 60.0),
            ..MetData::default()
        }),
        stress_data: Some(stress_data(day, &parts.stress)),
        oxygen_data: (day.average_spo2.is_some()).then(|| wearbridge_model::OxygenData {
            avg_saturation_percentage: finite(day.average_spo2),
            ..wearbridge_model::OxygenData::default()
        }),
        device_data: Some(device()),
        ..Daily::default()
    })
}

/// Active + BMR is the day's total; consumed calories are intake, not expenditure.
fn daily_calories(day: &wire::Daily) -> CaloriesData {
    let active = finite(day.active_kilocalories);
    let bmr = finite(day.bmr_kilocalories);
    CaloriesData {
        net_activity_calories: active,
        bmr_calories: bmr,
        total_burned_calories: match (active, bmr) {
            (Some(active), Some(bmr)) => Some(active + bmr),
            _ => None,
        },
        net_intake_calories: finite(day.consumed_calories),
        ..CaloriesData::default()
    }
}

/// Garmin's stress bands (spec §7.1): 1–25 rest, 26–50 low, 51–75 medium, 76–100 high;
/// −1 and other codes mean "not measured".
fn stress_rating(level: Option<f64>) -> Option<StressLevel> {
    let level = finite(level)?;
    Some(match level {
        l if (1.0..=25.0).contains(&l) => StressLevel::Rest,
        l if l > 25.0 && l <= 50.0 => StressLevel::Low,
        l if l > 50.0 && l <= 75.0 => StressLevel::Medium,
        l if l > 75.0 && l <= 100.0 => StressLevel::High,
        _ => StressLevel::Unknown,
    })
}

fn stress_data(
    day: &wire::Daily,
    details: &[(DateTime<FixedOffset>, &wire::StressDetails)],
) -> StressData {
    let level = finite(day.stress_level()).filter(|level| *level >= 0.0);
    let mut samples = Vec::new();
    let mut battery = Vec::new();
    for (start, detail) in details {
        // Negative stress values are codes (off wrist, large motion, ...), not levels.
        samples.extend(
            series(detail.time_offset_stress_level_values.as_ref(), *start)
                .into_iter()
                .filter(|(_, level)| *level >= 0.0)
                .map(|(timestamp, level)| StressSample {
                    timestamp: Some(timestamp),
                    level: Some(level),
                }),
        );
        battery.extend(
            series(detail.time_offset_body_battery_values.as_ref(), *start)
                .into_iter()
                .map(|(timestamp, level)| BodyBatterySample {
                    timestamp: Some(timestamp),
                    level: Some(level),
                }),
        );
    }
    StressData {
        avg_stress_level: level,
        max_stress_level: finite(day.max_stress_level).filter(|level| *level >= 0.0),
        stress_duration_seconds: finite(day.stress_duration_in_seconds),
        rest_stress_duration_seconds: finite(day.rest_stress_duration_in_seconds),
        activity_stress_duration_seconds: finite(day.activity_stress_duration_in_seconds),
        low_stress_duration_seconds: finite(day.low_stress_duration_in_seconds),
        medium_stress_duration_seconds: finite(day.medium_stress_duration_in_seconds),
        high_stress_duration_seconds: finite(day.high_stress_duration_in_seconds),
        stress_rating: stress_rating(level),
        samples: some(samples),
        body_battery_samples: some(battery),
    }
}

/// The sample series a day's epochs give.
struct EpochSeries {
    steps: Vec<StepSample>,
    distance: Vec<DistanceSample>,
    met: Vec<MetSample>,
    levels: Vec<ActivityLevelSample>,
    total_steps: Option<i64>,
}

impl EpochSeries {
    /// One sample per epoch record (Garmin sends one record per activity type within a
    /// slice; each keeps its own step count, MET and intensity).
    fn of(epochs: &[(DateTime<FixedOffset>, &wire::Epoch)]) -> EpochSeries {
        let mut sorted: Vec<&(DateTime<FixedOffset>, &wire::Epoch)> = epochs.iter().collect();
        sorted.sort_by_key(|(start, _)| *start);
        let duration = |epoch: &wire::Epoch| {
            finite(epoch.active_time_in_seconds.or(epoch.duration_in_seconds))
        };
        EpochSeries {
            steps: sorted
                .iter()
                .filter_map(|(start, epoch)| {
                    Some(StepSample {
                        timestamp: Some(ts(*start)),
                        steps: Some(count(epoch.steps)? as f64),
                        timer_duration_seconds: duration(epoch),
                    })
                })
                .collect(),
            distance: sorted
                .iter()
                .filter_map(|(start, epoch)| {
                    Some(DistanceSample {
                        timestamp: Some(ts(*start)),
                        distance_meters: Some(finite(epoch.distance_in_meters)?),
                        timer_duration_seconds: duration(epoch),
                    })
                })
                .collect(),
            met: sorted
                .iter()
                .filter_map(|(start, epoch)| {
                    Some(MetSample {
                        timestamp: Some(ts(*start)),
                        level: Some(finite(epoch.met)?),
                    })
                })
                .collect(),
            levels: sorted
                .iter()
                .map(|(start, epoch)| ActivityLevelSample {
                    timestamp: Some(ts(*start)),
                    activity_level: Some(activity_level(epoch.intensity.as_deref())),
                    timer_duration_seconds: duration(epoch),
                })
                .collect(),
            total_steps: if epochs.is_empty() {
                None
            } else {
                Some(
                    sorted
                        .iter()
                        .filter_map(|(_, epoch)| count(epoch.steps))
                        .sum(),
                )
            },
        }
    }
}

/// Garmin's monitoring intensity (Appendix B) as Terra's activity level.
fn activity_level(intensity: Option<&str>) -> ActivityLevel {
    match intensity.map(str::to_ascii_uppercase).as_deref() {
        Some("SEDENTARY") => ActivityLevel::Inactive,
        Some("ACTIVE") => ActivityLevel::MediumIntensity,
        Some("HIGHLY_ACTIVE") => ActivityLevel::HighIntensity,
        _ => ActivityLevel::Unknown,
    }
}

// ---------------------------------------------------------------------------------------
// Sleep.

/// Garmin's `validation` as Terra's sleep upload type.
fn sleep_upload_type(validation: Option<&str>) -> SleepUploadType {
    match validation.map(str::to_ascii_uppercase).as_deref() {
        Some("MANUAL" | "AUTO_MANUAL") => SleepUploadType::Manual,
        Some("AUTO_TENTATIVE" | "ENHANCED_TENTATIVE") => SleepUploadType::Tentative,
        Some("DEVICE" | "AUTO_FINAL" | "ENHANCED_FINAL") => SleepUploadType::Automatic,
        Some("OFF_WRIST") => SleepUploadType::Indeterminate,
        _ => SleepUploadType::Unknown,
    }
}

/// One sleep window. `None` without a start time or summary id.
pub fn sleep(night: &wire::Sleep) -> Option<Sleep> {
    let offset = display_offset(night.start_time_offset_in_seconds);
    let start = instant(night.start_time_in_seconds, offset)?;
    let duration = finite(night.duration_in_seconds)
        .filter(|d| *d >= 0.0)
        .unwrap_or(0.0);
    let end = plus(start, duration)?;
    let deep = finite(night.deep_sleep_duration_in_seconds);
    let light = finite(night.light_sleep_duration_in_seconds);
    let rem = finite(night.rem_sleep_in_seconds);
    let asleep = [deep, light, rem]
        .into_iter()
        .flatten()
        .reduce(|a, b| a + b);
    let respiration = series(night.time_offset_sleep_respiration.as_ref(), start);
    let spo2 = series(night.time_offset_sleep_spo2.as_ref(), start);
    Some(Sleep {
        metadata: SleepMetadata {
            start_time: ts(start),
            end_time: ts(end),
            summary_id: Some(night.summary_id.clone()?),
            // Garmin reports naps separately (`naps`); a sleep summary is the main sleep.
            is_nap: Some(false),
            upload_type: sleep_upload_type(night.validation.as_deref()),
            timestamp_localization: None,
        },
        sleep_durations_data: Some(SleepDurationsData {
            asleep: Some(AsleepDurations {
                duration_asleep_state_seconds: asleep,
                duration_deep_sleep_state_seconds: deep,
                duration_light_sleep_state_seconds: light,
                duration_rem_sleep_state_seconds: rem,
                num_rem_events: None,
            }),
            awake: Some(AwakeDurations {
                duration_awake_state_seconds: finite(night.awake_duration_in_seconds),
                ..AwakeDurations::default()
            }),
            other: Some(OtherSleepDurations {
                duration_in_bed_seconds: Some(duration),
                duration_unmeasurable_sleep_seconds: finite(
                    night
                        .unmeasurable_sleep_duration_in_seconds
                        .or(night.unmeasurable_sleep_in_seconds),
                ),
            }),
            // Percent, as Terra documents it (example 87.5).
            sleep_efficiency: asleep
                .filter(|_| duration > 0.0)
                .map(|asleep| 100.0 * asleep / duration),
            hypnogram_samples: some(hypnogram(night.sleep_levels_map.as_ref(), offset)),
        }),
        respiration_data: Some(RespirationData {
            breaths_data: Some(BreathsData {
                avg_breaths_per_min: mean(&respiration),
                max_breaths_per_min: values(&respiration).reduce(f64::max),
                min_breaths_per_min: values(&respiration).reduce(f64::min),
                samples: some(
                    respiration
                        .iter()
                        .map(|(timestamp, rate)| BreathSample {
                            timestamp: Some(*timestamp),
                            breaths_per_min: Some(*rate),
                        })
                        .collect(),
                ),
                start_time: Some(ts(start)),
                end_time: Some(ts(end)),
                on_demand_reading: None,
            }),
            oxygen_saturation_data: Some(OxygenSaturationData {
                avg_saturation_percentage: mean(&spo2),
                samples: some(spo2_samples(&spo2)),
                start_time: Some(ts(start)),
                end_time: Some(ts(end)),
            }),
            snoring_data: None,
        }),
        scores: night.overall_sleep_score.as_ref().map(|score| SleepScores {
            sleep: finite(score.value),
        }),
        device_data: Some(device()),
        ..Sleep::default()
    })
}

/// SpO2 readings (percent of blood oxygen saturation).
fn spo2_samples(points: &[(Timestamp, f64)]) -> Vec<OxygenSaturationSample> {
    points
        .iter()
        .map(|(timestamp, percentage)| OxygenSaturationSample {
            timestamp: Some(*timestamp),
            percentage: Some(*percentage),
            r#type: Some(OxygenSaturationType::Blood),
        })
        .collect()
}

/// The hypnogram: one sample at the start of every level span, in time order.
fn hypnogram(levels: Option<&wire::SleepLevels>, offset: FixedOffset) -> Vec<SleepHypnogramSample> {
    let Some(levels) = levels else {
        return Vec::new();
    };
    let mut spans: Vec<(DateTime<FixedOffset>, SleepLevel)> = [
        (&levels.deep, SleepLevel::DeepSleep),
        (&levels.light, SleepLevel::LightSleep),
        (&levels.rem, SleepLevel::RemSleep),
        (&levels.awake, SleepLevel::Awake),
    ]
    .into_iter()
    .flat_map(|(spans, level)| {
        spans
            .iter()
            .take(MAX_SAMPLES)
            .filter_map(move |span| Some((instant(span.start_time_in_seconds, offset)?, level)))
    })
    .collect();
    spans.sort_by_key(|(start, _)| *start);
    spans
        .into_iter()
        .map(|(start, level)| SleepHypnogramSample {
            timestamp: Some(ts(start)),
            level: Some(level),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Body: bodyComps + bloodPressures + pulseOx + hrv + userMetrics, per local day.

/// Everything measured on one local day that lands in a Terra Body record.
#[derive(Debug, Default, Clone, Copy)]
pub struct BodySources<'a> {
    pub body_comps: &'a [wire::BodyComp],
    pub blood_pressures: &'a [wire::BloodPressure],
    pub pulse_ox: &'a [wire::PulseOx],
    pub hrv: &'a [wire::Hrv],
    pub user_metrics: &'a [wire::UserMetrics],
}

#[derive(Default)]
struct BodyDay {
    offset: Option<FixedOffset>,
    measurements: Vec<MeasurementDataSample>,
    pressures: Vec<BloodPressureSample>,
    pulses: Vec<(Timestamp, f64)>,
    spo2: Vec<OxygenSaturationSample>,
    hrv: Vec<(Timestamp, f64)>,
    hrv_avg: Option<f64>,
    vo2max: Option<f64>,
}

/// One Terra Body per local day of the given summaries, in date order.
pub fn body_days(sources: BodySources<'_>) -> Vec<Body> {
    let mut days: BTreeMap<NaiveDate, BodyDay> = BTreeMap::new();
    for comp in sources.body_comps {
        let offset = display_offset(comp.measurement_time_offset_in_seconds);
        if let Some(at) = instant(comp.measurement_time_in_seconds, offset) {
            let day = days.entry(at.date_naive()).or_default();
            day.offset.get_or_insert(offset);
            day.measurements.push(measurement(comp, at));
        }
    }
    for reading in sources.blood_pressures {
        let offset = display_offset(reading.measurement_time_offset_in_seconds);
        if let Some(at) = instant(reading.measurement_time_in_seconds, offset) {
            let day = days.entry(at.date_naive()).or_default();
            day.offset.get_or_insert(offset);
            day.pressures.push(BloodPressureSample {
                timestamp: Some(ts(at)),
                systolic_bp: finite(reading.systolic),
                diastolic_bp: finite(reading.diastolic),
            });
            if let Some(pulse) = finite(reading.pulse) {
                day.pulses.push((ts(at), pulse));
            }
        }
    }
    for summary in sources.pulse_ox {
        let offset = display_offset(summary.start_time_offset_in_seconds);
        let start = instant(summary.start_time_in_seconds, offset);
        if let (Some(start), Some(date)) =
            (start, summary_day(summary.calendar_date.as_deref(), start))
        {
            let day = days.entry(date).or_default();
            day.offset.get_or_insert(offset);
            day.spo2.extend(spo2_samples(&series(
                summary.time_offset_spo2_values.as_ref(),
                start,
            )));
        }
    }
    for summary in sources.hrv {
        let offset = display_offset(summary.start_time_offset_in_seconds);
        let start = instant(summary.start_time_in_seconds, offset);
        if let (Some(start), Some(date)) =
            (start, summary_day(summary.calendar_date.as_deref(), start))
        {
            let day = days.entry(date).or_default();
            day.offset.get_or_insert(offset);
            day.hrv.extend(series(summary.hrv_values.as_ref(), start));
            day.hrv_avg = finite(summary.last_night_avg).or(day.hrv_avg);
        }
    }
    for metrics in sources.user_metrics {
        if let Some(date) = parse_date(metrics.calendar_date.as_deref()) {
            let day = days.entry(date).or_default();
            day.vo2max = finite(metrics.vo2_max).or(day.vo2max);
            if let Some(age) = count(metrics.fitness_age) {
                day.measurements.push(MeasurementDataSample {
                    estimated_fitness_age: Some(age),
                    ..MeasurementDataSample::default()
                });
            }
        }
    }
    days.into_iter()
        .filter_map(|(date, day)| body_record(date, day))
        .collect()
}

/// A weigh-in: grams → kilograms for `weight_kg`; muscle and bone mass stay grams
/// (Terra's `_g` fields).
fn measurement(comp: &wire::BodyComp, at: DateTime<FixedOffset>) -> MeasurementDataSample {
    MeasurementDataSample {
        measurement_time: Some(ts(at)),
        weight_kg: finite(comp.weight_in_grams).map(|grams| grams / 1000.0),
        bmi: finite(comp.body_mass_index),
        bodyfat_percentage: finite(comp.body_fat_in_percent),
        water_percentage: finite(comp.body_water_in_percent),
        bone_mass_g: finite(comp.bone_mass_in_grams),
        muscle_mass_g: finite(comp.muscle_mass_in_grams),
        ..MeasurementDataSample::default()
    }
}

fn avg_of(items: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = items.fold((0.0, 0_usize), |(sum, n), value| (sum + value, n + 1));
    (n > 0)
        .then(|| sum / n as f64)
        .filter(|avg| avg.is_finite())
}

fn body_record(date: NaiveDate, day: BodyDay) -> Option<Body> {
    let (start_time, end_time) = match day.offset {
        Some(offset) => day_bounds(date, offset)?,
        None => local_day_bounds(date)?,
    };
    let weights = || day.measurements.iter().filter_map(|m| m.weight_kg);
    let measurements_data = (!day.measurements.is_empty()).then(|| MeasurementsData {
        day_avg_weight_kg: avg_of(weights()),
        day_avg_bmi: avg_of(day.measurements.iter().filter_map(|m| m.bmi)),
        day_avg_bodyfat_percentage: avg_of(
            day.measurements.iter().filter_map(|m| m.bodyfat_percentage),
        ),
        measurements: Some(day.measurements.clone()),
        ..MeasurementsData::default()
    });
    let blood_pressure_data = (!day.pressures.is_empty()).then(|| BloodPressureData {
        day_avg_systolic_bp: avg_of(day.pressures.iter().filter_map(|p| p.systolic_bp)),
        day_avg_diastolic_bp: avg_of(day.pressures.iter().filter_map(|p| p.diastolic_bp)),
        blood_pressure_samples: Some(day.pressures.clone()),
    });
    let heart_data =
        (!day.hrv.is_empty() || day.hrv_avg.is_some() || !day.pulses.is_empty()).then(|| {
            HeartData {
                heart_rate_data: Some(HeartRateData {
                    summary: Some(HeartRateDataSummary {
                        // Garmin's HRV is RMSSD (spec §7.10); nothing goes to the SDNN fields.
                        avg_hrv_rmssd: day.hrv_avg,
                        ..HeartRateDataSummary::default()
                    }),
                    detailed: Some(HeartRateDataDetailed {
                        hr_samples: some(hr_samples(&day.pulses)),
                        hrv_samples_rmssd: some(
                            day.hrv
                                .iter()
                                .map(|(timestamp, rmssd)| HeartRateVariabilityDataSampleRmssd {
                                    timestamp: Some(*timestamp),
                                    hrv_rmssd: Some(*rmssd),
                                })
                                .collect(),
                        ),
                        hrv_samples_sdnn: None,
                    }),
                }),
                ..HeartData::default()
            }
        });
    let oxygen_data = (!day.spo2.is_empty() || day.vo2max.is_some()).then(|| OxygenData {
        avg_saturation_percentage: avg_of(day.spo2.iter().filter_map(|s| s.percentage)),
        saturation_samples: some(day.spo2.clone()),
        vo2max_ml_per_min_per_kg: day.vo2max,
        ..OxygenData::default()
    });
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        measurements_data,
        blood_pressure_data,
        heart_data,
        oxygen_data,
        device_data: Some(device()),
        ..Body::default()
    })
}

// ---------------------------------------------------------------------------------------
// Activity.

/// Terra's activity type for a Garmin activity type key; unknown keys become "Other" (108).
pub fn activity_type(key: Option<&str>) -> ActivityType {
    match key.map(str::to_ascii_uppercase).as_deref() {
        Some("RUNNING" | "STREET_RUNNING" | "TRACK_RUNNING") => ActivityType::Running,
        Some("TRAIL_RUNNING") => ActivityType::TrailRunning,
        Some("TREADMILL_RUNNING") => ActivityType::TreadmillRunning,
        Some("INDOOR_RUNNING") => ActivityType::IndoorRunning,
        Some("CYCLING") => ActivityType::Biking,
        Some("ROAD_BIKING") => ActivityType::RoadBiking,
        Some("MOUNTAIN_BIKING") => ActivityType::MountainBiking,
        Some("GRAVEL_CYCLING") => ActivityType::GravelCycling,
        Some("INDOOR_CYCLING") => ActivityType::StationaryBiking,
        Some("E_BIKE_FITNESS") => ActivityType::EBiking,
        Some("E_BIKE_MOUNTAIN") => ActivityType::EMountainBiking,
        Some("WALKING" | "CASUAL_WALKING") => ActivityType::Walking,
        Some("SPEED_WALKING") => ActivityType::WalkingForFitness,
        Some("HIKING") => ActivityType::Hiking,
        Some("LAP_SWIMMING") => ActivityType::SwimmingInPool,
        Some("OPEN_WATER_SWIMMING") => ActivityType::OpenWaterSwimming,
        Some("SWIMMING") => ActivityType::Swimming,
        Some("STRENGTH_TRAINING") => ActivityType::StrengthTraining,
        Some("YOGA") => ActivityType::Yoga,
        Some("PILATES") => ActivityType::Pilates,
        Some("ELLIPTICAL") => ActivityType::Elliptical,
        Some("INDOOR_ROWING") => ActivityType::RowingMachine,
        Some("ROWING") => ActivityType::Rowing,
        Some("HIIT") => ActivityType::Hiit,
        Some("CARDIO_TRAINING" | "INDOOR_CARDIO") => ActivityType::CardioTraining,
        Some("BREATHWORK") => ActivityType::GuidedBreathing,
        Some("STAIR_CLIMBING" | "FLOOR_CLIMBING") => ActivityType::StairClimbing,
        Some("RESORT_SKIING_SNOWBOARDING" | "RESORT_SKIING") => ActivityType::DownhillSkiing,
        Some("BACKCOUNTRY_SKIING_SNOWBOARDING" | "BACKCOUNTRY_SKIING") => {
            ActivityType::BackCountrySkiing
        }
        Some("CROSS_COUNTRY_SKIING" | "CROSS_COUNTRY_SKIING_WS") => {
            ActivityType::CrossCountrySkiing
        }
        Some("TENNIS") => ActivityType::Tennis,
        Some("GOLF") => ActivityType::Golf,
        Some("MULTI_SPORT") => ActivityType::Multisport,
        Some("BOXING") => ActivityType::Boxing,
        Some("ROCK_CLIMBING" | "BOULDERING") => ActivityType::RockClimbing,
        _ => ActivityType::Other108,
    }
}

/// The activity's id as text: Garmin sends `activityId` as a number (some clients see a
/// string). Detail summaries carry `<activityId>-detail`, whose prefix is the same id.
fn activity_id(id: Option<&Value>, summary_id: Option<&str>) -> Option<String> {
    match id {
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        _ => summary_id
            .map(|id| id.strip_suffix("-detail").unwrap_or(id).to_owned())
            .filter(|id| !id.is_empty()),
    }
}

/// One activity summary (no samples).
pub fn activity(summary: &wire::Activity) -> Option<Activity> {
    activity_record(summary, None, &[], &[])
}

/// One activity with its samples and laps. The Terra `summary_id` is the activity's own
/// summary id (the activity id), so the summary and its details are one record.
pub fn activity_details(details: &wire::ActivityDetails) -> Option<Activity> {
    let empty = wire::Activity::default();
    let summary = details.summary.as_ref().unwrap_or(&empty);
    let id = activity_id(details.activity_id.as_ref(), details.summary_id.as_deref())
        .or_else(|| activity_id(summary.activity_id.as_ref(), summary.summary_id.as_deref()));
    activity_record(summary, id, &details.samples, &details.laps)
}

fn activity_record(
    summary: &wire::Activity,
    id: Option<String>,
    samples: &[wire::ActivitySample],
    laps: &[wire::Lap],
) -> Option<Activity> {
    let summary_id = id
        .or_else(|| summary.summary_id.clone().filter(|id| !id.is_empty()))
        .or_else(|| activity_id(summary.activity_id.as_ref(), None))?;
    let offset = display_offset(summary.start_time_offset_in_seconds);
    let start = instant(summary.start_time_in_seconds, offset)?;
    let duration = finite(summary.duration_in_seconds).filter(|d| *d >= 0.0);
    let end = plus(start, duration.unwrap_or(0.0))?;
    let samples = ActivitySamples::of(samples, offset);
    let cadence = finite(summary.average_run_cadence_in_steps_per_minute)
        .or(finite(summary.average_biking_cadence_in_rev_per_minute))
        .or(finite(summary.average_swim_cadence_in_strokes_per_minute));
    Some(Activity {
        metadata: ActivityMetadata {
            summary_id,
            start_time: ts(start),
            end_time: ts(end),
            r#type: activity_type(summary.activity_type.as_deref()),
            name: summary.activity_name.clone(),
            upload_type: if summary.manual == Some(true) || summary.is_web_upload == Some(true) {
                UploadType::Manual
            } else {
                UploadType::Automatic
            },
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: duration,
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            net_activity_calories: finite(summary.active_kilocalories),
            ..CaloriesData::default()
        }),
        distance_data: Some(DistanceData {
            summary: Some(DistanceDataSummary {
                distance_meters: finite(summary.distance_in_meters),
                steps: count(summary.steps),
                elevation: Some(ElevationData {
                    gain_actual_meters: finite(summary.total_elevation_gain_in_meters),
                    loss_actual_meters: finite(summary.total_elevation_loss_in_meters),
                    ..ElevationData::default()
                }),
                ..DistanceDataSummary::default()
            }),
            detailed: Some(DistanceDataDetailed {
                distance_samples: some(samples.distance),
                elevation_samples: some(samples.elevation),
                ..DistanceDataDetailed::default()
            }),
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: finite(summary.average_heart_rate_in_beats_per_minute),
                max_hr_bpm: finite(summary.max_heart_rate_in_beats_per_minute),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: some(samples.heart_rate),
                ..HeartRateDataDetailed::default()
            }),
        }),
        movement_data: Some(MovementData {
            avg_speed_meters_per_second: finite(summary.average_speed_in_meters_per_second),
            max_speed_meters_per_second: finite(summary.max_speed_in_meters_per_second),
            avg_pace_minutes_per_kilometer: finite(summary.average_pace_in_minutes_per_kilometer),
            max_pace_minutes_per_kilometer: finite(summary.max_pace_in_minutes_per_kilometer),
            avg_cadence_rpm: cadence,
            speed_samples: some(samples.speed),
            ..MovementData::default()
        }),
        position_data: Some(PositionData {
            start_pos_lat_lng_deg: match (
                finite(summary.starting_latitude_in_degree),
                finite(summary.starting_longitude_in_degree),
            ) {
                (Some(lat), Some(lng)) => Some(vec![lat, lng]),
                _ => None,
            },
            position_samples: some(samples.position),
            ..PositionData::default()
        }),
        power_data: (!samples.power.is_empty()).then(|| PowerData {
            avg_watts: avg_of(samples.power.iter().filter_map(|p| p.watts)),
            max_watts: samples
                .power
                .iter()
                .filter_map(|p| p.watts)
                .reduce(f64::max),
            power_samples: Some(samples.power),
        }),
        lap_data: (!laps.is_empty()).then(|| LapData {
            laps: Some(lap_samples(laps, offset, end)),
        }),
        device_data: Some(DeviceData {
            name: summary.device_name.clone(),
            ..device()
        }),
        ..Activity::default()
    })
}

/// Laps from their start times; each ends where the next starts (the last at the end).
fn lap_samples(
    laps: &[wire::Lap],
    offset: FixedOffset,
    end: DateTime<FixedOffset>,
) -> Vec<LapSample> {
    let mut starts: Vec<DateTime<FixedOffset>> = laps
        .iter()
        .take(MAX_SAMPLES)
        .filter_map(|lap| instant(lap.start_time_in_seconds, offset))
        .collect();
    starts.sort();
    starts
        .iter()
        .enumerate()
        .map(|(index, start)| LapSample {
            start_time: Some(ts(*start)),
            end_time: Some(ts(starts
                .get(index + 1)
                .copied()
                .unwrap_or(end)
                .max(*start))),
            ..LapSample::default()
        })
        .collect()
}

/// The sample series of an activity detail.
#[derive(Default)]
struct ActivitySamples {
    heart_rate: Vec<HeartRateDataSample>,
    speed: Vec<SpeedSample>,
    distance: Vec<DistanceSample>,
    elevation: Vec<ElevationSample>,
    position: Vec<PositionSample>,
    power: Vec<PowerSample>,
}

impl ActivitySamples {
    fn of(samples: &[wire::ActivitySample], offset: FixedOffset) -> ActivitySamples {
        let mut out = ActivitySamples::default();
        for sample in samples.iter().take(MAX_SAMPLES) {
            let Some(at) = instant(sample.start_time_in_seconds, offset) else {
                continue;
            };
            let timestamp = Some(ts(at));
            let timer = finite(sample.timer_duration_in_seconds);
            if let Some(bpm) = finite(sample.heart_rate) {
                out.heart_rate.push(HeartRateDataSample {
                    timestamp,
                    bpm: Some(bpm),
                    timer_duration_seconds: timer,
                    ..HeartRateDataSample::default()
                });
            }
            if let Some(speed) = finite(sample.speed_meters_per_second) {
                out.speed.push(SpeedSample {
                    timestamp,
                    speed_meters_per_second: Some(speed),
                    timer_duration_seconds: timer,
                });
            }
            if let Some(distance) = finite(sample.total_distance_in_meters) {
                out.distance.push(DistanceSample {
                    timestamp,
                    distance_meters: Some(distance),
                    timer_duration_seconds: timer,
                });
            }
            if let Some(elevation) = finite(sample.elevation_in_meters) {
                out.elevation.push(ElevationSample {
                    timestamp,
                    elev_meters: Some(elevation),
                    timer_duration_seconds: timer,
                });
            }
            if let (Some(lat), Some(lng)) = (
                finite(sample.latitude_in_degree),
                finite(sample.longitude_in_degree),
            ) {
                out.position.push(PositionSample {
                    timestamp,
                    coords_lat_lng_deg: Some(vec![lat, lng]),
                    timer_duration_seconds: timer,
                });
            }
            if let Some(watts) = finite(sample.power_in_watts) {
                out.power.push(PowerSample {
                    timestamp,
                    watts: Some(watts),
                    timer_duration_seconds: timer,
                });
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Menstruation.

/// Garmin's cycle phase name as Terra's interval (names recalled, so matched leniently).
fn cycle_phase(name: Option<&str>) -> Option<MenstruationInterval> {
    let name = name?.to_ascii_uppercase();
    Some(if name.contains("MENSTRU") || name.contains("PERIOD") {
        MenstruationInterval::Period
    } else if name.contains("FOLLICULAR") {
        MenstruationInterval::Follicular
    } else if name.contains("FERTILE") {
        MenstruationInterval::FertileWindow
    } else if name.contains("OVULATION") {
        MenstruationInterval::Ovulation
    } else if name.contains("LUTEAL") {
        MenstruationInterval::Luteal
    } else {
        MenstruationInterval::Unknown
    })
}

fn cycle_day(period_start: NaiveDate, day_in_cycle: Option<f64>) -> Option<NaiveDate> {
    let day = count(day_in_cycle).filter(|day| (1..=400).contains(day))?;
    period_start.checked_add_days(Days::new(u64::try_from(day - 1).ok()?))
}

/// One cycle-tracking snapshot as the Terra record of its day: `periodStartDate` plus
/// `dayInCycle − 1`. Date-only, so the day has no offset.
pub fn menstruation(snapshot: &wire::Mct) -> Option<Menstruation> {
    let period_start = parse_date(snapshot.period_start_date.as_deref())?;
    let date = cycle_day(period_start, snapshot.day_in_cycle)?;
    let (start_time, end_time) = local_day_bounds(date)?;
    let fertile_start = cycle_day(period_start, snapshot.fertile_window_start);
    let fertile_end = fertile_start.and_then(|start| {
        let length = count(snapshot.length_of_fertile_window).filter(|l| (1..=60).contains(l))?;
        start.checked_add_days(Days::new(u64::try_from(length - 1).ok()?))
    });
    let days = |value: Option<f64>| count(value).filter(|days| *days <= 1000);
    Some(Menstruation {
        metadata: MenstruationMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        menstruation_data: Some(MenstruationData {
            period_start_date: Some(period_start.format("%Y-%m-%d").to_string()),
            day_in_cycle: days(snapshot.day_in_cycle),
            period_length_days: days(snapshot.period_length),
            cycle_length_days: days(snapshot.cycle_length),
            predicted_cycle_length_days: days(snapshot.predicted_cycle_length),
            is_predicted_cycle: snapshot.is_predicted_cycle,
            current_phase: cycle_phase(snapshot.current_phase_type.as_deref()),
            length_of_current_phase_days: days(snapshot.length_of_current_phase),
            days_until_next_phase: days(snapshot.days_until_next_phase),
            last_updated_time: instant(snapshot.last_updated_time_in_seconds, display_offset(None))
                .map(ts),
            fertility_window_start: fertile_start.map(|d| d.format("%Y-%m-%d").to_string()),
            fertility_window_end: fertile_end.map(|d| d.format("%Y-%m-%d").to_string()),
            ..MenstruationData::default()
        }),
    })
}
