//! Webhook events carry their wire type and keep unknown events; absent optional fields
//! are omitted; records keep their source offset and know their identity.

use serde_json::{Value, json};
use wearbridge_model::testing::validate;
use wearbridge_model::*;

use crate::support::Populated;

#[test]
fn webhook_events_carry_their_wire_type_and_unknown_events_are_kept() {
    let event: WebhookEvent = AuthSuccessEvent {
        user: TerraUser::populated(),
        ..AuthSuccessEvent::default()
    }
    .into();
    let json = serde_json::to_value(&event).unwrap_or_default();
    assert_eq!(json.get("type"), Some(&json!("auth")));
    assert_eq!(json.get("status"), Some(&json!("success")));

    let sdk_failure = json!({"type": "auth", "status": "error", "user": TerraUser::populated(),
        "provider": "GARMIN", "message": "m", "reason": "auth_cancelled", "reference_id": "r",
        "widget_session_id": "w"});
    let parsed: WebhookEvent =
        serde_json::from_value(sdk_failure.clone()).unwrap_or(WebhookEvent::Unknown(Value::Null));
    assert!(matches!(parsed, WebhookEvent::AuthFailed(_)), "{parsed:?}");
    assert_eq!(serde_json::to_value(&parsed).ok(), Some(sdk_failure));

    let future = json!({"type": "lab_report.completed", "anything": [1, 2]});
    let parsed: WebhookEvent =
        serde_json::from_value(future.clone()).unwrap_or(WebhookEvent::Unknown(Value::Null));
    assert_eq!(parsed, WebhookEvent::Unknown(future.clone()));
    assert_eq!(serde_json::to_value(&parsed).ok(), Some(future));

    let athlete =
        serde_json::to_value(WebhookEvent::from(AthleteEvent::populated())).unwrap_or_default();
    assert!(
        athlete.get("athlete").is_some_and(Value::is_object),
        "athlete is one object"
    );
    assert_eq!(validate("core/WebhookEventType", &athlete), Ok(()));
}

#[test]
fn absent_optional_fields_are_omitted_not_null() {
    let sleep = Sleep::default();
    let json = serde_json::to_value(&sleep).unwrap_or_default();
    assert_eq!(
        json.as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["metadata".to_owned()])
    );
    let metadata = json
        .get("metadata")
        .and_then(Value::as_object)
        .map(|m| m.len());
    assert_eq!(
        metadata,
        Some(3),
        "start_time, end_time, upload_type only: {json}"
    );
    let activity = serde_json::to_value(Activity::populated()).unwrap_or_default();
    assert!(activity.get("MET_data").is_some() && activity.get("TSS_data").is_some());
    assert!(activity.get("met_data").is_none());
}

#[test]
fn records_keep_the_source_offset_and_know_their_identity() {
    let json = json!({
        "metadata": {"start_time": "2022-10-28T23:30:00.000000-05:00", "end_time": "2022-10-29T23:30:00.000000-05:00", "upload_type": 1}
    });
    let daily: Daily = serde_json::from_value(json.clone()).unwrap_or_default();
    assert_eq!(daily.identity().as_deref(), Some("2022-10-28"));
    assert_eq!(
        daily.local_date().map(|d| d.to_string()).as_deref(),
        Some("2022-10-28")
    );
    assert_eq!(serde_json::to_value(&daily).ok(), Some(json));
    assert_eq!(<Daily as TerraRecord>::DATA_TYPE, DataType::Daily);

    let mut activity = Activity::populated();
    activity.metadata.summary_id = "abc".into();
    assert_eq!(activity.identity().as_deref(), Some("abc"));
    assert_eq!(
        activity.start_time().map(|t| t.to_string()).as_deref(),
        Some("2022-10-28T10:00:00.000000+01:00")
    );

    let mut sleep = Sleep::populated();
    sleep.metadata.summary_id = None;
    assert_eq!(
        sleep.identity().as_deref(),
        Some("2022-10-28T10:00:00.000000+01:00")
    );
}
