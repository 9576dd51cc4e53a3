//! Pure mappers from Withings answers ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Units: Withings measures are `value × 10^unit` in the unit of their
//! type (kg, m, %, mmHg, bpm, °C); Terra wants grams for body masses and centimetres for
//! height, so those are converted here. Durations are seconds on both sides, energy kcal,
//! distance metres. Sleep efficiency is a 0–1 ratio at Withings and a percentage at Terra.
//! HRV: `rmssd` goes to Terra's RMSSD fields and `sdnn_1` to its SDNN fields, never mixed.
//!
//! Time: Withings sends epoch seconds plus an IANA zone name; each timestamp gets the
//! offset that zone had at that instant ([`super::zone`]). For a zone the table does not
//! know, instants stay exact at `+00:00`, and day records built from a Withings local date
//! carry no offset at all (the local date is right, the offset unknown).

use std::collections::BTreeMap;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, Offset, Utc};
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, AsleepDurations, AwakeDurations,
    BloodPressureData, BloodPressureSample, Body, BodyMetadata, BreathSample, BreathsData,
    CalorieSample, CaloriesData, Daily, DailyDistanceData, DailyMetadata, DeviceData, DistanceData,
    DistanceDataDetailed, DistanceDataSummary, DistanceSample, ElevationData, HeartData,
    HeartRateData, HeartRateDataDetailed, HeartRateDataSample, HeartRateDataSummary,
    HeartRateVariabilityDataSampleRmssd, HeartRateVariabilityDataSampleSdnn, HeartRateZoneData,
    MeasurementDataSample, MeasurementsData, OtherSleepDurations, OxygenData,
    OxygenSaturationSample, OxygenSaturationType, PulseVelocitySample, RespirationData, Sleep,
    SleepDurationsData, SleepHypnogramSample, SleepLevel, SleepMetadata, SleepScores,
    SleepUploadType, SnoringData, StepSample, SwimmingData, TemperatureData, TemperatureSample,
    Timestamp, UploadType, Vo2MaxSample,
};

use super::wire;
use super::zone;

/// Longest sample list accepted per series (a week of 1-second samples); a hostile answer
/// cannot make a record unbounded.
const MAX_SAMPLES: usize = 7 * 24 * 3600;

/// Withings measure types (providers.md §3.3).
pub mod meastype {
    pub const WEIGHT_KG: i64 = 1;
    pub const HEIGHT_M: i64 = 4;
    pub const FAT_FREE_MASS_KG: i64 = 5;
    pub const FAT_RATIO_PERCENT: i64 = 6;
    pub const FAT_MASS_KG: i64 = 8;
    pub const DIASTOLIC_MMHG: i64 = 9;
    pub const SYSTOLIC_MMHG: i64 = 10;
    pub const HEART_PULSE_BPM: i64 = 11;
    pub const TEMPERATURE_C: i64 = 12;
    pub const SPO2_PERCENT: i64 = 54;
    pub const BODY_TEMPERATURE_C: i64 = 71;
    pub const SKIN_TEMPERATURE_C: i64 = 73;
    pub const MUSCLE_MASS_KG: i64 = 76;
    pub const HYDRATION_KG: i64 = 77;
    pub const BONE_MASS_KG: i64 = 88;
    pub const PULSE_WAVE_VELOCITY_M_S: i64 = 91;
    pub const VO2_MAX: i64 = 123;
    pub const VISCERAL_FAT: i64 = 170;
}

/// Measure-group category of user objectives (goals), which are not measurements.
const CATEGORY_GOAL: i64 = 2;
/// Measure-group / workout `attrib` of values the user typed in.
const ATTRIB_MANUAL: [i64; 2] = [2, 4];

fn utc() -> FixedOffset {
    Utc.fix()
}

/// The instant of `epoch` seconds in the offset `zone` had then (`+00:00` for an unknown
/// or missing zone).
fn local_at(epoch: i64, zone_name: Option<&str>) -> Option<DateTime<FixedOffset>> {
    let instant = DateTime::<Utc>::from_timestamp(epoch, 0)?;
    let offset = zone_name
        .and_then(|name| zone::offset_at(name, instant))
        .unwrap_or_else(utc);
    Some(instant.with_timezone(&offset))
}

fn ts_at(epoch: i64, zone_name: Option<&str>) -> Option<Timestamp> {
    local_at(epoch, zone_name).map(Timestamp::from_datetime)
}

