//! `/v2/integrations` and `/v2/integrations/detailed` (public).

use crate::harness::backend_test;

backend_test!(integrations_are_public_and_list_every_provider, |app| {
    let list = app
        .anonymous()
        .get("/v2/integrations", 200)
        .await
        .valid("api/sdk/Integrations_Fetch.200");
    // The harness runs in sandbox mode: every compiled-in provider is enabled.
    let ids: Vec<&str> = wearbridge_providers::registry::MODULES
        .iter()
        .map(|module| module.info.id)
        .collect();
    assert_eq!(list["providers"], serde_json::json!(ids));
    for id in [
        "SANDBOX",
        "GARMIN",
        "OURA",
        "POLAR",
        "WHOOP",
        "WITHINGS",
        "DEXCOM",
        "STRAVA",
        "SUUNTO",
        "WAHOO",
        "GOOGLE_HEALTH",
    ] {
        assert!(ids.contains(&id), "{id} is registered");
    }
    // The mobile-SDK providers need no configuration: always listed, by Terra's ids.
    assert_eq!(
        list["sdk_resource"],
        serde_json::json!(["APPLE", "SAMSUNG", "GOOGLEFIT"])
    );
    assert_eq!(list["status"], "success");

    let web_only = app
        .anonymous()
        .get("/v2/integrations/detailed", 200)
        .await
        .valid("api/v2/Integrations_ListDetailed.200");
    let listed = |body: &serde_json::Value| -> Vec<String> {
        body["providers"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|p| p["provider"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(listed(&web_only), ids, "sdk defaults to false");

    let detailed = app
        .with_headers(&[("dev-id", "anything")])
        .get("/v2/integrations/detailed?sdk=true", 200)
        .await
        .valid("api/v2/Integrations_ListDetailed.200");
    let mut with_sdk = ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
    with_sdk.extend(["APPLE", "SAMSUNG", "GOOGLEFIT"].map(str::to_owned));
    assert_eq!(listed(&detailed), with_sdk);
    let samsung = detailed["providers"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["provider"] == "SAMSUNG"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        samsung,
        serde_json::json!({"provider": "SAMSUNG", "name": "Samsung Health",
            "icon": samsung["icon"], "setup": "API_KEYS_MANAGED", "enabled": true,
            "types": {"activity": true, "body": true, "nutrition": true,
                "daily": true, "sleep": true, "menstruation": false}})
    );
    let sandbox = &detailed["providers"][0];
    assert_eq!(sandbox["provider"], "SANDBOX");
    assert_eq!(sandbox["setup"], "API_KEYS_MANAGED");
    assert_eq!(sandbox["types"]["sleep"], true);
    let withings = detailed["providers"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["provider"] == "WITHINGS"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(withings["provider"], "WITHINGS");
    assert_eq!(
        withings["types"],
        serde_json::json!({"activity": true, "body": true, "nutrition": false,
            "daily": true, "sleep": true, "menstruation": false})
    );
    let icon = sandbox["icon"].as_str().unwrap_or_default();
    assert!(
        icon.starts_with("http://127.0.0.1:"),
        "absolute icon URL: {icon}"
    );
    // Every listed provider's icon is served (the widget shows them).
    for provider in detailed["providers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let icon = provider["icon"].as_str().unwrap_or_default().to_owned();
        // The configured public URL says port 0 (the harness binds an ephemeral port):
        // fetch the icon's path from the server itself.
        let path = url::Url::parse(&icon).expect("icon URL").path().to_owned();
        let response = reqwest::get(format!("{}{path}", app.base_url))
            .await
            .expect("icon request");
        assert_eq!(response.status(), 200, "{icon}");
        let svg = response.text().await.unwrap_or_default();
        assert!(svg.starts_with("<svg"), "{icon}: {svg}");
    }

    app.anonymous()
        .get("/v2/integrations/detailed?sdk=perhaps", 400)
        .await
        .error_message();
});
