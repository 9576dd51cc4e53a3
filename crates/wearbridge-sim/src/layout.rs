//! Where the simulator serves each provider, by Terra provider id: the base of its OAuth
//! endpoints and the base of its data API, relative to the simulator's base URL.
//!
//! The simulator owns its URL layout, so it says where things are; Wearbridge's provider
//! registry only receives the resulting URLs ([`endpoints`], handed to
//! `ProvidersConfig::sandbox`). Every real provider is served under `/<name>/` with its
//! documented OAuth and API paths beneath that one prefix, so both bases are the prefix;
//! SANDBOX, whose paths are our own, splits them (`docs/simulator.md` §2).

use std::collections::BTreeMap;

use url::Url;

use crate::SimProvider;

/// One simulated provider's place below the simulator's base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderLayout {
    /// Terra's provider id (`SANDBOX`, `GARMIN`, ...), the key Wearbridge configures by.
    pub terra_id: &'static str,
    pub provider: SimProvider,
    /// Base of the OAuth endpoints (authorize, token, revoke, ...), relative to the
    /// simulator's base; ends with `/` so paths join beneath it.
    pub auth_path: &'static str,
    /// Base of the data API, relative to the simulator's base; ends with `/`.
    pub api_path: &'static str,
}

/// Every simulated provider, in [`SimProvider::ALL`] order.
pub const LAYOUT: [ProviderLayout; 11] = [
    ProviderLayout {
        terra_id: "SANDBOX",
        provider: SimProvider::Sandbox,
        // `<sim>/sandbox/oauth/{authorize,token,revoke}`.
        auth_path: "sandbox/oauth/",
        // `<sim>/sandbox/api/v1/{me,profile,daily,...}`.
        api_path: "sandbox/api/v1/",
    },
    ProviderLayout {
        terra_id: "GARMIN",
        provider: SimProvider::Garmin,
        auth_path: "garmin/",
        api_path: "garmin/",
    },
    ProviderLayout {
        terra_id: "OURA",
        provider: SimProvider::Oura,
        auth_path: "oura/",
        api_path: "oura/",
    },
    ProviderLayout {
        terra_id: "POLAR",
        provider: SimProvider::Polar,
        auth_path: "polar/",
        api_path: "polar/",
    },
    ProviderLayout {
        terra_id: "WHOOP",
        provider: SimProvider::Whoop,
        auth_path: "whoop/",
        api_path: "whoop/",
    },
    ProviderLayout {
        terra_id: "WITHINGS",
        provider: SimProvider::Withings,
        auth_path: "withings/",
        api_path: "withings/",
    },
    ProviderLayout {
        terra_id: "DEXCOM",
        provider: SimProvider::Dexcom,
        auth_path: "dexcom/",
        api_path: "dexcom/",
    },
    ProviderLayout {
        terra_id: "STRAVA",
        provider: SimProvider::Strava,
        // `<sim>/strava/oauth/{authorize,token,deauthorize}`.
        auth_path: "strava/",
        // `<sim>/strava/api/v3/{athlete,activities,...}`.
        api_path: "strava/api/v3/",
    },
    ProviderLayout {
        terra_id: "SUUNTO",
        provider: SimProvider::Suunto,
        // `<sim>/suunto/oauth/{authorize,token,deauthorize}`.
        auth_path: "suunto/",
        // `<sim>/suunto/api/{v3/workouts/,247samples/sleep,...}`.
        api_path: "suunto/api/",
    },
    ProviderLayout {
        terra_id: "WAHOO",
        provider: SimProvider::Wahoo,
        // `<sim>/wahoo/oauth/{authorize,token}`, `<sim>/wahoo/v1/{user,workouts,permissions}`.
        auth_path: "wahoo/",
        api_path: "wahoo/",
    },
    ProviderLayout {
        terra_id: "GOOGLE_HEALTH",
        provider: SimProvider::GoogleHealth,
        // `<sim>/google_health/{o/oauth2/v2/auth,token,revoke}` and `.../v4/users/me/...`.
        auth_path: "google_health/",
        api_path: "google_health/",
    },
];

/// The layout entry of `provider`.
pub fn of(provider: SimProvider) -> Option<&'static ProviderLayout> {
    LAYOUT.iter().find(|layout| layout.provider == provider)
}

