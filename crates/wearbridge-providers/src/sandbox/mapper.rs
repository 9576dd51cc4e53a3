//! Pure mappers from the SANDBOX wire format ([`super::wire`]) to Terra records.
//!
//! No IO and no clock: the same input always gives the same record. Every timestamp keeps
//! the offset the simulator reported (the person's home offset), so records land on the
//! person's local days. Units are converted where Terra's differ (lean mass kg → g);
//! everything else already matches (metres, seconds, kcal, bpm, ms, percent).

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeDelta};
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, AsleepDurations, Athlete,
    AwakeDurations, Body, BodyMetadata, BreathsData, CaloriesData, Daily, DailyDistanceData,
    DailyMetadata, DeviceData, DistanceData, DistanceDataDetailed, DistanceDataSummary,
    DistanceSample, ElevationData, ElevationSample, HeartRateData, HeartRateDataDetailed,
    HeartRateDataSample, HeartRateDataSummary, HeartRateVariabilityDataSampleRmssd, Meal, MealType,
    MeasurementDataSample, MeasurementsData, Menstruation, MenstruationData, MenstruationFlow,
    MenstruationFlowSample, MenstruationInterval, MenstruationMetadata, MovementData, Nutrition,
    NutritionMacros, NutritionMetadata, NutritionQuantity, NutritionSummary, NutritionUnits,
    OtherSleepDurations, OxygenSaturationData, PositionData, PositionSample, RespirationData,
    Sleep, SleepDurationsData, SleepHypnogramSample, SleepLevel, SleepMetadata, SleepUploadType,
    StepSample, Timestamp, UploadType,
};

use super::wire;

/// Device name on every SANDBOX record, so data from the simulator is recognisable.
const DEVICE_NAME: &str = "Wearbridge Sandbox";
const MANUFACTURER: &str = "Wearbridge";

fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

fn device() -> DeviceData {
    DeviceData {
        name: Some(DEVICE_NAME.to_owned()),
        manufacturer: Some(MANUFACTURER.to_owned()),
        ..DeviceData::default()
    }
}

/// Local midnight of `date` and of the next day at `offset`: the period of a day-scoped
/// record. `None` only at the ends of chrono's range.
pub fn day_bounds(date: NaiveDate, offset: FixedOffset) -> Option<(Timestamp, Timestamp)> {
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

/// Parses the profile's `utc_offset` (`+05:30`, `-05:00`).
pub fn parse_offset(value: &str) -> Option<FixedOffset> {
    value.parse().ok()
}

/// The athlete profile.
pub fn athlete(profile: &wire::Profile) -> Athlete {
    Athlete {
        first_name: Some(profile.first_name.clone()),
        last_name: Some(profile.last_name.clone()),
        sex: Some(profile.sex.clone()),
        date_of_birth: Some(profile.birth_date.format("%Y-%m-%d").to_string()),
        provider_user_id: Some(profile.user_id.clone()),
        ..Athlete::default()
    }
}

/// One day's activity summary, with cumulative step and distance samples and a heart-rate
/// sample per 15-minute interval.
pub fn daily(day: &wire::Daily) -> Daily {
    Daily {
        metadata: DailyMetadata {
            start_time: ts(day.start_time),
            end_time: ts(day.end_time),
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        distance_data: Some(DailyDistanceData {
            steps: Some(i64::from(day.steps)),
            distance_meters: Some(day.distance_m),
            detailed: Some(daily_distance_samples(&day.intervals)),
            ..DailyDistanceData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: Some(day.total_kcal),
            net_activity_calories: Some(day.active_kcal),
            bmr_calories: Some(day.bmr_kcal),
            ..CaloriesData::default()
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: Some(f64::from(day.avg_hr_bpm)),
                max_hr_bpm: Some(f64::from(day.max_hr_bpm)),
                resting_hr_bpm: Some(f64::from(day.resting_hr_bpm)),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: Some(day.intervals.iter().map(interval_heart_rate).collect()),
                ..HeartRateDataDetailed::default()
            }),
        }),
        device_data: Some(device()),
        ..Daily::default()
    }
}

