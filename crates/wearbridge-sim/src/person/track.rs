//! Second-by-second workout tracks: speed with a warm-up and gentle surges, a slowly
//! wandering heading, elevation as a smooth function of distance, and heart rate rising toward
//! the target with the familiar exponential on-kinetics (time constant ~90 s).
//!
//! Performance: a track is regenerated for every workout summary (distance, elevation gain and
//! heart-rate figures come from the samples), so this loop dominates day generation. Periodic
//! terms are advanced with small rotations ([`Rotor`]) instead of calling `sin`/`cos`/`exp` for
//! every second; see `benches/person.rs`.

use super::activity::{EARTH_RADIUS_M, WorkoutSample};
use super::{GeoPoint, round_to};
use crate::prng::SplitMix64;

/// Everything needed to regenerate a workout's samples.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Track {
    pub(super) seed: u64,
    pub(super) duration_s: i64,
    pub(super) outdoor: bool,
    pub(super) speed_m_s: f64,
    pub(super) awake_hr_bpm: f64,
    pub(super) target_hr_bpm: f64,
    pub(super) max_hr_bpm: f64,
    pub(super) start: GeoPoint,
    pub(super) start_elevation_m: f64,
}

/// The unit vector (cos θ, sin θ), advanced by small rotations without trigonometric calls.
#[derive(Clone, Copy, Debug)]
struct Rotor {
    cos: f64,
    sin: f64,
}

impl Rotor {
    fn new(angle: f64) -> Self {
        Self {
            cos: angle.cos(),
            sin: angle.sin(),
        }
    }

    /// Rotates by `delta` radians. For the |delta| < 0.1 used here the Taylor terms below are
    /// accurate to ~1e-9. One Newton step toward unit length, k = (3 − |v|²) / 2, keeps
    /// rounding errors from accumulating without a square root or division per step.
    fn rotate(&mut self, delta: f64) {
        let d2 = delta * delta;
        let sin_d = delta * (1.0 - d2 * (1.0 / 6.0));
        let cos_d = 1.0 - d2 * 0.5 + d2 * d2 * (1.0 / 24.0);
        let cos = self.cos * cos_d - self.sin * sin_d;
        let sin = self.sin * cos_d + self.cos * sin_d;
        let k = 1.5 - 0.5 * (cos * cos + sin * sin);
        self.cos = cos * k;
        self.sin = sin * k;
    }
}

/// Seconds between refreshes of cos(latitude) for the longitude step (it changes by far less
/// than 0.01 % in a minute of movement).
const LATITUDE_REFRESH_S: i64 = 60;

pub(super) struct TrackIter<'a> {
    track: &'a Track,
    rng: SplitMix64,
    second: i64,
    position: GeoPoint,
    cos_latitude: f64,
    heading: Rotor,
    distance_m: f64,
    /// exp(−t / 90 s): the remaining gap to the target heart rate.
    hr_gap: f64,
    /// exp(−1 s / 90 s), computed once per track.
    hr_decay: f64,
    hr_wave: Rotor,
    speed_wave: Rotor,
    turn_wave: Rotor,
    hills: Rotor,
    bumps: Rotor,
}

impl<'a> TrackIter<'a> {
    pub(super) fn new(track: &'a Track) -> Self {
        let mut rng = SplitMix64::new(track.seed);
        let heading = Rotor::new(rng.range(0.0, std::f64::consts::TAU));
        let phase = rng.range(0.0, std::f64::consts::TAU);
        Self {
            track,
            rng,
            second: 0,
            position: track.start,
            cos_latitude: track.start.latitude.to_radians().cos(),
            heading,
            distance_m: 0.0,
            hr_gap: 1.0,
            hr_decay: (-1.0_f64 / 90.0).exp(),
            hr_wave: Rotor::new(phase),
            speed_wave: Rotor::new(phase),
            turn_wave: Rotor::new(phase),
            hills: Rotor::new(phase),
            bumps: Rotor::new(0.0),
        }
    }

    fn heart_rate(&mut self, t: f64) -> u32 {
        let track = self.track;
        let rise = 1.0 - self.hr_gap;
        let drift = t / 60.0 * 0.15;
        let wave = 4.0 * self.hr_wave.sin;
        let hr = track.awake_hr_bpm + (track.target_hr_bpm - track.awake_hr_bpm) * rise;
        let noisy = hr + drift + wave + self.rng.range(-2.0, 2.0);
        noisy
            .clamp(track.awake_hr_bpm - 5.0, track.max_hr_bpm)
            .round() as u32
    }