/// Local midnight of `day` and of the next day; with the zone's offset when known, else
/// as local wall-clock times without an offset.
fn day_bounds(day: NaiveDate, zone_name: Option<&str>) -> Option<(Timestamp, Timestamp)> {
    let next = day.checked_add_days(Days::new(1))?;
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = next.and_hms_opt(0, 0, 0)?;
    let start_offset = zone_name.and_then(|name| zone::offset_on(name, day));
    let end_offset = zone_name.and_then(|name| zone::offset_on(name, next));
    match (start_offset, end_offset) {
        (Some(start_offset), Some(end_offset)) => Some((
            Timestamp::from_datetime(start.and_local_timezone(start_offset).single()?),
            Timestamp::from_datetime(end.and_local_timezone(end_offset).single()?),
        )),
        _ => Some((Timestamp::from_local(start), Timestamp::from_local(end))),
    }
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// `value × 10^unit` as a float: exact decimal scaling (division by the power of ten for
/// negative units gives the double nearest the decimal, 7215 × 10^-2 → 72.15).
pub fn scaled(measure: &wire::Measure) -> Option<f64> {
    let exponent = i32::try_from(measure.unit).ok().filter(|e| e.abs() <= 22)?;
    let value = measure.value as f64;
    let result = if exponent < 0 {
        value / 10f64.powi(-exponent)
    } else {
        value * 10f64.powi(exponent)
    };
    result.is_finite().then_some(result)
}

fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// Withings sends `0` for heart-rate and SpO2 values a device did not measure.
fn measured(value: Option<f64>) -> Option<f64> {
    finite(value).filter(|v| *v > 0.0)
}

fn count(value: Option<f64>) -> Option<i64> {
    finite(value)
        .filter(|v| *v >= 0.0 && *v <= 1e15)
        .map(|v| v.round() as i64)
}

fn mean(values: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return None;
    }
    Some(finite.iter().sum::<f64>() / finite.len() as f64)
}

fn device(model: Option<String>) -> DeviceData {
    DeviceData {
        name: model,
        manufacturer: Some("Withings".to_owned()),
        ..DeviceData::default()
    }
}

