//! Charts drawn on the server as SVG text: bars per day, a line of samples, a
//! hypnogram. IO-free and dependency-free; the page embeds the markup, so charts need no
//! script and no request of their own. Every chart has `role="img"` and an `aria-label`
//! naming what it shows, and each bar or stage a `<title>` with its exact value.

use std::fmt::Write;

use chrono::{DateTime, NaiveDate};

use super::series::{DayValue, Sample, StageRun};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
/// Room for the axis labels.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 20.0;
const TOP: f64 = 8.0;

/// `text` safe inside SVG text and attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn open(label: &str, class: &str) -> String {
    let label = escape(label);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart {class}" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" role="img" aria-label="{label}"><title>{label}</title>"#
    )
}

/// The largest value, at least 1 (so an all-zero series still draws).
fn top_of(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(1.0_f64, f64::max)
}

fn axis(svg: &mut String, top: f64, bottom: f64, left_label: &str, right_label: &str) {
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}"/><text class="tick" x="{x}" y="{y_top}" text-anchor="end">{top:.0}</text><text class="tick" x="{x}" y="{base}" text-anchor="end">{bottom:.0}</text><text class="tick" x="{LEFT}" y="{HEIGHT}">{left}</text><text class="tick" x="{WIDTH}" y="{HEIGHT}" text-anchor="end">{right}</text>"#,
        x = LEFT - 4.0,
        y_top = TOP + 10.0,
        left = escape(left_label),
        right = escape(right_label),
    );
}

/// One bar per day of `days` (a day without a value has no bar).
pub fn bars(label: &str, unit: &str, days: &[NaiveDate], values: &[DayValue]) -> String {
    let mut svg = open(label, "bars");
    let top = top_of(values.iter().map(|value| value.value));
    let plot_height = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / days.len().max(1) as f64;
    for (index, day) in days.iter().enumerate() {
        let Some(value) = values.iter().find(|value| value.day == *day) else {
            continue;
        };
        let height = (value.value / top * plot_height).max(1.0);
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{height:.1}"><title>{day}: {v:.0} {unit}</title></rect>"#,
            x = LEFT + index as f64 * slot + slot * 0.15,
            y = HEIGHT - BOTTOM - height,
            w = slot * 0.7,
            v = value.value,
            unit = escape(unit),
        );
    }
    if values.is_empty() {
        svg.push_str(r#"<text class="empty" x="50%" y="50%" text-anchor="middle">no data</text>"#);
    }
    let first = days.first().map(ToString::to_string).unwrap_or_default();
    let last = days.last().map(ToString::to_string).unwrap_or_default();
    axis(&mut svg, top, 0.0, &first, &last);
    svg.push_str("</svg>");
    svg
}

fn clock(at: i64) -> String {
    DateTime::from_timestamp(at, 0)
        .map_or_else(String::new, |at| at.format("%Y-%m-%d %H:%M").to_string())
}

/// A line through `samples` (time order), scaled between their lowest and highest value.
pub fn line(label: &str, samples: &[Sample]) -> String {
    let mut svg = open(label, "line");
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        svg.push_str(
            r#"<text class="empty" x="50%" y="50%" text-anchor="middle">no samples</text></svg>"#,
        );
        return svg;
    };
    let low = samples
        .iter()
        .map(|s| s.value)
        .fold(f64::INFINITY, f64::min);
    let high = samples
        .iter()
        .map(|s| s.value)
        .fold(f64::NEG_INFINITY, f64::max);
    let span_v = (high - low).max(1.0);
    let span_t = (last.at - first.at).max(1) as f64;
    let plot_height = HEIGHT - BOTTOM - TOP;
    let points: Vec<String> = samples
        .iter()
        .map(|sample| {
            let x = LEFT + (sample.at - first.at) as f64 / span_t * (WIDTH - LEFT);
            let y = HEIGHT - BOTTOM - (sample.value - low) / span_v * plot_height;
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="series" fill="none" points="{}"/>"#,
        points.join(" ")
    );
    axis(&mut svg, high, low, &clock(first.at), &clock(last.at));
    svg.push_str("</svg>");
    svg
}

