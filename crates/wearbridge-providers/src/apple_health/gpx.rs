//! Workout routes: the GPX files Apple writes under `workout-routes/` next to
//! `export.xml` (the XML only names them).

use std::io::BufRead;

use chrono::{DateTime, FixedOffset};
use quick_xml::Reader;
use quick_xml::events::Event;

/// One route point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoutePoint {
    pub latitude: f64,
    pub longitude: f64,
    pub elevation_m: Option<f64>,
    pub time: Option<DateTime<FixedOffset>>,
}

/// The `trkpt`s of a GPX document; a malformed file gives the points read so far (a
/// route is an extra, never a reason to refuse the import).
pub fn route_points<R: BufRead>(source: R) -> Vec<RoutePoint> {
    let mut reader = Reader::from_reader(source);
    reader.config_mut().trim_text(true);
    let mut buffer = Vec::new();
    let mut points = Vec::new();
    let mut field: Option<&'static str> = None;
    loop {
        buffer.clear();
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(tag)) | Ok(Event::Empty(tag)) => match tag.name().as_ref() {
                b"trkpt" => {
                    let attr = |key: &[u8]| {
                        tag.attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == key)
                            .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse().ok())
                    };
                    if let (Some(latitude), Some(longitude)) = (attr(b"lat"), attr(b"lon")) {
                        points.push(RoutePoint {
                            latitude,
                            longitude,
                            elevation_m: None,
                            time: None,
                        });
                    }
                }
                b"ele" => field = Some("ele"),
                b"time" => field = Some("time"),
                _ => field = None,
            },
            Ok(Event::Text(text)) => {
                let text = String::from_utf8_lossy(&text).into_owned();
                if let (Some(name), Some(point)) = (field.take(), points.last_mut()) {
                    match name {
                        "ele" => point.elevation_m = text.trim().parse().ok(),
                        _ => point.time = DateTime::parse_from_rfc3339(text.trim()).ok(),
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return points,
            _ => {}
        }
    }
}
