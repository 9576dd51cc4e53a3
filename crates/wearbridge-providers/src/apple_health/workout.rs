//! `Workout` elements: attributes, events, statistics and the route reference.

use super::ExportError;
use super::collect::{Statistic, WorkoutData, date};
use super::units::to_terra;
use super::xml::Element;

/// The workout's own attributes. Duration is in `durationUnit` (Apple writes minutes).
pub fn open(element: &Element) -> Result<WorkoutData, ExportError> {
    let duration = element
        .get("duration")
        .map(|text| number(element, "duration", text))
        .transpose()?;
    let duration_s = duration.map(|value| match element.get("durationUnit") {
        Some("s") => value,
        Some("hr") => value * 3600.0,
        _ => value * 60.0,
    });
    Ok(WorkoutData {
        activity_type: element.require("workoutActivityType")?.to_owned(),
        start: Some(date(element, "startDate")?),
        end: Some(date(element, "endDate")?),
        duration_s,
        source_name: element.require("sourceName")?.to_owned(),
        device: element.get("device").map(str::to_owned),
        ..WorkoutData::default()
    })
}

/// A child of the open workout.
pub fn child(workout: &mut WorkoutData, element: &Element) -> Result<(), ExportError> {
    match element.name.as_str() {
        "WorkoutEvent" => {
            date(element, "date")?;
            if element.get("type") == Some("HKWorkoutEventTypeSegment") {
                workout.segments += 1;
            }
        }
        "WorkoutStatistics" => {
            let kind = element.require("type")?.to_owned();
            let unit = element.get("unit").unwrap_or("count");
            let value = |key: &str| -> Result<Option<f64>, ExportError> {
                element
                    .get(key)
                    .map(|text| number(element, key, text))
                    .transpose()
                    .map(|value| value.and_then(|v| to_terra(v, unit)))
            };
            let statistic = Statistic {
                sum: value("sum")?,
                average: value("average")?,
                minimum: value("minimum")?,
                maximum: value("maximum")?,
            };
            workout.statistics.push((kind, statistic));
        }
        "FileReference" => {
            workout.route_path = Some(element.require("path")?.to_owned());
        }
        _ => {}
    }
    Ok(())
}

fn number(element: &Element, key: &str, text: &str) -> Result<f64, ExportError> {
    text.trim().parse().map_err(|_| ExportError::Invalid {
        line: element.line,
        message: format!("<{}> {key} {text:?} is not a number", element.name),
    })
}

impl WorkoutData {
    pub fn statistic(&self, kind: &str) -> Option<Statistic> {
        let name = format!("HKQuantityTypeIdentifier{kind}");
        self.statistics
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, statistic)| *statistic)
    }
}
