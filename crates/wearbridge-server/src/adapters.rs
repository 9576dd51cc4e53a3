//! Provider lookup: the configured adapter of a provider and the call context its
//! requests need (credentials, endpoints, the application's HTTP client, the user's
//! provider account), and the URL providers push to. Shared by the connect flow, the sync
//! engine and the jobs, so none of them reaches into another for it.

use std::sync::Arc;

use url::Url;
use wearbridge_providers::{Provider, ProviderCtx};

use crate::connect::ConnectError;
use crate::services::Services;

/// Where providers push for `provider_id`: `{public_url}/v2/providers/{ID}/webhook`.
pub fn push_url(services: &Services, provider_id: &str) -> Result<Url, ConnectError> {
    let text = format!(
        "{}/v2/providers/{}/webhook",
        services.public_url,
        provider_id.to_ascii_uppercase()
    );
    Url::parse(&text).map_err(|error| ConnectError::InvalidRedirectUrl {
        field: "public_url",
        reason: error.to_string(),
    })
}

/// The configured adapter and its call context.
pub fn adapter(
    services: &Services,
    provider_id: &str,
) -> Result<(Arc<dyn Provider>, ProviderCtx), ConnectError> {
    let info = services
        .providers
        .info(provider_id)
        .ok_or_else(|| ConnectError::UnknownProvider(provider_id.to_owned()))?;
    if wearbridge_providers::sdk::sdk_provider(info.id).is_some() {
        return Err(ConnectError::SdkOnly(info.id.to_owned()));
    }
    let provider = services
        .providers
        .get(info.id)
        .ok_or_else(|| ConnectError::ProviderNotEnabled(info.id.to_owned()))?;
    let ctx = services
        .providers
        .ctx(info.id, services.http.clone())
        .ok_or_else(|| ConnectError::ProviderNotEnabled(info.id.to_owned()))?;
    Ok((provider, ctx))
}

/// The configured adapter of `provider_id` and its call context, with the sync
/// engine's provider client when one is set ([`SyncSettings::set_provider_timeout`]).
pub fn sync_adapter(
    services: &Services,
    provider_id: &str,
) -> Result<(Arc<dyn Provider>, ProviderCtx), ConnectError> {
    let (provider, mut ctx) = adapter(services, provider_id)?;
    if let Some(http) = services.settings.provider_http() {
        ctx.http = http.clone();
    }
    Ok((provider, ctx))
}

/// [`sync_adapter`] for calls on behalf of `user`: the context carries the user's provider
/// account id, which Polar and Withings put in their requests.
pub fn user_adapter(
    services: &Services,
    user: &wearbridge_store::User,
) -> Result<(Arc<dyn Provider>, ProviderCtx), ConnectError> {
    let (provider, ctx) = sync_adapter(services, &user.provider)?;
    Ok((provider, ctx.for_account(user.provider_user_id.clone())))
}
