//! `GET v4/users/me/identity` and `GET v4/users/me/dataTypes/{type}/dataPoints`: the
//! synthetic person's data as Google Health data points, selected by the AIP-160 `filter`
//! on civil (local) time the type's family takes, paged by `pageSize`/`pageToken`, newest
//! first. Nothing later than now is served (the tracker has not synced the future).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::GoogleState;
use crate::person::{Day, Person};
use crate::providers::common::authenticate;

/// Longest filter span accepted, in days (no documented cap on list; this keeps a
/// malformed request from rendering years).
const MAX_SPAN_DAYS: i64 = 400;

/// The account's `healthUserId`: a stable 20-digit id derived from the account name.
pub fn health_user_id(account: &str) -> String {
    let hash = account
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:020}")
}

/// Google's error envelope.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let name = match status {
        StatusCode::BAD_REQUEST => "INVALID_ARGUMENT",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        _ => "UNKNOWN",
    };
    let body =
        json!({"error": {"code": status.as_u16(), "message": message.into(), "status": name}});
    (status, Json(body)).into_response()
}

/// `GET v4/users/me/identity`.
pub(super) async fn identity(State(state): State<GoogleState>, headers: HeaderMap) -> Response {
    match authenticate(&state.oauth, &headers) {
        Ok(account) => {
            let id = health_user_id(&account);
            let legacy: String = id.chars().take(6).collect();
            Json(json!({
                "name": "users/me/identity",
                "healthUserId": id,
                "legacyUserId": format!("G{legacy}"),
            }))
            .into_response()
        }
        Err(refused) => refused.into_response(),
    }
}

/// How a type is filtered: the field after `{type}.`.
fn filter_field(data_type: &str) -> Option<&'static str> {
    Some(match data_type {
        "sleep" => "interval.civil_end_time",
        "steps"
        | "distance"
        | "floors"
        | "active-energy-burned"
        | "basal-energy-burned"
        | "exercise"
        | "nutrition-log"
        | "hydration-log"
        | "altitude" => "interval.civil_start_time",
        "heart-rate"
        | "weight"
        | "body-fat"
        | "heart-rate-variability"
        | "oxygen-saturation"
        | "core-body-temperature"
        | "height" => "sample_time.civil_time",
        "daily-resting-heart-rate"
        | "daily-heart-rate-variability"
        | "daily-oxygen-saturation"
        | "daily-vo2-max"
        | "daily-respiratory-rate" => "date",
        _ => return None,
    })
}

/// `[start, end)` of a filter `{field} >= "A" AND {field} < "B"` on this type's field.
fn parse_filter(data_type: &str, filter: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let field = filter_field(data_type).ok_or_else(|| format!("unknown data type {data_type}"))?;
    let name = format!("{}.{field}", data_type.replace('-', "_"));
    let bound = |op: &str| -> Result<NaiveDate, String> {
        let marker = format!("{name} {op} \"");
        let rest = filter
            .split_once(&marker)
            .map(|(_, rest)| rest)
            .ok_or_else(|| format!("filter must bound {name} with {op}"))?;
        let value = rest.split('"').next().unwrap_or_default();
        NaiveDate::parse_from_str(value.get(..10).unwrap_or(value), "%Y-%m-%d")
            .map_err(|_| format!("{value:?} is not a civil date"))
    };
    let (start, end) = (bound(">=")?, bound("<")?);
    if end <= start || (end - start).num_days() > MAX_SPAN_DAYS {
        return Err(format!("filter span must be 1 to {MAX_SPAN_DAYS} days"));
    }
    Ok((start, end))
}

