//! Overlapping samples from several sources, counted once (what the Health app shows).
//!
//! The rule (docs/DECISIONS.md): each sample's source has a priority, Apple Watch >
//! iPhone > anything else ([`priority`]). Within one quantity type and local day, a
//! sample counts in full where no higher-priority sample covers its interval, and in
//! proportion to the uncovered part of its interval otherwise (the value is assumed spread
//! evenly over the interval). A point sample (start = end) counts when no higher-priority
//! interval contains it. Samples of the same priority all count: a source does not
//! double-count itself.

/// Source priority: 3 Apple Watch, 2 iPhone, 1 other (apps, scales, manual entries).
pub fn priority(source_name: &str, device: Option<&str>) -> u8 {
    let device = device.unwrap_or_default();
    if device.contains("name:Apple Watch") || source_name.contains("Watch") {
        3
    } else if device.contains("name:iPhone") || source_name.contains("iPhone") {
        2
    } else {
        1
    }
}

/// One quantity sample, compactly: unix seconds, value, priority.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub start: i64,
    pub end: i64,
    pub value: f64,
    pub priority: u8,
}

/// The de-duplicated total of `samples` (any order).
pub fn deduplicated_sum(samples: &mut [Sample]) -> f64 {
    samples.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.start.cmp(&b.start)));
    let mut covered: Vec<(i64, i64)> = Vec::new();
    let mut total = 0.0;
    let mut level_start = 0;
    while level_start < samples.len() {
        let level = samples.get(level_start).map_or(0, |s| s.priority);
        let level_end = samples
            .iter()
            .skip(level_start)
            .position(|s| s.priority != level)
            .map_or(samples.len(), |n| level_start + n);
        let group = samples.get(level_start..level_end).unwrap_or_default();
        for sample in group {
            total += sample.value * uncovered_fraction(sample, &covered);
        }
        covered = merge(covered, group.iter().map(|s| (s.start, s.end)));
        level_start = level_end;
    }
    total
}

/// The share of `sample`'s interval that no interval in `covered` (sorted, disjoint)
/// overlaps.
fn uncovered_fraction(sample: &Sample, covered: &[(i64, i64)]) -> f64 {
    if sample.end <= sample.start {
        let inside = covered
            .iter()
            .any(|(start, end)| *start <= sample.start && sample.start < *end);
        return if inside { 0.0 } else { 1.0 };
    }
    let first = covered.partition_point(|(_, end)| *end <= sample.start);
    let overlap: i64 = covered
        .get(first..)
        .unwrap_or_default()
        .iter()
        .take_while(|(start, _)| *start < sample.end)
        .map(|(start, end)| (*end).min(sample.end) - (*start).max(sample.start))
        .filter(|overlap| *overlap > 0)
        .sum();
    let length = (sample.end - sample.start) as f64;
    (1.0 - overlap as f64 / length).clamp(0.0, 1.0)
}

/// `covered` plus `more`, as sorted disjoint intervals (point intervals add nothing).
fn merge(covered: Vec<(i64, i64)>, more: impl Iterator<Item = (i64, i64)>) -> Vec<(i64, i64)> {
    let mut all: Vec<(i64, i64)> = covered
        .into_iter()
        .chain(more.filter(|(start, end)| end > start))
        .collect();
    all.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(all.len());
    for (start, end) in all {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(start: i64, end: i64, value: f64, priority: u8) -> Sample {
        Sample {
            start,
            end,
            value,
            priority,
        }
    }

    #[test]
    fn a_fully_covered_phone_sample_adds_nothing() {
        let mut samples = [sample(0, 900, 100.0, 3), sample(0, 900, 100.0, 2)];
        assert_eq!(deduplicated_sum(&mut samples), 100.0);
    }

    #[test]
    fn the_uncovered_part_of_a_phone_sample_counts_in_proportion() {
        let mut samples = [sample(0, 900, 90.0, 3), sample(0, 1800, 200.0, 2)];
        assert_eq!(deduplicated_sum(&mut samples), 190.0);
    }

    #[test]
    fn same_priority_samples_all_count_and_points_inside_cover_are_dropped() {
        let mut samples = [
            sample(0, 900, 10.0, 3),
            sample(900, 1800, 20.0, 3),
            sample(100, 100, 5.0, 1),
            sample(2000, 2000, 7.0, 1),
        ];
        assert_eq!(deduplicated_sum(&mut samples), 37.0);
    }
}
