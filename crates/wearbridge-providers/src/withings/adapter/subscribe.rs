//! Notification subscriptions, made on connect for every category the mappers read.

use secrecy::SecretString;
use url::Url;

use super::call_status_only;
use crate::{ProviderCtx, ProviderError};

/// `POST <api_base>notify` with `action=subscribe` for each `appli` we map
/// ([`crate::withings::push::SUBSCRIBED`]), calling back `push_url`.
pub(super) async fn subscribe(
    ctx: &ProviderCtx,
    token: &SecretString,
    push_url: &Url,
) -> Result<(), ProviderError> {
    for (appli, _) in crate::withings::push::SUBSCRIBED {
        let params = [
            ("action", "subscribe".to_owned()),
            ("callbackurl", push_url.to_string()),
            ("appli", appli.to_string()),
            ("comment", "wearbridge".to_owned()),
        ];
        call_status_only(ctx, token, "notify", &params).await?;
    }
    Ok(())
}

/// Whether Withings can be asked to call `push_url` back: it accepts only HTTPS URLs on
/// a domain (providers.md §3.4). Loopback hosts are let through for the simulator and
/// local development, where the callback is served by the same machine.
pub fn subscribable(push_url: &Url) -> bool {
    push_url.scheme() == "https" || is_loopback(push_url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_callbacks_are_subscribed() {
        for (url, expected) in [
            (
                "https://wearbridge.example/v2/providers/WITHINGS/webhook",
                true,
            ),
            ("http://127.0.0.1:8080/v2/providers/WITHINGS/webhook", true),
            ("http://localhost/v2/providers/WITHINGS/webhook", true),
            ("http://[::1]:9/x", true),
            (
                "http://wearbridge.example/v2/providers/WITHINGS/webhook",
                false,
            ),
            ("http://10.0.0.2/v2/providers/WITHINGS/webhook", false),
        ] {
            let Ok(url) = Url::parse(url) else {
                panic!("test URL parses: {url}");
            };
            assert_eq!(subscribable(&url), expected, "{url}");
        }
    }
}