/// `GET v4/users/me/dataTypes/{type}/dataPoints`.
pub(super) async fn list(
    State(state): State<GoogleState>,
    Path(data_type): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let account = match authenticate(&state.oauth, &headers) {
        Ok(account) => account,
        Err(refused) => return refused.into_response(),
    };
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let session = matches!(data_type.as_str(), "exercise" | "sleep");
    let (default_size, max_size) = if session { (25, 25) } else { (1_440, 10_000) };
    let size = match param("pageSize").map(|text| text.parse::<usize>()) {
        None => default_size,
        Some(Ok(size)) if (1..=max_size).contains(&size) => size,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("pageSize must be 1 to {max_size}"),
            );
        }
    };
    let Some(filter) = param("filter") else {
        return error(StatusCode::BAD_REQUEST, "filter is required here");
    };
    let (start, end) = match parse_filter(&data_type, &filter) {
        Ok(span) => span,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let offset = match param("pageToken") {
        None => 0,
        Some(token) => match token
            .strip_prefix("p")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(offset) => offset,
            None => return error(StatusCode::BAD_REQUEST, "invalid pageToken"),
        },
    };
    let person = state.sim.person(&account);
    let mut points = render(&person, &data_type, start, end, Utc::now());
    // Newest first (descending interval start).
    points.sort_by_key(|point| std::cmp::Reverse(point.0));
    let total = points.len();
    let page: Vec<Value> = points
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|p| p.1)
        .collect();
    let mut body = json!({"dataPoints": page});
    if offset + size < total {
        body["nextPageToken"] = json!(format!("p{}", offset + size));
    }
    Json(body).into_response()
}

