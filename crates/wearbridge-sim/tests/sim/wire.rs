//! Wire contract: the SANDBOX field names docs/simulator.md promises (the SANDBOX adapter
//! relies on them).

use serde_json::Value;
use wearbridge_sim::SimHandle;

use crate::{TestResult, start, str_of};

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    names.sort();
    names
}

/// Finds a simulated account that has a menstrual cycle, so the menstruation shape is checked.
fn account_with_cycle(sim: &SimHandle) -> Result<String, Box<dyn std::error::Error>> {
    let found = (0..200)
        .map(|n| format!("contract-{n}"))
        .find(|id| sim.person(id).profile().cycle.is_some());
    Ok(found.ok_or("no account with a cycle")?)
}

#[tokio::test]
async fn sandbox_wire_fields_match_the_documentation() -> TestResult {
    let ctx = start().await?;
    let account = account_with_cycle(&ctx.sim)?;
    let access = str_of(&ctx.connect(&account).await?, "access_token").to_owned();
    let range = "?start_date=2026-03-01&end_date=2026-03-07";
    let first = |body: &Value| body.pointer("/data/0").cloned().unwrap_or(Value::Null);

    let me = ctx.api_json(&access, "/me").await?;
    assert_eq!(keys(&me), sorted(&["user_id", "profile"]));
    let profile_fields = [
        "user_id",
        "first_name",
        "last_name",
        "sex",
        "birth_date",
        "height_m",
        "weight_kg",
        "utc_offset",
    ];
    assert_eq!(
        keys(me.get("profile").unwrap_or(&Value::Null)),
        sorted(&profile_fields)
    );
    assert_eq!(
        keys(&ctx.api_json(&access, "/profile").await?),
        sorted(&profile_fields)
    );

    let daily = ctx.api_json(&access, &format!("/daily{range}")).await?;
    assert_eq!(
        keys(&daily),
        sorted(&["user_id", "start_date", "end_date", "data", "next_page"])
    );
    let day = first(&daily);
    let daily_fields = [
        "date",
        "utc_offset",
        "start_time",
        "end_time",
        "steps",
        "distance_m",
        "active_kcal",
        "bmr_kcal",
        "total_kcal",
        "resting_hr_bpm",
        "avg_hr_bpm",
        "max_hr_bpm",
        "intervals",
    ];
    assert_eq!(keys(&day), sorted(&daily_fields));
    let interval_fields = [
        "start_time",
        "end_time",
        "steps",
        "distance_m",
        "kcal",
        "active_kcal",
        "avg_hr_bpm",
    ];
    assert_eq!(
        keys(day.pointer("/intervals/0").unwrap_or(&Value::Null)),
        sorted(&interval_fields)
    );

    let night = first(&ctx.api_json(&access, &format!("/sleep{range}")).await?);
    let sleep_fields = [
        "id",
        "date",
        "start_time",
        "end_time",
        "in_bed_s",
        "asleep_s",
        "awake_s",
        "light_s",
        "deep_s",
        "rem_s",
        "latency_s",
        "efficiency_percent",
        "resting_hr_bpm",
        "avg_hr_bpm",
        "hrv_rmssd_ms",
        "spo2_avg_percent",
        "spo2_min_percent",
        "respiration_rate_brpm",
        "stages",
        "heart_rate_samples",
        "hrv_samples",
    ];
    assert_eq!(keys(&night), sorted(&sleep_fields));
    let stage = night.pointer("/stages/0").unwrap_or(&Value::Null);
    assert_eq!(keys(stage), sorted(&["stage", "start_time", "end_time"]));
    let heart = night
        .pointer("/heart_rate_samples/0")
        .unwrap_or(&Value::Null);
    assert_eq!(keys(heart), sorted(&["time", "bpm"]));
    let hrv = night.pointer("/hrv_samples/0").unwrap_or(&Value::Null);
    assert_eq!(keys(hrv), sorted(&["time", "rmssd_ms"]));

    let workouts = ctx
        .api_json(
            &access,
            "/workouts?start_date=2026-03-01&end_date=2026-03-31",
        )
        .await?;
    let workout_fields = [
        "id",
        "date",
        "type",
        "start_time",
        "end_time",
        "duration_s",
        "distance_m",
        "elevation_gain_m",
        "avg_speed_m_s",
        "avg_hr_bpm",
        "max_hr_bpm",
        "steps",
        "active_kcal",
        "total_kcal",
        "has_gps",
        "samples",
    ];
    let list = workouts
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no workouts")?;
    for workout in list {
        assert_eq!(keys(workout), sorted(&workout_fields));
        let sample = workout.pointer("/samples/0").unwrap_or(&Value::Null);
        let mut sample_fields = vec!["offset_s", "hr_bpm", "distance_m", "speed_m_s"];
        if workout.get("has_gps") == Some(&Value::Bool(true)) {
            sample_fields.extend(["latitude", "longitude", "elevation_m"]);
        }
        assert_eq!(keys(sample), sorted(&sample_fields));
    }

    let body = first(&ctx.api_json(&access, &format!("/body{range}")).await?);
    let body_fields = [
        "id",
        "date",
        "measured_at",
        "weight_kg",
        "body_fat_percent",
        "bmi",
        "lean_mass_kg",
    ];
    assert_eq!(keys(&body), sorted(&body_fields));

    let cycle = first(
        &ctx.api_json(&access, &format!("/menstruation{range}"))
            .await?,
    );
    let cycle_fields = [
        "date",
        "cycle_day",
        "cycle_length_days",
        "period_length_days",
        "period_start_date",
        "phase",
        "flow",
    ];
    assert_eq!(keys(&cycle), sorted(&cycle_fields));

    let food = first(&ctx.api_json(&access, &format!("/nutrition{range}")).await?);
    assert_eq!(keys(&food), sorted(&["date", "totals", "meals"]));
    let nutrients = [
        "kcal",
        "carbohydrates_g",
        "protein_g",
        "fat_g",
        "fiber_g",
        "sugar_g",
        "sodium_mg",
        "water_ml",
    ];
    assert_eq!(
        keys(food.get("totals").unwrap_or(&Value::Null)),
        sorted(&nutrients)
    );
    let mut meal_fields = nutrients.to_vec();
    meal_fields.extend(["id", "meal_type", "name", "eaten_at"]);
    assert_eq!(
        keys(food.pointer("/meals/0").unwrap_or(&Value::Null)),
        sorted(&meal_fields)
    );
    Ok(())
}