/// Terra's step and distance samples are cumulative from the start of the record; the
/// simulator's intervals are per-interval, so they are summed here. Each sample is stamped
/// at the end of its interval (the total *up to* that time).
fn daily_distance_samples(intervals: &[wire::Interval]) -> DistanceDataDetailed {
    let mut steps = 0.0;
    let mut distance = 0.0;
    let mut step_samples = Vec::with_capacity(intervals.len());
    let mut distance_samples = Vec::with_capacity(intervals.len());
    for interval in intervals {
        steps += f64::from(interval.steps);
        distance = round_decimetre(distance + interval.distance_m);
        step_samples.push(StepSample {
            timestamp: Some(ts(interval.end_time)),
            steps: Some(steps),
            timer_duration_seconds: None,
        });
        distance_samples.push(DistanceSample {
            timestamp: Some(ts(interval.end_time)),
            distance_meters: Some(distance),
            timer_duration_seconds: None,
        });
    }
    DistanceDataDetailed {
        step_samples: Some(step_samples),
        distance_samples: Some(distance_samples),
        ..DistanceDataDetailed::default()
    }
}

/// Rounds to 0.1, the simulator's own precision for metres, so sums and averages do not
/// carry floating-point noise (12904.499999999998) into the payload.
fn round_decimetre(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn interval_heart_rate(interval: &wire::Interval) -> HeartRateDataSample {
    HeartRateDataSample {
        timestamp: Some(ts(interval.start_time)),
        bpm: Some(f64::from(interval.avg_hr_bpm)),
        ..HeartRateDataSample::default()
    }
}

/// One night. HRV is RMSSD (the simulator measures RMSSD; Terra keeps RMSSD and SDNN in
/// separate fields, and they are not interchangeable).
pub fn sleep(night: &wire::Sleep) -> Sleep {
    Sleep {
        metadata: SleepMetadata {
            start_time: ts(night.start_time),
            end_time: ts(night.end_time),
            summary_id: Some(night.id.clone()),
            is_nap: Some(false),
            upload_type: SleepUploadType::Automatic,
            timestamp_localization: None,
        },
        sleep_durations_data: Some(sleep_durations(night)),
        heart_rate_data: Some(sleep_heart_rate(night)),
        respiration_data: Some(RespirationData {
            breaths_data: Some(BreathsData {
                avg_breaths_per_min: Some(night.respiration_rate_brpm),
                start_time: Some(ts(night.start_time)),
                end_time: Some(ts(night.end_time)),
                ..BreathsData::default()
            }),
            oxygen_saturation_data: Some(OxygenSaturationData {
                avg_saturation_percentage: Some(night.spo2_avg_percent),
                start_time: Some(ts(night.start_time)),
                end_time: Some(ts(night.end_time)),
                samples: None,
            }),
            snoring_data: None,
        }),
        device_data: Some(device()),
        ..Sleep::default()
    }
}

fn sleep_durations(night: &wire::Sleep) -> SleepDurationsData {
    // Seconds arrive as integers; Terra's duration fields are numbers.
    let seconds = |value: i64| Some(value as f64);
    SleepDurationsData {
        asleep: Some(AsleepDurations {
            duration_asleep_state_seconds: seconds(night.asleep_s),
            duration_light_sleep_state_seconds: seconds(night.light_s),
            duration_deep_sleep_state_seconds: seconds(night.deep_s),
            duration_rem_sleep_state_seconds: seconds(night.rem_s),
            num_rem_events: None,
        }),
        awake: Some(AwakeDurations {
            duration_awake_state_seconds: seconds(night.awake_s),
            sleep_latency_seconds: seconds(night.latency_s),
            ..AwakeDurations::default()
        }),
        other: Some(OtherSleepDurations {
            duration_in_bed_seconds: seconds(night.in_bed_s),
            duration_unmeasurable_sleep_seconds: None,
        }),
        // Both are percentages (0–100) of time in bed spent asleep.
        sleep_efficiency: Some(night.efficiency_percent),
        hypnogram_samples: Some(night.stages.iter().map(hypnogram_sample).collect()),
    }
}

/// One hypnogram entry per stage run, at the run's start (the level holds until the next).
fn hypnogram_sample(stage: &wire::Stage) -> SleepHypnogramSample {
    let level = match stage.stage.as_str() {
        "awake" => SleepLevel::Awake,
        "light" => SleepLevel::LightSleep,
        "deep" => SleepLevel::DeepSleep,
        "rem" => SleepLevel::RemSleep,
        _ => SleepLevel::Unknown,
    };
    SleepHypnogramSample {
        timestamp: Some(ts(stage.start_time)),
        level: Some(level),
    }
}

fn sleep_heart_rate(night: &wire::Sleep) -> HeartRateData {
    let bpm = night.heart_rate_samples.iter().map(|sample| sample.bpm);
    HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: Some(f64::from(night.avg_hr_bpm)),
            resting_hr_bpm: Some(f64::from(night.resting_hr_bpm)),
            min_hr_bpm: bpm.clone().reduce(f64::min),
            max_hr_bpm: bpm.reduce(f64::max),
            avg_hrv_rmssd: Some(night.hrv_rmssd_ms),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: Some(
                night
                    .heart_rate_samples
                    .iter()
                    .map(|sample| HeartRateDataSample {
                        timestamp: Some(ts(sample.time)),
                        bpm: Some(sample.bpm),
                        ..HeartRateDataSample::default()
                    })
                    .collect(),
            ),
            hrv_samples_rmssd: Some(
                night
                    .hrv_samples
                    .iter()
                    .map(|sample| HeartRateVariabilityDataSampleRmssd {
                        timestamp: Some(ts(sample.time)),
                        hrv_rmssd: Some(sample.rmssd_ms),
                    })
                    .collect(),
            ),
            hrv_samples_sdnn: None,
        }),
    }
}

