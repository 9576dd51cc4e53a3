//! Strava API v3 JSON (`https://www.strava.com/api/v3/...`), deserialize-only.
//!
//! Shapes follow Strava's published swagger document (`developers.strava.com/swagger`,
//! bundled in `provider-specs/strava/openapi.yaml`) and the fields its own examples carry
//! beyond the schema (`utc_offset`, `average_heartrate`, `max_heartrate`, `has_heartrate`,
//! lap heart rates). Everything the spec does not mark required is optional, because
//! Strava leaves out what an activity does not have (no power meter, no GPS, a manual
//! entry). Ids are 64-bit integers. Instants are UTC (`...Z`); `start_date_local` is the
//! local wall time mislabelled with `Z`, and `utc_offset` is the offset in seconds, so
//! the mapper places every record in the athlete's own offset. Fields whose JSON type
//! varies in practice (`start_latlng` is `[]`, `null` or a pair) are read as raw JSON and
//! interpreted by the mapper.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use serde_json::Value;

/// `GET /athlete`: `DetailedAthlete` (with `profile:read_all`) or `SummaryAthlete`; the
/// token answer of a code exchange carries the summary form.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Athlete {
    /// Strava's athlete id: our `provider_user_id`, and the `owner_id` of webhook events.
    pub id: i64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub firstname: Option<String>,
    #[serde(default)]
    pub lastname: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    /// `M` or `F` (or absent).
    #[serde(default)]
    pub sex: Option<String>,
    /// When the Strava account was created (`2017-11-14T02:30:05Z`).
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Kilograms, as the athlete entered it (no measurement time).
    #[serde(default)]
    pub weight: Option<f64>,
    /// Functional threshold power, watts.
    #[serde(default)]
    pub ftp: Option<f64>,
    /// `meters` or `feet`: display preference only; the API always answers in SI.
    #[serde(default)]
    pub measurement_preference: Option<String>,
}

/// `SummaryActivity` (`GET /athlete/activities`) and `DetailedActivity`
/// (`GET /activities/{id}`): one type, the detailed fields optional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Activity {
    pub id: i64,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// Metres.
    #[serde(default)]
    pub distance: Option<f64>,
    /// Seconds in motion.
    #[serde(default)]
    pub moving_time: Option<f64>,
    /// Seconds from start to end, stops included.
    #[serde(default)]
    pub elapsed_time: Option<f64>,
    /// Metres climbed (total gain).
    #[serde(default)]
    pub total_elevation_gain: Option<f64>,
    /// Metres above sea level.
    #[serde(default)]
    pub elev_high: Option<f64>,
    #[serde(default)]
    pub elev_low: Option<f64>,
    /// Deprecated `ActivityType` (`Run`, `Ride`, ...); `sport_type` is the current one.
    #[serde(default, rename = "type")]
    pub activity_type: Option<String>,
    /// `SportType` (`Run`, `TrailRun`, `MountainBikeRide`, ...).
    #[serde(default)]
    pub sport_type: Option<String>,
    /// The start, UTC.
    pub start_date: DateTime<FixedOffset>,
    /// The start as local wall time, mislabelled `Z`.
    #[serde(default)]
    pub start_date_local: Option<String>,
    /// `(GMT-08:00) America/Los_Angeles`: the zone's standard offset and name.
    #[serde(default)]
    pub timezone: Option<String>,
    /// The offset at the start, seconds east of UTC (daylight saving included).
    #[serde(default)]
    pub utc_offset: Option<f64>,
    /// `[lat, lng]` in degrees, or `[]`/`null` without GPS.
    #[serde(default)]
    pub start_latlng: Option<Value>,
    #[serde(default)]
    pub end_latlng: Option<Value>,
    #[serde(default)]
    pub location_city: Option<String>,
    #[serde(default)]
    pub location_state: Option<String>,
    #[serde(default)]
    pub location_country: Option<String>,
    #[serde(default)]
    pub map: Option<PolylineMap>,
    #[serde(default)]
    pub device_name: Option<String>,
    /// Recorded on a training machine (indoor trainer, treadmill).
    #[serde(default)]
    pub trainer: Option<bool>,
    #[serde(default)]
    pub commute: Option<bool>,
    /// Entered by hand: no device data, so no streams.
    #[serde(default)]
    pub manual: Option<bool>,
    #[serde(default)]
    pub private: Option<bool>,
    /// Metres per second.
    #[serde(default)]
    pub average_speed: Option<f64>,
    #[serde(default)]
    pub max_speed: Option<f64>,
    /// Revolutions (rides) or strides (runs, one foot) per minute.
    #[serde(default)]
    pub average_cadence: Option<f64>,
    /// Watts; estimated unless `device_watts`.
    #[serde(default)]
    pub average_watts: Option<f64>,
    #[serde(default)]
    pub max_watts: Option<f64>,
    #[serde(default)]
    pub weighted_average_watts: Option<f64>,
    /// Work done (power meter), kilojoules. Rides only.
    #[serde(default)]
    pub kilojoules: Option<f64>,
    #[serde(default)]
    pub device_watts: Option<bool>,
    #[serde(default)]
    pub has_heartrate: Option<bool>,
    /// Beats per minute.
    #[serde(default)]
    pub average_heartrate: Option<f64>,
    #[serde(default)]
    pub max_heartrate: Option<f64>,
    /// Kilocalories burned (detailed representation only).
    #[serde(default)]
    pub calories: Option<f64>,
    #[serde(default)]
    pub description: Option<String>,
    /// Laps (detailed representation only).
    #[serde(default)]
    pub laps: Option<Vec<Lap>>,
}

