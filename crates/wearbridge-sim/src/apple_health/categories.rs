//! Category `Record`s: sleep analysis and menstrual flow.

use std::io::{self, Write};

use super::out::{RecordSpec, XmlOut};
use super::{Sources, midnight};
use crate::person::{Day, FlowLevel, SleepStage};

/// HealthKit's sleep value for a hypnogram stage (iOS 16+ stages; light sleep is "Core").
pub fn sleep_value(stage: SleepStage) -> &'static str {
    match stage {
        SleepStage::Awake => "HKCategoryValueSleepAnalysisAwake",
        SleepStage::Light => "HKCategoryValueSleepAnalysisAsleepCore",
        SleepStage::Deep => "HKCategoryValueSleepAnalysisAsleepDeep",
        SleepStage::Rem => "HKCategoryValueSleepAnalysisAsleepREM",
    }
}

/// The night that ended this morning: the iPhone's in-bed span (Sleep Focus) and the
/// Watch's stages, each stage span one record.
pub fn sleep<W: Write>(day: &Day, sources: &Sources, out: &mut XmlOut<W>) -> io::Result<()> {
    let night = &day.sleep;
    let in_bed = RecordSpec {
        kind: "HKCategoryTypeIdentifierSleepAnalysis",
        unit: None,
        value: Some("HKCategoryValueSleepAnalysisInBed".to_owned()),
        source: &sources.phone,
        start: night.start,
        end: night.end,
        metadata: Vec::new(),
    };
    out.record(&in_bed, 1)?;
    for span in &night.stages {
        let spec = RecordSpec {
            kind: "HKCategoryTypeIdentifierSleepAnalysis",
            unit: None,
            value: Some(sleep_value(span.stage).to_owned()),
            source: &sources.watch,
            start: span.start,
            end: span.end,
            metadata: vec![("HKTimeZone", "Etc/GMT".to_owned())],
        };
        out.record(&spec, 1)?;
    }
    Ok(())
}

/// HealthKit's menstrual-flow value (spotting has no flow level of its own: unspecified).
pub fn flow_value(flow: FlowLevel) -> Option<&'static str> {
    match flow {
        FlowLevel::None => None,
        FlowLevel::Spotting => Some("HKCategoryValueMenstrualFlowUnspecified"),
        FlowLevel::Light => Some("HKCategoryValueMenstrualFlowLight"),
        FlowLevel::Medium => Some("HKCategoryValueMenstrualFlowMedium"),
        FlowLevel::Heavy => Some("HKCategoryValueMenstrualFlowHeavy"),
    }
}

/// A day of the period, logged on the iPhone at local midnight; the first day carries
/// `HKMenstrualCycleStart`.
pub fn menstrual_flow<W: Write>(
    day: &Day,
    sources: &Sources,
    out: &mut XmlOut<W>,
) -> io::Result<()> {
    let Some(menstruation) = &day.menstruation else {
        return Ok(());
    };
    let Some(value) = flow_value(menstruation.flow) else {
        return Ok(());
    };
    let start = if menstruation.cycle_day == 1 {
        "1"
    } else {
        "0"
    };
    let spec = RecordSpec {
        kind: "HKCategoryTypeIdentifierMenstrualFlow",
        unit: None,
        value: Some(value.to_owned()),
        source: &sources.phone,
        start: midnight(day),
        end: midnight(day),
        metadata: vec![("HKMenstrualCycleStart", start.to_owned())],
    };
    out.record(&spec, 1)
}