fn utc(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn offset(at: DateTime<FixedOffset>) -> String {
    format!("{}s", at.offset().local_minus_utc())
}

fn interval(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> Value {
    json!({"startTime": utc(start), "startUtcOffset": offset(start),
           "endTime": utc(end), "endUtcOffset": offset(end)})
}

fn sample_time(at: DateTime<FixedOffset>) -> Value {
    json!({"physicalTime": utc(at), "utcOffset": offset(at)})
}

fn date(day: NaiveDate) -> Value {
    use chrono::Datelike;
    json!({"year": day.year(), "month": day.month(), "day": day.day()})
}

fn source(method: &str) -> Value {
    json!({"recordingMethod": method, "platform": "FITBIT",
           "device": {"displayName": "Pixel Watch 3", "manufacturer": "Google",
                      "formFactor": "WATCH"}})
}

/// Every point of `data_type` whose filtered civil time lies in `[start, end)` and that
/// has happened by `now`, with its sort instant.
fn render(
    person: &Person,
    data_type: &str,
    start: NaiveDate,
    end: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Value)> {
    let days: Vec<NaiveDate> = start.iter_days().take_while(|day| *day < end).collect();
    let mut out = Vec::new();
    let mut push = |at: DateTime<FixedOffset>, until: DateTime<FixedOffset>, point: Value| {
        if until.with_timezone(&Utc) <= now {
            out.push((at.with_timezone(&Utc), point));
        }
    };
    for day in days {
        let d: Day = person.day(day);
        let sleep = person.sleep_ending_on(day);
        let measured = |kind: &str, value: Value| json!({"dataSource": source("PASSIVELY_MEASURED"), kind: value});
        match data_type {
            "steps"
            | "distance"
            | "active-energy-burned"
            | "basal-energy-burned"
            | "heart-rate" => {
                for slot in &d.intervals {
                    let (member, value) = match data_type {
                        "steps" => (
                            "steps",
                            json!({"interval": interval(slot.start, slot.end),
                                                    "count": slot.steps.to_string()}),
                        ),
                        "distance" => (
                            "distance",
                            json!({"interval": interval(slot.start, slot.end),
                            "millimeters": ((slot.distance_m * 1000.0).round() as i64).to_string()}),
                        ),
                        "active-energy-burned" => (
                            "activeEnergyBurned",
                            json!({"interval": interval(slot.start, slot.end), "kcal": slot.active_kcal}),
                        ),
                        "basal-energy-burned" => (
                            "basalEnergyBurned",
                            json!({"interval": interval(slot.start, slot.end),
                                   "kcal": (slot.kcal - slot.active_kcal).max(0.0)}),
                        ),
                        _ => (
                            "heartRate",
                            json!({"sampleTime": sample_time(slot.start),
                            "beatsPerMinute": slot.avg_hr_bpm.to_string()}),
                        ),
                    };
                    push(slot.start, slot.end, measured(member, value));
                }
            }
            "daily-resting-heart-rate" => push(
                sleep.end,
                sleep.end,
                measured(
                    "dailyRestingHeartRate",
                    json!({"date": date(day), "beatsPerMinute": d.resting_hr_bpm().to_string(),
                       "dailyRestingHeartRateMetadata": {"calculationMethod": "WITH_SLEEP"}}),
                ),
            ),
            "daily-heart-rate-variability" => push(
                sleep.end,
                sleep.end,
                measured(
                    "dailyHeartRateVariability",
                    json!({"date": date(day), "averageHeartRateVariabilityMilliseconds": sleep.hrv_rmssd_ms}),
                ),
            ),
            "daily-vo2-max" => push(
                sleep.end,
                sleep.end,
                measured(
                    "dailyVo2Max",
                    json!({"date": date(day),
                       "vo2Max": sleep.vo2_max_estimate(person.profile().max_hr_bpm),
                       "estimated": true}),
                ),
            ),
            "daily-respiratory-rate" => push(
                sleep.end,
                sleep.end,
                measured(
                    "dailyRespiratoryRate",
                    json!({"date": date(day), "breathsPerMinute": sleep.respiration_rate_brpm}),
                ),
            ),
            "daily-oxygen-saturation" => {
                let spread = (sleep.spo2_avg_percent - sleep.spo2_min_percent).max(0.0);
                push(
                    sleep.end,
                    sleep.end,
                    measured(
                        "dailyOxygenSaturation",
                        json!({"date": date(day), "averagePercentage": sleep.spo2_avg_percent,
                           "lowerBoundPercentage": sleep.spo2_min_percent,
                           "upperBoundPercentage": (sleep.spo2_avg_percent + spread).min(100.0)}),
                    ),
                );
            }
            "heart-rate-variability" => {
                for sample in sleep
                    .hrv_samples
                    .iter()
                    .filter(|s| s.time.date_naive() == day)
                {
                    push(
                        sample.time,
                        sample.time,
                        measured(
                            "heartRateVariability",
                            json!({
                        "sampleTime": sample_time(sample.time),
                        "rootMeanSquareOfSuccessiveDifferencesMilliseconds": sample.value}),
                        ),
                    );
                }
            }
            "weight" | "body-fat" => {
                let body = &d.body;
                let value = if data_type == "weight" {
                    json!({"weight": {"sampleTime": sample_time(body.measured_at),
                                      "weightGrams": (body.weight_kg * 1000.0).round()}})
                } else {
                    json!({"bodyFat": {"sampleTime": sample_time(body.measured_at),
                                       "percentage": body.body_fat_percent}})
                };
                let mut point = value;
                point["dataSource"] = json!({"recordingMethod": "ACTIVELY_MEASURED",
                    "device": {"displayName": "Aria Air", "manufacturer": "Fitbit",
                               "formFactor": "SCALE"}});
                push(body.measured_at, body.measured_at, point);
            }
            "exercise" => {
                for workout in &d.workouts {
                    push(workout.start, workout.end, exercise(workout));
                }
            }
            "sleep" => push(sleep.start, sleep.end, sleep_point(&sleep)),
            "nutrition-log" | "hydration-log" => {
                for meal in &d.meals {
                    let end = meal.eaten_at + chrono::TimeDelta::minutes(20);
                    let point = if data_type == "nutrition-log" {
                        meal_point(meal, end)
                    } else if meal.water_ml > 0.0 {
                        json!({"dataSource": source("MANUAL"), "hydrationLog": {
                            "interval": interval(meal.eaten_at, meal.eaten_at),
                            "amountConsumed": {"milliliters": meal.water_ml,
                                               "userProvidedUnit": "MILLILITER"}}})
                    } else {
                        continue;
                    };
                    push(meal.eaten_at, end, point);
                }
            }
            _ => {}
        }
    }
    out
}

fn exercise(workout: &crate::person::Workout) -> Value {
    use crate::person::WorkoutKind;
    let (kind, name) = match workout.kind {
        WorkoutKind::Running => ("RUNNING", "Run"),
        WorkoutKind::Cycling => ("BIKING", "Bike"),
        WorkoutKind::Walking => ("WALKING", "Walk"),
        WorkoutKind::StrengthTraining => ("STRENGTH_TRAINING", "Strength training"),
        WorkoutKind::Yoga => ("YOGA", "Yoga"),
    };
    let id: u64 = workout.id.bytes().fold(7_u64, |hash, byte| {
        hash.wrapping_mul(31).wrapping_add(u64::from(byte))
    }) % 10_000_000_000_000;
    let mut metrics = json!({
        "caloriesKcal": workout.total_kcal,
        "averageHeartRateBeatsPerMinute": workout.avg_hr_bpm.to_string(),
        "steps": workout.steps.to_string(),
    });
    if workout.distance_m > 0.0 {
        metrics["distanceMillimeters"] = json!((workout.distance_m * 1000.0).round());
        metrics["elevationGainMillimeters"] = json!((workout.elevation_gain_m * 1000.0).round());
        metrics["averageSpeedMillimetersPerSecond"] = json!(workout.avg_speed_m_s * 1000.0);
    }
    json!({
        "name": format!("users/me/dataTypes/exercise/dataPoints/{id}"),
        "dataSource": source("ACTIVELY_MEASURED"),
        "exercise": {
            "displayName": name,
            "exerciseType": kind,
            "interval": interval(workout.start, workout.end),
            "metricsSummary": metrics,
            "activeDuration": format!("{}s", workout.duration_s),
            "exerciseMetadata": {"hasGps": workout.has_gps},
        }
    })
}

fn sleep_point(sleep: &crate::person::Sleep) -> Value {
    use crate::person::SleepStage;
    let stages: Vec<Value> = sleep
        .stages
        .iter()
        .map(|span| {
            let kind = match span.stage {
                SleepStage::Awake => "AWAKE",
                SleepStage::Light => "LIGHT",
                SleepStage::Deep => "DEEP",
                SleepStage::Rem => "REM",
            };
            json!({"startTime": utc(span.start), "startUtcOffset": offset(span.start),
                   "endTime": utc(span.end), "endUtcOffset": offset(span.end), "type": kind})
        })
        .collect();
    let minutes = |seconds: i64| (seconds / 60).to_string();
    json!({
        "name": format!("users/me/dataTypes/sleep/dataPoints/{}", sleep.id.to_ascii_lowercase()),
        "dataSource": source("PASSIVELY_MEASURED"),
        "sleep": {
            "interval": interval(sleep.start, sleep.end),
            "type": "STAGES",
            "stages": stages,
            "metadata": {"nap": false, "manuallyEdited": false, "processed": true,
                         "stagesStatus": "SUCCEEDED"},
            "summary": {
                "minutesAsleep": minutes(sleep.asleep_s),
                "minutesAwake": minutes(sleep.awake_s),
                "minutesInSleepPeriod": minutes(sleep.in_bed_s),
                "minutesToFallAsleep": minutes(sleep.latency_s),
                "minutesAfterWakeUp": "0",
            },
        }
    })
}

fn meal_point(meal: &crate::person::Meal, end: DateTime<FixedOffset>) -> Value {
    use crate::person::MealType;
    let meal_type = match meal.meal_type {
        MealType::Breakfast => "BREAKFAST",
        MealType::Lunch => "LUNCH",
        MealType::Dinner => "DINNER",
        MealType::Snack => "SNACK",
    };
    let grams = |nutrient: &str, grams: f64| json!({"nutrient": nutrient, "quantity": {"grams": grams, "userProvidedUnit": "GRAM"}});
    json!({
        "name": format!("users/me/dataTypes/nutrition-log/dataPoints/{}", meal.id.to_ascii_lowercase()),
        "dataSource": source("MANUAL"),
        "nutritionLog": {
            "interval": interval(meal.eaten_at, end),
            "food": meal.id,
            "foodDisplayName": meal.name,
            "mealType": meal_type,
            "energy": {"kcal": meal.kcal, "userProvidedUnit": "KILOCALORIE"},
            "totalCarbohydrate": {"grams": meal.carbohydrates_g, "userProvidedUnit": "GRAM"},
            "totalFat": {"grams": meal.fat_g, "userProvidedUnit": "GRAM"},
            "nutrients": [
                grams("PROTEIN", meal.protein_g),
                grams("DIETARY_FIBER", meal.fiber_g),
                grams("SUGAR", meal.sugar_g),
                grams("SODIUM", meal.sodium_mg / 1000.0),
            ],
        }
    })
}

#[cfg(test)]
pub(super) fn render_for_tests(
    person: &Person,
    data_type: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<Value> {
    render(person, data_type, start, end, Utc::now())
        .into_iter()
        .map(|(_, point)| point)
        .collect()
}

#[cfg(test)]
pub(super) fn filter_span(data_type: &str, filter: &str) -> Result<(NaiveDate, NaiveDate), String> {
    parse_filter(data_type, filter)
}