fn model_name(model: Option<&serde_json::Value>) -> Option<String> {
    match model? {
        serde_json::Value::String(name) if !name.is_empty() => Some(name.clone()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Body (getmeas).

/// The values of one measure group, by type (the last value wins for a repeated type).
fn values_by_type(group: &wire::MeasureGroup) -> BTreeMap<i64, f64> {
    group
        .measures
        .iter()
        .filter(|measure| measure.position.is_none())
        .filter_map(|measure| Some((measure.kind, scaled(measure)?)))
        .collect()
}

/// Everything one Body day collects, sample by sample.
#[derive(Default)]
struct BodyDay {
    measurements: Vec<MeasurementDataSample>,
    blood_pressure: Vec<BloodPressureSample>,
    heart_rate: Vec<HeartRateDataSample>,
    saturation: Vec<OxygenSaturationSample>,
    vo2: Vec<Vo2MaxSample>,
    pulse_wave: Vec<PulseVelocitySample>,
    body_temperature: Vec<TemperatureSample>,
    skin_temperature: Vec<TemperatureSample>,
    models: Vec<String>,
}

impl BodyDay {
    fn add(&mut self, at: Timestamp, values: &BTreeMap<i64, f64>, model: Option<&String>) {
        use meastype as t;
        let get = |kind: i64| values.get(&kind).copied();
        let weight = get(t::WEIGHT_KG);
        let sample = MeasurementDataSample {
            measurement_time: Some(at),
            weight_kg: weight,
            height_cm: get(t::HEIGHT_M).map(|m| m * 100.0),
            lean_mass_g: get(t::FAT_FREE_MASS_KG).map(|kg| kg * 1000.0),
            bodyfat_percentage: get(t::FAT_RATIO_PERCENT),
            muscle_mass_g: get(t::MUSCLE_MASS_KG).map(|kg| kg * 1000.0),
            bone_mass_g: get(t::BONE_MASS_KG).map(|kg| kg * 1000.0),
            // Hydration is the mass of body water: its share of the weight weighed with it.
            water_percentage: get(t::HYDRATION_KG)
                .zip(weight.filter(|w| *w > 0.0))
                .map(|(water, weight)| water / weight * 100.0),
            visceral_fat_level: get(t::VISCERAL_FAT),
            ..MeasurementDataSample::default()
        };
        if sample
            != (MeasurementDataSample {
                measurement_time: Some(at),
                ..MeasurementDataSample::default()
            })
        {
            self.measurements.push(sample);
        }
        let (systolic, diastolic) = (get(t::SYSTOLIC_MMHG), get(t::DIASTOLIC_MMHG));
        if systolic.is_some() || diastolic.is_some() {
            self.blood_pressure.push(BloodPressureSample {
                timestamp: Some(at),
                systolic_bp: systolic,
                diastolic_bp: diastolic,
            });
        }
        if let Some(bpm) = get(t::HEART_PULSE_BPM) {
            self.heart_rate.push(HeartRateDataSample {
                timestamp: Some(at),
                bpm: Some(bpm),
                ..HeartRateDataSample::default()
            });
        }
        if let Some(percentage) = get(t::SPO2_PERCENT) {
            self.saturation.push(OxygenSaturationSample {
                timestamp: Some(at),
                percentage: Some(percentage),
                r#type: Some(OxygenSaturationType::Blood),
            });
        }
        if let Some(vo2) = get(t::VO2_MAX) {
            self.vo2.push(Vo2MaxSample {
                timestamp: Some(at),
                vo2max_ml_per_min_per_kg: Some(vo2),
            });
        }
        if let Some(speed) = get(t::PULSE_WAVE_VELOCITY_M_S) {
            self.pulse_wave.push(PulseVelocitySample {
                timestamp: Some(at),
                pulse_wave_velocity_meters_per_second: Some(speed),
            });
        }
        for kind in [t::TEMPERATURE_C, t::BODY_TEMPERATURE_C] {
            if let Some(celsius) = get(kind) {
                self.body_temperature.push(temperature(at, celsius));
            }
        }
        if let Some(celsius) = get(t::SKIN_TEMPERATURE_C) {
            self.skin_temperature.push(temperature(at, celsius));
        }
        if let Some(model) = model.filter(|m| !self.models.contains(m)) {
            self.models.push(model.clone());
        }
    }
}

fn temperature(at: Timestamp, celsius: f64) -> TemperatureSample {
    TemperatureSample {
        timestamp: Some(at),
        temperature_celsius: Some(celsius),
    }
}

fn averages<T>(samples: &[T], value: impl Fn(&T) -> Option<f64>) -> Option<f64> {
    mean(&samples.iter().filter_map(value).collect::<Vec<_>>())
}

fn non_empty<T>(samples: Vec<T>) -> Option<Vec<T>> {
    (!samples.is_empty()).then_some(samples)
}

/// Measure groups as Terra Body records, one per local day (Terra keys Body by day), each
/// measurement a sample at its own time. Goals (`category` 2) and segmental values (with a
/// `position`) are left out; fat mass (type 8) has no Terra field (the fat ratio is kept).
pub fn body(answer: &wire::MeasureBody) -> Vec<Body> {
    let zone_name = answer.timezone.as_deref();
    let mut days: Vec<(NaiveDate, BodyDay)> = Vec::new();
    let mut seen_groups: Vec<i64> = Vec::new();
    for group in &answer.measuregrps {
        if group.category == Some(CATEGORY_GOAL) {
            continue;
        }
        // Withings repeats a group (same `grpid`) when a device re-attributes it.
        if let Some(id) = group.grpid {
            if seen_groups.contains(&id) {
                continue;
            }
            seen_groups.push(id);
        }
        let Some(at) = local_at(group.date, zone_name) else {
            continue;
        };
        let date = at.date_naive();
        let index = match days.iter().position(|(d, _)| *d == date) {
            Some(index) => index,
            None => {
                days.push((date, BodyDay::default()));
                days.len() - 1
            }
        };
        if let Some((_, day)) = days.get_mut(index) {
            day.add(
                Timestamp::from_datetime(at),
                &values_by_type(group),
                group.model.as_ref(),
            );
        }
    }
    days.into_iter()
        .filter_map(|(date, day)| body_day(date, zone_name, day))
        .collect()
}

fn body_day(date: NaiveDate, zone_name: Option<&str>, day: BodyDay) -> Option<Body> {
    let (start_time, end_time) = day_bounds(date, zone_name)?;
    let heart_rate_data = (!day.heart_rate.is_empty()).then(|| HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: averages(&day.heart_rate, |s| s.bpm),
            max_hr_bpm: day.heart_rate.iter().filter_map(|s| s.bpm).reduce(f64::max),
            min_hr_bpm: day.heart_rate.iter().filter_map(|s| s.bpm).reduce(f64::min),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: Some(day.heart_rate.clone()),
            ..HeartRateDataDetailed::default()
        }),
    });
    let heart_data = (heart_rate_data.is_some() || !day.pulse_wave.is_empty()).then(|| HeartData {
        heart_rate_data,
        pulse_wave_velocity_samples: non_empty(day.pulse_wave.clone()),
        ..HeartData::default()
    });
    let oxygen_data = (!day.saturation.is_empty() || !day.vo2.is_empty()).then(|| OxygenData {
        avg_saturation_percentage: averages(&day.saturation, |s| s.percentage),
        saturation_samples: non_empty(day.saturation.clone()),
        vo2max_ml_per_min_per_kg: day.vo2.last().and_then(|s| s.vo2max_ml_per_min_per_kg),
        vo2_samples: non_empty(day.vo2.clone()),
        ..OxygenData::default()
    });
    let temperature_data = (!day.body_temperature.is_empty() || !day.skin_temperature.is_empty())
        .then(|| TemperatureData {
            day_avg_body_temperature_celsius: averages(&day.body_temperature, |s| {
                s.temperature_celsius
            }),
            day_avg_skin_temperature_celsius: averages(&day.skin_temperature, |s| {
                s.temperature_celsius
            }),
            body_temperature_samples: non_empty(day.body_temperature.clone()),
            skin_temperature_samples: non_empty(day.skin_temperature.clone()),
            ..TemperatureData::default()
        });
    let blood_pressure_data = (!day.blood_pressure.is_empty()).then(|| BloodPressureData {
        day_avg_systolic_bp: averages(&day.blood_pressure, |s| s.systolic_bp),
        day_avg_diastolic_bp: averages(&day.blood_pressure, |s| s.diastolic_bp),
        blood_pressure_samples: Some(day.blood_pressure.clone()),
    });
    let measurements_data = (!day.measurements.is_empty()).then(|| measurements(&day.measurements));
    // A day of only unmapped types (ECG results, nerve-health scores, ...) is no record.
    if measurements_data.is_none()
        && blood_pressure_data.is_none()
        && heart_data.is_none()
        && oxygen_data.is_none()
        && temperature_data.is_none()
    {
        return None;
    }
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
        temperature_data,
        device_data: Some(device(
            (!day.models.is_empty()).then(|| day.models.join(", ")),
        )),
        ..Body::default()
    })
}

