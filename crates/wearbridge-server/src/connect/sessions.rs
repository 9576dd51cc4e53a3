//! Widget sessions (`generateWidgetSession`, `/widget/api/session`) and the one-provider
//! sessions behind `authenticateUser`.

use url::Url;
use uuid::Uuid;
use wearbridge_model::api::WidgetSessionRequest;
use wearbridge_providers::ProviderInfo;
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::sessions::ConnectSession;

use super::{ConnectError, SESSION_TTL};
use crate::clock::micros;
use crate::services::Services;

/// What a session can be when a browser presents its id.
#[derive(Debug)]
pub enum SessionLookup {
    Active(ConnectSession),
    Expired(ConnectSession),
    Unknown,
}

/// Validates the request and stores a session for `dev`. `reserved_user` is the user id
/// `authenticateUser` hands out before the provider login.
pub async fn create_session(
    services: &Services,
    dev: &DeveloperId,
    request: WidgetSessionRequest,
    reserved_user: Option<UserId>,
) -> Result<ConnectSession, ConnectError> {
    let providers = normalise_providers(services, request.providers.as_deref())?;
    let now = services.now_micros();
    let session = ConnectSession {
        id: Uuid::new_v4().to_string(),
        developer_id: dev.clone(),
        providers,
        language: non_empty(request.language),
        reference_id: non_empty(request.reference_id),
        success_url: redirect_url(
            request.auth_success_redirect_url,
            "auth_success_redirect_url",
        )?,
        failure_url: redirect_url(
            request.auth_failure_redirect_url,
            "auth_failure_redirect_url",
        )?,
        reserved_user_id: reserved_user,
        created_at: now,
        expires_at: now.saturating_add(micros(SESSION_TTL)),
    };
    services.store.create_connect_session(&session).await?;
    Ok(session)
}

/// The session with this id, classified by expiry.
pub async fn find_session(services: &Services, id: &str) -> Result<SessionLookup, ConnectError> {
    let Some(session) = services.store.get_connect_session(id).await? else {
        return Ok(SessionLookup::Unknown);
    };
    if session.expires_at <= services.now_micros() {
        Ok(SessionLookup::Expired(session))
    } else {
        Ok(SessionLookup::Active(session))
    }
}

/// The widget page URL of a session.
pub fn widget_url(services: &Services, session_id: &str) -> String {
    format!("{}/widget/session/{session_id}", services.public_url)
}

/// The providers the session's page lists: those it names (or every enabled one), in
/// registry order, that this deployment can connect through OAuth.
pub fn offered_providers<'a>(
    services: &'a Services,
    session: &ConnectSession,
) -> Vec<&'a ProviderInfo> {
    services
        .providers
        .enabled()
        .into_iter()
        .filter(|provider| !provider.sdk_only)
        .filter(|provider| session_offers(session, provider.id))
        .collect()
}

/// Whether `session` lets the user pick `provider_id`.
pub fn session_offers(session: &ConnectSession, provider_id: &str) -> bool {
    match &session.providers {
        None => true,
        Some(list) => list
            .split(',')
            .any(|listed| listed.eq_ignore_ascii_case(provider_id)),
    }
}

/// Uppercases, trims and de-duplicates a comma-separated provider list; every entry must
/// be a provider this build knows. `None` or an empty list means "all enabled".
fn normalise_providers(
    services: &Services,
    list: Option<&str>,
) -> Result<Option<String>, ConnectError> {
    let mut ids: Vec<&'static str> = Vec::new();
    for entry in list.unwrap_or_default().split(',').map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let info = services
            .providers
            .info(entry)
            .ok_or_else(|| ConnectError::UnknownProviderInList(entry.to_owned()))?;
        if !ids.contains(&info.id) {
            ids.push(info.id);
        }
    }
    Ok((!ids.is_empty()).then(|| ids.join(",")))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|text| !text.trim().is_empty())
}

/// A redirect URL must be absolute; custom schemes (`myapp://success`, mobile deep links)
/// are allowed as Terra allows them, but `javascript:` and `data:` are refused because
/// the browser would run them in our origin's navigation.
fn redirect_url(
    value: Option<String>,
    field: &'static str,
) -> Result<Option<String>, ConnectError> {
    let Some(text) = non_empty(value) else {
        return Ok(None);
    };
    let url = Url::parse(text.trim()).map_err(|error| ConnectError::InvalidRedirectUrl {
        field,
        reason: error.to_string(),
    })?;
    if matches!(url.scheme(), "javascript" | "data" | "vbscript" | "file") {
        return Err(ConnectError::InvalidRedirectUrl {
            field,
            reason: format!("scheme {} is not allowed", url.scheme()),
        });
    }
    Ok(Some(url.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_must_be_absolute_and_safe() {
        assert!(redirect_url(Some("/relative".into()), "x").is_err());
        assert!(redirect_url(Some("javascript:alert(1)".into()), "x").is_err());
        assert!(matches!(
            redirect_url(Some("myapp://success".into()), "x"),
            Ok(Some(url)) if url == "myapp://success"
        ));
        assert!(matches!(redirect_url(Some("  ".into()), "x"), Ok(None)));
    }

    #[test]
    fn a_session_offers_its_listed_providers_only() {
        let mut session = ConnectSession {
            id: "s".into(),
            developer_id: DeveloperId::new(),
            providers: Some("SANDBOX,GARMIN".into()),
            language: None,
            reference_id: None,
            success_url: None,
            failure_url: None,
            reserved_user_id: None,
            created_at: 0,
            expires_at: 1,
        };
        assert!(session_offers(&session, "sandbox"));
        assert!(!session_offers(&session, "OURA"));
        session.providers = None;
        assert!(session_offers(&session, "OURA"));
    }
}
