//! Property tests: arbitrary values of the seven record models (and users)
//! serialise to JSON that validates against Terra's schemas with no undeclared
//! key, parse back to an equal value, and survive `strip_samples` as valid
//! records.

mod support;

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use support::generated::*;
use wearbridge_model::testing::validate;
use wearbridge_model::*;

fn check<T>(schema: &str, value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    if let Err(errors) = validate(schema, &json) {
        return Err(TestCaseError::fail(format!(
            "{schema}: {}\n{json}",
            errors.join("\n")
        )));
    }
    let text = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T =
        serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

/// A record's samples-free copy still validates and still parses.
fn check_stripped<T: TerraRecord>(schema: &str, value: &T) -> Result<(), TestCaseError> {
    let mut json = serde_json::to_value(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    strip_samples(&mut json, T::DATA_TYPE);
    if let Err(errors) = validate(schema, &json) {
        return Err(TestCaseError::fail(errors.join("\n")));
    }
    let text = json.to_string();
    prop_assert!(
        !text.contains("_samples\"") && !text.contains("\"samples\""),
        "{}",
        text
    );
    serde_json::from_value::<T>(json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn activity(value in arb_activity()) {
        check("core/Activity", &value)?;
        check_stripped("core/Activity", &value)?;
    }

    #[test]
    fn athlete(value in arb_athlete()) {
        check("core/Athlete", &value)?;
    }

    #[test]
    fn body(value in arb_body()) {
        check("core/Body", &value)?;
        check_stripped("core/Body", &value)?;
    }

    #[test]
    fn daily(value in arb_daily()) {
        check("core/Daily", &value)?;
        check_stripped("core/Daily", &value)?;
        prop_assert_eq!(value.identity(), Some(value.metadata.start_time.local_date().to_string()));
    }

    #[test]
    fn menstruation(value in arb_menstruation()) {
        check("core/Menstruation", &value)?;
        check_stripped("core/Menstruation", &value)?;
    }

    #[test]
    fn nutrition(value in arb_nutrition()) {
        check("core/Nutrition", &value)?;
        check_stripped("core/Nutrition", &value)?;
    }

    #[test]
    fn sleep(value in arb_sleep()) {
        check("core/Sleep", &value)?;
        check_stripped("core/Sleep", &value)?;
    }

    #[test]
    fn data_webhooks(
        sleeps in proptest::collection::vec(arb_sleep(), 0..3),
        dailies in proptest::collection::vec(arb_daily(), 0..3),
        user in arb_terra_user(),
    ) {
        let sleep_event = WebhookEvent::from(SleepEvent { data: sleeps, user: user.clone(), version: MODEL_VERSION.into(), status: None });
        check("core/SleepEvent", &sleep_event)?;
        check("core/WebhookEventType", &sleep_event)?;
        let daily_event = WebhookEvent::from(DailyEvent { data: dailies, user, version: MODEL_VERSION.into(), status: None });
        check("core/DailyEvent", &daily_event)?;
    }

    #[test]
    fn terra_user(value in arb_terra_user()) {
        check("core/TerraUser", &value)?;
    }

    #[test]
    fn timestamps_round_trip_with_their_offset(value in support::arb_timestamp()) {
        let text = value.to_string();
        prop_assert_eq!(text.parse::<Timestamp>().ok(), Some(value));
        prop_assert_eq!(value.local_date(), value.local().date());
    }

    #[test]
    fn unknown_enum_codes_are_kept(code in any::<i64>()) {
        let parsed: ActivityType = serde_json::from_value(serde_json::json!(code))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed.code(), code);
        prop_assert_eq!(serde_json::to_value(parsed).ok(), Some(serde_json::json!(code)));
    }
}