fn measurements(samples: &[MeasurementDataSample]) -> MeasurementsData {
    MeasurementsData {
        day_avg_weight_kg: averages(samples, |s| s.weight_kg),
        day_avg_bodyfat_percentage: averages(samples, |s| s.bodyfat_percentage),
        day_avg_height_cm: averages(samples, |s| s.height_cm),
        day_avg_lean_mass_g: averages(samples, |s| s.lean_mass_g),
        day_avg_muscle_mass_g: averages(samples, |s| s.muscle_mass_g),
        day_avg_bone_mass_g: averages(samples, |s| s.bone_mass_g),
        day_avg_water_percentage: averages(samples, |s| s.water_percentage),
        day_avg_visceral_fat_level: averages(samples, |s| s.visceral_fat_level),
        measurements: Some(samples.to_vec()),
        ..MeasurementsData::default()
    }
}

// ---------------------------------------------------------------------------------------
// Daily (getactivity, getintradayactivity).

fn hr_zones(zones: [Option<f64>; 4]) -> Option<Vec<HeartRateZoneData>> {
    let zones: Vec<HeartRateZoneData> = zones
        .iter()
        .enumerate()
        .filter_map(|(index, seconds)| {
            Some(HeartRateZoneData {
                zone: Some(i64::try_from(index).ok()?),
                duration_seconds: Some(finite(*seconds)?),
                ..HeartRateZoneData::default()
            })
        })
        .collect();
    non_empty(zones)
}

/// One activity day, local midnight to midnight in the day's zone.
pub fn daily(day: &wire::ActivityDay) -> Option<Daily> {
    let date = parse_day(&day.date)?;
    let (start_time, end_time) = day_bounds(date, day.timezone.as_deref())?;
    let has_hr = [day.hr_average, day.hr_min, day.hr_max]
        .iter()
        .any(|v| measured(*v).is_some());
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        distance_data: Some(DailyDistanceData {
            steps: count(day.steps),
            distance_meters: finite(day.distance),
            elevation: finite(day.elevation).map(|gain| ElevationData {
                gain_actual_meters: Some(gain),
                ..ElevationData::default()
            }),
            ..DailyDistanceData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: finite(day.totalcalories),
            net_activity_calories: finite(day.calories),
            ..CaloriesData::default()
        }),
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: finite(day.active),
            low_intensity_seconds: finite(day.soft),
            moderate_intensity_seconds: finite(day.moderate),
            vigorous_intensity_seconds: finite(day.intense),
            ..ActiveDurationsData::default()
        }),
        heart_rate_data: has_hr.then(|| HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: measured(day.hr_average),
                min_hr_bpm: measured(day.hr_min),
                max_hr_bpm: measured(day.hr_max),
                hr_zone_data: hr_zones([
                    day.hr_zone_0,
                    day.hr_zone_1,
                    day.hr_zone_2,
                    day.hr_zone_3,
                ]),
                ..HeartRateDataSummary::default()
            }),
            detailed: None,
        }),
        device_data: Some(device(day.model.clone())),
        ..Daily::default()
    })
}

