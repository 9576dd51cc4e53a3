//! Data events: the provider-sync and write path's typed events ([`data_events`]), and
//! the `to_webhook=true` bodies ([`data_request_bodies`]) that splice the stored JSON in
//! verbatim (no parse and re-serialise of what the store already holds).

use wearbridge_model::{DataType, MODEL_VERSION};
use wearbridge_store::User;

use crate::wire::terra_user;

/// Records per data event (Terra: at most 10 objects per event or chunk): keeps webhook
/// bodies small (a week of 1 Hz workouts is megabytes) while batching a day's records.
pub const RECORDS_PER_EVENT: usize = 10;

/// Data events for `records` (already stored): one event per type and chunk of at most
/// [`RECORDS_PER_EVENT`], bodies built with the model's event types.
pub fn data_events(
    user: &wearbridge_store::User,
    records: Vec<wearbridge_providers::TerraRecordData>,
) -> Result<Vec<wearbridge_store::NewEvent>, serde_json::Error> {
    use wearbridge_model as m;
    use wearbridge_providers::TerraRecordData as R;

    let wire_user = terra_user(user);
    let version = || m::MODEL_VERSION.to_owned();
    let mut grouped: std::collections::BTreeMap<m::DataType, Vec<R>> = Default::default();
    for record in records {
        grouped.entry(record.data_type()).or_default().push(record);
    }
    let mut events = Vec::new();
    for (_, group) in grouped {
        for chunk in group.chunks(RECORDS_PER_EVENT) {
            macro_rules! collect {
                ($variant:ident) => {
                    chunk
                        .iter()
                        .filter_map(|record| match record {
                            R::$variant(inner) => Some(inner.clone()),
                            _ => None,
                        })
                        .collect()
                };
            }
            macro_rules! list_event {
                ($variant:ident, $event:ident) => {
                    vec![m::WebhookEvent::$variant(m::$event {
                        data: collect!($variant),
                        user: wire_user.clone(),
                        version: version(),
                        status: None,
                    })]
                };
            }
            let built: Vec<m::WebhookEvent> = match chunk.first() {
                None => Vec::new(),
                Some(R::Activity(_)) => list_event!(Activity, ActivityEvent),
                Some(R::Body(_)) => list_event!(Body, BodyEvent),
                Some(R::Daily(_)) => list_event!(Daily, DailyEvent),
                Some(R::Menstruation(_)) => list_event!(Menstruation, MenstruationEvent),
                Some(R::Nutrition(_)) => list_event!(Nutrition, NutritionEvent),
                Some(R::Sleep(_)) => list_event!(Sleep, SleepEvent),
                // Terra's athlete event carries one profile, not a list.
                Some(R::Athlete(_)) => chunk
                    .iter()
                    .filter_map(|record| match record {
                        R::Athlete(athlete) => Some(m::WebhookEvent::Athlete(m::AthleteEvent {
                            athlete: athlete.clone(),
                            user: wire_user.clone(),
                            version: version(),
                            status: None,
                        })),
                        _ => None,
                    })
                    .collect(),
            };
            for event in built {
                events.push(wearbridge_store::NewEvent {
                    developer_id: user.developer_id.clone(),
                    user_id: Some(user.id.clone()),
                    event_type: event.event_type().to_owned(),
                    body: serde_json::to_string(&event)?,
                    reference: None,
                    trace_id: None,
                });
            }
        }
    }
    Ok(events)
}

/// Most bytes in one event body of a large request (Terra: a chunk holds at most 10
/// objects *or* 10 MB, whichever comes first; terra-api-notes B.2).
pub const MAX_CHUNK_BYTES: usize = 10 * 1024 * 1024;

/// One outbox event of a `to_webhook=true` request: its type, body and
/// `X-Terra-Trace-Id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEvent {
    pub event_type: String,
    pub body: String,
    /// Derived from the request's reference (see [`data_request_bodies`]), so a re-run of
    /// the request after a crash repeats the same trace ids and receivers can dedupe.
    pub trace_id: String,
}

