//! The SANDBOX wire format and its rendering from the person model. Every field is documented
//! (with units) in docs/simulator.md §2.2; keep the two in step. No numbers are invented here.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::person::{
    BodyMeasurement, CyclePhase, Day, FlowLevel, MealType, MenstruationDay, Person, Sex, Sleep,
    SleepStage, WorkoutKind,
};

#[derive(Serialize)]
pub(super) struct MeResponse {
    pub(super) user_id: String,
    pub(super) profile: WireProfile,
}

#[derive(Serialize)]
pub(super) struct WireProfile {
    user_id: String,
    first_name: String,
    last_name: String,
    sex: Sex,
    birth_date: NaiveDate,
    height_m: f64,
    /// The person's typical weight; daily weigh-ins are under /body.
    weight_kg: f64,
    utc_offset: String,
}

#[derive(Serialize)]
pub(super) struct ListResponse<T> {
    pub(super) user_id: String,
    pub(super) start_date: NaiveDate,
    pub(super) end_date: NaiveDate,
    pub(super) data: Vec<T>,
    pub(super) next_page: Option<String>,
}

#[derive(Serialize)]
pub(super) struct WireDaily {
    date: NaiveDate,
    utc_offset: String,
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
    steps: u32,
    distance_m: f64,
    active_kcal: f64,
    bmr_kcal: f64,
    total_kcal: f64,
    resting_hr_bpm: u32,
    avg_hr_bpm: u32,
    max_hr_bpm: u32,
    intervals: Vec<WireInterval>,
}

#[derive(Serialize)]
pub(super) struct WireInterval {
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
    steps: u32,
    distance_m: f64,
    kcal: f64,
    active_kcal: f64,
    avg_hr_bpm: u32,
}

#[derive(Serialize)]
pub(super) struct WireSleep {
    id: String,
    date: NaiveDate,
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
    in_bed_s: i64,
    asleep_s: i64,
    awake_s: i64,
    light_s: i64,
    deep_s: i64,
    rem_s: i64,
    latency_s: i64,
    efficiency_percent: f64,
    resting_hr_bpm: u32,
    avg_hr_bpm: u32,
    hrv_rmssd_ms: f64,
    spo2_avg_percent: f64,
    spo2_min_percent: f64,
    respiration_rate_brpm: f64,
    stages: Vec<WireStage>,
    heart_rate_samples: Vec<WireHeartRate>,
    hrv_samples: Vec<WireHrv>,
}

#[derive(Serialize)]
pub(super) struct WireStage {
    stage: SleepStage,
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
}

#[derive(Serialize)]
pub(super) struct WireHeartRate {
    #[serde(serialize_with = "crate::person::rfc3339")]
    time: DateTime<FixedOffset>,
    bpm: f64,
}

#[derive(Serialize)]
pub(super) struct WireHrv {
    #[serde(serialize_with = "crate::person::rfc3339")]
    time: DateTime<FixedOffset>,
    rmssd_ms: f64,
}

#[derive(Serialize)]
pub(super) struct WireWorkout {
    id: String,
    date: NaiveDate,
    #[serde(rename = "type")]
    kind: WorkoutKind,
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
    duration_s: i64,
    distance_m: f64,
    elevation_gain_m: f64,
    avg_speed_m_s: f64,
    avg_hr_bpm: u32,
    max_hr_bpm: u32,
    steps: u32,
    active_kcal: f64,
    total_kcal: f64,
    has_gps: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    samples: Option<Vec<WireSample>>,
}

#[derive(Serialize)]
pub(super) struct WireSample {
    offset_s: i64,
    hr_bpm: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    elevation_m: Option<f64>,
    distance_m: f64,
    speed_m_s: f64,
}

#[derive(Serialize)]
pub(super) struct WireBody {
    id: String,
    date: NaiveDate,
    #[serde(serialize_with = "crate::person::rfc3339")]
    measured_at: DateTime<FixedOffset>,
    weight_kg: f64,
    body_fat_percent: f64,
    bmi: f64,
    lean_mass_kg: f64,
}