/// The intraday samples of one local day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaySamples {
    pub steps: Vec<StepSample>,
    pub distance: Vec<DistanceSample>,
    pub calories: Vec<CalorieSample>,
    pub heart_rate: Vec<HeartRateDataSample>,
    pub saturation: Vec<OxygenSaturationSample>,
}

/// Intraday points grouped by the local day (in `zone_name`) they start in, in time order.
pub fn intraday_days(
    answer: &wire::IntradayBody,
    zone_name: Option<&str>,
) -> Vec<(NaiveDate, DaySamples)> {
    let wire::IntradaySeries::Points(points) = &answer.series else {
        return Vec::new();
    };
    let mut sorted: Vec<(i64, &wire::IntradayPoint)> = points
        .iter()
        .filter_map(|(key, point)| Some((key.parse::<i64>().ok()?, point)))
        .take(MAX_SAMPLES)
        .collect();
    sorted.sort_by_key(|(epoch, _)| *epoch);
    let mut days: Vec<(NaiveDate, DaySamples)> = Vec::new();
    for (epoch, point) in sorted {
        let Some(at) = local_at(epoch, zone_name) else {
            continue;
        };
        let date = at.date_naive();
        if days.last().is_none_or(|(d, _)| *d != date) {
            days.push((date, DaySamples::default()));
        }
        if let Some((_, samples)) = days.last_mut() {
            add_point(samples, Timestamp::from_datetime(at), point);
        }
    }
    days
}

fn add_point(samples: &mut DaySamples, at: Timestamp, point: &wire::IntradayPoint) {
    if let Some(steps) = finite(point.steps) {
        samples.steps.push(StepSample {
            timestamp: Some(at),
            steps: Some(steps),
            timer_duration_seconds: None,
        });
    }
    if let Some(meters) = finite(point.distance) {
        samples.distance.push(DistanceSample {
            timestamp: Some(at),
            distance_meters: Some(meters),
            timer_duration_seconds: None,
        });
    }
    if let Some(kcal) = finite(point.calories) {
        samples.calories.push(CalorieSample {
            timestamp: Some(at),
            calories: Some(kcal),
            timer_duration_seconds: None,
        });
    }
    if let Some(bpm) = measured(point.heart_rate) {
        samples.heart_rate.push(HeartRateDataSample {
            timestamp: Some(at),
            bpm: Some(bpm),
            ..HeartRateDataSample::default()
        });
    }
    if let Some(percentage) = measured(point.spo2_auto) {
        samples.saturation.push(OxygenSaturationSample {
            timestamp: Some(at),
            percentage: Some(percentage),
            r#type: Some(OxygenSaturationType::Blood),
        });
    }
}

/// Adds a day's intraday samples to its Daily record. Terra's step and distance samples
/// are per-interval amounts here (Withings reports each interval's own steps and metres).
pub fn attach_samples(daily: &mut Daily, samples: DaySamples) {
    let distance = daily
        .distance_data
        .get_or_insert_with(DailyDistanceData::default);
    distance.detailed = Some(DistanceDataDetailed {
        step_samples: non_empty(samples.steps),
        distance_samples: non_empty(samples.distance),
        ..DistanceDataDetailed::default()
    });
    daily
        .calories_data
        .get_or_insert_with(CaloriesData::default)
        .calorie_samples = non_empty(samples.calories);
    if !samples.heart_rate.is_empty() {
        let heart = daily
            .heart_rate_data
            .get_or_insert_with(HeartRateData::default);
        heart.detailed = Some(HeartRateDataDetailed {
            hr_samples: Some(samples.heart_rate),
            ..HeartRateDataDetailed::default()
        });
    }
    if !samples.saturation.is_empty() {
        let oxygen = daily.oxygen_data.get_or_insert_with(OxygenData::default);
        oxygen.avg_saturation_percentage = averages(&samples.saturation, |s| s.percentage);
        oxygen.saturation_samples = Some(samples.saturation);
    }
}

