//! The Oura collections that add to a Terra Daily rather than make one of their own:
//! daily_sleep (the sleep score), daily_stress, vO2_max, enhanced_tag and rest_mode_period
//! (Terra's tags), and ring_configuration (the device). Each maps to a partial Daily of
//! its day; [`merge_daily`] folds partial Dailies of one day into one record, since the
//! store keeps one Daily per user, provider and day and a second would overwrite the first.
//!
//! Units: stress and recovery times are seconds, VO2 max is mL/min/kg, both Terra's
//! units, so values pass unchanged. Judgement calls are in docs/DECISIONS.md ("Oura
//! collections (issue 15)").

use chrono::{DateTime, FixedOffset, NaiveDate};
use wearbridge_model::{
    Daily, DailyMetadata, DeviceData, OxygenData, ScoresData, StressData, StressLevel, TagData,
    TagEntry, Timestamp, UploadType, Vo2MaxSample,
};

use super::{day_bounds, device, local_day_bounds, ts};
use crate::oura::wire;

/// A Daily of `day` carrying nothing yet: local midnight to midnight at `offset`, or
/// without an offset when Oura sent none for the document.
fn empty_day(day: NaiveDate, offset: Option<FixedOffset>) -> Option<Daily> {
    let (start_time, end_time) = match offset {
        Some(offset) => day_bounds(day, offset)?,
        None => local_day_bounds(day)?,
    };
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        device_data: Some(device()),
        ..Daily::default()
    })
}

/// The sleep score of the night that ended on `day` as Terra's `scores.sleep`. The seven
/// contributors (sub-scores) have no place in Terra's model.
pub fn daily_sleep(doc: &wire::DailySleep) -> Option<Daily> {
    let mut daily = empty_day(doc.day, Some(*doc.timestamp.offset()))?;
    daily.scores = Some(ScoresData {
        sleep: doc.score.filter(|score| (0.0..=100.0).contains(score)),
        ..ScoresData::default()
    });
    Some(daily)
}

/// Oura's day summary as Terra's stress rating: three words onto Terra's four levels,
/// "restored" (recovery outweighed stress) as low, "normal" as medium, "stressful" as
/// high; Terra's "rest" level stays for sources that measure a resting state.
fn stress_rating(summary: &str) -> StressLevel {
    match summary {
        "restored" => StressLevel::Low,
        "normal" => StressLevel::Medium,
        "stressful" => StressLevel::High,
        _ => StressLevel::Unknown,
    }
}

fn seconds(value: Option<f64>) -> Option<f64> {
    value.filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
}

/// The day's stress: time in Oura's high-stress zone as Terra's high-stress duration,
/// time in its high-recovery zone as Terra's rest-stress duration (both seconds), and the
/// day summary as the stress rating. Oura sends only a day, so the record has no offset.
pub fn daily_stress(doc: &wire::DailyStress) -> Option<Daily> {
    let mut daily = empty_day(doc.day, None)?;
    daily.stress_data = Some(StressData {
        high_stress_duration_seconds: seconds(doc.stress_high),
        rest_stress_duration_seconds: seconds(doc.recovery_high),
        stress_rating: doc.day_summary.as_deref().map(stress_rating),
        ..StressData::default()
    });
    Some(daily)
}

/// A VO2 max estimate (mL/min/kg) on its day, with the instant it was made as a sample.
pub fn vo2_max(doc: &wire::Vo2Max) -> Option<Daily> {
    let value = doc
        .vo2_max
        .filter(|value| value.is_finite() && *value > 0.0)?;
    let mut daily = empty_day(doc.day, Some(*doc.timestamp.offset()))?;
    daily.oxygen_data = Some(OxygenData {
        vo2max_ml_per_min_per_kg: Some(value),
        vo2_samples: Some(vec![Vo2MaxSample {
            timestamp: Some(ts(doc.timestamp)),
            vo2max_ml_per_min_per_kg: Some(value),
        }]),
        ..OxygenData::default()
    });
    Some(daily)
}

