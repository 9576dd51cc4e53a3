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
                });
            }
        }
    }
    Ok(events)
}

/// `(event type, body)` of every event a `to_webhook=true` request produces, in delivery
/// order: a small request is one data event with every record (possibly an empty
/// `data`), or for `athlete` one event with the latest profile; a large one is
/// `large_request_processing`, `large_request_sending` with `expected_payloads`, then
/// chunks of at most [`RECORDS_PER_EVENT`] records.
pub fn data_request_bodies(
    user: &User,
    data_type: DataType,
    reference: &str,
    large: bool,
    records: &[String],
) -> Result<Vec<(String, String)>, serde_json::Error> {
    let user_json = serde_json::to_string(&terra_user(user))?;
    if data_type == DataType::Athlete {
        // The profile is one object, not an array; the latest stored one.
        return Ok(records
            .last()
            .map(|athlete| {
                let body = format!(
                    r#"{{"type":"athlete","athlete":{athlete},"user":{user_json},"version":"{MODEL_VERSION}"}}"#
                );
                vec![("athlete".to_owned(), body)]
            })
            .unwrap_or_default());
    }
    if !large {
        return Ok(vec![spliced_data_event(data_type, &user_json, records)]);
    }
    let chunks: Vec<&[String]> = records.chunks(RECORDS_PER_EVENT).collect();
    let reference_json = serde_json::to_string(reference)?;
    let mut bodies = vec![
        (
            "large_request_processing".to_owned(),
            format!(
                r#"{{"type":"large_request_processing","status":"processing","message":"Large request is being processed","user":{user_json},"reference":{reference_json}}}"#
            ),
        ),
        (
            "large_request_sending".to_owned(),
            format!(
                r#"{{"type":"large_request_sending","user":{user_json},"reference":{reference_json},"message":"Large request is being sent","expected_payloads":{}}}"#,
                chunks.len()
            ),
        ),
    ];
    bodies.extend(
        chunks
            .into_iter()
            .map(|chunk| spliced_data_event(data_type, &user_json, chunk)),
    );
    Ok(bodies)
}

/// `{"type", "data": [...], "user", "version"}` with the stored JSON spliced in verbatim.
fn spliced_data_event(
    data_type: DataType,
    user_json: &str,
    records: &[String],
) -> (String, String) {
    let data_type = data_type.as_str();
    let data = records.join(",");
    let body = format!(
        r#"{{"type":"{data_type}","data":[{data}],"user":{user_json},"version":"{MODEL_VERSION}"}}"#
    );
    (data_type.to_owned(), body)
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

    #[test]
    fn no_records_no_events() -> Result<(), serde_json::Error> {
        assert!(data_events(&user(), Vec::new())?.is_empty());
        Ok(())
    }
}
