//! The synthetic person as an Apple Health export (`export.xml`), the file the Health app
//! writes under "Export All Health Data".
//!
//! Apple offers no server API: a user's history reaches a server as this export (or, live,
//! through an SDK). The renderer writes the [`Person`]'s days like the other provider
//! modules do, inventing nothing the person does not say, except the blood pressure
//! (see [`correlations`]), which the person does not model.
//!
//! Shape, as the Health app writes it: the internal DTD, `ExportDate`, `Me`, then every
//! `Record` grouped by type (each type's samples in time order), then the correlations,
//! the workouts and one `ActivitySummary` per day. Grouping by type is why the renderer
//! walks the days once per type: a day costs ~0.25 ms to generate, so re-generating beats
//! holding years of days in memory. Several sources overlap as they do on a real phone:
//! the Watch records steps, distance, energy and heart rate except while it charges
//! ([`watch_worn`]), the iPhone records steps and distance all day and energy while the
//! Watch charges, a scale writes body measurements, a food app writes meals.

mod categories;
mod correlations;
mod dtd;
mod out;
mod quantities;
mod workout;

use std::io::{self, Write};

use chrono::{Days, NaiveDate, TimeDelta};

use crate::person::{Day, Person, Sex};
use out::{Source, XmlOut, apple_date, num};

pub use out::apple_date as format_apple_date;

/// What to render.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// The person's seed (the same seed gives the same person in every simulator).
    pub seed: String,
    /// First local day.
    pub start: NaiveDate,
    pub days: u32,
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// `Record` elements, top-level and inside correlations.
    pub records: u64,
}

/// Local quarter-hours (index of the day's 96 intervals) during which the Watch charges
/// (19:00–20:00) and records nothing: the iPhone alone covers them.
pub fn watch_worn(interval_index: usize) -> bool {
    !(76..80).contains(&interval_index)
}

/// The sources of one person's export.
pub(crate) struct Sources {
    pub watch: Source,
    pub phone: Source,
    pub scale: Source,
    pub food: Source,
}

impl Sources {
    fn of(person: &Person) -> Self {
        let name = &person.profile().first_name;
        Self {
            watch: Source {
                name: format!("{name}\u{2019}s Apple\u{a0}Watch"),
                version: "10.1",
                device: Some(
                    "<<HKDevice: 0x2834bc0f0>, name:Apple Watch, manufacturer:Apple Inc., \
                     model:Watch, hardware:Watch6,1, software:10.1>"
                        .to_owned(),
                ),
            },
            phone: Source {
                name: format!("{name}\u{2019}s iPhone"),
                version: "17.1",
                device: Some(
                    "<<HKDevice: 0x2811f8a50>, name:iPhone, manufacturer:Apple Inc., \
                     model:iPhone, hardware:iPhone14,2, software:17.1>"
                        .to_owned(),
                ),
            },
            scale: Source {
                name: "Health Mate".to_owned(),
                version: "6.3.1",
                device: Some(
                    "<<HKDevice: 0x28102e3a0>, name:Body+, manufacturer:Withings, \
                     model:WBS05, hardware:WBS05>"
                        .to_owned(),
                ),
            },
            food: Source {
                name: "MyFitnessPal".to_owned(),
                version: "23.1.0",
                device: None,
            },
        }
    }
}

/// Writes the export for `options` into `sink` (buffer it: many small writes).
pub fn write_export<W: Write>(options: &ExportOptions, sink: W) -> io::Result<ExportSummary> {
    let person = Person::new(&options.seed);
    let sources = Sources::of(&person);
    let dates: Vec<NaiveDate> = (0..options.days)
        .filter_map(|i| options.start.checked_add_days(Days::new(u64::from(i))))
        .collect();
    let mut out = XmlOut::new(sink);
    out.raw(dtd::HEAD)?;
    out.raw("<HealthData locale=\"en_US\">\n")?;
    write_header(&person, &dates, &mut out)?;
    for section in quantities::SECTIONS {
        for_each_day(&person, &dates, |day| {
            quantities::render(*section, day, &sources, &mut out)
        })?;
    }
    for_each_day(&person, &dates, |day| {
        categories::sleep(day, &sources, &mut out)
    })?;
    for_each_day(&person, &dates, |day| {
        categories::menstrual_flow(day, &sources, &mut out)
    })?;
    for_each_day(&person, &dates, |day| {
        correlations::blood_pressure(day, &sources, &mut out)
    })?;
    for_each_day(&person, &dates, |day| {
        correlations::food(day, &sources, &mut out)
    })?;
    for_each_day(&person, &dates, |day| {
        workout::workouts(day, &sources, &mut out)
    })?;
    for_each_day(&person, &dates, |day| activity_summary(day, &mut out))?;
    out.raw("</HealthData>\n")?;
    out.flush()?;
    Ok(ExportSummary {
        records: out.records,
    })
}

