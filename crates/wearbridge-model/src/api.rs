//! Request and response bodies of Terra's v2 REST endpoints.
//!
//! Shapes follow the SDK-era spec (`schemas/sdk`, what terra-python/terra-api
//! parse) and, where the current spec differs, the current one (`schemas/v2`);
//! where both exist both are here (e.g. [`DataSentToWebhook`] and
//! [`WebhookAcknowledgement`]). Every field the spec does not mark required is
//! an `Option`, omitted when `None`. Schema names for `testing::validate` are
//! listed in `schemas/README.md`.

use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::{Athlete, DataType, LargeRequestProcessingEvent, TerraUser, Timestamp, WebhookEvent};

string_enum! {
    /// The `status` of most API bodies (`success`/`error`).
    ResponseStatus {
        /// `success`.
        Success = "success",
        /// `error`.
        Error = "error",
    }
}

/// `{user, data, type}`: the data-in-body response of a data GET with
/// `to_webhook=false` (`api/DataResponse.<type>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataResponse<T> {
    pub user: TerraUser,
    pub data: Vec<T>,
    /// The data type; the schema allows `null`, Terra fills it.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
}

/// `GET /athlete` with `to_webhook=false`: the profile is a single object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AthleteCollection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub athlete: Option<Athlete>,
    /// `athlete` in practice.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TerraUser>,
}

/// SDK-era acknowledgement of a data request sent to the webhook
/// (`sdk/DataSentToWebhook`): `{reference, message, type, user}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DataSentToWebhook {
    /// Correlates with the `terra-reference` header of the resulting webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The SDK-era example value is `webhook`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TerraUser>,
}

/// Current acknowledgement envelope (`v2/DataSentToWebhook`), "validated against
/// real responses" per the spec history: `{status, type, reference, trace_id,
/// user, message}`; `type` is the requested data type, `trace_id == reference`,
/// `message` only for requests longer than a month.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WebhookAcknowledgement {
    /// Always `success`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<AcknowledgedUser>,
}

/// The user summary inside [`WebhookAcknowledgement`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AcknowledgedUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Nullable: written as `null` when the developer set none.
    #[serde(default)]
    pub reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<String>,
    /// Nullable: `null` until the first webhook.
    #[serde(default)]
    pub last_webhook_update: Option<Timestamp>,
}

/// SDK-era "no data" body (`sdk/NoDataReturned`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NoDataReturned {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `no_data` in the SDK's discriminated union.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TerraUser>,
}

/// SDK-era "provider is still fetching" body (`sdk/RequestProcessing`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RequestProcessing {
    /// Seconds (s) to wait before asking again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `processing`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TerraUser>,
}

/// SDK-era "provider rate limit hit" body (`sdk/RateLimitRequestProcessing`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RateLimitRequestProcessing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `rate_limit`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub user: TerraUser,
}

/// The immediate response to a request spanning more than a month: the same
/// shape as the `large_request_processing` webhook (`sdk/LargeRequestProcessingResponse`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LargeRequestProcessingResponse(pub LargeRequestProcessingEvent);

impl Serialize for LargeRequestProcessingResponse {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WebhookEvent::LargeRequestProcessing(self.0.clone()).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LargeRequestProcessingResponse {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match WebhookEvent::deserialize(deserializer)? {
            WebhookEvent::LargeRequestProcessing(event) => Ok(Self(event)),
            _ => Err(serde::de::Error::custom(
                "expected type large_request_processing with status processing",
            )),
        }
    }
}

/// `POST /auth/generateWidgetSession` body (`sdk/WidgetSessionParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WidgetSessionRequest {
    /// Comma-separated provider ids, e.g. `GARMIN,FITBIT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<String>,
    /// Widget language, e.g. `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_success_redirect_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_failure_redirect_url: Option<String>,
}

/// `POST /auth/generateWidgetSession` 200.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WidgetSessionResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    /// Seconds (s) the session URL stays valid; 900 in every Terra example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<f64>,
}

/// `POST /auth/authenticateUser` body (the provider is the `resource` query parameter).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AuthenticateUserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_success_redirect_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_failure_redirect_url: Option<String>,
}

