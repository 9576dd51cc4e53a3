//! The SDK-era record writes exactly as terra-python 1.1 sends them (`POST /v2/activity`
//! with `{"data": [...]}` and no user anywhere): with one user they are that user's, are
//! stored, readable back and announced with data events; with several users they must
//! name one (query string or body), and the 400 says how.

use super::{fixture, replay};
use crate::flows::*;
use crate::harness::assert_valid_sdk_user_shape;

/// `request` with its JSON body changed by `edit`.
fn with_body(request: &Value, edit: impl FnOnce(&mut Value)) -> Value {
    let mut body: Value =
        serde_json::from_str(request["body"].as_str().expect("body")).expect("json body");
    edit(&mut body);
    let mut changed = request.clone();
    changed["body"] = json!(body.to_string());
    changed
}

crate::connect_test!(sdk_record_writes_as_the_sdks_send_them, |env| {
    let dev = env.developer("writer").await;
    let other = env.developer("other").await;
    let user = env.connect_provider(&dev, "SANDBOX", "writer-one").await;
    let writes = fixture()["writes"].as_array().cloned().expect("writes");
    for (request, (kind, operation)) in writes.iter().zip([
        ("activity", "Activity"),
        ("body", "Body"),
        ("nutrition", "Nutrition"),
    ]) {
        let target = request["target"].as_str().expect("target");
        assert!(
            !target.contains("user_id"),
            "the SDK names no user: {target}"
        );
        let (status, written) = replay(&env, &dev, request, &[]).await;
        assert_eq!(status, 201, "{kind}: {written}");
        assert_valid_sdk_user_shape(&format!("api/sdk/{operation}_Write.201"), &written);
        assert_eq!(written["user"]["user_id"], user.as_str());
        let announced = env.events(&dev, kind).await;
        assert_eq!(announced.len(), 1, "{kind}: {announced:?}");
        assert_eq!(announced[0]["data"].as_array().map(Vec::len), Some(1));
        assert_eq!(announced[0]["user"]["user_id"], user.as_str());
    }
    let activity = &writes[0];
    let read = format!(
        "/v2/activity?user_id={user}&start_date=2024-03-05&end_date=2024-03-05&to_webhook=false"
    );
    let stored = env.call(&dev, Method::GET, &read, None, 200).await;
    assert_valid("api/DataResponse.activity", &stored);
    // The read also fetched that day from the user's provider; the written one is there.
    let written = stored["data"]
        .as_array()
        .and_then(|data| {
            data.iter()
                .find(|record| record["metadata"]["summary_id"] == "sdk-run-1")
        })
        .unwrap_or_else(|| panic!("the written activity: {stored}"));
    assert_eq!(written["metadata"]["type"], 8);

    // The same write again stores nothing new and announces nothing.
    let announced = env.events(&dev, "activity").await.len();
    let (status, _) = replay(&env, &dev, activity, &[]).await;
    assert_eq!(status, 201);
    assert_eq!(env.events(&dev, "activity").await.len(), announced);

    // With a second user, a write must say whose it is.
    let second = env.connect_provider(&dev, "SANDBOX", "writer-two").await;
    let (status, refused) = replay(&env, &dev, activity, &[]).await;
    assert_eq!(status, 400, "{refused}");
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("user_id") && message.contains("2 users"),
        "{message}"
    );
    // In the body (terra-python: request_options additional_body_parameters) ...
    let in_body = with_body(activity, |body| {
        body["user_id"] = json!(second);
        body["data"][0]["metadata"]["summary_id"] = json!("sdk-run-2");
    });
    let (status, written) = replay(&env, &dev, &in_body, &[]).await;
    assert_eq!(status, 201, "{written}");
    assert_eq!(written["user"]["user_id"], second.as_str());
    // ... or in the query string (additional_query_parameters).
    let mut in_query = activity.clone();
    in_query["target"] = json!(format!("/v2/activity?user_id={second}"));
    let (status, written) = replay(&env, &dev, &in_query, &[]).await;
    assert_eq!(status, 201, "{written}");
    assert_eq!(written["user"]["user_id"], second.as_str());
    // Another developer naming this developer's user finds no such user.
    let (status, _) = replay(&env, &other, &in_query, &[]).await;
    assert_eq!(status, 404);
    // A developer without users has nobody to write for.
    let (status, body) = replay(&env, &other, activity, &[]).await;
    assert_eq!(status, 404, "{body}");
});