/// Writes each outdoor workout's GPX file under `dir` at its [`workout::route_path`] (the
/// `apple_health_export` folder of an unzipped export); returns how many.
pub fn write_routes(options: &ExportOptions, dir: &std::path::Path) -> io::Result<u32> {
    let person = Person::new(&options.seed);
    let routes = dir.join("workout-routes");
    std::fs::create_dir_all(&routes)?;
    let mut count = 0;
    for i in 0..options.days {
        let Some(date) = options.start.checked_add_days(Days::new(u64::from(i))) else {
            continue;
        };
        for workout in person.day(date).workouts.iter().filter(|w| w.has_gps) {
            let path = dir.join(workout::route_path(workout).trim_start_matches('/'));
            let file = io::BufWriter::new(std::fs::File::create(path)?);
            workout::write_route_gpx(workout, file)?;
            count += 1;
        }
    }
    Ok(count)
}

pub use categories::{flow_value, sleep_value};
pub use correlations::blood_pressure_of;
pub use workout::{activity_type, route_path};

fn for_each_day(
    person: &Person,
    dates: &[NaiveDate],
    mut render: impl FnMut(&Day) -> io::Result<()>,
) -> io::Result<()> {
    dates.iter().try_for_each(|date| render(&person.day(*date)))
}

/// `ExportDate` (09:00 local the day after the last day) and `Me`.
fn write_header<W: Write>(
    person: &Person,
    dates: &[NaiveDate],
    out: &mut XmlOut<W>,
) -> io::Result<()> {
    let offset = person.offset();
    let last = dates.last().copied().unwrap_or(NaiveDate::MIN);
    let exported = crate::person::local_instant(last, 33 * 3_600, offset);
    out.raw(" <ExportDate")?;
    out.attr("value", &apple_date(&exported))?;
    out.raw("/>\n <Me")?;
    let profile = person.profile();
    out.attr(
        "HKCharacteristicTypeIdentifierDateOfBirth",
        &profile.birth_date.format("%Y-%m-%d").to_string(),
    )?;
    let sex = match profile.sex {
        Sex::Female => "HKBiologicalSexFemale",
        Sex::Male => "HKBiologicalSexMale",
    };
    out.attr("HKCharacteristicTypeIdentifierBiologicalSex", sex)?;
    out.attr(
        "HKCharacteristicTypeIdentifierBloodType",
        "HKBloodTypeNotSet",
    )?;
    out.attr(
        "HKCharacteristicTypeIdentifierFitzpatrickSkinType",
        "HKFitzpatrickSkinTypeNotSet",
    )?;
    out.attr(
        "HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse",
        "None",
    )?;
    out.raw("/>\n")
}

/// The day's rings: move (active energy, goal 500 kcal), exercise (workout minutes, goal
/// 30) and stand (hours with steps in them, goal 12).
fn activity_summary<W: Write>(day: &Day, out: &mut XmlOut<W>) -> io::Result<()> {
    let exercise_min: i64 = day.workouts.iter().map(|w| w.duration_s / 60).sum();
    let stand_hours = day
        .intervals
        .chunks(4)
        .filter(|hour| hour.iter().any(|i| i.steps > 0))
        .count();
    out.raw(" <ActivitySummary")?;
    out.attr("dateComponents", &day.date.format("%Y-%m-%d").to_string())?;
    out.attr("activeEnergyBurned", &num(day.active_kcal(), 3))?;
    out.attr("activeEnergyBurnedGoal", "500")?;
    out.attr("activeEnergyBurnedUnit", "kcal")?;
    out.attr("appleMoveTime", "0")?;
    out.attr("appleMoveTimeGoal", "0")?;
    out.attr("appleExerciseTime", &exercise_min.to_string())?;
    out.attr("appleExerciseTimeGoal", "30")?;
    out.attr("appleStandHours", &stand_hours.to_string())?;
    out.attr("appleStandHoursGoal", "12")?;
    out.raw("/>\n")
}

/// The instant a point sample is written when the person gives only a day (e.g. a
/// menstrual-flow entry): local midnight.
fn midnight(day: &Day) -> chrono::DateTime<chrono::FixedOffset> {
    crate::person::local_instant(day.date, 0, day.utc_offset)
}

/// `start + seconds`.
fn plus(
    start: chrono::DateTime<chrono::FixedOffset>,
    seconds: i64,
) -> chrono::DateTime<chrono::FixedOffset> {
    start + TimeDelta::seconds(seconds)
}

#[cfg(test)]
mod tests;