#[derive(Serialize)]
pub(super) struct WireMenstruation {
    date: NaiveDate,
    cycle_day: u32,
    cycle_length_days: u32,
    period_length_days: u32,
    period_start_date: NaiveDate,
    phase: CyclePhase,
    flow: FlowLevel,
}

#[derive(Serialize)]
pub(super) struct WireNutrition {
    date: NaiveDate,
    totals: WireNutrients,
    meals: Vec<WireMeal>,
}

#[derive(Serialize, Default)]
pub(super) struct WireNutrients {
    kcal: f64,
    carbohydrates_g: f64,
    protein_g: f64,
    fat_g: f64,
    fiber_g: f64,
    sugar_g: f64,
    sodium_mg: f64,
    water_ml: f64,
}

#[derive(Serialize)]
pub(super) struct WireMeal {
    id: String,
    meal_type: MealType,
    name: String,
    #[serde(serialize_with = "crate::person::rfc3339")]
    eaten_at: DateTime<FixedOffset>,
    #[serde(flatten)]
    nutrients: WireNutrients,
}

pub(super) fn wire_profile(person: &Person) -> WireProfile {
    let profile = person.profile();
    WireProfile {
        user_id: profile.user_id.clone(),
        first_name: profile.first_name.clone(),
        last_name: profile.last_name.clone(),
        sex: profile.sex,
        birth_date: profile.birth_date,
        height_m: profile.height_m,
        weight_kg: profile.base_weight_kg,
        utc_offset: profile.utc_offset.to_string(),
    }
}

fn round1(value: f64) -> f64 {
    crate::person::round_to(value, 0.1)
}

pub(super) fn wire_daily(day: &Day) -> WireDaily {
    WireDaily {
        date: day.date,
        utc_offset: day.utc_offset.to_string(),
        start_time: day
            .intervals
            .first()
            .map_or_else(|| day.sleep.end, |i| i.start),
        end_time: day
            .intervals
            .last()
            .map_or_else(|| day.sleep.end, |i| i.end),
        steps: day.total_steps(),
        distance_m: round1(day.distance_m()),
        active_kcal: round1(day.active_kcal()),
        bmr_kcal: round1(day.bmr_kcal),
        total_kcal: round1(day.total_kcal()),
        resting_hr_bpm: day.resting_hr_bpm(),
        avg_hr_bpm: day.avg_hr_bpm(),
        max_hr_bpm: day.max_hr_bpm(),
        intervals: day
            .intervals
            .iter()
            .map(|i| WireInterval {
                start_time: i.start,
                end_time: i.end,
                steps: i.steps,
                distance_m: i.distance_m,
                kcal: i.kcal,
                active_kcal: i.active_kcal,
                avg_hr_bpm: i.avg_hr_bpm,
            })
            .collect(),
    }
}

/// `date` is the day the night ends on.
pub(super) fn wire_sleep(date: NaiveDate, s: &Sleep) -> WireSleep {
    WireSleep {
        id: s.id.clone(),
        date,
        start_time: s.start,
        end_time: s.end,
        in_bed_s: s.in_bed_s,
        asleep_s: s.asleep_s,
        awake_s: s.awake_s,
        light_s: s.light_s,
        deep_s: s.deep_s,
        rem_s: s.rem_s,
        latency_s: s.latency_s,
        efficiency_percent: s.efficiency_percent,
        resting_hr_bpm: s.resting_hr_bpm,
        avg_hr_bpm: s.avg_hr_bpm,
        hrv_rmssd_ms: s.hrv_rmssd_ms,
        spo2_avg_percent: s.spo2_avg_percent,
        spo2_min_percent: s.spo2_min_percent,
        respiration_rate_brpm: s.respiration_rate_brpm,
        stages: s
            .stages
            .iter()
            .map(|span| WireStage {
                stage: span.stage,
                start_time: span.start,
                end_time: span.end,
            })
            .collect(),
        heart_rate_samples: s
            .hr_samples
            .iter()
            .map(|v| WireHeartRate {
                time: v.time,
                bpm: v.value,
            })
            .collect(),
        hrv_samples: s
            .hrv_samples
            .iter()
            .map(|v| WireHrv {
                time: v.time,
                rmssd_ms: v.value,
            })
            .collect(),
    }
}

