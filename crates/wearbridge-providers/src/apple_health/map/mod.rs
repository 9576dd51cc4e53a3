//! The second stage: [`Collected`] state into Terra records, lazily, one local day (or
//! night, or workout) at a time so an import can store them in batches.

mod activity;
mod body;
mod daily;
mod nutrition;
mod sleep;

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use wearbridge_model::{DeviceData, Timestamp};

use super::collect::{Collected, Point};
use super::gpx::RoutePoint;
use crate::TerraRecordData;

pub use sleep::{Night, nights};

/// Where the workouts' route files are read from (the export's zip, or the folder next to
/// `export.xml`); `None` when the route is not there.
pub trait RouteSource {
    fn route(&self, path: &str) -> Option<Vec<RoutePoint>>;
}

/// No routes (an `export.xml` alone).
pub struct NoRoutes;

impl RouteSource for NoRoutes {
    fn route(&self, _path: &str) -> Option<Vec<RoutePoint>> {
        None
    }
}

/// Every Terra record of the export: per day Daily, Body, Menstruation and Nutrition,
/// then the nights, then the workouts.
pub fn records<'a>(
    collected: &'a Collected,
    routes: &'a dyn RouteSource,
) -> impl Iterator<Item = TerraRecordData> + 'a {
    let days = collected
        .days
        .iter()
        .flat_map(|(date, day)| day_records(*date, day));
    let nights = sleep::nights(&collected.sleep)
        .into_iter()
        .filter_map(move |night| sleep::sleep(&night, collected).map(TerraRecordData::Sleep));
    let activities = collected.workouts.iter().filter_map(move |workout| {
        activity::activity(workout, collected, routes).map(TerraRecordData::Activity)
    });
    days.chain(nights).chain(activities)
}

fn day_records(date: NaiveDate, day: &super::collect::DayData) -> Vec<TerraRecordData> {
    let Some(offset) = day.offset else {
        return Vec::new();
    };
    let mut records = Vec::new();
    records.extend(daily::daily(date, offset, day).map(TerraRecordData::Daily));
    records.extend(body::body(date, offset, day).map(TerraRecordData::Body));
    records.extend(body::menstruation(date, offset, day).map(TerraRecordData::Menstruation));
    records.extend(nutrition::nutrition(date, offset, day).map(TerraRecordData::Nutrition));
    records
}

fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

/// Local midnight of `date` and of the next day at `offset`.
fn day_bounds(date: NaiveDate, offset: FixedOffset) -> Option<(Timestamp, Timestamp)> {
    let start = date
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    let end = date
        .checked_add_days(Days::new(1))?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    Some((ts(start), ts(end)))
}

fn device() -> DeviceData {
    DeviceData {
        name: Some("Apple Health".to_owned()),
        manufacturer: Some("Apple Inc.".to_owned()),
        ..DeviceData::default()
    }
}

fn average(points: &[Point]) -> Option<f64> {
    (!points.is_empty()).then(|| points.iter().map(|p| p.value).sum::<f64>() / points.len() as f64)
}

fn min(points: &[Point]) -> Option<f64> {
    points.iter().map(|p| p.value).reduce(f64::min)
}

fn max(points: &[Point]) -> Option<f64> {
    points.iter().map(|p| p.value).reduce(f64::max)
}

/// Points of `days` within `start..=end`, in time order.
fn points_between<'a>(
    collected: &'a Collected,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    pick: impl Fn(&'a super::collect::DayData) -> &'a [Point],
) -> Vec<Point> {
    let first = start.date_naive().pred_opt().unwrap_or(start.date_naive());
    let last = end.date_naive().succ_opt().unwrap_or(end.date_naive());
    let mut points: Vec<Point> = collected
        .days
        .range(first..=last)
        .flat_map(|(_, day)| pick(day).iter().copied())
        .filter(|p| p.at >= start && p.at <= end)
        .collect();
    points.sort_by_key(|p| p.at);
    points
}
