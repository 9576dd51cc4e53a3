//! `Workout` elements with their events, statistics and route reference, and the route's
//! GPX file (Apple's export carries routes as separate files under `workout-routes/`).

use std::io::{self, Write};

use chrono::{DateTime, FixedOffset};

use super::out::{XmlOut, apple_date, num};
use super::{Sources, plus};
use crate::person::{Day, Workout, WorkoutKind};

/// HealthKit's activity type for a workout kind.
pub fn activity_type(kind: WorkoutKind) -> &'static str {
    match kind {
        WorkoutKind::Running => "HKWorkoutActivityTypeRunning",
        WorkoutKind::Cycling => "HKWorkoutActivityTypeCycling",
        WorkoutKind::Walking => "HKWorkoutActivityTypeWalking",
        WorkoutKind::StrengthTraining => "HKWorkoutActivityTypeTraditionalStrengthTraining",
        WorkoutKind::Yoga => "HKWorkoutActivityTypeYoga",
    }
}

/// The route file's path inside the export, as Apple names it (`route_<local date>_<local
/// time>.gpx`, e.g. `/workout-routes/route_2024-01-02_7.30am.gpx`).
pub fn route_path(workout: &Workout) -> String {
    let start = workout.start;
    format!(
        "/workout-routes/route_{}_{}.gpx",
        start.format("%Y-%m-%d"),
        start.format("%-I.%M%P")
    )
}

/// The day's workouts, recorded by the Watch.
pub fn workouts<W: Write>(day: &Day, sources: &Sources, out: &mut XmlOut<W>) -> io::Result<()> {
    day.workouts
        .iter()
        .try_for_each(|workout| write_workout(workout, sources, out))
}

fn write_workout<W: Write>(
    workout: &Workout,
    sources: &Sources,
    out: &mut XmlOut<W>,
) -> io::Result<()> {
    out.raw(" <Workout")?;
    out.attr("workoutActivityType", activity_type(workout.kind))?;
    out.attr("duration", &num(workout.duration_s as f64 / 60.0, 6))?;
    out.attr("durationUnit", "min")?;
    out.source_attrs(&sources.watch)?;
    out.dates(&workout.end, &workout.start, &workout.end)?;
    out.raw(">\n")?;
    let indoor = if workout.kind.is_outdoor() { "0" } else { "1" };
    out.metadata("HKIndoorWorkout", indoor, 2)?;
    out.metadata("HKExternalUUID", &workout.id, 2)?;
    segments(workout, out)?;
    statistics(workout, out)?;
    if workout.has_gps {
        out.raw("  <WorkoutRoute")?;
        out.source_attrs(&sources.watch)?;
        out.dates(&workout.end, &workout.start, &workout.end)?;
        out.raw(">\n")?;
        out.metadata("HKMetadataKeySyncVersion", "2", 3)?;
        out.raw("   <FileReference")?;
        out.attr("path", &route_path(workout))?;
        out.raw("/>\n  </WorkoutRoute>\n")?;
    }
    out.raw(" </Workout>\n")
}

/// One segment event per whole kilometre outdoors (Apple's split markers), none indoors.
fn segments<W: Write>(workout: &Workout, out: &mut XmlOut<W>) -> io::Result<()> {
    if !workout.kind.is_outdoor() {
        return Ok(());
    }
    let mut split_start = 0_i64;
    let mut next_km = 1000.0;
    for sample in workout.samples() {
        if sample.distance_m < next_km {
            continue;
        }
        let seconds = sample.offset_s - split_start;
        out.raw("  <WorkoutEvent")?;
        out.attr("type", "HKWorkoutEventTypeSegment")?;
        out.attr("date", &apple_date(&plus(workout.start, split_start)))?;
        out.attr("duration", &num(seconds as f64 / 60.0, 6))?;
        out.attr("durationUnit", "min")?;
        out.raw("/>\n")?;
        split_start = sample.offset_s;
        next_km += 1000.0;
    }
    Ok(())
}

fn statistics<W: Write>(workout: &Workout, out: &mut XmlOut<W>) -> io::Result<()> {
    let (start, end) = (workout.start, workout.end);
    let basal = workout.total_kcal - workout.active_kcal;
    stat_sum(
        out,
        "ActiveEnergyBurned",
        start,
        end,
        workout.active_kcal,
        "kcal",
    )?;
    stat_sum(out, "BasalEnergyBurned", start, end, basal, "kcal")?;
    if workout.kind.is_outdoor() {
        let distance = match workout.kind {
            WorkoutKind::Cycling => "DistanceCycling",
            _ => "DistanceWalkingRunning",
        };
        stat_sum(out, distance, start, end, workout.distance_m / 1000.0, "km")?;
    }
    if workout.steps > 0 {
        stat_sum(
            out,
            "StepCount",
            start,
            end,
            f64::from(workout.steps),
            "count",
        )?;
    }
    let samples = workout.samples();
    let min_hr = samples.iter().map(|s| s.hr_bpm).min().unwrap_or(0);
    out.raw("  <WorkoutStatistics")?;
    out.attr("type", "HKQuantityTypeIdentifierHeartRate")?;
    out.attr("startDate", &apple_date(&start))?;
    out.attr("endDate", &apple_date(&end))?;
    out.attr("average", &workout.avg_hr_bpm.to_string())?;
    out.attr("minimum", &min_hr.to_string())?;
    out.attr("maximum", &workout.max_hr_bpm.to_string())?;
    out.attr("unit", "count/min")?;
    out.raw("/>\n")
}

fn stat_sum<W: Write>(
    out: &mut XmlOut<W>,
    kind: &str,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    sum: f64,
    unit: &str,
) -> io::Result<()> {
    out.raw("  <WorkoutStatistics")?;
    out.attr("type", &format!("HKQuantityTypeIdentifier{kind}"))?;
    out.attr("startDate", &apple_date(&start))?;
    out.attr("endDate", &apple_date(&end))?;
    out.attr("sum", &num(sum, 6))?;
    out.attr("unit", unit)?;
    out.raw("/>\n")
}

/// The workout's route as Apple's GPX 1.1 file: one `trkpt` a second with elevation,
/// time (UTC) and speed/course extensions.
pub fn write_route_gpx<W: Write>(workout: &Workout, mut sink: W) -> io::Result<()> {
    writeln!(sink, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        sink,
        r#"<gpx version="1.1" creator="Apple Health Export" xmlns="http://www.topografix.com/GPX/1/1">"#
    )?;
    writeln!(
        sink,
        "<metadata><time>{}</time></metadata>",
        utc(&workout.start)
    )?;
    writeln!(
        sink,
        "<trk><name>Route {}</name><trkseg>",
        workout.start.format("%Y-%m-%d %-I:%M%P")
    )?;
    for sample in workout.samples() {
        let Some(position) = sample.position else {
            continue;
        };
        let at = plus(workout.start, sample.offset_s);
        writeln!(
            sink,
            r#"<trkpt lon="{:.6}" lat="{:.6}"><ele>{}</ele><time>{}</time><extensions><speed>{}</speed></extensions></trkpt>"#,
            position.longitude,
            position.latitude,
            num(sample.elevation_m.unwrap_or(0.0), 2),
            utc(&at),
            num(sample.speed_m_s, 2),
        )?;
    }
    writeln!(sink, "</trkseg></trk>\n</gpx>")
}

fn utc(instant: &DateTime<FixedOffset>) -> String {
    instant
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
