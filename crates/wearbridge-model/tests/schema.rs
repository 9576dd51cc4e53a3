//! Schema conformance: every generated type, webhook event, enum and API body
//! serialises to JSON that validates against the committed Terra schema and
//! declares no extra key, and parses back to an equal value; Terra's own
//! schema `examples` round-trip.

mod support;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::generated::{enum_cases, event_cases, struct_cases};
use support::{Populated, equivalent};
use wearbridge_model::api::*;
use wearbridge_model::testing::{schema, validate};
use wearbridge_model::*;

/// Collects failures instead of stopping at the first, so one run lists them all.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, what: &str, result: Result<(), Vec<String>>) {
        if let Err(errors) = result {
            self.0
                .push(format!("{what}:\n    {}", errors.join("\n    ")));
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} failures:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

#[test]
fn every_generated_type_is_schema_valid_and_round_trips() {
    let mut failures = Failures::default();
    let cases = struct_cases().into_iter().chain(event_cases());
    let mut count = 0;
    for case in cases {
        count += 1;
        match (case.populated)() {
            Ok(json) => failures.check(case.schema, validate(case.schema, &json)),
            Err(error) => failures.check(case.schema, Err(vec![error])),
        }
        match (case.round_trips)() {
            Ok(true) => {}
            Ok(false) => failures.check(
                case.schema,
                Err(vec!["round trip changed the value".into()]),
            ),
            Err(error) => failures.check(case.schema, Err(vec![error])),
        }
    }
    assert!(
        count > 150,
        "only {count} cases: the generated case list shrank"
    );
    failures.assert_none();
}

#[test]
fn every_enum_value_is_schema_valid_and_unknown_values_are_kept() {
    let mut failures = Failures::default();
    for case in enum_cases() {
        let known = (case.known)();
        assert!(!known.is_empty(), "{}", case.schema);
        for value in &known {
            failures.check(case.schema, validate(case.schema, value));
            let back = (case.reparse)(value.clone());
            failures.check(case.schema, expect_same(value, back));
        }
        let unknown = if case.numeric {
            json!(987_654)
        } else {
            json!("not-yet-known")
        };
        assert!(!known.contains(&unknown));
        failures.check(
            case.schema,
            expect_same(&unknown, (case.reparse)(unknown.clone())),
        );
        assert!(
            validate(case.schema, &unknown).is_err(),
            "{} accepts {unknown}",
            case.schema
        );
    }
    failures.assert_none();
}

fn expect_same(expected: &Value, actual: Result<Value, String>) -> Result<(), Vec<String>> {
    match actual {
        Ok(actual) if &actual == expected => Ok(()),
        Ok(actual) => Err(vec![format!("{expected} came back as {actual}")]),
        Err(error) => Err(vec![format!("{expected} failed to parse: {error}")]),
    }
}

#[test]
fn activity_type_codes_match_the_schema_exactly() {
    let codes: Vec<i64> = ActivityType::KNOWN.iter().map(|t| t.code()).collect();
    assert_eq!(codes.first(), Some(&0));
    assert_eq!(codes.last(), Some(&154));
    let gaps: Vec<i64> = (0..=154).filter(|code| !codes.contains(code)).collect();
    assert_eq!(
        gaps,
        [2, 6, 72, 107, 109, 110, 111, 112, 121],
        "gaps as in core/ActivityType"
    );
    assert_eq!(codes.len(), 146);
    assert_eq!(ActivityType::from_code(0), ActivityType::InVehicle);
    assert_eq!(ActivityType::default(), ActivityType::InVehicle);
    assert_eq!(SleepLevel::default().code(), 0);
    assert_eq!(StrokeType::default().as_str(), "other");
    assert_eq!(
        serde_json::to_value(ActivityType::Running).ok(),
        Some(json!(8))
    );
    assert_eq!(
        serde_json::from_value::<ActivityType>(json!(999)).ok(),
        Some(ActivityType::Other(999))
    );
    assert_eq!(
        serde_json::from_value::<SleepLevel>(json!(4.0)).ok(),
        Some(SleepLevel::LightSleep)
    );
    assert!(serde_json::from_value::<SleepLevel>(json!(4.5)).is_err());
    assert!(serde_json::from_value::<SleepLevel>(json!("4")).is_err());
}

