use super::data::{filter_span, health_user_id, render_for_tests};
use crate::person::Person;
use chrono::NaiveDate;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

#[test]
fn filters_must_bound_the_types_own_field() {
    let steps = "steps.interval.civil_start_time >= \"2026-03-01\" AND \
                 steps.interval.civil_start_time < \"2026-03-08\"";
    assert_eq!(
        filter_span("steps", steps),
        Ok((day("2026-03-01"), day("2026-03-08")))
    );
    assert!(
        filter_span("weight", steps).is_err(),
        "weight takes sample_time"
    );
    assert!(filter_span("ecg", steps).is_err());
    let backwards = "sleep.interval.civil_end_time >= \"2026-03-08\" AND \
                     sleep.interval.civil_end_time < \"2026-03-01\"";
    assert!(filter_span("sleep", backwards).is_err());
}

#[test]
fn points_carry_int64_strings_and_offsets() {
    let person = Person::new("google-gina");
    let steps = render_for_tests(&person, "steps", day("2026-03-01"), day("2026-03-02"));
    assert!(!steps.is_empty());
    assert!(steps[0]["steps"]["count"].is_string(), "{}", steps[0]);
    assert!(
        steps[0]["steps"]["interval"]["startUtcOffset"]
            .as_str()
            .is_some_and(|offset| offset.ends_with('s'))
    );
    let sleeps = render_for_tests(&person, "sleep", day("2026-03-01"), day("2026-03-02"));
    assert_eq!(sleeps.len(), 1);
    assert_eq!(sleeps[0]["sleep"]["type"], "STAGES");
    assert_eq!(health_user_id("google-gina"), health_user_id("google-gina"));
    assert_eq!(health_user_id("google-gina").len(), 20);
}