    fn speed(&mut self, t: f64) -> f64 {
        if !self.track.outdoor {
            return 0.0;
        }
        let warm_up = (0.6 + 0.4 * t / 60.0).min(1.0);
        let surge = 1.0 + 0.08 * self.speed_wave.sin;
        self.track.speed_m_s * warm_up * surge * self.rng.range(0.97, 1.03)
    }

    /// Rolling hills (~4.4 km wavelength) plus bumps (~1.2 km), as a function of distance.
    fn elevation(&self) -> f64 {
        self.track.start_elevation_m + 12.0 * self.hills.sin + 5.0 * self.bumps.sin
    }

    /// Moves along the heading by `speed` metres and advances the distance-based terms.
    fn advance(&mut self, speed: f64) {
        let turn = 0.02 * self.turn_wave.sin;
        self.heading.rotate(turn + self.rng.range(-0.01, 0.01));
        if self.second % LATITUDE_REFRESH_S == 0 {
            self.cos_latitude = self.position.latitude.to_radians().cos().max(1e-6);
        }
        let d_lat = speed * self.heading.cos / EARTH_RADIUS_M;
        let d_lon = speed * self.heading.sin / (EARTH_RADIUS_M * self.cos_latitude);
        self.position.latitude += d_lat.to_degrees();
        self.position.longitude += d_lon.to_degrees();
        self.distance_m += speed;
        self.hills.rotate(speed / 700.0);
        self.bumps.rotate(speed / 190.0);
    }

    /// Advances the time-based terms by one second.
    fn tick(&mut self) {
        self.hr_gap *= self.hr_decay;
        self.hr_wave.rotate(std::f64::consts::TAU / 240.0);
        self.speed_wave.rotate(std::f64::consts::TAU / 300.0);
        self.turn_wave.rotate(std::f64::consts::TAU / 600.0);
        self.second += 1;
    }
}

impl Iterator for TrackIter<'_> {
    type Item = WorkoutSample;

    fn next(&mut self) -> Option<WorkoutSample> {
        if self.second >= self.track.duration_s {
            return None;
        }
        let t = self.second as f64;
        let hr_bpm = self.heart_rate(t);
        let speed = self.speed(t);
        let outdoor = self.track.outdoor;
        let sample = WorkoutSample {
            offset_s: self.second,
            hr_bpm,
            position: outdoor.then_some(self.position),
            elevation_m: outdoor.then(|| round_to(self.elevation(), 0.1)),
            distance_m: self.distance_m,
            speed_m_s: round_to(speed, 0.01),
        };
        if outdoor {
            self.advance(speed);
        }
        self.tick();
        Some(sample)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotor_tracks_sin_and_cos_over_a_long_run() {
        let mut rotor = Rotor::new(0.3);
        let step = std::f64::consts::TAU / 240.0;
        for _ in 0..7_200 {
            rotor.rotate(step);
        }
        let angle = 0.3 + 7_200.0 * step;
        assert!(
            (rotor.sin - angle.sin()).abs() < 1e-6,
            "{} vs {}",
            rotor.sin,
            angle.sin()
        );
        assert!((rotor.cos - angle.cos()).abs() < 1e-6);
        assert!((rotor.cos * rotor.cos + rotor.sin * rotor.sin - 1.0).abs() < 1e-12);
    }

    #[test]
    fn heart_rate_gap_decays_like_the_exponential() {
        let track = Track {
            seed: 1,
            duration_s: 600,
            outdoor: false,
            speed_m_s: 0.0,
            awake_hr_bpm: 70.0,
            target_hr_bpm: 150.0,
            max_hr_bpm: 190.0,
            start: GeoPoint {
                latitude: 0.0,
                longitude: 0.0,
            },
            start_elevation_m: 0.0,
        };
        let mut iter = TrackIter::new(&track);
        for _ in 0..300 {
            iter.tick();
        }
        assert!((iter.hr_gap - (-300.0_f64 / 90.0).exp()).abs() < 1e-9);
    }
}
