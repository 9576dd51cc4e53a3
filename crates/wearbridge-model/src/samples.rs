//! Samples-free copies of records, for `with_samples=false`.

use serde_json::Value;

use crate::DataType;
use crate::generated::sample_paths;

/// Removes the sample (time-series) arrays from a record's JSON, as Terra
/// does when a data request has `with_samples=false`.
///
/// Which keys are samples comes from the schemas, not from a guess at run time:
/// the array properties named `samples`, `*_samples` or `*_samples_*`
/// (`hrv_samples_rmssd`), at the paths listed per model by the generator.
/// Summaries and non-sample arrays (`laps`, `measurements`, `meals`,
/// `ecg_signal`, `hr_zone_data`, ...) stay. Keys not at those paths are never
/// touched, so a value that is not a record of `data_type` is left as it was.
pub fn strip_samples(value: &mut Value, data_type: DataType) {
    for path in sample_paths(data_type) {
        remove_path(value, path);
    }
}

fn remove_path(value: &mut Value, path: &[&str]) {
    match path {
        [] => {}
        ["*", rest @ ..] => {
            if let Value::Array(items) = value {
                for item in items {
                    remove_path(item, rest);
                }
            }
        }
        [last] => {
            if let Value::Object(map) = value {
                map.remove(*last);
            }
        }
        [head, rest @ ..] => {
            if let Some(child) = value.get_mut(*head) {
                remove_path(child, rest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn removes_sample_arrays_and_keeps_summaries() {
        let mut activity = json!({
            "metadata": {"summary_id": "a"},
            "heart_rate_data": {
                "summary": {"avg_hr_bpm": 120.0, "hr_zone_data": [{"zone": 1}]},
                "detailed": {"hr_samples": [{"bpm": 120.0}], "hrv_samples_rmssd": [], "hrv_samples_sdnn": []}
            },
            "lap_data": {"laps": [{"calories": 10.0}]},
            "position_data": {"position_samples": [], "start_pos_lat_lng_deg": [1.0, 2.0]}
        });
        strip_samples(&mut activity, DataType::Activity);
        assert_eq!(
            activity,
            json!({
                "metadata": {"summary_id": "a"},
                "heart_rate_data": {
                    "summary": {"avg_hr_bpm": 120.0, "hr_zone_data": [{"zone": 1}]},
                    "detailed": {}
                },
                "lap_data": {"laps": [{"calories": 10.0}]},
                "position_data": {"start_pos_lat_lng_deg": [1.0, 2.0]}
            })
        );
    }

    #[test]
    fn nested_paths_and_null_parents_are_handled() {
        let mut body = json!({
            "heart_data": {"heart_rate_data": {"detailed": {"hr_samples": [1]}}, "ecg_signal": []},
            "glucose_data": null
        });
        strip_samples(&mut body, DataType::Body);
        assert_eq!(
            body,
            json!({"heart_data": {"heart_rate_data": {"detailed": {}}, "ecg_signal": []}, "glucose_data": null})
        );
    }

    #[test]
    fn sleep_respiration_samples_are_removed() {
        let mut sleep = json!({"respiration_data": {"breaths_data": {"samples": [], "avg_breaths_per_min": 14.0}}});
        strip_samples(&mut sleep, DataType::Sleep);
        assert_eq!(
            sleep,
            json!({"respiration_data": {"breaths_data": {"avg_breaths_per_min": 14.0}}})
        );
    }
}
