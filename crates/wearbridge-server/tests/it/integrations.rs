//! `/v2/integrations` and `/v2/integrations/detailed` (public).

use crate::harness::backend_test;

backend_test!(integrations_are_public_and_list_the_sandbox, |app| {
    let list = app
        .anonymous()
        .get("/v2/integrations", 200)
        .await
        .valid("api/sdk/Integrations_Fetch.200");
    assert_eq!(
        list["providers"],
        serde_json::json!(["SANDBOX", "WITHINGS"])
    );
    assert_eq!(list["sdk_resource"], serde_json::json!([]));
    assert_eq!(list["status"], "success");

    let detailed = app
        .with_headers(&[("dev-id", "anything")])
        .get("/v2/integrations/detailed?sdk=true", 200)
        .await
        .valid("api/v2/Integrations_ListDetailed.200");
    let sandbox = &detailed["providers"][0];
    assert_eq!(sandbox["provider"], "SANDBOX");
    assert_eq!(sandbox["setup"], "API_KEYS_MANAGED");
    assert_eq!(sandbox["types"]["sleep"], true);
    let withings = &detailed["providers"][1];
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

    app.anonymous()
        .get("/v2/integrations/detailed?sdk=perhaps", 400)
        .await
        .error_message();
});
