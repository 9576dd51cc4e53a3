//! Terra Menstruation: Women's Health cycle-tracking (`mct`) snapshots, one record per day.

use chrono::{Days, NaiveDate};
use wearbridge_model::{
    Menstruation, MenstruationData, MenstruationInterval, MenstruationMetadata,
};

use super::common::{count, display_offset, instant, local_day_bounds, parse_date, ts};
use crate::garmin::wire;

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
