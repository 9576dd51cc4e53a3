//! APPLE (Health export) tests: the golden mapping of the committed fixture (a hand-made,
//! real-shaped `export.xml` with a route file, see `tests/fixtures/apple_health/README.md`),
//! schema validation, and the numbers the fixture's overlaps must give.

#[path = "support/golden.rs"]
mod golden_support;

use golden_support::{assert_matches_golden, assert_schema_valid, at, fixtures_dir, record_data};
use wearbridge_providers::TerraRecordData;
use wearbridge_providers::apple_health::{ExportFile, records};

fn mapped() -> Vec<TerraRecordData> {
    let path = fixtures_dir("apple_health").join("export.xml");
    let file = ExportFile::open(&path).unwrap_or_else(|error| panic!("{error}"));
    let collected = file
        .collect(|_| {})
        .unwrap_or_else(|error| panic!("{error}"));
    records(&collected, &file).collect()
}

fn of_type(records: &[TerraRecordData], kind: &str) -> Vec<TerraRecordData> {
    records
        .iter()
        .filter(|r| r.data_type().as_str() == kind)
        .cloned()
        .collect()
}

#[test]
fn the_fixture_maps_to_its_golden_records() {
    assert_matches_golden("apple_health", "export", &mapped());
}

#[test]
fn every_record_validates_against_terras_schema() {
    let records = mapped();
    for (kind, schema) in [
        ("daily", "core/Daily"),
        ("sleep", "core/Sleep"),
        ("activity", "core/Activity"),
        ("body", "core/Body"),
        ("menstruation", "core/Menstruation"),
        ("nutrition", "core/Nutrition"),
    ] {
        assert_schema_valid(kind, schema, &of_type(&records, kind));
    }
}

#[test]
fn overlapping_watch_and_iphone_samples_count_once() {
    let daily = record_data(&of_type(&mapped(), "daily"));
    let day = daily.first().cloned().unwrap_or_default();
    // Watch 812 + 640 over 08:00–08:30 hides the iPhone's 1390 for the same half hour;
    // the iPhone's 305 while the Watch charged counts.
    assert_eq!(at(&day, "/distance_data/steps"), 812 + 640 + 305);
    // Watch 1052 m over 08:00–08:30; the iPhone's 1500 m over 08:00–09:00 counts for its
    // uncovered half.
    assert_eq!(at(&day, "/distance_data/distance_meters"), 1052.0 + 750.0);
    assert_eq!(at(&day, "/heart_rate_data/summary/resting_hr_bpm"), 54.0);
    assert_eq!(at(&day, "/heart_rate_data/summary/avg_hrv_sdnn"), 48.2);
}

#[test]
fn the_night_the_correlations_and_the_route_come_through() {
    let records = mapped();
    let sleep = record_data(&of_type(&records, "sleep"));
    let night = sleep.first().cloned().unwrap_or_default();
    let durations = at(&night, "/sleep_durations_data");
    assert_eq!(
        at(durations, "/asleep/duration_deep_sleep_state_seconds"),
        75.0 * 60.0
    );
    assert_eq!(
        at(durations, "/asleep/duration_REM_sleep_state_seconds"),
        50.0 * 60.0
    );
    assert_eq!(
        at(durations, "/awake/duration_awake_state_seconds"),
        17.0 * 60.0
    );
    assert_eq!(
        at(durations, "/other/duration_in_bed_seconds"),
        460.0 * 60.0
    );
    let body = record_data(&of_type(&records, "body"));
    let body = body.first().cloned().unwrap_or_default();
    let pressure = at(&body, "/blood_pressure_data/blood_pressure_samples");
    assert_eq!(
        pressure.as_array().map(Vec::len),
        Some(1),
        "correlation children not twice"
    );
    assert_eq!(
        at(
            &body,
            "/measurements_data/measurements/0/bodyfat_percentage"
        ),
        24.3
    );
    let nutrition = record_data(&of_type(&records, "nutrition"));
    let nutrition = nutrition.first().cloned().unwrap_or_default();
    assert_eq!(at(&nutrition, "/summary/macros/calories"), 612.0);
    assert_eq!(at(&nutrition, "/meals/0/name"), "Chicken & rice bowl");
    let activity = record_data(&of_type(&records, "activity"));
    let run = activity.first().cloned().unwrap_or_default();
    assert_eq!(at(&run, "/distance_data/summary/distance_meters"), 4620.0);
    let positions = at(&run, "/position_data/position_samples");
    assert_eq!(positions.as_array().map(Vec::len), Some(3));
}