/// Every event a `to_webhook=true` request produces, in delivery order: a small request
/// is one data event with every record (possibly an empty `data`), or for `athlete` one
/// event with the latest profile; a large one is `large_request_processing`,
/// `large_request_sending` with `expected_payloads`, then chunks of at most
/// [`RECORDS_PER_EVENT`] records and [`MAX_CHUNK_BYTES`] bytes (a single record above the
/// byte cap travels alone).
///
/// Trace ids: the small request's event and `large_request_processing` carry the
/// reference itself (the acknowledgement's `trace_id`), `large_request_sending`
/// `<reference>:sending`, chunk `n` (1-based, as `expected_payloads` counts them)
/// `<reference>:chunk:<n>` (Terra's form).
pub fn data_request_bodies(
    user: &User,
    data_type: DataType,
    reference: &str,
    large: bool,
    records: &[String],
) -> Result<Vec<RequestEvent>, serde_json::Error> {
    data_request_bodies_capped(user, data_type, reference, large, records, MAX_CHUNK_BYTES)
}

/// [`data_request_bodies`] with the byte cap as a parameter (tests use a small one).
fn data_request_bodies_capped(
    user: &User,
    data_type: DataType,
    reference: &str,
    large: bool,
    records: &[String],
    max_chunk_bytes: usize,
) -> Result<Vec<RequestEvent>, serde_json::Error> {
    let user_json = serde_json::to_string(&terra_user(user))?;
    let event = |event_type: &str, body: String, trace_id: String| RequestEvent {
        event_type: event_type.to_owned(),
        body,
        trace_id,
    };
    if data_type == DataType::Athlete {
        // The profile is one object, not an array; the latest stored one.
        return Ok(records
            .last()
            .map(|athlete| {
                let body = format!(
                    r#"{{"type":"athlete","athlete":{athlete},"user":{user_json},"version":"{MODEL_VERSION}"}}"#
                );
                vec![event("athlete", body, reference.to_owned())]
            })
            .unwrap_or_default());
    }
    if !large {
        let body = spliced_data_event(data_type, &user_json, records);
        return Ok(vec![event(data_type.as_str(), body, reference.to_owned())]);
    }
    let envelope = spliced_data_event(data_type, &user_json, &[]).len();
    let chunks = chunk_records(records, max_chunk_bytes.saturating_sub(envelope));
    let reference_json = serde_json::to_string(reference)?;
    let mut events = vec![
        event(
            "large_request_processing",
            format!(
                r#"{{"type":"large_request_processing","status":"processing","message":"Large request is being processed","user":{user_json},"reference":{reference_json}}}"#
            ),
            reference.to_owned(),
        ),
        event(
            "large_request_sending",
            format!(
                r#"{{"type":"large_request_sending","user":{user_json},"reference":{reference_json},"message":"Large request is being sent","expected_payloads":{}}}"#,
                chunks.len()
            ),
            format!("{reference}:sending"),
        ),
    ];
    events.extend(chunks.into_iter().enumerate().map(|(index, chunk)| {
        event(
            data_type.as_str(),
            spliced_data_event(data_type, &user_json, chunk),
            format!("{reference}:chunk:{}", index + 1),
        )
    }));
    Ok(events)
}

/// Splits `records` into runs of at most [`RECORDS_PER_EVENT`] whose joined size (with
/// the separating commas) stays within `max_bytes`; a record larger than that on its own
/// is a run of one.
fn chunk_records(records: &[String], max_bytes: usize) -> Vec<&[String]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (index, record) in records.iter().enumerate() {
        let count = index - start;
        let added = record.len() + usize::from(count > 0);
        if count > 0 && (count == RECORDS_PER_EVENT || bytes + added > max_bytes) {
            chunks.push(&records[start..index]);
            start = index;
            bytes = record.len();
        } else {
            bytes += added;
        }
    }
    if start < records.len() {
        chunks.push(&records[start..]);
    }
    chunks
}

