use chrono::NaiveDate;

use super::*;

fn export(seed: &str, days: u32) -> String {
    let options = ExportOptions {
        seed: seed.to_owned(),
        start: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or(NaiveDate::MIN),
        days,
    };
    let mut bytes = Vec::new();
    let summary = write_export(&options, &mut bytes).unwrap_or_default();
    assert!(summary.records > 0);
    String::from_utf8(bytes).unwrap_or_default()
}

#[test]
fn the_export_opens_with_apples_dtd_and_closes_the_document() {
    let text = export("apple-1", 2);
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData ["));
    assert!(text.contains("<HealthData locale=\"en_US\">"));
    assert!(text.contains(" <ExportDate value=\""));
    assert!(text.trim_end().ends_with("</HealthData>"));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    assert_eq!(export("apple-1", 2), export("apple-1", 2));
    assert_ne!(export("apple-1", 2), export("apple-2", 2));
}

#[test]
fn dates_keep_the_local_offset_in_apples_format() {
    let text = export("apple-1", 1);
    let person = Person::new("apple-1");
    let offset = person.offset().to_string().replace(':', "");
    let start = text.find("startDate=\"").map(|i| i + 11).unwrap_or(0);
    let date = text.get(start..start + 25).unwrap_or_default();
    assert!(date.ends_with(&offset), "{date} vs {offset}");
    assert_eq!(date.as_bytes().get(10), Some(&b' '));
}

#[test]
fn steps_come_from_two_sources_that_overlap() {
    let text = export("apple-1", 1);
    let steps: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("HKQuantityTypeIdentifierStepCount\""))
        .collect();
    assert!(steps.iter().any(|l| l.contains("Apple\u{a0}Watch")));
    assert!(steps.iter().any(|l| l.contains("iPhone")));
}

#[test]
fn device_descriptions_are_escaped() {
    let text = export("apple-1", 1);
    assert!(text.contains("device=\"&lt;&lt;HKDevice:"));
}