/// `PolylineMap`: Google encoded polylines of the route.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PolylineMap {
    #[serde(default)]
    pub id: Option<String>,
    /// The full-resolution route (detailed representation only).
    #[serde(default)]
    pub polyline: Option<String>,
    /// A simplified route.
    #[serde(default)]
    pub summary_polyline: Option<String>,
}

/// `Lap` (`DetailedActivity.laps`, `GET /activities/{id}/laps`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Lap {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub elapsed_time: Option<f64>,
    #[serde(default)]
    pub moving_time: Option<f64>,
    pub start_date: DateTime<FixedOffset>,
    #[serde(default)]
    pub distance: Option<f64>,
    #[serde(default)]
    pub start_index: Option<i64>,
    #[serde(default)]
    pub end_index: Option<i64>,
    #[serde(default)]
    pub total_elevation_gain: Option<f64>,
    #[serde(default)]
    pub average_speed: Option<f64>,
    #[serde(default)]
    pub max_speed: Option<f64>,
    #[serde(default)]
    pub average_cadence: Option<f64>,
    #[serde(default)]
    pub average_watts: Option<f64>,
    #[serde(default)]
    pub average_heartrate: Option<f64>,
    #[serde(default)]
    pub max_heartrate: Option<f64>,
    #[serde(default)]
    pub lap_index: Option<i64>,
}

/// One stream (`BaseStream` + `data`): per-sample values of one quantity, all streams of an
/// activity indexed alike. Numeric values may be `null` where a sensor dropped out.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Stream<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<Option<T>>,
    /// `distance` or `time`: the series a downsampled stream was reduced along.
    #[serde(default)]
    pub series_type: Option<String>,
    #[serde(default)]
    pub original_size: Option<i64>,
    /// `low`, `medium` or `high`.
    #[serde(default)]
    pub resolution: Option<String>,
}

/// `GET /activities/{id}/streams?keys=...&key_by_type=true`: `StreamSet`, one optional
/// stream per type. Units: `time` seconds since the start, `distance` metres from the
/// start, `latlng` `[lat, lng]` degrees, `altitude` metres, `velocity_smooth` m/s,
/// `heartrate` bpm, `cadence` rpm, `watts` W, `temp` °C, `moving` booleans,
/// `grade_smooth` percent.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct StreamSet {
    #[serde(default)]
    pub time: Option<Stream<f64>>,
    #[serde(default)]
    pub distance: Option<Stream<f64>>,
    #[serde(default)]
    pub latlng: Option<Stream<Vec<f64>>>,
    #[serde(default)]
    pub altitude: Option<Stream<f64>>,
    #[serde(default)]
    pub velocity_smooth: Option<Stream<f64>>,
    #[serde(default)]
    pub heartrate: Option<Stream<f64>>,
    #[serde(default)]
    pub cadence: Option<Stream<f64>>,
    #[serde(default)]
    pub watts: Option<Stream<f64>>,
    #[serde(default)]
    pub temp: Option<Stream<f64>>,
    #[serde(default)]
    pub moving: Option<Stream<bool>>,
    #[serde(default)]
    pub grade_smooth: Option<Stream<f64>>,
}

impl StreamSet {
    /// A stream set from either answer form: the object keyed by type
    /// (`key_by_type=true`, what the adapter asks for) or the list of streams each naming
    /// its `type` (the form of Strava's documented example).
    pub fn from_json(value: Value) -> Result<StreamSet, serde_json::Error> {
        match value {
            Value::Array(items) => {
                let mut keyed = serde_json::Map::new();
                for item in items {
                    let kind = item.get("type").and_then(Value::as_str).map(str::to_owned);
                    if let Some(kind) = kind {
                        keyed.insert(kind, item);
                    }
                }
                serde_json::from_value(Value::Object(keyed))
            }
            other => serde_json::from_value(other),
        }
    }
}

/// The token endpoint's answer (`POST /oauth/token`, both grants): RFC 6749 §5.1 plus
/// `expires_at` (epoch seconds) and, on a code exchange only, the summary `athlete`. No
/// `scope`: Strava reports the granted scope on the redirect instead.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub athlete: Option<Athlete>,
}

/// Strava's error body (`Fault`): `{message, errors: [{resource, field, code}]}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Vec<FaultError>,
}

/// One item of [`Fault::errors`] (`Error`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FaultError {
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// A webhook event (`POST` to the subscription's callback URL).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    /// `activity` or `athlete`.
    pub object_type: String,
    /// The activity's id, or the athlete's for athlete events.
    pub object_id: i64,
    /// `create`, `update` or `delete`.
    pub aspect_type: String,
    /// Activity updates: `title`, `type`, `private`; athlete deauthorization:
    /// `{"authorized": "false"}`.
    #[serde(default)]
    pub updates: Option<serde_json::Map<String, Value>>,
    /// The athlete the object belongs to.
    pub owner_id: i64,
    #[serde(default)]
    pub subscription_id: Option<i64>,
    /// When the event happened, epoch seconds.
    #[serde(default)]
    pub event_time: Option<i64>,
}

/// One push subscription (`GET /push_subscriptions`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Subscription {
    pub id: i64,
    #[serde(default)]
    pub application_id: Option<i64>,
    #[serde(default)]
    pub callback_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The answer to creating a push subscription: `{"id": <subscription id>}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Created {
    pub id: i64,
}
