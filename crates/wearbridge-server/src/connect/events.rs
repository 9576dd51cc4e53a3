//! Bodies of the connection events (Terra D.3), built from the model's event types so
//! they serialise exactly as Terra's schemas say. Appended by the callers in the same
//! transaction as the change they report.

use uuid::Uuid;
use wearbridge_model::{
    AccessRevokedEvent, AuthFailedEvent, AuthSuccessEvent, DeauthEvent, PermissionChangeEvent,
    TerraUser, UserReauthEvent, WebhookEvent,
};
use wearbridge_store::ids::UserId;
use wearbridge_store::sessions::ConnectSession;
use wearbridge_store::{NewEvent, User};

use crate::wire::terra_user;

/// Data-model version Terra sends in `version` fields (D.3).
pub const MODEL_VERSION: &str = "2022-03-16";

/// Wraps a model event into an outbox row about `user_id`.
fn outbox_row(
    developer_id: &wearbridge_store::ids::DeveloperId,
    user_id: Option<&UserId>,
    event: &WebhookEvent,
) -> Result<NewEvent, serde_json::Error> {
    Ok(NewEvent {
        developer_id: developer_id.clone(),
        user_id: user_id.cloned(),
        event_type: event.event_type().to_owned(),
        body: serde_json::to_string(event)?,
        reference: None,
    })
}

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
