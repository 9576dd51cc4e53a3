//! Quantity `Record`s: one section per HealthKit type, each written for every day before
//! the next type starts (Apple groups records by type).

use std::io::{self, Write};

use super::out::{RecordSpec, Source, XmlOut, num};
use super::{Sources, plus, watch_worn};
use crate::person::{Day, Interval, Meal};

/// The quantity sections in the order they are written.
#[derive(Clone, Copy, Debug)]
pub enum Section {
    BodyMass,
    BodyFat,
    BodyMassIndex,
    Steps,
    Distance,
    BasalEnergy,
    ActiveEnergy,
    HeartRate,
    RestingHeartRate,
    Hrv,
    RespiratoryRate,
    Dietary(Nutrient),
}

/// A `Meal` field as a dietary HealthKit type.
#[derive(Clone, Copy, Debug)]
pub enum Nutrient {
    Energy,
    Carbohydrates,
    Protein,
    Fat,
    Fiber,
    Sugar,
    Sodium,
    Water,
}

pub const SECTIONS: &[Section] = &[
    Section::BodyMass,
    Section::BodyFat,
    Section::BodyMassIndex,
    Section::Steps,
    Section::Distance,
    Section::BasalEnergy,
    Section::ActiveEnergy,
    Section::HeartRate,
    Section::RestingHeartRate,
    Section::Hrv,
    Section::RespiratoryRate,
    Section::Dietary(Nutrient::Energy),
    Section::Dietary(Nutrient::Carbohydrates),
    Section::Dietary(Nutrient::Protein),
    Section::Dietary(Nutrient::Fat),
    Section::Dietary(Nutrient::Fiber),
    Section::Dietary(Nutrient::Sugar),
    Section::Dietary(Nutrient::Sodium),
    Section::Dietary(Nutrient::Water),
];

impl Nutrient {
    pub const ALL: [Nutrient; 8] = [
        Nutrient::Energy,
        Nutrient::Carbohydrates,
        Nutrient::Protein,
        Nutrient::Fat,
        Nutrient::Fiber,
        Nutrient::Sugar,
        Nutrient::Sodium,
        Nutrient::Water,
    ];

    /// HealthKit type, unit and the meal's amount in that unit.
    pub fn of(self, meal: &Meal) -> (&'static str, &'static str, f64) {
        match self {
            Self::Energy => (
                "HKQuantityTypeIdentifierDietaryEnergyConsumed",
                "kcal",
                meal.kcal,
            ),
            Self::Carbohydrates => (
                "HKQuantityTypeIdentifierDietaryCarbohydrates",
                "g",
                meal.carbohydrates_g,
            ),
            Self::Protein => (
                "HKQuantityTypeIdentifierDietaryProtein",
                "g",
                meal.protein_g,
            ),
            Self::Fat => ("HKQuantityTypeIdentifierDietaryFatTotal", "g", meal.fat_g),
            Self::Fiber => ("HKQuantityTypeIdentifierDietaryFiber", "g", meal.fiber_g),
            Self::Sugar => ("HKQuantityTypeIdentifierDietarySugar", "g", meal.sugar_g),
            Self::Sodium => (
                "HKQuantityTypeIdentifierDietarySodium",
                "mg",
                meal.sodium_mg,
            ),
            Self::Water => ("HKQuantityTypeIdentifierDietaryWater", "mL", meal.water_ml),
        }
    }
}

/// Writes one section's records of `day`.
pub fn render<W: Write>(
    section: Section,
    day: &Day,
    sources: &Sources,
    out: &mut XmlOut<W>,
) -> io::Result<()> {
    match section {
        Section::BodyMass => body(day, sources, out, BodyKind::Mass),
        Section::BodyFat => body(day, sources, out, BodyKind::Fat),
        Section::BodyMassIndex => body(day, sources, out, BodyKind::Bmi),
        Section::Steps => intervals(day, sources, out, IntervalKind::Steps),
        Section::Distance => intervals(day, sources, out, IntervalKind::Distance),
        Section::BasalEnergy => intervals(day, sources, out, IntervalKind::Basal),
        Section::ActiveEnergy => intervals(day, sources, out, IntervalKind::Active),
        Section::HeartRate => heart_rate(day, sources, out),
        Section::RestingHeartRate => resting(day, sources, out),
        Section::Hrv => hrv(day, sources, out),
        Section::RespiratoryRate => respiratory(day, sources, out),
        Section::Dietary(nutrient) => dietary(day, nutrient, sources, out),
    }
}