/// Every simulated provider's `(auth base, API base)` URLs below a simulator at `base`
/// (e.g. `SimHandle::base_url()`), keyed by Terra id: what `ProvidersConfig::sandbox`
/// takes. `base` may carry a path (a simulator mounted under a prefix); its providers sit
/// beneath it. A `base` that cannot be a base URL (`data:`, `mailto:`) gives no entries.
pub fn endpoints(base: &Url) -> BTreeMap<&'static str, (Url, Url)> {
    let base = with_trailing_slash(base);
    LAYOUT
        .iter()
        .filter_map(|layout| {
            let auth = base.join(layout.auth_path).ok()?;
            let api = base.join(layout.api_path).ok()?;
            Some((layout.terra_id, (auth, api)))
        })
        .collect()
}

/// `base` with a trailing slash, so that `join` appends instead of replacing the last
/// path segment (`http://sim/prefix` + `sandbox/` must give `http://sim/prefix/sandbox/`).
fn with_trailing_slash(base: &Url) -> Url {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn every_simulated_provider_has_one_entry_under_its_own_prefix() {
        assert_eq!(
            LAYOUT.map(|layout| layout.provider),
            SimProvider::ALL,
            "one entry per provider, in SimProvider::ALL order"
        );
        for layout in &LAYOUT {
            let prefix = format!("{}/", layout.provider.as_str());
            assert!(layout.auth_path.starts_with(&prefix), "{layout:?}");
            assert!(layout.api_path.starts_with(&prefix), "{layout:?}");
            assert!(layout.auth_path.ends_with('/') && layout.api_path.ends_with('/'));
            assert_eq!(
                layout.terra_id,
                layout.provider.as_str().to_ascii_uppercase(),
                "Terra ids are the uppercase names"
            );
            assert_eq!(of(layout.provider), Some(layout));
        }
    }

    #[test]
    fn endpoints_sit_below_the_base_and_its_path() {
        let map = endpoints(&url("http://127.0.0.1:4000/prefix"));
        assert_eq!(map.len(), LAYOUT.len());
        assert_eq!(
            map.get("SANDBOX"),
            Some(&(
                url("http://127.0.0.1:4000/prefix/sandbox/oauth/"),
                url("http://127.0.0.1:4000/prefix/sandbox/api/v1/"),
            ))
        );
        assert_eq!(
            map.get("WITHINGS"),
            Some(&(
                url("http://127.0.0.1:4000/prefix/withings/"),
                url("http://127.0.0.1:4000/prefix/withings/"),
            ))
        );
        // A base with the trailing slash gives the same URLs.
        assert_eq!(endpoints(&url("http://127.0.0.1:4000/prefix/")), map);
        assert!(endpoints(&url("data:text/plain,x")).is_empty());
    }

    /// The layout is where the simulator's routes really are: SANDBOX's token endpoint and
    /// data API (the one provider whose two bases differ) answer with their own errors to
    /// an unauthenticated call, not with the simulator's 404 for unknown paths.
    #[tokio::test]
    async fn the_layout_matches_the_served_routes() {
        let sim = crate::Simulator::spawn(crate::SimConfig::default())
            .await
            .unwrap_or_else(|error| panic!("simulator: {error}"));
        let map = endpoints(&url(&sim.base_url()));
        let Some((auth, api)) = map.get("SANDBOX") else {
            panic!("SANDBOX is laid out");
        };
        let client = reqwest::Client::new();
        let calls = [
            client.post(auth.join("token").unwrap_or_else(|e| panic!("{e}"))),
            client.get(api.join("me").unwrap_or_else(|e| panic!("{e}"))),
        ];
        for call in calls {
            let answer = call.send().await.unwrap_or_else(|error| panic!("{error}"));
            let status = answer.status();
            let body: serde_json::Value = answer.json().await.unwrap_or_default();
            assert_ne!(status, reqwest::StatusCode::NOT_FOUND, "{body}");
            assert!(status.is_client_error(), "{status} {body}");
            assert_ne!(body["error"], "not_found", "{body}");
        }
        sim.shutdown()
            .await
            .unwrap_or_else(|error| panic!("shutdown: {error}"));
    }
}