/// Terra's activity type for a SANDBOX workout kind; unknown kinds become Terra's
/// "Other" (108).
pub fn activity_type(kind: &str) -> ActivityType {
    match kind {
        "running" => ActivityType::Running,
        "cycling" => ActivityType::Biking,
        "walking" => ActivityType::Walking,
        "strength_training" => ActivityType::StrengthTraining,
        "yoga" => ActivityType::Yoga,
        _ => ActivityType::Other108,
    }
}

/// One workout, with its 1 Hz heart rate, cumulative distance and (outdoors) position and
/// elevation samples.
pub fn activity(workout: &wire::Workout) -> Activity {
    let samples = workout.samples.as_deref().unwrap_or_default();
    Activity {
        metadata: ActivityMetadata {
            summary_id: workout.id.clone(),
            start_time: ts(workout.start_time),
            end_time: ts(workout.end_time),
            r#type: activity_type(&workout.kind),
            name: Some(workout_name(&workout.kind)),
            upload_type: UploadType::Automatic,
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: Some(workout.duration_s as f64),
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: Some(workout.total_kcal),
            net_activity_calories: Some(workout.active_kcal),
            ..CaloriesData::default()
        }),
        distance_data: Some(workout_distance(workout, samples)),
        heart_rate_data: Some(workout_heart_rate(workout, samples)),
        movement_data: Some(MovementData {
            avg_speed_meters_per_second: Some(workout.avg_speed_m_s),
            max_speed_meters_per_second: samples.iter().map(|s| s.speed_m_s).reduce(f64::max),
            ..MovementData::default()
        }),
        position_data: workout.has_gps.then(|| workout_positions(workout, samples)),
        device_data: Some(device()),
        ..Activity::default()
    }
}