/// An intraday answer on its own (`providers map`): one Daily per local day holding only
/// the samples (the day's totals come from `getactivity`).
pub fn intraday(answer: &wire::IntradayBody, zone_name: Option<&str>) -> Vec<Daily> {
    intraday_days(answer, zone_name)
        .into_iter()
        .filter_map(|(date, samples)| {
            let (start_time, end_time) = day_bounds(date, zone_name)?;
            let mut daily = Daily {
                metadata: DailyMetadata {
                    start_time,
                    end_time,
                    upload_type: UploadType::Automatic,
                    timestamp_localization: None,
                },
                device_data: Some(device(None)),
                ..Daily::default()
            };
            attach_samples(&mut daily, samples);
            Some(daily)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Activity (getworkouts).

/// Terra's activity type and a name for a Withings workout category. Codes from
/// providers.md §3.3; unknown codes become "Other" (108).
pub fn workout_type(category: i64) -> (ActivityType, &'static str) {
    match category {
        1 => (ActivityType::Walking, "Walk"),
        2 => (ActivityType::Running, "Run"),
        3 => (ActivityType::Hiking, "Hiking"),
        6 => (ActivityType::Biking, "Bicycling"),
        7 => (ActivityType::Swimming, "Swimming"),
        12 => (ActivityType::Tennis, "Tennis"),
        16 => (ActivityType::Weightlifting, "Lift weights"),
        28 => (ActivityType::Yoga, "Yoga"),
        187 => (ActivityType::Rowing, "Rowing"),
        306 => (ActivityType::TreadmillWalking, "Indoor walk"),
        307 => (ActivityType::TreadmillRunning, "Indoor running"),
        308 => (ActivityType::StationaryBiking, "Indoor cycling"),
        _ => (ActivityType::Other108, "Other"),
    }
}

/// One workout. Its id is Withings's workout id; active energy goes to
/// `net_activity_calories` (Withings's `calories` excludes basal energy).
pub fn workout(session: &wire::Workout) -> Option<Activity> {
    let zone_name = session.timezone.as_deref();
    let start = local_at(session.startdate, zone_name)?;
    let end = local_at(session.enddate, zone_name)?;
    let data = session.data.clone().unwrap_or_default();
    let (kind, name) = workout_type(session.category.unwrap_or(-1));
    let summary_id = match session.id {
        Some(id) => id.to_string(),
        None => format!("{}-{}", session.startdate, session.category.unwrap_or(-1)),
    };
    let manual = session.attrib.is_some_and(|a| ATTRIB_MANUAL.contains(&a));
    let has_hr = [data.hr_average, data.hr_min, data.hr_max]
        .iter()
        .any(|v| measured(*v).is_some());
    Some(Activity {
        metadata: ActivityMetadata {
            summary_id,
            start_time: Timestamp::from_datetime(start),
            end_time: Timestamp::from_datetime(end),
            r#type: kind,
            name: Some(name.to_owned()),
            upload_type: if manual {
                UploadType::Manual
            } else {
                UploadType::Automatic
            },
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: finite(data.effduration)
                .or_else(|| Some((end - start).num_seconds().max(0) as f64)),
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            net_activity_calories: measured(data.calories).or(measured(data.manual_calories)),
            ..CaloriesData::default()
        }),
        distance_data: Some(DistanceData {
            summary: Some(workout_distance(&data)),
            detailed: None,
        }),
        heart_rate_data: has_hr.then(|| HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: measured(data.hr_average),
                min_hr_bpm: measured(data.hr_min),
                max_hr_bpm: measured(data.hr_max),
                hr_zone_data: hr_zones([
                    data.hr_zone_0,
                    data.hr_zone_1,
                    data.hr_zone_2,
                    data.hr_zone_3,
                ]),
                ..HeartRateDataSummary::default()
            }),
            detailed: None,
        }),
        oxygen_data: measured(data.spo2_average).map(|average| OxygenData {
            avg_saturation_percentage: Some(average),
            ..OxygenData::default()
        }),
        device_data: Some(device(model_name(session.model.as_ref()))),
        ..Activity::default()
    })
}

fn workout_distance(data: &wire::WorkoutData) -> DistanceDataSummary {
    let swimming = [data.pool_laps, data.strokes, data.pool_length]
        .iter()
        .any(|v| measured(*v).is_some())
        .then(|| SwimmingData {
            num_laps: count(measured(data.pool_laps)),
            num_strokes: count(measured(data.strokes)),
            pool_length_meters: count(measured(data.pool_length)),
        });
    DistanceDataSummary {
        distance_meters: finite(data.distance).or(measured(data.manual_distance)),
        steps: count(data.steps),
        elevation: finite(data.elevation).map(|gain| ElevationData {
            gain_actual_meters: Some(gain),
            ..ElevationData::default()
        }),
        swimming,
        ..DistanceDataSummary::default()
    }
}

// ---------------------------------------------------------------------------------------
// Sleep (getsummary, get).

/// Withings's sleep state as Terra's level (0 awake, 1 light, 2 deep, 3 REM).
fn sleep_level(state: i64) -> SleepLevel {
    match state {
        0 => SleepLevel::Awake,
        1 => SleepLevel::LightSleep,
        2 => SleepLevel::DeepSleep,
        3 => SleepLevel::RemSleep,
        _ => SleepLevel::Unknown,
    }
}

