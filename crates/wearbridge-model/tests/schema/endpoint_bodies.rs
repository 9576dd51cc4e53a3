//! Per-endpoint API bodies (authentication, users, integrations, writes and errors),
//! each validated by the caller's `check` against its schema.

use serde_json::Value;
use wearbridge_model::api::*;
use wearbridge_model::*;

use crate::support::{self, Populated};
use crate::{sdk_user, to_json};

pub(crate) fn check_auth_bodies(check: &mut impl FnMut(&str, Value)) {
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

pub(crate) fn check_user_bodies(check: &mut impl FnMut(&str, Value), current_user: &TerraUser) {
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

pub(crate) fn check_integration_bodies(check: &mut impl FnMut(&str, Value)) {
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

pub(crate) fn check_write_and_error_bodies(check: &mut impl FnMut(&str, Value)) {
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
