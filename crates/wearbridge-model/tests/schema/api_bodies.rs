//! API bodies: data responses and acknowledgements validate against their schemas in
//! every spec that has one, and every API body type round-trips.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wearbridge_model::api::*;
use wearbridge_model::testing::validate;
use wearbridge_model::*;

use crate::endpoint_bodies::{
    check_auth_bodies, check_integration_bodies, check_user_bodies, check_write_and_error_bodies,
};
use crate::support::{self, Populated};
use crate::{Failures, sdk_user, to_json};

/// API bodies: each validates against its schema in every spec that has one.
#[test]
fn api_bodies_are_schema_valid() {
    let mut failures = Failures::default();
    let user = TerraUser::populated();
    let mut check = |name: &str, value: Value| failures.check(name, validate(name, &value));

    for (data_type, name) in [
        (DataType::Activity, "activity"),
        (DataType::Daily, "daily"),
        (DataType::Sleep, "sleep"),
        (DataType::Body, "body"),
        (DataType::Menstruation, "menstruation"),
        (DataType::Nutrition, "nutrition"),
    ] {
        let body = data_response_json(data_type, &user);
        check(&format!("api/DataResponse.{name}"), body);
    }
    check(
        "api/DataResponse.plannedWorkout",
        to_json(&DataResponse {
            user: sdk_user(),
            data: vec![PlannedWorkout {
                steps: None,
                ..PlannedWorkout::populated()
            }],
            data_type: Some(DataType::PlannedWorkout),
        }),
    );
    let athlete = AthleteCollection {
        athlete: Some(Athlete::populated()),
        data_type: Some("athlete".into()),
        user: Some(user.clone()),
    };
    check("api/DataResponse.athlete", to_json(&athlete));
    // The SDK-era Athlete lacks the two fields the current spec added.
    let sdk_athlete = AthleteCollection {
        athlete: Some(Athlete {
            account_creation_date: None,
            provider_user_id: None,
            ..Athlete::populated()
        }),
        user: Some(sdk_user()),
        ..athlete
    };
    check("sdk/AthleteCollection", to_json(&sdk_athlete));

    let sent = DataSentToWebhook {
        reference: Some("ref".into()),
        message: Some("Data sent to webhook".into()),
        kind: Some("webhook".into()),
        user: Some(sdk_user()),
    };
    check("sdk/DataSentToWebhook", to_json(&sent));
    let ack = acknowledgement();
    check("v2/DataSentToWebhook", to_json(&ack));
    check(
        "sdk/NoDataReturned",
        to_json(&NoDataReturned {
            status: Some(ResponseStatus::Success),
            message: Some("no data".into()),
            kind: Some("no_data".into()),
            user: Some(sdk_user()),
        }),
    );
    check(
        "sdk/RequestProcessing",
        to_json(&RequestProcessing {
            retry_after_seconds: Some(30.0),
            message: Some("processing".into()),
            kind: Some("processing".into()),
            user: Some(sdk_user()),
        }),
    );
    check(
        "sdk/RateLimitRequestProcessing",
        to_json(&RateLimitRequestProcessing {
            message: Some("rate limited".into()),
            kind: Some("rate_limit".into()),
            user: sdk_user(),
        }),
    );
    let large = LargeRequestProcessingResponse(LargeRequestProcessingEvent::populated());
    check("v2/LargeRequestProcessingResponse", to_json(&large));
    let sdk_large = LargeRequestProcessingResponse(LargeRequestProcessingEvent {
        user: sdk_user(),
        ..LargeRequestProcessingEvent::populated()
    });
    check("sdk/LargeRequestProcessingResponse", to_json(&sdk_large));

    check_auth_bodies(&mut check);
    check_user_bodies(&mut check, &user);
    check_integration_bodies(&mut check);
    check_write_and_error_bodies(&mut check);
    failures.assert_none();
}

fn data_response_json(data_type: DataType, user: &TerraUser) -> Value {
    fn body<T: Populated + Serialize>(data_type: DataType, user: &TerraUser) -> Value {
        to_json(&DataResponse {
            user: user.clone(),
            data: vec![T::populated()],
            data_type: Some(data_type),
        })
    }
    match data_type {
        DataType::Activity => body::<Activity>(data_type, user),
        DataType::Body => body::<Body>(data_type, user),
        DataType::Daily => body::<Daily>(data_type, user),
        DataType::Menstruation => body::<Menstruation>(data_type, user),
        DataType::Nutrition => body::<Nutrition>(data_type, user),
        DataType::Sleep => body::<Sleep>(data_type, user),
        DataType::Athlete | DataType::PlannedWorkout => Value::Null,
    }
}

fn acknowledgement() -> WebhookAcknowledgement {
    WebhookAcknowledgement {
        status: Some(ResponseStatus::Success),
        data_type: Some(DataType::Activity),
        reference: Some("5d2f0c3e".into()),
        trace_id: Some("5d2f0c3e".into()),
        message: Some("large request submitted".into()),
        user: Some(AcknowledgedUser {
            user_id: Some("u".into()),
            provider: Some("GARMIN".into()),
            reference_id: None,
            created_at: Some(support::ts()),
            active: Some(true),
            scopes: Some("activity".into()),
            last_webhook_update: None,
        }),
    }
}

/// Every API body type parses back to an equal value.
#[test]
fn api_bodies_round_trip() {
    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T) {
        let json = serde_json::to_string(&value).unwrap_or_default();
        let back: Result<T, _> = serde_json::from_str(&json);
        assert_eq!(back.ok().as_ref(), Some(&value), "{json}");
    }
    let user = TerraUser::populated();
    round_trip(DataResponse {
        user: user.clone(),
        data: vec![Sleep::populated()],
        data_type: Some(DataType::Sleep),
    });
    round_trip(acknowledgement());
    round_trip(UserInfoResponse::Many(vec![user.clone()]));
    round_trip(SubscriptionsResponse::Page {
        data: SubscriptionsPage {
            next: Some(2),
            max_page: 3,
            results: vec![user.clone()],
        },
    });
    round_trip(SubscriptionsResponse::All { users: vec![] });
    round_trip(LargeRequestProcessingResponse(
        LargeRequestProcessingEvent::populated(),
    ));
    round_trip(ResponseStatus::Other("partial".into()));
}