/// Sleep efficiency as Terra's percentage. Withings documents a 0–1 ratio; a value above 1
/// can only be a percentage already.
fn efficiency_percent(value: Option<f64>) -> Option<f64> {
    let value = finite(value).filter(|v| *v >= 0.0)?;
    Some(if value <= 1.0 {
        value * 100.0
    } else {
        value.min(100.0)
    })
}

/// The samples of the segments' series, in time order.
#[derive(Debug, Default)]
struct NightSeries {
    hypnogram: Vec<SleepHypnogramSample>,
    hr: Vec<(Timestamp, f64)>,
    rr: Vec<(Timestamp, f64)>,
    rmssd: Vec<(Timestamp, f64)>,
    sdnn: Vec<(Timestamp, f64)>,
}

fn series_points(
    series: Option<&wire::EpochSeries>,
    zone_name: Option<&str>,
) -> Vec<(i64, Timestamp, f64)> {
    series
        .into_iter()
        .flatten()
        .take(MAX_SAMPLES)
        .filter_map(|(key, value)| {
            let epoch = key.parse::<i64>().ok()?;
            Some((epoch, ts_at(epoch, zone_name)?, finite(*value)?))
        })
        .collect()
}

fn night_series(segments: &[&wire::SleepSegment], zone_name: Option<&str>) -> NightSeries {
    let mut ordered: Vec<&wire::SleepSegment> = segments.to_vec();
    ordered.sort_by_key(|segment| segment.startdate);
    let mut night = NightSeries::default();
    let collect = |pick: fn(&wire::SleepSegment) -> Option<&wire::EpochSeries>| {
        let mut points: Vec<(i64, Timestamp, f64)> = ordered
            .iter()
            .flat_map(|segment| series_points(pick(segment), zone_name))
            .take(MAX_SAMPLES)
            .collect();
        points.sort_by_key(|(epoch, _, _)| *epoch);
        points.dedup_by_key(|(epoch, _, _)| *epoch);
        points
            .into_iter()
            .map(|(_, at, value)| (at, value))
            .collect::<Vec<_>>()
    };
    night.hr = collect(|s| s.hr.as_ref());
    night.rr = collect(|s| s.rr.as_ref());
    night.rmssd = collect(|s| s.rmssd.as_ref());
    night.sdnn = collect(|s| s.sdnn_1.as_ref());
    night.hypnogram = ordered
        .iter()
        .take(MAX_SAMPLES)
        .filter_map(|segment| {
            Some(SleepHypnogramSample {
                timestamp: Some(ts_at(segment.startdate, zone_name)?),
                level: Some(sleep_level(segment.state)),
            })
        })
        .collect();
    night
}

fn values(points: &[(Timestamp, f64)]) -> Vec<f64> {
    points.iter().map(|(_, value)| *value).collect()
}

/// One night: the summary's figures, with the detail segments that fall inside it (from
/// `/v2/sleep?action=get`) as hypnogram, heart-rate, HRV and respiration samples.
pub fn sleep(summary: &wire::SleepSummary, segments: &[wire::SleepSegment]) -> Option<Sleep> {
    let zone_name = summary.timezone.as_deref();
    let start = local_at(summary.startdate, zone_name)?;
    let end = local_at(summary.enddate, zone_name)?;
    let inside: Vec<&wire::SleepSegment> = segments
        .iter()
        .filter(|s| s.startdate >= summary.startdate && s.startdate < summary.enddate)
        .collect();
    let night = night_series(&inside, zone_name);
    let data = &summary.data;
    let (start_time, end_time) = (
        Timestamp::from_datetime(start),
        Timestamp::from_datetime(end),
    );
    Some(Sleep {
        metadata: SleepMetadata {
            start_time,
            end_time,
            summary_id: summary.id.map(|id| id.to_string()),
            is_nap: None,
            upload_type: SleepUploadType::Automatic,
            timestamp_localization: None,
        },
        sleep_durations_data: Some(sleep_durations(
            data,
            night.hypnogram.clone(),
            (end - start).num_seconds(),
        )),
        heart_rate_data: Some(sleep_heart_rate(
            [data.hr_average, data.hr_min, data.hr_max],
            &night,
        )),
        respiration_data: Some(RespirationData {
            breaths_data: Some(BreathsData {
                avg_breaths_per_min: measured(data.rr_average),
                min_breaths_per_min: measured(data.rr_min),
                max_breaths_per_min: measured(data.rr_max),
                samples: non_empty(breath_samples(&night.rr)),
                start_time: Some(start_time),
                end_time: Some(end_time),
                ..BreathsData::default()
            }),
            snoring_data: (data.snoring.is_some() || data.snoringepisodecount.is_some()).then(
                || SnoringData {
                    start_time: Some(start_time),
                    end_time: Some(end_time),
                    total_snoring_duration_seconds: finite(data.snoring),
                    num_snoring_events: count(data.snoringepisodecount),
                    ..SnoringData::default()
                },
            ),
            ..RespirationData::default()
        }),
        scores: finite(data.sleep_score).map(|score| SleepScores { sleep: Some(score) }),
        device_data: Some(device(model_name(summary.model.as_ref()))),
        ..Sleep::default()
    })
}