/// `POST /auth/authenticateUser` 200.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AuthenticateUserResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    /// The new Terra user id, issued before the user finishes the provider login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Provider authorisation URL to send the end user to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
}

/// `DELETE /auth/deauthenticateUser` 200: `{status}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeauthenticateUserResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
}

/// `POST /auth/generateAuthToken` 200 (mobile SDK connection token).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GenerateAuthTokenResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Seconds (s) until the token expires; 180 per Terra's docs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
}

/// `GET /userInfo` 200: one user (by `user_id`) or a bare array (by `reference_id`).
///
/// `Many` comes first: serde's untagged matching would otherwise read an array
/// positionally into the all-optional [`UserInfo`] struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UserInfoResponse {
    Many(Vec<TerraUser>),
    Single(UserInfo),
}

/// `GET /userInfo?user_id=` 200 body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfoUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    /// Whether the provider connection is still authorised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_authenticated: Option<bool>,
}

/// [`TerraUser`] plus the polling timestamps only `/userInfo` carries (current spec).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserInfoUser {
    #[serde(flatten)]
    pub user: TerraUser,
    /// When Wearbridge/Terra last polled the provider for this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_polled_at: Option<Timestamp>,
    /// Timestamp of the newest data held for this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub most_recent_data_at: Option<Timestamp>,
}

/// `GET /subscriptions` 200: all users (no `page`) or one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SubscriptionsResponse {
    Page { data: SubscriptionsPage },
    All { users: Vec<TerraUser> },
}

/// One page of `GET /subscriptions?page=` (zero-based pages).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SubscriptionsPage {
    /// Next page number; `null` on the last page.
    #[serde(default)]
    pub next: Option<i64>,
    #[serde(default)]
    pub max_page: i64,
    #[serde(default)]
    pub results: Vec<TerraUser>,
}

/// `POST /bulkUserInfo` body: a bare array of user ids.
pub type BulkUserInfoRequest = Vec<String>;
/// `POST /bulkUserInfo` 200: a bare array of users.
pub type BulkUserInfoResponse = Vec<TerraUser>;

/// `GET /integrations` 200. The SDK-era spec names the mobile-only providers
/// `sdk_resource`, the current one `sdk_providers`; send the one your clients parse.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IntegrationsList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk_resource: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk_providers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
}

/// `GET /integrations/detailed` 200 (`sdk/IntegrationsResponse`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DetailedIntegrations {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<IntegrationProvider>>,
}

/// One provider in [`DetailedIntegrations`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IntegrationProvider {
    /// Provider id, e.g. `MAPMYFITNESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Display name, e.g. `MapMyFitness`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Credential setup kind; only `API_KEYS_MANAGED` has been observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<IntegrationTypes>,
}

/// Which data types a provider supplies.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IntegrationTypes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nutrition: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub menstruation: Option<bool>,
}

/// SDK-era error body `{status, message}` (401s carry only `message`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Current-spec RFC 9457 problem body (`v2/Problem`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Problem {
    /// `about:blank` in every Terra response.
    #[serde(rename = "type")]
    pub kind: String,
    /// Lower-cased HTTP reason phrase, e.g. `not found`.
    pub title: String,
    /// Request path including the query string.
    pub instance: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `POST /activity|/body|/nutrition|/plannedWorkout` body: `{data: [...]}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WriteRequest<T> {
    pub data: Vec<T>,
}

/// 201 of the write endpoints: `{user, log_ids, message}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WriteResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TerraUser>,
    /// Provider ids of the written records, in request order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `DELETE /body` body: `{log_ids: [...]}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteBodyRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_ids: Option<Vec<String>>,
}

/// `DELETE /nutrition|/plannedWorkout` body: `{data: [ids]}` (note: not `log_ids`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteByIdsRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<String>>,
}

/// 200/207 of the delete endpoints: `{user, processed_data}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TerraUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_data: Option<Vec<ProcessedRecord>>,
}

/// Per-record outcome of a delete.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProcessedRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The provider's HTTP status for this record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_code: Option<i64>,
}

/// `PATCH /users/{user_id}` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModifyUserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// `PATCH /users/{user_id}` 200.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModifyUserResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TerraUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
}
