//! `wearbridge providers map` for SANDBOX: one raw response body of the simulator's data
//! API to Terra records, through the same mappers the adapter uses.

use super::{mapper, wire};
use crate::TerraRecordData;
use crate::module::MapSourceError;

/// SANDBOX paths (`/sandbox/api/v1/<endpoint>`, or just `/<endpoint>`). Menstruation and
/// nutrition days carry no offset of their own (the adapter takes it from the profile);
/// a lone body has no profile, so they are placed at UTC, which `providers map` says.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    fn page<T: serde::de::DeserializeOwned>(body: &str) -> Result<Vec<T>, MapSourceError> {
        serde_json::from_str::<wire::ListPage<T>>(body)
            .map(|page| page.data)
            .map_err(|error| MapSourceError::Body(error.to_string()))
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let endpoint = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or_default();
    let utc = chrono::FixedOffset::east_opt(0);
    let records: Vec<TerraRecordData> = match endpoint {
        "profile" => {
            let profile: wire::Profile = serde_json::from_str(body)
                .map_err(|error| MapSourceError::Body(error.to_string()))?;
            vec![mapper::athlete(&profile).into()]
        }
        "me" => {
            let me: wire::Me = serde_json::from_str(body)
                .map_err(|error| MapSourceError::Body(error.to_string()))?;
            vec![mapper::athlete(&me.profile).into()]
        }
        "daily" => page::<wire::Daily>(body)?
            .iter()
            .map(|d| mapper::daily(d).into())
            .collect(),
        "sleep" => page::<wire::Sleep>(body)?
            .iter()
            .map(|s| mapper::sleep(s).into())
            .collect(),
        "workouts" => page::<wire::Workout>(body)?
            .iter()
            .map(|w| mapper::activity(w).into())
            .collect(),
        "body" => page::<wire::Body>(body)?
            .iter()
            .filter_map(mapper::body)
            .map(Into::into)
            .collect(),
        "menstruation" => page::<wire::Menstruation>(body)?
            .iter()
            .filter_map(|m| utc.and_then(|offset| mapper::menstruation(m, offset)))
            .map(Into::into)
            .collect(),
        "nutrition" => page::<wire::Nutrition>(body)?
            .iter()
            .filter_map(|n| utc.and_then(|offset| mapper::nutrition(n, offset)))
            .map(Into::into)
            .collect(),
        _ => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?} is not a SANDBOX data path (profile, me, daily, sleep, workouts, body, menstruation, nutrition)"
            )));
        }
    };
    Ok(records)
}