#[derive(Clone, Copy)]
enum IntervalKind {
    Steps,
    Distance,
    Basal,
    Active,
}

impl IntervalKind {
    fn kind_unit(self) -> (&'static str, &'static str) {
        match self {
            Self::Steps => ("HKQuantityTypeIdentifierStepCount", "count"),
            Self::Distance => ("HKQuantityTypeIdentifierDistanceWalkingRunning", "km"),
            Self::Basal => ("HKQuantityTypeIdentifierBasalEnergyBurned", "kcal"),
            Self::Active => ("HKQuantityTypeIdentifierActiveEnergyBurned", "kcal"),
        }
    }

    /// The interval's amount as written (`None`: nothing to write).
    fn value(self, interval: &Interval) -> Option<String> {
        let value = match self {
            Self::Steps => return (interval.steps > 0).then(|| interval.steps.to_string()),
            Self::Distance => interval.distance_m / 1000.0,
            Self::Basal => interval.kcal - interval.active_kcal,
            Self::Active => interval.active_kcal,
        };
        (value > 0.0).then(|| num(value, 6))
    }

    /// Steps and distance: the iPhone counts all day, overlapping the Watch. Energy: the
    /// iPhone's estimate only while the Watch charges.
    fn phone_writes(self, worn: bool) -> bool {
        match self {
            Self::Steps | Self::Distance => true,
            Self::Basal | Self::Active => !worn,
        }
    }
}

/// One record per source per quarter-hour: the Watch while worn, the iPhone as
/// [`IntervalKind::phone_writes`] says.
fn intervals<W: Write>(
    day: &Day,
    sources: &Sources,
    out: &mut XmlOut<W>,
    kind: IntervalKind,
) -> io::Result<()> {
    let (name, unit) = kind.kind_unit();
    for (index, interval) in day.intervals.iter().enumerate() {
        let Some(value) = kind.value(interval) else {
            continue;
        };
        let worn = watch_worn(index);
        let writers = [
            (worn, &sources.watch),
            (kind.phone_writes(worn), &sources.phone),
        ];
        for (_, source) in writers.iter().filter(|(writes, _)| *writes) {
            let spec = RecordSpec {
                kind: name,
                unit: Some(unit),
                value: Some(value.clone()),
                source,
                start: interval.start,
                end: interval.end,
                metadata: Vec::new(),
            };
            out.record(&spec, 1)?;
        }
    }
    Ok(())
}

/// Heart rate: the quarter-hour average at its start while the Watch is worn, and every
/// 5 s during workouts.
fn heart_rate<W: Write>(day: &Day, sources: &Sources, out: &mut XmlOut<W>) -> io::Result<()> {
    let mut points: Vec<(chrono::DateTime<chrono::FixedOffset>, u32)> = day
        .intervals
        .iter()
        .enumerate()
        .filter(|(index, _)| watch_worn(*index))
        .map(|(_, interval)| (interval.start, interval.avg_hr_bpm))
        .collect();
    for workout in &day.workouts {
        let samples = workout.samples();
        let every_5s = samples.iter().filter(|s| s.offset_s % 5 == 0);
        points.extend(every_5s.map(|s| (plus(workout.start, s.offset_s), s.hr_bpm)));
    }
    points.sort_by_key(|(at, _)| *at);
    for (at, bpm) in points {
        let spec = instant(
            "HKQuantityTypeIdentifierHeartRate",
            "count/min",
            bpm.to_string(),
            &sources.watch,
            at,
        );
        out.record(&spec, 1)?;
    }
    Ok(())
}

