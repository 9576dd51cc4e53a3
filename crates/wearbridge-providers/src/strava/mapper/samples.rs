//! Strava streams as Terra samples: every stream is indexed like the `time` stream
//! (seconds since the activity's start), which gives each sample its instant; the
//! `moving` stream, when present, gives `timer_duration_seconds` (Terra: seconds since the
//! start excluding pauses), else the timer is the elapsed time. Samples without a usable
//! time, and `null` values (sensor drop-outs), are left out rather than invented.

use chrono::{DateTime, FixedOffset, TimeDelta};
use wearbridge_model::{
    CadenceSample, DistanceDataDetailed, DistanceSample, ElevationSample, HeartRateDataDetailed,
    HeartRateDataSample, PositionSample, PowerSample, SpeedSample, Timestamp,
};

use crate::strava::wire::{Stream, StreamSet};

/// Longest activity whose samples are placed (a week); later times are treated as broken.
const MAX_SAMPLE_SECONDS: f64 = 7.0 * 86_400.0;

/// The clock of one stream index: its instant and its timer (moving) seconds.
#[derive(Debug, Clone, Copy)]
struct Tick {
    at: Timestamp,
    timer: f64,
}

/// An activity's streams with the instant of every index.
pub(crate) struct Samples<'a> {
    streams: &'a StreamSet,
    ticks: Vec<Option<Tick>>,
}

impl<'a> Samples<'a> {
    /// Places `streams` after `start` (the activity's start in the athlete's offset).
    pub(crate) fn new(streams: &'a StreamSet, start: DateTime<FixedOffset>) -> Samples<'a> {
        let times = streams
            .time
            .as_ref()
            .map_or(&[][..], |stream| stream.data.as_slice());
        let moving = streams.moving.as_ref().map(|stream| stream.data.as_slice());
        let mut ticks = Vec::with_capacity(times.len());
        let mut timer = 0.0;
        let mut previous: Option<f64> = None;
        for (index, time) in times.iter().enumerate() {
            let Some(seconds) =
                time.filter(|t| t.is_finite() && (0.0..=MAX_SAMPLE_SECONDS).contains(t))
            else {
                ticks.push(None);
                continue;
            };
            let step = previous.map_or(0.0, |previous| (seconds - previous).max(0.0));
            let is_moving = moving
                .and_then(|flags| flags.get(index).copied().flatten())
                .unwrap_or(true);
            if is_moving {
                timer += step;
            }
            previous = Some(seconds);
            let at = TimeDelta::try_milliseconds((seconds * 1000.0).round() as i64)
                .and_then(|offset| start.checked_add_signed(offset));
            ticks.push(at.map(|at| Tick {
                at: Timestamp::from_datetime(at),
                timer,
            }));
        }
        Samples { streams, ticks }
    }

    /// One sample per index where both the time and `stream`'s value are usable; `None`
    /// when that leaves none.
    fn series<T, S>(
        &self,
        stream: Option<&Stream<T>>,
        make: impl Fn(Tick, &T) -> Option<S>,
    ) -> Option<Vec<S>> {
        let values = &stream?.data;
        let samples: Vec<S> = self
            .ticks
            .iter()
            .zip(values)
            .filter_map(|(tick, value)| make((*tick)?, value.as_ref()?))
            .collect();
        (!samples.is_empty()).then_some(samples)
    }

    /// A finite reading, or `None`.
    fn finite(value: f64) -> Option<f64> {
        value.is_finite().then_some(value)
    }

    /// Heart rate, bpm (zero readings are a lost strap, not a heart rate).
    pub(crate) fn heart_rate(&self) -> Option<HeartRateDataDetailed> {
        let samples = self.series(self.streams.heartrate.as_ref(), |tick, bpm| {
            let bpm = Self::finite(*bpm).filter(|bpm| *bpm > 0.0)?;
            Some(HeartRateDataSample {
                timestamp: Some(tick.at),
                bpm: Some(bpm),
                timer_duration_seconds: Some(tick.timer),
                context: None,
            })
        })?;
        Some(HeartRateDataDetailed {
            hr_samples: Some(samples),
            ..HeartRateDataDetailed::default()
        })
    }

    /// The lowest heart-rate reading of the activity (Strava's summary has none).
    pub(crate) fn min_heart_rate(&self) -> Option<f64> {
        self.heart_rate()?
            .hr_samples?
            .iter()
            .filter_map(|sample| sample.bpm)
            .reduce(f64::min)
    }

    /// Cumulative distance from the start (metres) and altitude (metres).
    pub(crate) fn distance(&self) -> Option<DistanceDataDetailed> {
        let distance_samples = self.series(self.streams.distance.as_ref(), |tick, metres| {
            Some(DistanceSample {
                timestamp: Some(tick.at),
                distance_meters: Some(Self::finite(*metres).filter(|m| *m >= 0.0)?),
                timer_duration_seconds: Some(tick.timer),
            })
        });
        let elevation_samples = self.series(self.streams.altitude.as_ref(), |tick, metres| {
            Some(ElevationSample {
                timestamp: Some(tick.at),
                elev_meters: Some(Self::finite(*metres)?),
                timer_duration_seconds: Some(tick.timer),
            })
        });
        (distance_samples.is_some() || elevation_samples.is_some()).then(|| DistanceDataDetailed {
            distance_samples,
            elevation_samples,
            ..DistanceDataDetailed::default()
        })
    }

    /// Smoothed speed, m/s.
    pub(crate) fn speed(&self) -> Option<Vec<SpeedSample>> {
        self.series(self.streams.velocity_smooth.as_ref(), |tick, speed| {
            Some(SpeedSample {
                timestamp: Some(tick.at),
                speed_meters_per_second: Some(Self::finite(*speed).filter(|s| *s >= 0.0)?),
                timer_duration_seconds: Some(tick.timer),
            })
        })
    }

    /// Cadence, per minute.
    pub(crate) fn cadence(&self) -> Option<Vec<CadenceSample>> {
        self.series(self.streams.cadence.as_ref(), |tick, rpm| {
            Some(CadenceSample {
                timestamp: Some(tick.at),
                cadence_rpm: Some(Self::finite(*rpm).filter(|r| *r >= 0.0)?),
                timer_duration_seconds: Some(tick.timer),
            })
        })
    }

    /// Power, watts.
    pub(crate) fn power(&self) -> Option<Vec<PowerSample>> {
        self.series(self.streams.watts.as_ref(), |tick, watts| {
            Some(PowerSample {
                timestamp: Some(tick.at),
                watts: Some(Self::finite(*watts).filter(|w| *w >= 0.0)?),
                timer_duration_seconds: Some(tick.timer),
            })
        })
    }

    /// GPS positions, `[lat, lng]` degrees.
    pub(crate) fn position(&self) -> Option<Vec<PositionSample>> {
        self.series(self.streams.latlng.as_ref(), |tick, pair| {
            let [lat, lng] = pair.as_slice() else {
                return None;
            };
            let valid = (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lng);
            valid.then(|| PositionSample {
                timestamp: Some(tick.at),
                coords_lat_lng_deg: Some(vec![*lat, *lng]),
                timer_duration_seconds: Some(tick.timer),
            })
        })
    }
}