/// Oura's placeholder `set_up_at` for rings set up before it recorded the date.
fn known_setup(ring: &wire::RingConfiguration) -> Option<DateTime<FixedOffset>> {
    ring.set_up_at.filter(|at| at.timestamp() > 0)
}

/// A ring as Terra's device: hardware type (`gen3`) as the hardware version, firmware as
/// the software version, set-up time as the activation time. Colour, design and size have
/// no Terra field; Oura exposes no serial number.
pub fn ring_device(ring: &wire::RingConfiguration) -> DeviceData {
    DeviceData {
        hardware_version: ring.hardware_type.clone(),
        software_version: ring.firmware_version.clone(),
        activation_timestamp: known_setup(ring).map(ts),
        ..device()
    }
}

/// The ring worn on `day`: the one set up last on or before it (UTC date of `set_up_at`;
/// a ring with an unknown set-up date counts as the oldest). `None` when every ring was
/// set up after `day`.
pub fn ring_on(
    rings: &[wire::RingConfiguration],
    day: NaiveDate,
) -> Option<&wire::RingConfiguration> {
    rings
        .iter()
        .filter(|ring| known_setup(ring).is_none_or(|at| at.date_naive() <= day))
        .max_by_key(|ring| {
            known_setup(ring)
                .map(|at| at.timestamp())
                .unwrap_or(i64::MIN)
        })
}

/// Each ring on its own as a Daily of the (UTC) day it was set up, carrying only the
/// device: the one dated fact of the document (`wearbridge providers map`). Rings with an
/// unknown set-up date have no day and map to nothing. The adapter instead puts the ring
/// worn on each day ([`ring_on`]) into every Daily it fetches.
pub fn ring_configuration(ring: &wire::RingConfiguration) -> Option<Daily> {
    let setup = known_setup(ring)?;
    let mut daily = empty_day(setup.date_naive(), Some(*setup.offset()))?;
    daily.device_data = Some(ring_device(ring));
    Some(daily)
}

/// A dated tag entry before it is grouped into its day's Daily.
struct DatedTag {
    day: NaiveDate,
    offset: Option<FixedOffset>,
    entry: TagEntry,
}

/// Tags grouped into one Daily per day, in order of first appearance.
fn tag_days(tags: Vec<DatedTag>) -> Vec<Daily> {
    let mut days: Vec<(NaiveDate, Option<FixedOffset>, Vec<TagEntry>)> = Vec::new();
    for tag in tags {
        match days.iter_mut().find(|(day, _, _)| *day == tag.day) {
            Some((_, _, entries)) => entries.push(tag.entry),
            None => days.push((tag.day, tag.offset, vec![tag.entry])),
        }
    }
    days.into_iter()
        .filter_map(|(day, offset, entries)| {
            let mut daily = empty_day(day, offset)?;
            daily.tag_data = Some(TagData {
                tags: Some(entries),
            });
            Some(daily)
        })
        .collect()
}

/// Terra's tag name of an enhanced tag: Oura's tag code verbatim (`tag_generic_fasting`),
/// the person's own name for a custom tag, `text` for a text-only tag.
fn tag_name(tag: &wire::EnhancedTag) -> String {
    match tag.tag_type_code.as_deref() {
        Some("custom") => tag
            .custom_name
            .clone()
            .unwrap_or_else(|| "custom".to_owned()),
        Some(code) => code.to_owned(),
        None => "text".to_owned(),
    }
}