fn sleep_durations(
    data: &wire::SleepSummaryData,
    hypnogram: Vec<SleepHypnogramSample>,
    span_seconds: i64,
) -> SleepDurationsData {
    let stages = [
        data.lightsleepduration,
        data.deepsleepduration,
        data.remsleepduration,
    ];
    let stage_sum = stages
        .iter()
        .map(|v| finite(*v))
        .try_fold(0.0, |sum, v| v.map(|v| sum + v));
    SleepDurationsData {
        asleep: Some(AsleepDurations {
            duration_asleep_state_seconds: finite(data.total_sleep_time)
                .or(finite(data.asleepduration))
                .or(stage_sum),
            duration_light_sleep_state_seconds: finite(data.lightsleepduration),
            duration_deep_sleep_state_seconds: finite(data.deepsleepduration),
            duration_rem_sleep_state_seconds: finite(data.remsleepduration),
            num_rem_events: count(data.nb_rem_episodes),
        }),
        awake: Some(AwakeDurations {
            duration_awake_state_seconds: finite(data.wakeupduration),
            sleep_latency_seconds: finite(data.sleep_latency).or(finite(data.durationtosleep)),
            wake_up_latency_seconds: finite(data.wakeup_latency).or(finite(data.durationtowakeup)),
            num_wakeup_events: count(data.wakeupcount),
            num_out_of_bed_events: count(data.out_of_bed_count),
            ..AwakeDurations::default()
        }),
        other: Some(OtherSleepDurations {
            duration_in_bed_seconds: finite(data.total_timeinbed)
                .or(Some(span_seconds.max(0) as f64)),
            duration_unmeasurable_sleep_seconds: None,
        }),
        sleep_efficiency: efficiency_percent(data.sleep_efficiency),
        hypnogram_samples: non_empty(hypnogram),
    }
}

fn sleep_heart_rate(summary: [Option<f64>; 3], night: &NightSeries) -> HeartRateData {
    let [average, min, max] = summary;
    HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: measured(average),
            min_hr_bpm: measured(min),
            max_hr_bpm: measured(max),
            avg_hrv_rmssd: mean(&values(&night.rmssd)),
            avg_hrv_sdnn: mean(&values(&night.sdnn)),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: non_empty(
                night
                    .hr
                    .iter()
                    .map(|(at, bpm)| HeartRateDataSample {
                        timestamp: Some(*at),
                        bpm: Some(*bpm),
                        ..HeartRateDataSample::default()
                    })
                    .collect(),
            ),
            hrv_samples_rmssd: non_empty(
                night
                    .rmssd
                    .iter()
                    .map(|(at, ms)| HeartRateVariabilityDataSampleRmssd {
                        timestamp: Some(*at),
                        hrv_rmssd: Some(*ms),
                    })
                    .collect(),
            ),
            hrv_samples_sdnn: non_empty(
                night
                    .sdnn
                    .iter()
                    .map(|(at, ms)| HeartRateVariabilityDataSampleSdnn {
                        timestamp: Some(*at),
                        hrv_sdnn: Some(*ms),
                    })
                    .collect(),
            ),
        }),
    }
}

fn breath_samples(points: &[(Timestamp, f64)]) -> Vec<BreathSample> {
    points
        .iter()
        .map(|(at, rate)| BreathSample {
            timestamp: Some(*at),
            breaths_per_min: Some(*rate),
        })
        .collect()
}

/// A `/v2/sleep?action=get` answer on its own (`providers map`): one Sleep spanning all its
/// segments, with samples but no summary figures. The answer names no zone, so times are
/// at `+00:00`; the record has no Withings id (its identity is its start time).
pub fn sleep_segments(answer: &wire::SleepBody) -> Option<Sleep> {
    let start = answer.series.iter().map(|s| s.startdate).min()?;
    let end = answer.series.iter().map(|s| s.enddate).max()?;
    let summary = wire::SleepSummary {
        id: None,
        timezone: None,
        model: answer.series.first().and_then(|s| s.model.clone()),
        model_id: None,
        hash_deviceid: None,
        startdate: start,
        enddate: end.max(start),
        date: None,
        created: None,
        modified: None,
        data: wire::SleepSummaryData::default(),
    };
    sleep(&summary, &answer.series)
}
