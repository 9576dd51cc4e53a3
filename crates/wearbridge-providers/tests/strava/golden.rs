//! Golden mappings: Strava payloads (`tests/fixtures/strava/*.input.json`, sources in the
//! README there) mapped through `map_source` (and, for samples, the mapper with a stream
//! set) and compared with the committed Terra JSON (`*.terra.json`), validated against
//! Terra's schemas, and checked field by field for units, offsets and meanings.

use serde_json::Value;
use wearbridge_providers::strava::{mapper, wire};
use wearbridge_providers::{MapSourceError, TerraRecordData, map_source};

use super::golden_support::{
    assert_matches_golden, assert_schema_valid, at, read_fixture, record_data,
};

/// (golden name, input fixture, API path, Terra schema of every record it maps to).
const FIXTURES: [(&str, &str, &str, &str); 6] = [
    (
        "activity_recorded",
        "activity_recorded",
        "/api/v3/activities/99895560",
        "core/Activity",
    ),
    (
        "activity_manual",
        "activity_manual",
        "/api/v3/activities/96089609",
        "core/Activity",
    ),
    (
        "activities_documented",
        "activities_documented",
        "/api/v3/athlete/activities?after=0&per_page=200",
        "core/Activity",
    ),
    ("athlete", "athlete", "/api/v3/athlete", "core/Athlete"),
    (
        "athlete_documented",
        "athlete_documented",
        "https://www.strava.com/api/v3/athlete",
        "core/Athlete",
    ),
    (
        "activity_documented",
        "activity_documented",
        "/activities/12345678987654321",
        "core/Activity",
    ),
];

fn read(file: &str) -> String {
    read_fixture("strava", file)
}

fn mapped(input: &str, path: &str) -> Vec<TerraRecordData> {
    match map_source("STRAVA", path, &read(&format!("{input}.input.json"))) {
        Ok(records) => records,
        Err(error) => panic!("{input}: {error}"),
    }
}

/// The documented detailed activity with our keyed streams as its samples.
fn with_streams() -> Vec<TerraRecordData> {
    let activity: wire::Activity =
        match serde_json::from_str(&read("activity_documented.input.json")) {
            Ok(activity) => activity,
            Err(error) => panic!("activity: {error}"),
        };
    let streams = serde_json::from_str(&read("streams_keyed.input.json"))
        .and_then(wire::StreamSet::from_json);
    let streams = match streams {
        Ok(streams) => streams,
        Err(error) => panic!("streams: {error}"),
    };
    vec![mapper::activity(&activity, Some(&streams)).into()]
}

/// Every golden: (name, records, schema).
fn goldens() -> Vec<(&'static str, Vec<TerraRecordData>, &'static str)> {
    let mut all: Vec<_> = FIXTURES
        .iter()
        .map(|(name, input, path, schema)| (*name, mapped(input, path), *schema))
        .collect();
    all.push(("activity_with_streams", with_streams(), "core/Activity"));
    all
}

fn data(name: &str) -> Vec<Value> {
    goldens()
        .into_iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, records, _)| record_data(&records))
        .unwrap_or_else(|| panic!("no golden {name}"))
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, records, _) in goldens() {
        assert_matches_golden("strava", name, &records);
    }
}

#[test]
fn every_mapped_record_is_schema_valid() {
    for (name, records, schema) in goldens() {
        assert_schema_valid(name, schema, &records);
    }
}