/// `{"type", "data": [...], "user", "version"}` with the stored JSON spliced in verbatim.
fn spliced_data_event(data_type: DataType, user_json: &str, records: &[String]) -> String {
    let data_type = data_type.as_str();
    let data = records.join(",");
    format!(
        r#"{{"type":"{data_type}","data":[{data}],"user":{user_json},"version":"{MODEL_VERSION}"}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use wearbridge_model::{Athlete, Sleep};
    use wearbridge_providers::TerraRecordData;
    use wearbridge_store::ids::{DeveloperId, UserId};

    fn user() -> User {
        User {
            id: UserId::new(),
            developer_id: DeveloperId::new(),
            provider: "SANDBOX".to_owned(),
            provider_user_id: Some("alice".to_owned()),
            reference_id: None,
            scopes: None,
            active: true,
            deauthenticated: false,
            created_at: 0,
            last_webhook_update: None,
            last_polled_at: None,
            most_recent_data_at: None,
        }
    }

    #[test]
    fn data_events_hold_at_most_ten_records_of_one_type() -> Result<(), serde_json::Error> {
        let mut records: Vec<TerraRecordData> = (0..23)
            .map(|_| TerraRecordData::Sleep(Sleep::default()))
            .collect();
        records.insert(5, TerraRecordData::Athlete(Athlete::default()));
        let events = data_events(&user(), records)?;
        let shapes: Vec<(String, usize)> = events
            .iter()
            .map(|event| {
                let body: Value = serde_json::from_str(&event.body).unwrap_or_default();
                let count = body["data"].as_array().map_or(1, Vec::len);
                (event.event_type.clone(), count)
            })
            .collect();
        let expected: Vec<(String, usize)> =
            [("athlete", 1), ("sleep", 10), ("sleep", 10), ("sleep", 3)]
                .iter()
                .map(|(kind, count)| ((*kind).to_owned(), *count))
                .collect();
        assert_eq!(shapes, expected);
        let first: Value = serde_json::from_str(&events[1].body)?;
        assert_eq!(first["type"], "sleep");
        assert_eq!(first["user"]["provider"], "SANDBOX");
        assert_eq!(first["version"], "2022-03-16");
        Ok(())
    }

    /// A record of `kb` kilobytes of JSON (a string padding field).
    fn record(n: usize, kb: usize) -> String {
        format!(r#"{{"n":{n},"pad":"{}"}}"#, "x".repeat(kb * 1024))
    }

    #[test]
    fn chunks_hold_at_most_ten_records_and_the_byte_cap() -> Result<(), serde_json::Error> {
        let sizes = |events: &[RequestEvent]| -> Vec<usize> {
            events
                .iter()
                .filter(|event| event.event_type == "activity")
                .map(|event| {
                    let body: Value = serde_json::from_str(&event.body).unwrap_or_default();
                    body["data"].as_array().map_or(0, Vec::len)
                })
                .collect()
        };
        // Small records: the count rules (25 → 10, 10, 5).
        let small: Vec<String> = (0..25).map(|n| record(n, 1)).collect();
        let events = data_request_bodies(&user(), DataType::Activity, "ref", true, &small)?;
        assert_eq!(sizes(&events), [10, 10, 5]);
        // 40 kB records under a 100 kB cap: the bytes rule (two per event), and a record
        // above the cap alone.
        let mut big: Vec<String> = (0..5).map(|n| record(n, 40)).collect();
        big.insert(2, record(99, 150));
        let cap = 100 * 1024;
        let events =
            data_request_bodies_capped(&user(), DataType::Activity, "ref", true, &big, cap)?;
        assert_eq!(sizes(&events), [2, 1, 2, 1]);
        for event in events.iter().filter(|event| event.event_type == "activity") {
            let count = sizes(std::slice::from_ref(event))[0];
            assert!(
                event.body.len() <= cap || count == 1,
                "{} bytes",
                event.body.len()
            );
        }
        let sending: Value = serde_json::from_str(&events[1].body)?;
        assert_eq!(sending["expected_payloads"], 4);
        Ok(())
    }

    #[test]
    fn trace_ids_derive_from_the_reference() -> Result<(), serde_json::Error> {
        let records: Vec<String> = (0..12).map(|n| record(n, 1)).collect();
        let large = data_request_bodies(&user(), DataType::Sleep, "r1", true, &records)?;
        let traces: Vec<&str> = large.iter().map(|event| event.trace_id.as_str()).collect();
        assert_eq!(traces, ["r1", "r1:sending", "r1:chunk:1", "r1:chunk:2"]);
        let small = data_request_bodies(&user(), DataType::Sleep, "r2", false, &records)?;
        assert_eq!(small.len(), 1);
        assert_eq!(small[0].trace_id, "r2");
        Ok(())
    }

    #[test]
    fn no_records_no_events() -> Result<(), serde_json::Error> {
        assert!(data_events(&user(), Vec::new())?.is_empty());
        Ok(())
    }
}