/// "strength_training" → "Strength training".
fn workout_name(kind: &str) -> String {
    let spaced = kind.replace('_', " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Time of a workout sample: `start_time + offset_s`, in the workout's offset.
fn sample_time(workout: &wire::Workout, sample: &wire::WorkoutSample) -> Option<Timestamp> {
    let delta = TimeDelta::try_seconds(sample.offset_s)?;
    workout.start_time.checked_add_signed(delta).map(ts)
}

fn workout_distance(workout: &wire::Workout, samples: &[wire::WorkoutSample]) -> DistanceData {
    let elevations: Vec<f64> = samples.iter().filter_map(|s| s.elevation_m).collect();
    let elevation = (!elevations.is_empty()).then(|| ElevationData {
        gain_actual_meters: Some(workout.elevation_gain_m),
        min_meters: elevations.iter().copied().reduce(f64::min),
        max_meters: elevations.iter().copied().reduce(f64::max),
        avg_meters: Some(round_decimetre(
            elevations.iter().sum::<f64>() / elevations.len() as f64,
        )),
        ..ElevationData::default()
    });
    let distance_samples = samples
        .iter()
        .map(|sample| DistanceSample {
            timestamp: sample_time(workout, sample),
            distance_meters: Some(sample.distance_m),
            timer_duration_seconds: Some(sample.offset_s as f64),
        })
        .collect();
    let elevation_samples: Vec<ElevationSample> = samples
        .iter()
        .filter_map(|sample| {
            Some(ElevationSample {
                timestamp: sample_time(workout, sample),
                elev_meters: Some(sample.elevation_m?),
                timer_duration_seconds: Some(sample.offset_s as f64),
            })
        })
        .collect();
    DistanceData {
        summary: Some(DistanceDataSummary {
            distance_meters: Some(workout.distance_m),
            steps: Some(i64::from(workout.steps)),
            elevation,
            ..DistanceDataSummary::default()
        }),
        detailed: Some(DistanceDataDetailed {
            distance_samples: Some(distance_samples),
            elevation_samples: (!elevation_samples.is_empty()).then_some(elevation_samples),
            ..DistanceDataDetailed::default()
        }),
    }
}

fn workout_heart_rate(workout: &wire::Workout, samples: &[wire::WorkoutSample]) -> HeartRateData {
    HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: Some(f64::from(workout.avg_hr_bpm)),
            max_hr_bpm: Some(f64::from(workout.max_hr_bpm)),
            min_hr_bpm: samples.iter().map(|s| f64::from(s.hr_bpm)).reduce(f64::min),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: Some(
                samples
                    .iter()
                    .map(|sample| HeartRateDataSample {
                        timestamp: sample_time(workout, sample),
                        bpm: Some(f64::from(sample.hr_bpm)),
                        timer_duration_seconds: Some(sample.offset_s as f64),
                        ..HeartRateDataSample::default()
                    })
                    .collect(),
            ),
            ..HeartRateDataDetailed::default()
        }),
    }
}

/// Terra positions are `[latitude, longitude]` in degrees.
fn workout_positions(workout: &wire::Workout, samples: &[wire::WorkoutSample]) -> PositionData {
    let positions: Vec<PositionSample> = samples
        .iter()
        .filter_map(|sample| {
            Some(PositionSample {
                timestamp: sample_time(workout, sample),
                coords_lat_lng_deg: Some(vec![sample.latitude?, sample.longitude?]),
                timer_duration_seconds: Some(sample.offset_s as f64),
            })
        })
        .collect();
    PositionData {
        start_pos_lat_lng_deg: positions.first().and_then(|p| p.coords_lat_lng_deg.clone()),
        end_pos_lat_lng_deg: positions.last().and_then(|p| p.coords_lat_lng_deg.clone()),
        position_samples: Some(positions),
        center_pos_lat_lng_deg: None,
    }
}

/// One weigh-in. The record covers the local day of the weigh-in (Terra's body records are
/// day-scoped); the measurement keeps its own time.
pub fn body(weigh_in: &wire::Body) -> Option<Body> {
    let (start_time, end_time) = day_bounds(weigh_in.date, *weigh_in.measured_at.offset())?;
    // Terra's lean mass is in grams; the simulator's in kilograms.
    let lean_mass_g = weigh_in.lean_mass_kg * 1000.0;
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        measurements_data: Some(MeasurementsData {
            measurements: Some(vec![MeasurementDataSample {
                measurement_time: Some(ts(weigh_in.measured_at)),
                weight_kg: Some(weigh_in.weight_kg),
                bodyfat_percentage: Some(weigh_in.body_fat_percent),
                bmi: Some(weigh_in.bmi),
                lean_mass_g: Some(lean_mass_g),
                ..MeasurementDataSample::default()
            }]),
            day_avg_weight_kg: Some(weigh_in.weight_kg),
            day_avg_bodyfat_percentage: Some(weigh_in.body_fat_percent),
            day_avg_bmi: Some(weigh_in.bmi),
            day_avg_lean_mass_g: Some(lean_mass_g),
            ..MeasurementsData::default()
        }),
        device_data: Some(device()),
        ..Body::default()
    })
}