#[test]
fn the_recorded_run_keeps_its_local_time_units_and_place() {
    let run = &data("activity_recorded")[0];
    // No utc_offset in this 2013 payload: 11:36:41 local against 19:36:41Z is −08:00.
    assert_eq!(
        at(run, "/metadata/start_time"),
        "2013-12-12T11:36:41.000000-08:00"
    );
    // elapsed_time 3140 s.
    assert_eq!(
        at(run, "/metadata/end_time"),
        "2013-12-12T12:29:01.000000-08:00"
    );
    assert_eq!(at(run, "/metadata/summary_id"), "99895560");
    assert_eq!(at(run, "/metadata/type"), 8, "type Run → Running");
    assert_eq!(at(run, "/metadata/upload_type"), 1, "recorded → Automatic");
    assert_eq!(at(run, "/metadata/city"), "San Francisco");
    assert!(close(
        at(run, "/active_durations_data/activity_seconds"),
        2892.0
    ));
    assert!(close(at(run, "/active_durations_data/rest_seconds"), 248.0));
    assert!(close(
        at(run, "/distance_data/summary/distance_meters"),
        5781.1
    ));
    assert!(close(
        at(run, "/distance_data/summary/elevation/gain_actual_meters"),
        13.5
    ));
    assert!(close(
        at(run, "/calories_data/total_burned_calories"),
        537.9
    ));
    assert!(close(
        at(run, "/movement_data/avg_speed_meters_per_second"),
        2.0
    ));
    assert!(close(
        at(run, "/movement_data/max_speed_meters_per_second"),
        8.3
    ));
    assert_eq!(
        at(run, "/position_data/start_pos_lat_lng_deg"),
        &serde_json::json!([37.781076, -122.395536])
    );
    assert!(
        at(run, "/polyline_map_data/summary_polyline")
            .as_str()
            .is_some_and(|line| line.starts_with("oyqeF"))
    );
    assert_eq!(
        at(run, "/work_data"),
        &Value::Null,
        "a run has no power-meter work"
    );
}

#[test]
fn a_manual_entry_is_a_manual_upload_without_an_end_position() {
    let hike = &data("activity_manual")[0];
    assert_eq!(at(hike, "/metadata/upload_type"), 2);
    assert_eq!(at(hike, "/metadata/type"), 35, "Hike → Hiking");
    assert_eq!(
        at(hike, "/metadata/start_time"),
        "2013-11-17T08:00:00.000000-08:00"
    );
    assert!(close(
        at(hike, "/calories_data/total_burned_calories"),
        2084.438266172827
    ));
    assert_eq!(at(hike, "/position_data/end_pos_lat_lng_deg"), &Value::Null);
    assert_eq!(at(hike, "/polyline_map_data"), &Value::Null);
    assert!(close(at(hike, "/active_durations_data/rest_seconds"), 0.0));
}

#[test]
fn the_documented_list_maps_sport_types_power_and_offsets() {
    let rides = data("activities_documented");
    assert_eq!(rides.len(), 2);
    let ride = &rides[0];
    assert_eq!(at(ride, "/metadata/summary_id"), "154504250376823");
    assert_eq!(
        at(ride, "/metadata/type"),
        15,
        "MountainBikeRide → Mountain Biking"
    );
    // utc_offset −25200 s (daylight saving) although the zone's label says GMT-08:00.
    assert_eq!(
        at(ride, "/metadata/start_time"),
        "2018-05-02T05:15:09.000000-07:00"
    );
    assert_eq!(at(ride, "/metadata/country"), "United States");
    assert!(close(at(ride, "/work_data/work_kilojoules"), 788.7));
    assert_eq!(
        at(ride, "/energy_data"),
        &Value::Null,
        "work is not energy expended"
    );
    assert!(close(at(ride, "/power_data/avg_watts"), 175.3));
    assert!(close(at(ride, "/power_data/max_watts"), 406.0));
    assert!(close(
        at(ride, "/heart_rate_data/summary/avg_hr_bpm"),
        140.3
    ));
    assert!(close(
        at(ride, "/heart_rate_data/summary/max_hr_bpm"),
        178.0
    ));
    assert!(close(at(ride, "/movement_data/avg_cadence_rpm"), 67.1));
    assert_eq!(at(ride, "/device_data/name"), "Garmin Edge 1030");
    assert_eq!(
        at(ride, "/calories_data"),
        &Value::Null,
        "summaries carry no calories"
    );
}

#[test]
fn the_documented_detail_maps_laps_in_the_activity_offset() {
    let ride = &data("activity_documented")[0];
    assert_eq!(
        at(ride, "/metadata/start_time"),
        "2018-02-16T06:52:54.000000-08:00"
    );
    assert!(close(
        at(ride, "/calories_data/total_burned_calories"),
        870.2
    ));
    assert!(close(
        at(ride, "/distance_data/summary/elevation/max_meters"),
        446.6
    ));
    assert!(close(
        at(ride, "/distance_data/summary/elevation/min_meters"),
        17.2
    ));
    let lap = at(ride, "/lap_data/laps/0");
    assert_eq!(at(lap, "/start_time"), "2018-02-16T06:52:54.000000-08:00");
    // elapsed_time 1573 s.
    assert_eq!(at(lap, "/end_time"), "2018-02-16T07:19:07.000000-08:00");
    assert!(close(at(lap, "/distance_meters"), 8046.72));
    assert!(close(at(lap, "/avg_watts"), 233.1));
    assert_eq!(at(lap, "/active_duration_seconds"), 1569);
}

