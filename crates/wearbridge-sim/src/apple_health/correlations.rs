//! `Correlation`s: blood pressure and food. Apple writes a correlation's records twice,
//! at the top level and as the correlation's children (the DTD says so).

use std::io::{self, Write};

use chrono::Datelike;

use super::Sources;
use super::out::{RecordSpec, Source, XmlOut};
use super::plus;
use super::quantities::{Nutrient, dietary_spec};
use crate::person::Day;

/// The person models no blood pressure; the scale's cuff reading every third day is
/// derived from the morning's weight and resting heart rate, so it is still a function
/// of the person: systolic 80 + 0.3 × kg + 0.3 × bpm, diastolic 50 + 0.15 × kg + 0.2 × bpm.
pub fn blood_pressure_of(day: &Day) -> Option<(f64, f64)> {
    if day.date.num_days_from_ce() % 3 != 0 {
        return None;
    }
    let kg = day.body.weight_kg;
    let bpm = f64::from(day.resting_hr_bpm());
    Some((
        (80.0 + 0.3 * kg + 0.3 * bpm).round(),
        (50.0 + 0.15 * kg + 0.2 * bpm).round(),
    ))
}

/// The blood-pressure correlation (2 minutes after the weigh-in) and its two records,
/// top-level first.
pub fn blood_pressure<W: Write>(
    day: &Day,
    sources: &Sources,
    out: &mut XmlOut<W>,
) -> io::Result<()> {
    let Some((systolic, diastolic)) = blood_pressure_of(day) else {
        return Ok(());
    };
    let at = plus(day.body.measured_at, 120);
    let part = |kind, value: f64| RecordSpec {
        kind,
        unit: Some("mmHg"),
        value: Some(value.to_string()),
        source: &sources.scale,
        start: at,
        end: at,
        metadata: Vec::new(),
    };
    let parts = [
        part("HKQuantityTypeIdentifierBloodPressureSystolic", systolic),
        part("HKQuantityTypeIdentifierBloodPressureDiastolic", diastolic),
    ];
    for record in &parts {
        out.record(record, 1)?;
    }
    correlation(
        out,
        "HKCorrelationTypeIdentifierBloodPressure",
        &sources.scale,
        at,
        &[],
        &parts,
    )
}

/// One food correlation per meal (named, with its meal), children as the top-level
/// dietary records.
pub fn food<W: Write>(day: &Day, sources: &Sources, out: &mut XmlOut<W>) -> io::Result<()> {
    for meal in &day.meals {
        let parts: Vec<RecordSpec<'_>> = Nutrient::ALL
            .iter()
            .map(|nutrient| dietary_spec(meal, *nutrient, &sources.food))
            .collect();
        let metadata = [
            ("HKFoodType", meal.name.clone()),
            ("meal", format!("{:?}", meal.meal_type)),
        ];
        correlation(
            out,
            "HKCorrelationTypeIdentifierFood",
            &sources.food,
            meal.eaten_at,
            &metadata,
            &parts,
        )?;
    }
    Ok(())
}

fn correlation<W: Write>(
    out: &mut XmlOut<W>,
    kind: &str,
    source: &Source,
    at: chrono::DateTime<chrono::FixedOffset>,
    metadata: &[(&str, String)],
    parts: &[RecordSpec<'_>],
) -> io::Result<()> {
    out.raw(" <Correlation")?;
    out.attr("type", kind)?;
    out.source_attrs(source)?;
    out.dates(&at, &at, &at)?;
    out.raw(">\n")?;
    for (key, value) in metadata {
        out.metadata(key, value, 2)?;
    }
    for part in parts {
        out.record(part, 2)?;
    }
    out.raw(" </Correlation>\n")
}
