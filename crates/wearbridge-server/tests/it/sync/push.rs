//! Provider push notifications: the challenge, forged signatures, and a notification
//! delivered twice yielding one record and one event.

use chrono::Utc;
use serde_json::Value;
use wearbridge_model::DataType;
use wearbridge_providers::config::SANDBOX_CLIENT_SECRET;
use wearbridge_providers::sandbox::push::{
    SIGNATURE_HEADER as SANDBOX_SIGNATURE_HEADER, signature as sandbox_signature,
};
use wearbridge_server::jobs::fetch;
use wearbridge_store::{Backend, JobFilter, JobState};

use super::{Env, daily_dates_in_events, settings};

sync_test!(
    a_notification_delivered_twice_yields_one_record_and_one_event,
    settings(1, 8, None),
    |env| {
        let user = env.connect("push-dave").await;
        env.drain().await;
        let account = user.provider_user_id.clone().expect("account");
        let day = Utc::now().date_naive() - chrono::Days::new(3);
        let body = serde_json::json!({"notifications": [
            {"user_id": account, "data_type": "daily", "start_date": day, "end_date": day}
        ]})
        .to_string();
        let url = format!("{}/v2/providers/sandbox/webhook", env.base_url);
        let post = |signature: String| {
            env.http
                .post(&url)
                .header(SANDBOX_SIGNATURE_HEADER, signature)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
        };
        let signed = sandbox_signature(SANDBOX_CLIENT_SECRET, body.as_bytes());

        let challenge = env
            .http
            .get(format!("{url}?challenge=c-42"))
            .send()
            .await
            .expect("get");
        assert_eq!(challenge.status(), 200);
        assert_eq!(challenge.text().await.expect("text"), "c-42");
        let forged = post(sandbox_signature("not-the-secret", body.as_bytes()))
            .await
            .expect("post");
        assert_eq!(forged.status(), 401);

        // Delivered twice before the fetch runs: one job.
        let mut queued = Vec::new();
        for _ in 0..2 {
            let answer = post(signed.clone()).await.expect("post");
            assert_eq!(answer.status(), 200);
            let ack: Value = answer.json().await.expect("ack");
            queued.push(ack["queued"].as_u64());
        }
        assert_eq!(queued, [Some(1), Some(0)]);
        fetch::run_pending(&env.state.services(), "push-test")
            .await
            .expect("fetch");
        // Delivered again, late: fetched again, but nothing changed, so nothing is stored or sent.
        let late = post(signed.clone()).await.expect("post");
        assert_eq!(late.status(), 200);
        fetch::run_pending(&env.state.services(), "push-test")
            .await
            .expect("fetch");

        let dates = daily_dates_in_events(&env, &user).await;
        let notified = dates
            .iter()
            .filter(|date| **date == day.to_string())
            .count();
        assert_eq!(notified, 1, "events for the notified day: {dates:?}");
        let stored = env
            .store
            .count_records(&env.dev, &user.id, DataType::Daily)
            .await
            .expect("count");
        assert_eq!(stored, 2, "the backfilled day and the notified day");
        let fetches = JobFilter {
            kind: Some(fetch::KIND.to_owned()),
            state: Some(JobState::Completed),
            ..JobFilter::default()
        };
        assert_eq!(env.store.list_jobs(fetches).await.expect("jobs").len(), 2);
    }
);