pub(super) fn wire_workouts(day: &Day, include_samples: bool) -> Vec<WireWorkout> {
    day.workouts
        .iter()
        .map(|w| WireWorkout {
            id: w.id.clone(),
            date: day.date,
            kind: w.kind,
            start_time: w.start,
            end_time: w.end,
            duration_s: w.duration_s,
            distance_m: w.distance_m,
            elevation_gain_m: w.elevation_gain_m,
            avg_speed_m_s: w.avg_speed_m_s,
            avg_hr_bpm: w.avg_hr_bpm,
            max_hr_bpm: w.max_hr_bpm,
            steps: w.steps,
            active_kcal: w.active_kcal,
            total_kcal: w.total_kcal,
            has_gps: w.has_gps,
            samples: include_samples.then(|| {
                w.samples()
                    .into_iter()
                    .map(|s| WireSample {
                        offset_s: s.offset_s,
                        hr_bpm: s.hr_bpm,
                        latitude: s.position.map(|p| p.latitude),
                        longitude: s.position.map(|p| p.longitude),
                        elevation_m: s.elevation_m,
                        distance_m: crate::person::round_to(s.distance_m, 0.01),
                        speed_m_s: s.speed_m_s,
                    })
                    .collect()
            }),
        })
        .collect()
}

pub(super) fn wire_body(date: NaiveDate, b: &BodyMeasurement) -> WireBody {
    WireBody {
        id: format!("body-{date}"),
        date,
        measured_at: b.measured_at,
        weight_kg: b.weight_kg,
        body_fat_percent: b.body_fat_percent,
        bmi: b.bmi,
        lean_mass_kg: b.lean_mass_kg,
    }
}

pub(super) fn wire_menstruation(date: NaiveDate, m: &MenstruationDay) -> WireMenstruation {
    WireMenstruation {
        date,
        cycle_day: m.cycle_day,
        cycle_length_days: m.cycle_length_days,
        period_length_days: m.period_length_days,
        period_start_date: m.period_start_date,
        phase: m.phase,
        flow: m.flow,
    }
}

pub(super) fn wire_nutrition(day: &Day) -> WireNutrition {
    let meals: Vec<WireMeal> = day
        .meals
        .iter()
        .map(|m| WireMeal {
            id: m.id.clone(),
            meal_type: m.meal_type,
            name: m.name.clone(),
            eaten_at: m.eaten_at,
            nutrients: WireNutrients {
                kcal: m.kcal,
                carbohydrates_g: m.carbohydrates_g,
                protein_g: m.protein_g,
                fat_g: m.fat_g,
                fiber_g: m.fiber_g,
                sugar_g: m.sugar_g,
                sodium_mg: m.sodium_mg,
                water_ml: m.water_ml,
            },
        })
        .collect();
    let totals = meals
        .iter()
        .fold(WireNutrients::default(), |t, m| WireNutrients {
            kcal: round1(t.kcal + m.nutrients.kcal),
            carbohydrates_g: round1(t.carbohydrates_g + m.nutrients.carbohydrates_g),
            protein_g: round1(t.protein_g + m.nutrients.protein_g),
            fat_g: round1(t.fat_g + m.nutrients.fat_g),
            fiber_g: round1(t.fiber_g + m.nutrients.fiber_g),
            sugar_g: round1(t.sugar_g + m.nutrients.sugar_g),
            sodium_mg: round1(t.sodium_mg + m.nutrients.sodium_mg),
            water_ml: round1(t.water_ml + m.nutrients.water_ml),
        });
    WireNutrition {
        date: day.date,
        totals,
        meals,
    }
}