#[test]
fn streams_become_samples_on_the_activity_clock() {
    let ride = &data("activity_with_streams")[0];
    let hr = at(ride, "/heart_rate_data/detailed/hr_samples")
        .as_array()
        .cloned()
        .unwrap_or_default();
    // 12 readings, one null and one 0 (a lost strap) left out.
    assert_eq!(hr.len(), 10);
    assert_eq!(at(&hr[0], "/timestamp"), "2018-02-16T06:52:54.000000-08:00");
    assert!(close(at(&hr[0], "/bpm"), 92.0));
    // Index 4 is not moving: from there the timer runs one second behind the clock
    // (11 s elapsed at the last sample, 10 s moving).
    let last = &hr[hr.len() - 1];
    assert_eq!(at(last, "/timestamp"), "2018-02-16T06:53:05.000000-08:00");
    assert!(close(at(last, "/timer_duration_seconds"), 10.0));
    assert!(close(at(ride, "/heart_rate_data/summary/min_hr_bpm"), 92.0));
    let distance = at(ride, "/distance_data/detailed/distance_samples/11");
    assert!(
        close(at(distance, "/distance_meters"), 49.5),
        "cumulative metres"
    );
    let elevation = at(ride, "/distance_data/detailed/elevation_samples/0");
    assert!(close(at(elevation, "/elev_meters"), 17.2));
    let speeds = at(ride, "/movement_data/speed_samples")
        .as_array()
        .map(Vec::len);
    assert_eq!(speeds, Some(12));
    let cadence = at(ride, "/movement_data/cadence_samples/1");
    assert!(close(at(cadence, "/cadence_rpm"), 70.0));
    let power = at(ride, "/power_data/power_samples")
        .as_array()
        .map(Vec::len);
    assert_eq!(power, Some(11), "the null watt reading is a gap");
    let position = at(ride, "/position_data/position_samples/0/coords_lat_lng_deg");
    assert_eq!(position, &serde_json::json!([37.83, -122.26]));
}

#[test]
fn the_athlete_maps_names_sex_place_and_account_date() {
    let athlete = &data("athlete")[0];
    assert_eq!(at(athlete, "/first_name"), "Jeff");
    assert_eq!(at(athlete, "/last_name"), "Remer");
    assert_eq!(at(athlete, "/sex"), "male");
    assert_eq!(at(athlete, "/gender"), "male");
    assert_eq!(at(athlete, "/city"), "Nicasio");
    assert_eq!(at(athlete, "/state"), "California");
    assert_eq!(at(athlete, "/account_creation_date"), "2009-09-22");
    assert_eq!(at(athlete, "/provider_user_id"), "1513");
    let documented = &data("athlete_documented")[0];
    assert_eq!(at(documented, "/sex"), "female");
    assert_eq!(at(documented, "/country"), "US");
    assert_eq!(at(documented, "/provider_user_id"), "1234567890987654321");
}

#[test]
fn the_documented_list_form_of_streams_reads_like_the_keyed_form() {
    let value: Value = match serde_json::from_str(&read("streams_documented.input.json")) {
        Ok(value) => value,
        Err(error) => panic!("{error}"),
    };
    let streams = match wire::StreamSet::from_json(value) {
        Ok(streams) => streams,
        Err(error) => panic!("{error}"),
    };
    let distance = streams.distance.map(|stream| stream.data.len());
    assert_eq!(distance, Some(12));
    assert!(streams.time.is_none());
}

#[test]
fn streams_and_unknown_paths_are_refused_with_the_mapped_list() {
    for path in ["/api/v3/activities/1/streams", "/api/v3/activities/1/laps"] {
        assert!(matches!(
            map_source("STRAVA", path, "[]"),
            Err(MapSourceError::UnknownPath(message)) if message.contains("/activities/{id}")
        ));
    }
    assert!(matches!(
        map_source("strava", "/api/v3/clubs/1", "{}"),
        Err(MapSourceError::UnknownPath(message)) if message.contains("/athlete/activities")
    ));
    assert!(matches!(
        map_source("STRAVA", "/api/v3/athlete", "[]"),
        Err(MapSourceError::Body(_))
    ));
}
