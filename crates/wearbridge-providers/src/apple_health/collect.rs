//! The first stage of an import: every element of the export folded into compact per-day
//! state ([`Collected`]), validated as it goes. Nothing is mapped or stored here, so a
//! malformed or truncated file fails before anything is written.
//!
//! Memory is what the Terra records need, not the file: summed quantities keep 32 bytes a
//! sample until de-duplication, measurements 24 bytes; the XML itself is never held.

use std::collections::BTreeMap;
use std::io::BufRead;

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::ExportError;
use super::dates::parse_apple_date;
use super::dedup::{Sample, priority};
use super::units::{Measured, NUTRIENTS, Summed, nutrient_index, to_terra};
use super::xml::{Element, Node, XmlStream};

pub type Instant = DateTime<FixedOffset>;

/// A measurement at an instant, in Terra's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at: Instant,
    pub value: f64,
}

/// One local day's collected data.
#[derive(Debug, Default)]
pub struct DayData {
    pub offset: Option<FixedOffset>,
    pub summed: [Vec<Sample>; Summed::COUNT],
    pub heart_rate: Vec<Point>,
    pub resting_hr: Vec<Point>,
    pub hrv_sdnn: Vec<Point>,
    pub respiratory: Vec<Point>,
    pub weight: Vec<Point>,
    pub body_fat: Vec<Point>,
    pub bmi: Vec<Point>,
    pub height_cm: Vec<Point>,
    pub glucose: Vec<Point>,
    pub spo2: Vec<Point>,
    pub temperature: Vec<Point>,
    /// (time, systolic, diastolic) from blood-pressure correlations.
    pub blood_pressure: Vec<(Instant, f64, f64)>,
    /// (flow value, first day of the period).
    pub menstrual_flow: Option<(String, bool)>,
    /// Sums of the top-level dietary records, in [`NUTRIENTS`] order.
    pub nutrients: [f64; NUTRIENTS.len()],
    pub has_nutrients: bool,
    pub meals: Vec<MealData>,
}

/// A food correlation.
#[derive(Debug, Clone, PartialEq)]
pub struct MealData {
    pub at: Instant,
    pub name: Option<String>,
    pub meal: Option<String>,
    pub nutrients: [f64; NUTRIENTS.len()],
}

/// A sleep-analysis category sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SleepSegment {
    pub start: Instant,
    pub end: Instant,
    pub value: String,
    pub priority: u8,
}