fn instant<'a>(
    kind: &'a str,
    unit: &'a str,
    value: String,
    source: &'a Source,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> RecordSpec<'a> {
    RecordSpec {
        kind,
        unit: Some(unit),
        value: Some(value),
        source,
        start: at,
        end: at,
        metadata: Vec::new(),
    }
}

/// The day's resting heart rate, from local midnight to the morning's wake-up.
fn resting<W: Write>(day: &Day, sources: &Sources, out: &mut XmlOut<W>) -> io::Result<()> {
    let mut spec = instant(
        "HKQuantityTypeIdentifierRestingHeartRate",
        "count/min",
        day.resting_hr_bpm().to_string(),
        &sources.watch,
        day.sleep.end,
    );
    spec.start = super::midnight(day);
    out.record(&spec, 1)
}

/// Apple's HRV is SDNN: the night's 5-minute HRV values, one every 30 minutes, written as
/// SDNN readings with the beat-to-beat list Apple attaches.
fn hrv<W: Write>(day: &Day, sources: &Sources, out: &mut XmlOut<W>) -> io::Result<()> {
    for sample in day.sleep.hrv_samples.iter().step_by(6) {
        let mut spec = instant(
            "HKQuantityTypeIdentifierHeartRateVariabilitySDNN",
            "ms",
            num(sample.value, 3),
            &sources.watch,
            sample.time,
        );
        spec.end = plus(sample.time, 60);
        out.record_hrv(&spec, day.sleep.resting_hr_bpm)?;
    }
    Ok(())
}

fn respiratory<W: Write>(day: &Day, sources: &Sources, out: &mut XmlOut<W>) -> io::Result<()> {
    let spec = instant(
        "HKQuantityTypeIdentifierRespiratoryRate",
        "count/min",
        num(day.sleep.respiration_rate_brpm, 1),
        &sources.watch,
        day.sleep.end,
    );
    out.record(&spec, 1)
}

#[derive(Clone, Copy)]
enum BodyKind {
    Mass,
    Fat,
    Bmi,
}

/// The morning weigh-in from the scale. Apple stores body fat as a fraction with unit `%`.
fn body<W: Write>(
    day: &Day,
    sources: &Sources,
    out: &mut XmlOut<W>,
    kind: BodyKind,
) -> io::Result<()> {
    let (name, unit, value) = match kind {
        BodyKind::Mass => (
            "HKQuantityTypeIdentifierBodyMass",
            "kg",
            num(day.body.weight_kg, 1),
        ),
        BodyKind::Fat => (
            "HKQuantityTypeIdentifierBodyFatPercentage",
            "%",
            num(day.body.body_fat_percent / 100.0, 4),
        ),
        BodyKind::Bmi => (
            "HKQuantityTypeIdentifierBodyMassIndex",
            "count",
            num(day.body.bmi, 1),
        ),
    };
    let spec = instant(name, unit, value, &sources.scale, day.body.measured_at);
    out.record(&spec, 1)
}

/// One record per meal for `nutrient`, from the food app, tagged with the meal.
fn dietary<W: Write>(
    day: &Day,
    nutrient: Nutrient,
    sources: &Sources,
    out: &mut XmlOut<W>,
) -> io::Result<()> {
    for meal in &day.meals {
        let spec = dietary_spec(meal, nutrient, &sources.food);
        out.record(&spec, 1)?;
    }
    Ok(())
}

/// A meal's `nutrient` record (also a food correlation's child).
pub fn dietary_spec<'a>(meal: &Meal, nutrient: Nutrient, source: &'a Source) -> RecordSpec<'a> {
    let (name, unit, value) = nutrient.of(meal);
    let mut spec = instant(name, unit, num(value, 3), source, meal.eaten_at);
    spec.metadata
        .push(("meal", format!("{:?}", meal.meal_type)));
    spec
}