/// Terra's `examples`: for every generated struct, an object made of the first
/// example of each property (required properties without one come from the
/// populated value) parses and re-serialises to equivalent JSON. Enum-level
/// examples likewise.
#[test]
fn schema_examples_round_trip() {
    let mut failures = Failures::default();
    let mut examples_seen = 0;
    for case in struct_cases().into_iter().chain(event_cases()) {
        let Some(doc) = schema(case.schema) else {
            failures.check(case.schema, Err(vec!["schema not committed".into()]));
            continue;
        };
        let Some(properties) = doc.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let populated = (case.populated)().unwrap_or(Value::Null);
        let mut object = serde_json::Map::new();
        for (key, property) in properties {
            let example = property
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|examples| examples.first());
            match example {
                Some(example) => {
                    examples_seen += 1;
                    object.insert(key.clone(), example.clone());
                }
                None => {
                    if let Some(value) = populated.get(key) {
                        object.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        let original = Value::Object(object);
        failures.check(
            case.schema,
            expect_equivalent(&original, (case.reparse)(original.clone())),
        );
    }
    for case in enum_cases() {
        let examples = schema(case.schema)
            .and_then(|doc| doc.get("examples").cloned())
            .and_then(|examples| examples.as_array().cloned())
            .unwrap_or_default();
        for example in examples {
            examples_seen += 1;
            failures.check(
                case.schema,
                expect_equivalent(&example, (case.reparse)(example.clone())),
            );
        }
    }
    assert!(examples_seen > 400, "only {examples_seen} examples found");
    failures.assert_none();
}

fn expect_equivalent(expected: &Value, actual: Result<Value, String>) -> Result<(), Vec<String>> {
    match actual {
        Ok(actual) if equivalent(expected, &actual) => Ok(()),
        Ok(actual) => Err(vec![format!("{expected}\n    came back as\n    {actual}")]),
        Err(error) => Err(vec![format!("{expected}\n    failed to parse: {error}")]),
    }
}

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

/// The SDK-era `TerraUser` has no `created_at` (added in the current spec), so
/// bodies checked against SDK-era schemas carry a user without it.
fn sdk_user() -> TerraUser {
    TerraUser {
        created_at: None,
        ..TerraUser::populated()
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
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

fn check_auth_bodies(check: &mut impl FnMut(&str, Value)) {
    let session = WidgetSessionRequest {
        providers: Some("GARMIN,OURA".into()),
        language: Some("en".into()),
        reference_id: Some("r".into()),
        auth_success_redirect_url: Some("https://x/ok".into()),
        auth_failure_redirect_url: Some("https://x/fail".into()),
    };
    check(
        "api/sdk/Authentication_GenerateWidgetSession.request",
        to_json(&session),
    );
    check(
        "api/widget/GenerateWidgetSession.request",
        to_json(&session),
    );
    let session_response = WidgetSessionResponse {
        session_id: Some("s".into()),
        url: Some("https://widget.example/session/s".into()),
        status: Some(ResponseStatus::Success),
        expires_in: Some(900.0),
    };
    check(
        "api/sdk/Authentication_GenerateWidgetSession.200",
        to_json(&session_response),
    );
    check(
        "api/v2/Authentication_GenerateWidgetSession.200",
        to_json(&session_response),
    );
    check(
        "api/widget/GenerateWidgetSession.200",
        to_json(&session_response),
    );
    let auth = AuthenticateUserRequest {
        language: Some("en".into()),
        reference_id: Some("r".into()),
        auth_success_redirect_url: Some("https://x/ok".into()),
        auth_failure_redirect_url: Some("https://x/fail".into()),
    };
    check(
        "api/sdk/Authentication_AuthenticateUser.request",
        to_json(&auth),
    );
    let auth_response = AuthenticateUserResponse {
        status: Some(ResponseStatus::Success),
        user_id: Some("u".into()),
        auth_url: Some("https://provider.example/oauth".into()),
    };
    check(
        "api/sdk/Authentication_AuthenticateUser.200",
        to_json(&auth_response),
    );
    check(
        "api/v2/Authentication_AuthenticateUser.200",
        to_json(&auth_response),
    );
    let deauth = DeauthenticateUserResponse {
        status: Some(ResponseStatus::Success),
    };
    check(
        "api/sdk/Authentication_DeauthenticateUser.200",
        to_json(&deauth),
    );
    let token = GenerateAuthTokenResponse {
        status: Some("success".into()),
        token: Some("ab".repeat(32)),
        expires_in: Some(180),
    };
    check(
        "api/sdk/Authentication_GenerateAuthToken.200",
        to_json(&token),
    );
    check(
        "api/v2/Authentication_GenerateAuthToken.200",
        to_json(&token),
    );
}

fn check_user_bodies(check: &mut impl FnMut(&str, Value), current_user: &TerraUser) {
    let user = &sdk_user();
    let info = UserInfoResponse::Single(UserInfo {
        user: Some(UserInfoUser {
            user: user.clone(),
            last_polled_at: None,
            most_recent_data_at: None,
        }),
        status: Some(ResponseStatus::Success),
        is_authenticated: Some(true),
    });
    check("api/sdk/User_GetInfoForUserID.200", to_json(&info));
    let info_v2 = UserInfoResponse::Single(UserInfo {
        user: Some(UserInfoUser {
            user: current_user.clone(),
            last_polled_at: Some(support::ts()),
            most_recent_data_at: Some(support::ts()),
        }),
        status: Some(ResponseStatus::Success),
        is_authenticated: Some(true),
    });
    check("api/v2/User_Get.200", to_json(&info_v2));
    let many = UserInfoResponse::Many(vec![user.clone()]);
    check("api/sdk/User_GetInfoForUserID.200", to_json(&many));
    let all = SubscriptionsResponse::All {
        users: vec![user.clone()],
    };
    check("api/sdk/User_GetAllUserIDs.200.0", to_json(&all));
    let page = SubscriptionsResponse::Page {
        data: SubscriptionsPage {
            next: None,
            max_page: 0,
            results: vec![user.clone()],
        },
    };
    check("api/sdk/User_GetAllUserIDs.200.1", to_json(&page));
    let page_v2 = SubscriptionsResponse::Page {
        data: SubscriptionsPage {
            next: Some(1),
            max_page: 1,
            results: vec![current_user.clone()],
        },
    };
    check("api/v2/User_List.200.1", to_json(&page_v2));
    let bulk_request: BulkUserInfoRequest = vec!["u1".into(), "u2".into()];
    check(
        "api/sdk/User_GetInfoForMultipleUserIDs.request",
        to_json(&bulk_request),
    );
    let bulk: BulkUserInfoResponse = vec![user.clone()];
    check("api/sdk/User_GetInfoForMultipleUserIDs.200", to_json(&bulk));
    let modify = ModifyUserRequest {
        reference_id: Some("new".into()),
        active: Some(false),
    };
    check("api/sdk/User_ModifyUser.request", to_json(&modify));
    let modified = ModifyUserResponse {
        user: Some(user.clone()),
        status: Some(ResponseStatus::Success),
    };
    check("api/sdk/User_ModifyUser.200", to_json(&modified));
}

fn check_integration_bodies(check: &mut impl FnMut(&str, Value)) {
    let sdk_list = IntegrationsList {
        providers: Some(vec!["GARMIN".into()]),
        sdk_resource: Some(vec!["APPLE".into()]),
        sdk_providers: None,
        status: Some(ResponseStatus::Success),
    };
    check("api/sdk/Integrations_Fetch.200", to_json(&sdk_list));
    let v2_list = IntegrationsList {
        sdk_resource: None,
        sdk_providers: Some(vec!["APPLE".into()]),
        ..sdk_list
    };
    check("api/v2/Integrations_List.200", to_json(&v2_list));
    let detailed = DetailedIntegrations {
        status: Some("success".into()),
        providers: Some(vec![IntegrationProvider {
            provider: Some("GARMIN".into()),
            name: Some("Garmin".into()),
            icon: Some("https://icons.example/garmin.webp".into()),
            setup: Some("API_KEYS_MANAGED".into()),
            enabled: Some(true),
            types: Some(IntegrationTypes {
                activity: Some(true),
                body: Some(true),
                nutrition: Some(false),
                daily: Some(true),
                sleep: Some(true),
                menstruation: Some(false),
            }),
        }]),
    };
    check("api/sdk/Integrations_DetailedFetch.200", to_json(&detailed));
    check("api/v2/Integrations_ListDetailed.200", to_json(&detailed));
}

fn check_write_and_error_bodies(check: &mut impl FnMut(&str, Value)) {
    let user = &sdk_user();
    // The SDK-era Activity differs from the current one in places (integer
    // `distance_meters`, enum `zone`), so the envelope is checked with a
    // record both specs accept (the SDK-era ActivityType ends at 148).
    let metadata = ActivityMetadata {
        r#type: ActivityType::Running,
        ..ActivityMetadata::populated()
    };
    let write = WriteRequest {
        data: vec![Activity {
            metadata,
            ..Activity::default()
        }],
    };
    check("api/sdk/Activity_Write.request", to_json(&write));
    let written = WriteResponse {
        user: Some(user.clone()),
        log_ids: Some(vec!["l1".into()]),
        message: Some("Activity successfully logged".into()),
    };
    for name in [
        "Activity_Write",
        "Body_Write",
        "Nutrition_Write",
        "PlannedWorkout_Write",
    ] {
        check(&format!("api/sdk/{name}.201"), to_json(&written));
    }
    check(
        "api/sdk/Body_Delete.request",
        to_json(&DeleteBodyRequest {
            log_ids: Some(vec!["l1".into()]),
        }),
    );
    let by_ids = DeleteByIdsRequest {
        data: Some(vec!["l1".into()]),
    };
    check("api/sdk/Nutrition_Delete.request", to_json(&by_ids));
    check("api/sdk/PlannedWorkout_Delete.request", to_json(&by_ids));
    let deleted = DeleteResponse {
        user: Some(user.clone()),
        processed_data: Some(vec![ProcessedRecord {
            id: Some("l1".into()),
            response_code: Some(200),
        }]),
    };
    for name in [
        "Body_Delete.200",
        "Body_Delete.207",
        "Nutrition_Delete.200",
        "PlannedWorkout_Delete.200",
    ] {
        check(&format!("api/sdk/{name}"), to_json(&deleted));
    }
    let error = ErrorBody {
        status: Some(ResponseStatus::Error),
        message: Some("invalid start_date".into()),
    };
    check("api/sdk/Activity_Fetch.400", to_json(&error));
    check("api/sdk/Activity_Fetch.404", to_json(&error));
    check(
        "api/sdk/Activity_Fetch.401",
        to_json(&ErrorBody {
            status: None,
            message: Some("unauthorized".into()),
        }),
    );
    let problem = Problem {
        kind: "about:blank".into(),
        title: "bad request".into(),
        instance: "/api/v2/activity?user_id=u".into(),
        detail: Some("invalid start_date".into()),
    };
    check("api/v2/Activity_Get.400", to_json(&problem));
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

/// The SDK-era planned workout's steps, durations and targets are `oneOf`
/// unions of open objects without required keys, so any step matches several
/// members and fails `oneOf` under strict JSON Schema (the SDKs pick a member by
/// a discriminator the spec defines inconsistently). So: the workout is checked
/// without steps, and each superset type is checked against one concrete
/// member schema, projected to that member's keys, and parsed back.
#[test]
fn planned_workout_validates_member_wise() {
    let mut failures = Failures::default();
    let workout = PlannedWorkout {
        steps: None,
        ..PlannedWorkout::populated()
    };
    failures.check(
        "sdk/PlannedWorkout",
        validate("sdk/PlannedWorkout", &to_json(&workout)),
    );
    let step = PlannedWorkoutStep {
        steps: None,
        targets: None,
        durations: None,
        ..PlannedWorkoutStep::populated()
    };
    failures.check(
        "sdk/CardioPlannedWorkoutStep",
        member_check(
            "sdk/CardioPlannedWorkoutStep",
            &to_json(&step),
            reparse_as::<PlannedWorkoutStep>,
        ),
    );
    let duration = to_json(&PlannedWorkoutStepDuration::populated());
    failures.check(
        "sdk/TimePlannedWorkoutStepDuration",
        member_check(
            "sdk/TimePlannedWorkoutStepDuration",
            &duration,
            reparse_as::<PlannedWorkoutStepDuration>,
        ),
    );
    let target = to_json(&PlannedWorkoutStepTarget::populated());
    failures.check(
        "sdk/HRPlannedWorkoutStepTarget",
        member_check(
            "sdk/HRPlannedWorkoutStepTarget",
            &target,
            reparse_as::<PlannedWorkoutStepTarget>,
        ),
    );
    let round_trip: Result<PlannedWorkout, _> =
        serde_json::from_value(to_json(&PlannedWorkout::populated()));
    assert_eq!(round_trip.ok(), Some(PlannedWorkout::populated()));
    failures.assert_none();
}

fn reparse_as<T: Serialize + DeserializeOwned>(value: Value) -> Result<Value, String> {
    support::reparse::<T>(value)
}

/// Keeps only the keys `member` declares, validates, and checks the projection
/// parses into the superset type and serialises back unchanged.
fn member_check(
    member: &str,
    superset: &Value,
    reparse: fn(Value) -> Result<Value, String>,
) -> Result<(), Vec<String>> {
    let declared = schema(member)
        .and_then(|doc| doc.get("properties").and_then(Value::as_object).cloned())
        .unwrap_or_default();
    let projected: serde_json::Map<String, Value> = superset
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| declared.contains_key(*key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if projected.len() < 2 {
        return Err(vec![format!(
            "projection onto {member} kept {} keys",
            projected.len()
        )]);
    }
    let projected = Value::Object(projected);
    validate(member, &projected)?;
    expect_same(&projected, reparse(projected.clone()))
}

/// Every committed schema compiles and all its `$ref`s resolve (catches
/// extraction mistakes such as a wrong relative path in `api/`).
#[test]
fn every_committed_schema_compiles_and_resolves() {
    let names = wearbridge_model::testing::schema_names();
    assert!(names.len() > 800, "only {} schemas", names.len());
    assert!(names.iter().any(|name| name == "api/DataResponse.daily"));
    let broken: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let errors = validate(name, &Value::Null).err()?;
            let fatal = errors
                .iter()
                .find(|e| e.contains("does not compile") || e.contains("not committed"))?;
            Some(format!("{name}: {fatal}"))
        })
        .collect();
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