/// A workout with its statistics and route reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkoutData {
    pub activity_type: String,
    pub start: Option<Instant>,
    pub end: Option<Instant>,
    pub duration_s: Option<f64>,
    pub source_name: String,
    pub device: Option<String>,
    pub metadata: Vec<(String, String)>,
    /// `HKQuantityTypeIdentifier…` → (sum, average, minimum, maximum), Terra units.
    pub statistics: Vec<(String, Statistic)>,
    pub segments: u32,
    pub route_path: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Statistic {
    pub sum: Option<f64>,
    pub average: Option<f64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

/// Everything an export says, by local day.
#[derive(Debug, Default)]
pub struct Collected {
    pub days: BTreeMap<NaiveDate, DayData>,
    pub sleep: Vec<SleepSegment>,
    pub workouts: Vec<WorkoutData>,
    /// `Record` elements read (top-level and in correlations).
    pub records: u64,
}

/// A `Record` whose children (metadata) are still being read.
#[derive(Debug)]
struct PendingRecord {
    kind: String,
    unit: Option<String>,
    value: Option<String>,
    start: Instant,
    end: Instant,
    priority: u8,
    line: u64,
    metadata: Vec<(String, String)>,
}

#[derive(Debug)]
struct PendingCorrelation {
    kind: String,
    at: Instant,
    metadata: Vec<(String, String)>,
    parts: Vec<PendingRecord>,
}

/// The collector's position in the document.
#[derive(Default)]
struct State {
    record: Option<PendingRecord>,
    correlation: Option<PendingCorrelation>,
    workout: Option<WorkoutData>,
}

/// Reads a whole export. `progress` is called with the bytes read so far every few
/// thousand elements.
pub fn collect<R: BufRead>(
    source: R,
    mut progress: impl FnMut(u64),
) -> Result<Collected, ExportError> {
    let mut stream = XmlStream::new(source);
    let mut collected = Collected::default();
    let mut state = State::default();
    let mut elements: u64 = 0;
    let mut root_seen = false;
    while let Some(node) = stream.next_node()? {
        elements += 1;
        if elements.is_multiple_of(8192) {
            progress(stream.bytes_read());
        }
        match node {
            Node::Open(element) => {
                if !root_seen {
                    if element.name != "HealthData" {
                        return Err(ExportError::Invalid {
                            line: element.line,
                            message: format!("expected <HealthData>, found <{}>", element.name),
                        });
                    }
                    root_seen = true;
                    continue;
                }
                open(&mut collected, &mut state, element)?;
            }
            Node::Close { name, .. } => close(&mut collected, &mut state, &name)?,
        }
    }
    progress(stream.bytes_read());
    Ok(collected)
}

fn open(collected: &mut Collected, state: &mut State, element: Element) -> Result<(), ExportError> {
    match element.name.as_str() {
        "Record" => {
            let record = pending_record(&element)?;
            if element.empty {
                finish_record(collected, state, record)?;
            } else {
                state.record = Some(record);
            }
        }
        "MetadataEntry" => metadata(state, &element),
        "Correlation" if !element.empty => {
            state.correlation = Some(PendingCorrelation {
                kind: element.require("type")?.to_owned(),
                at: date(&element, "startDate")?,
                metadata: Vec::new(),
                parts: Vec::new(),
            });
        }
        "Workout" => {
            let workout = super::workout::open(&element)?;
            if element.empty {
                collected.workouts.push(workout);
            } else {
                state.workout = Some(workout);
            }
        }
        "WorkoutEvent" | "WorkoutStatistics" | "FileReference" => {
            if let Some(workout) = state.workout.as_mut() {
                super::workout::child(workout, &element)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn close(collected: &mut Collected, state: &mut State, name: &str) -> Result<(), ExportError> {
    match name {
        "Record" => {
            if let Some(record) = state.record.take() {
                finish_record(collected, state, record)?;
            }
        }
        "Correlation" => {
            if let Some(correlation) = state.correlation.take() {
                finish_correlation(collected, correlation);
            }
        }
        "Workout" => collected.workouts.extend(state.workout.take()),
        _ => {}
    }
    Ok(())
}

fn metadata(state: &mut State, element: &Element) {
    let entry = match (element.get("key"), element.get("value")) {
        (Some(key), Some(value)) => (key.to_owned(), value.to_owned()),
        _ => return,
    };
    if let Some(record) = state.record.as_mut() {
        record.metadata.push(entry);
    } else if let Some(workout) = state.workout.as_mut() {
        workout.metadata.push(entry);
    } else if let Some(correlation) = state.correlation.as_mut() {
        correlation.metadata.push(entry);
    }
}

pub(super) fn date(element: &Element, key: &str) -> Result<Instant, ExportError> {
    let text = element.require(key)?;
    parse_apple_date(text).ok_or_else(|| ExportError::Invalid {
        line: element.line,
        message: format!("<{}> {key} {text:?} is not an export date", element.name),
    })
}

fn pending_record(element: &Element) -> Result<PendingRecord, ExportError> {
    let start = date(element, "startDate")?;
    let end = date(element, "endDate")?;
    let source = element.require("sourceName")?;
    Ok(PendingRecord {
        kind: element.require("type")?.to_owned(),
        unit: element.get("unit").map(str::to_owned),
        value: element.get("value").map(str::to_owned),
        start,
        end,
        priority: priority(source, element.get("device")),
        line: element.line,
        metadata: Vec::new(),
    })
}

/// A numeric value in Terra's unit; `Ok(None)` for a unit this importer does not know.
fn quantity(record: &PendingRecord) -> Result<Option<f64>, ExportError> {
    let text = record.value.as_deref().unwrap_or_default();
    let value: f64 = text.trim().parse().map_err(|_| ExportError::Invalid {
        line: record.line,
        message: format!("{} value {text:?} is not a number", record.kind),
    })?;
    Ok(to_terra(value, record.unit.as_deref().unwrap_or("count")))
}

fn finish_record(
    collected: &mut Collected,
    state: &mut State,
    record: PendingRecord,
) -> Result<(), ExportError> {
    collected.records += 1;
    if let Some(correlation) = state.correlation.as_mut() {
        // A correlation's children repeat top-level records (the DTD says so): kept for
        // the correlation only, never counted twice.
        if record.kind.starts_with("HKQuantityType") {
            quantity(&record)?;
        }
        correlation.parts.push(record);
        return Ok(());
    }
    add_record(collected, record)
}

fn day<'a>(collected: &'a mut Collected, at: &Instant) -> &'a mut DayData {
    let day = collected.days.entry(at.date_naive()).or_default();
    day.offset.get_or_insert(*at.offset());
    day
}

fn add_record(collected: &mut Collected, record: PendingRecord) -> Result<(), ExportError> {
    let kind = record.kind.as_str();
    if kind == "HKCategoryTypeIdentifierSleepAnalysis" {
        collected.sleep.push(SleepSegment {
            start: record.start,
            end: record.end,
            value: record.value.unwrap_or_default(),
            priority: record.priority,
        });
        return Ok(());
    }
    if kind == "HKCategoryTypeIdentifierMenstrualFlow" {
        let first = record
            .metadata
            .iter()
            .any(|(key, value)| key == "HKMenstrualCycleStart" && value == "1");
        let flow = record.value.clone().unwrap_or_default();
        day(collected, &record.start).menstrual_flow = Some((flow, first));
        return Ok(());
    }
    if !kind.starts_with("HKQuantityType") {
        return Ok(());
    }
    let Some(value) = quantity(&record)? else {
        return Ok(());
    };
    let at = record.start;
    if let Some(summed) = Summed::of(kind) {
        let sample = Sample {
            start: record.start.timestamp(),
            end: record.end.timestamp(),
            value,
            priority: record.priority,
        };
        if let Some(samples) = day(collected, &at).summed.get_mut(summed.index()) {
            samples.push(sample);
        }
    } else if let Some(measured) = Measured::of(kind) {
        add_measurement(day(collected, &at), measured, Point { at, value });
    } else if let Some(index) = nutrient_index(kind) {
        let day = day(collected, &at);
        day.has_nutrients = true;
        if let Some(total) = day.nutrients.get_mut(index) {
            *total += value;
        }
    }
    Ok(())
}

fn add_measurement(day: &mut DayData, measured: Measured, point: Point) {
    let list = match measured {
        Measured::HeartRate => &mut day.heart_rate,
        Measured::RestingHeartRate => &mut day.resting_hr,
        Measured::HrvSdnn => &mut day.hrv_sdnn,
        Measured::RespiratoryRate => &mut day.respiratory,
        Measured::BodyMass => &mut day.weight,
        Measured::BodyFat => &mut day.body_fat,
        Measured::BodyMassIndex => &mut day.bmi,
        Measured::Height => &mut day.height_cm,
        Measured::BloodGlucose => &mut day.glucose,
        Measured::OxygenSaturation => &mut day.spo2,
        Measured::BodyTemperature => &mut day.temperature,
    };
    list.push(point);
}

fn finish_correlation(collected: &mut Collected, correlation: PendingCorrelation) {
    let part = |kind: &str| {
        correlation
            .parts
            .iter()
            .find(|part| part.kind == kind)
            .and_then(|part| quantity(part).ok().flatten())
    };
    match correlation.kind.as_str() {
        "HKCorrelationTypeIdentifierBloodPressure" => {
            let systolic = part("HKQuantityTypeIdentifierBloodPressureSystolic");
            let diastolic = part("HKQuantityTypeIdentifierBloodPressureDiastolic");
            if let (Some(systolic), Some(diastolic)) = (systolic, diastolic) {
                let at = correlation.at;
                day(collected, &at)
                    .blood_pressure
                    .push((at, systolic, diastolic));
            }
        }
        "HKCorrelationTypeIdentifierFood" => {
            let mut nutrients = [0.0; NUTRIENTS.len()];
            for (index, name) in NUTRIENTS.iter().enumerate() {
                if let Some(slot) = nutrients.get_mut(index) {
                    *slot = part(name).unwrap_or(0.0);
                }
            }
            let meta = |key: &str| {
                correlation
                    .metadata
                    .iter()
                    .find(|(name, _)| name == key)
                    .map(|(_, value)| value.clone())
            };
            let meal = MealData {
                at: correlation.at,
                name: meta("HKFoodType"),
                meal: meta("meal").or_else(|| meta("HKFoodMeal")),
                nutrients,
            };
            day(collected, &correlation.at).meals.push(meal);
        }
        _ => {}
    }
}