/// Row of a sleep level, top to bottom: awake, REM, light (and plain sleeping), deep.
fn row(level: u8) -> (usize, &'static str) {
    match level {
        1 | 3 => (0, "awake"),
        6 => (1, "REM"),
        5 => (3, "deep"),
        4 => (2, "light"),
        2 => (2, "asleep"),
        _ => (2, "unknown"),
    }
}

/// A hypnogram: one band per stage run, on the row of its level.
pub fn hypnogram(label: &str, stages: &[StageRun]) -> String {
    let mut svg = open(label, "hypnogram");
    let (Some(first), Some(last)) = (stages.first(), stages.last()) else {
        svg.push_str(
            r#"<text class="empty" x="50%" y="50%" text-anchor="middle">no stages</text></svg>"#,
        );
        return svg;
    };
    let span = (last.end - first.start).max(1) as f64;
    let row_height = (HEIGHT - BOTTOM - TOP) / 4.0;
    for (index, name) in ["awake", "REM", "light", "deep"].iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text class="tick" x="{x}" y="{y:.1}" text-anchor="end">{name}</text>"#,
            x = LEFT - 4.0,
            y = TOP + row_height * (index as f64 + 0.7),
        );
    }
    for stage in stages {
        let (index, name) = row(stage.level);
        let _ = write!(
            svg,
            r#"<rect class="stage stage-{name}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{name}: {from} to {to}</title></rect>"#,
            x = LEFT + (stage.start - first.start) as f64 / span * (WIDTH - LEFT),
            y = TOP + row_height * index as f64,
            w = ((stage.end - stage.start) as f64 / span * (WIDTH - LEFT)).max(0.5),
            h = row_height,
            from = clock(stage.start),
            to = clock(stage.end),
        );
    }
    let _ = write!(
        svg,
        r#"<text class="tick" x="{LEFT}" y="{HEIGHT}">{}</text><text class="tick" x="{WIDTH}" y="{HEIGHT}" text-anchor="end">{}</text></svg>"#,
        clock(first.start),
        clock(last.end)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_draw_one_rect_per_day_with_a_value() {
        let days: Vec<NaiveDate> = (1..=3)
            .filter_map(|d| NaiveDate::from_ymd_opt(2026, 3, d))
            .collect();
        let values = [
            DayValue {
                day: days[0],
                value: 10.0,
            },
            DayValue {
                day: days[2],
                value: 5.0,
            },
        ];
        let svg = bars("Steps <per day>", "steps", &days, &values);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("aria-label=\"Steps &lt;per day&gt;\""));
        assert!(svg.contains("2026-03-01: 10 steps") && !svg.contains("no data"));
        assert!(bars("Steps", "steps", &days, &[]).contains("no data"));
    }

    #[test]
    fn a_line_spans_its_samples_and_says_when_empty() {
        let samples = [
            Sample { at: 0, value: 60.0 },
            Sample {
                at: 60,
                value: 120.0,
            },
        ];
        let svg = line("Heart rate", &samples);
        assert!(
            svg.contains("<polyline") && svg.contains("44.0,160.0") && svg.contains("640.0,8.0")
        );
        assert!(line("Heart rate", &[]).contains("no samples"));
    }

    #[test]
    fn a_hypnogram_has_a_band_per_stage() {
        let stages = [
            StageRun {
                start: 0,
                end: 600,
                level: 1,
            },
            StageRun {
                start: 600,
                end: 1200,
                level: 5,
            },
        ];
        let svg = hypnogram("Sleep", &stages);
        assert!(svg.contains("stage-awake") && svg.contains("stage-deep"));
        assert_eq!(svg.matches("<rect").count(), 2);
    }
}