/// One cycle day. The wire day has no offset, so the caller passes the person's home
/// offset (from the profile).
pub fn menstruation(day: &wire::Menstruation, offset: FixedOffset) -> Option<Menstruation> {
    let (start_time, end_time) = day_bounds(day.date, offset)?;
    Some(Menstruation {
        metadata: MenstruationMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        menstruation_data: Some(MenstruationData {
            day_in_cycle: Some(i64::from(day.cycle_day)),
            cycle_length_days: Some(i64::from(day.cycle_length_days)),
            period_length_days: Some(i64::from(day.period_length_days)),
            period_start_date: Some(day.period_start_date.format("%Y-%m-%d").to_string()),
            current_phase: Some(cycle_phase(&day.phase)),
            menstruation_flow: Some(vec![MenstruationFlowSample {
                timestamp: Some(start_time),
                flow: Some(flow(&day.flow)),
            }]),
            ..MenstruationData::default()
        }),
    })
}

fn cycle_phase(phase: &str) -> MenstruationInterval {
    match phase {
        "menstrual" => MenstruationInterval::Period,
        "follicular" => MenstruationInterval::Follicular,
        "ovulation" => MenstruationInterval::Ovulation,
        "luteal" => MenstruationInterval::Luteal,
        _ => MenstruationInterval::Unknown,
    }
}

/// Terra has no "spotting" level; spotting is the lightest bleeding, so it maps to Light.
fn flow(level: &str) -> MenstruationFlow {
    match level {
        "none" => MenstruationFlow::None,
        "spotting" | "light" => MenstruationFlow::Light,
        "medium" => MenstruationFlow::Medium,
        "heavy" => MenstruationFlow::Heavy,
        _ => MenstruationFlow::Unknown,
    }
}

/// One day of meals. The wire day has no offset; the caller passes the person's home offset.
pub fn nutrition(day: &wire::Nutrition, offset: FixedOffset) -> Option<Nutrition> {
    let (start_time, end_time) = day_bounds(day.date, offset)?;
    Some(Nutrition {
        metadata: NutritionMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        summary: Some(NutritionSummary {
            macros: Some(macros(&day.totals)),
            water_ml: Some(day.totals.water_ml),
            ..NutritionSummary::default()
        }),
        meals: Some(day.meals.iter().map(meal).collect()),
        drink_samples: None,
    })
}

fn macros(nutrients: &wire::Nutrients) -> NutritionMacros {
    NutritionMacros {
        calories: Some(nutrients.kcal),
        carbohydrates_g: Some(nutrients.carbohydrates_g),
        protein_g: Some(nutrients.protein_g),
        fat_g: Some(nutrients.fat_g),
        fiber_g: Some(nutrients.fiber_g),
        sugar_g: Some(nutrients.sugar_g),
        sodium_mg: Some(nutrients.sodium_mg),
        ..NutritionMacros::default()
    }
}

/// A meal is logged as one portion: the simulator reports nutrients per meal, not per
/// weighed quantity, so the quantity is 1 count.
fn meal(meal: &wire::Meal) -> Meal {
    Meal {
        id: meal.id.clone(),
        name: meal.name.clone(),
        r#type: match meal.meal_type.as_str() {
            "breakfast" => MealType::Breakfast,
            "lunch" => MealType::Lunch,
            "dinner" => MealType::Dinner,
            "snack" => MealType::Snack,
            _ => MealType::Unknown,
        },
        timestamp: ts(meal.eaten_at),
        quantity: NutritionQuantity {
            unit: NutritionUnits::Count,
            amount: 1.0,
        },
        macros: macros(&meal.nutrients),
        micros: Default::default(),
    }
}
