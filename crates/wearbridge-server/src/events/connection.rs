//! Connection events (Terra D.3): auth success and failure (SDK-era `auth`/`error` and
//! the current `auth_cancelled`), reauth, deauth, access
//! revoked, connection error, permission change.

use uuid::Uuid;
use wearbridge_model::{
    AccessRevokedEvent, AuthErrorEvent, AuthFailedEvent, AuthSuccessEvent, ConnectionErrorEvent,
    DeauthEvent, MODEL_VERSION, PermissionChangeEvent, TerraUser, UserReauthEvent, WebhookEvent,
};
use wearbridge_store::sessions::ConnectSession;
use wearbridge_store::{NewEvent, User};

use super::outbox_row;
use crate::wire::terra_user;

/// `auth` / `success`: the user connected (through the widget session, when there was one).
pub fn auth_success(
    user: &User,
    widget_session_id: Option<&str>,
) -> Result<NewEvent, serde_json::Error> {
    let event = WebhookEvent::AuthSuccess(AuthSuccessEvent {
        user: terra_user(user),
        message: Some("User has successfully authenticated".to_owned()),
        flow_id: None,
        widget_session_id: widget_session_id.map(str::to_owned),
    });
    outbox_row(&user.developer_id, Some(&user.id), &event)
}

/// `auth` / `error` (the SDK-era shape, which the SDKs parse): the connection through
/// `session` failed for `reason`. Terra reports a user that "has been deleted": the
/// reserved id when `authenticateUser` handed one out, else an id that never existed.
pub fn auth_failure(
    session: &ConnectSession,
    provider: &str,
    reason: &str,
) -> Result<NewEvent, serde_json::Error> {
    let user_id = session
        .reserved_user_id
        .as_ref()
        .map_or_else(|| Uuid::new_v4().to_string(), ToString::to_string);
    let event = WebhookEvent::AuthFailed(AuthFailedEvent {
        user: TerraUser {
            user_id,
            provider: provider.to_owned(),
            reference_id: session.reference_id.clone(),
            active: Some(false),
            ..TerraUser::default()
        },
        provider: provider.to_owned(),
        message: "User failed to authenticate and has been deleted".to_owned(),
        reason: reason.to_owned(),
        reference_id: session.reference_id.clone().unwrap_or_default(),
        widget_session_id: session.id.clone(),
    });
    outbox_row(&session.developer_id, None, &event)
}

/// `auth_cancelled` (the current spec's arm of the `auth` webhook for a flow that failed
/// or that the person cancelled, e.g. denied consent): no user, only the flow (the
/// session id, which the widget URL and `widget_session_id` carry), the `reason` and the
/// developer's `reference_id`.
pub fn auth_cancelled(
    session: &ConnectSession,
    reason: &str,
) -> Result<NewEvent, serde_json::Error> {
    let event = WebhookEvent::AuthError(AuthErrorEvent {
        flow_id: Some(session.id.clone()),
        reason: Some(reason.to_owned()),
        reference_id: session.reference_id.clone(),
    });
    outbox_row(&session.developer_id, None, &event)
}

/// `user_reauth`: the same provider account connected again; `old` was replaced by `new`.
pub fn user_reauth(old: &User, new: &User) -> Result<NewEvent, serde_json::Error> {
    let event = WebhookEvent::UserReauth(UserReauthEvent {
        new_user: terra_user(new),
        old_user: Some(terra_user(old)),
        message: "User has reauthenticated; the old user id is no longer valid".to_owned(),
        version: Some(MODEL_VERSION.to_owned()),
    });
    outbox_row(&new.developer_id, Some(&new.id), &event)
}

/// `deauth`: the developer disconnected the user.
pub fn deauth(user: &User) -> Result<NewEvent, serde_json::Error> {
    let mut wire = terra_user(user);
    wire.active = Some(false);
    let event = WebhookEvent::Deauth(DeauthEvent {
        user: wire,
        message: "User has been deauthenticated".to_owned(),
    });
    outbox_row(&user.developer_id, Some(&user.id), &event)
}

/// `access_revoked`: the provider no longer accepts the user's grant.
pub fn access_revoked(user: &User) -> Result<NewEvent, serde_json::Error> {
    let mut wire = terra_user(user);
    wire.active = Some(false);
    let event = WebhookEvent::AccessRevoked(AccessRevokedEvent {
        user: wire,
        message: "User revoked access at the provider; they must connect again".to_owned(),
    });
    outbox_row(&user.developer_id, Some(&user.id), &event)
}

/// `connection_error`: the provider keeps refusing the stored tokens although a refresh
/// succeeded (401/403 after a fresh token), so the user probably has to reconnect. The
/// user stays active: unlike `invalid_grant`, this can be a provider-side outage of its
/// token checks.
pub fn connection_error(user: &User) -> Result<NewEvent, serde_json::Error> {
    let event = WebhookEvent::ConnectionError(ConnectionErrorEvent {
        user: terra_user(user),
        message: "The provider rejected the user's tokens after a refresh".to_owned(),
    });
    outbox_row(&user.developer_id, Some(&user.id), &event)
}

/// `permission_change`: the user changed at the provider what they share with the app;
/// `user` carries the new scopes. Terra writes scope lists comma-separated, as in
/// `user.scopes`.
pub fn permission_change(
    user: &User,
    added: &[String],
    removed: &[String],
) -> Result<NewEvent, serde_json::Error> {
    let event = WebhookEvent::PermissionChange(PermissionChangeEvent {
        user: terra_user(user),
        message: "User changed the permissions granted to the app at the provider".to_owned(),
        version: MODEL_VERSION.to_owned(),
        scopes_added: added.join(","),
        scopes_removed: removed.join(","),
    });
    outbox_row(&user.developer_id, Some(&user.id), &event)
}
