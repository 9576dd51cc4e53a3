//! Every provider through the hosted widget (issue 7): a person picks the provider on the
//! widget page, consents at its simulator and lands back with a `user_id`; the backfill
//! then fills every type the provider supports, readable and schema-valid. The same flows
//! through `authenticateUser` are in `provider_<name>.rs`.

use crate::flows::*;

/// The Terra types each provider's adapter fetches (its `/v2/integrations/detailed` row).
fn supported_types(env: &Env, provider: SimProvider) -> Vec<&'static str> {
    let id = provider.as_str();
    let adapter = env
        .state()
        .providers
        .get(id)
        .unwrap_or_else(|| panic!("{id} is configured in sandbox mode"));
    adapter
        .supported_types()
        .iter()
        .map(|data_type| data_type.as_str())
        .collect()
}

/// Connects `provider` through the widget, backfills, and reads every supported type.
async fn widget_connects_and_backfills(env: &Env, provider: SimProvider) {
    let dev = env
        .developer(&format!("widget-{}", provider.as_str()))
        .await;
    let user = env
        .connect_provider_via_widget(&dev, provider, "wanda")
        .await;
    let info = env
        .call(
            &dev,
            Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(
        info["user"]["provider"],
        provider.as_str().to_ascii_uppercase()
    );
    env.drain_jobs().await;
    for kind in supported_types(env, provider) {
        let data = env.data(&dev, kind, &user, 30).await;
        if kind == "menstruation" && !has_cycle(env, "wanda") {
            continue;
        }
        assert!(
            !data.is_empty(),
            "{}: the backfill stored no {kind}",
            provider.as_str()
        );
    }
}

/// Whether the simulated person tracks a menstrual cycle in the last 30 days (only then
/// does a provider have menstruation data to give).
fn has_cycle(env: &Env, account: &str) -> bool {
    let person = env.sim().person(account);
    let today = chrono::Utc::now().date_naive();
    (0..30).any(|back| {
        person
            .menstruation_on(today - chrono::Days::new(back))
            .is_some()
    })
}

crate::connect_test!(garmin_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Garmin).await;
});

crate::connect_test!(oura_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Oura).await;
});

crate::connect_test!(polar_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Polar).await;
});

crate::connect_test!(whoop_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Whoop).await;
});

crate::connect_test!(withings_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Withings).await;
});