/// Enhanced tags as Terra tags on their start day, stamped with their start time. The
/// comment is the note; a tag with a duration notes its end, which Terra's tag lacks.
pub fn enhanced_tags(tags: &[wire::EnhancedTag]) -> Vec<Daily> {
    let dated = tags
        .iter()
        .map(|tag| {
            let comment = tag.comment.clone().unwrap_or_default();
            let notes = match tag.end_time {
                Some(end) if comment.is_empty() => format!("until {}", ts(end)),
                Some(end) => format!("{comment} (until {})", ts(end)),
                None => comment,
            };
            DatedTag {
                day: tag.start_day,
                offset: Some(*tag.start_time.offset()),
                entry: TagEntry {
                    timestamp: ts(tag.start_time),
                    tag_name: tag_name(tag),
                    notes,
                },
            }
        })
        .collect();
    tag_days(dated)
}

/// Terra's tag name for the start and the end of rest mode.
pub const REST_MODE_START: &str = "rest_mode_start";
pub const REST_MODE_END: &str = "rest_mode_end";

/// Rest mode periods as Terra tags: `rest_mode_start` on the start day, `rest_mode_end`
/// on the end day (none while rest mode is on), and each tag the person chose during it
/// on the day of its episode (noted "rest mode").
pub fn rest_mode_periods(periods: &[wire::RestModePeriod]) -> Vec<Daily> {
    let mut dated = Vec::new();
    for period in periods {
        let start = match period.start_time {
            Some(at) => Some(ts(at)),
            None => period
                .start_day
                .and_hms_opt(0, 0, 0)
                .map(Timestamp::from_local),
        };
        if let Some(timestamp) = start {
            dated.push(DatedTag {
                day: period.start_day,
                offset: period.start_time.map(|at| *at.offset()),
                entry: TagEntry {
                    timestamp,
                    tag_name: REST_MODE_START.to_owned(),
                    notes: String::new(),
                },
            });
        }
        if let (Some(day), Some(at)) = (period.end_day, period.end_time) {
            dated.push(DatedTag {
                day,
                offset: Some(*at.offset()),
                entry: TagEntry {
                    timestamp: ts(at),
                    tag_name: REST_MODE_END.to_owned(),
                    notes: String::new(),
                },
            });
        }
        for episode in &period.episodes {
            for tag in &episode.tags {
                dated.push(DatedTag {
                    day: episode.timestamp.date_naive(),
                    offset: Some(*episode.timestamp.offset()),
                    entry: TagEntry {
                        timestamp: ts(episode.timestamp),
                        tag_name: tag.clone(),
                        notes: "rest mode".to_owned(),
                    },
                });
            }
        }
    }
    tag_days(dated)
}

/// Folds `from` (a partial Daily of the same day) into `into`: fields `into` lacks are
/// taken, scores field by field, tags and VO2 samples appended. `into`'s metadata (the
/// activity day's offset when there is one) stays.
pub fn merge_daily(into: &mut Daily, from: Daily) {
    if let Some(scores) = from.scores {
        let target = into.scores.get_or_insert_with(ScoresData::default);
        target.activity = target.activity.or(scores.activity);
        target.recovery = target.recovery.or(scores.recovery);
        target.sleep = target.sleep.or(scores.sleep);
    }
    if into.stress_data.is_none() {
        into.stress_data = from.stress_data;
    }
    if let Some(oxygen) = from.oxygen_data {
        let target = into.oxygen_data.get_or_insert_with(OxygenData::default);
        target.vo2max_ml_per_min_per_kg = target
            .vo2max_ml_per_min_per_kg
            .or(oxygen.vo2max_ml_per_min_per_kg);
        target.avg_saturation_percentage = target
            .avg_saturation_percentage
            .or(oxygen.avg_saturation_percentage);
        if let Some(samples) = oxygen.vo2_samples {
            target
                .vo2_samples
                .get_or_insert_with(Vec::new)
                .extend(samples);
        }
    }
    if let Some(tags) = from.tag_data.and_then(|data| data.tags) {
        into.tag_data
            .get_or_insert_with(TagData::default)
            .tags
            .get_or_insert_with(Vec::new)
            .extend(tags);
    }
    if into.device_data.is_none() {
        into.device_data = from.device_data;
    }
}
