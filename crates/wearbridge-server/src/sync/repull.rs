//! Re-pulls: a developer (`POST /wearbridge/v1/users/{id}/backfill`) or an operator
//! (`wearbridge users backfill`) asks for a range to be fetched from the provider again,
//! whatever the coverage ledger says. Queued as a durable backfill job in refresh mode;
//! its progress shows on `GET /wearbridge/v1/users/{id}/sync`.

use chrono::NaiveDate;
use serde::Serialize;
use wearbridge_model::DataType;
use wearbridge_store::{Store, User};

use crate::jobs::backfill::enqueue_repull;

/// Longest re-pull, in days: Terra's rule r1 for one request.
pub const MAX_REPULL_DAYS: i64 = 1_825;

/// Why a re-pull was refused.
#[derive(Debug, thiserror::Error)]
pub enum RepullError {
    #[error("end_date must not be before start_date")]
    EndBeforeStart,
    #[error("a re-pull spans at most {MAX_REPULL_DAYS} days; this one spans {0}")]
    TooLong(i64),
    #[error(
        "the user is not active (the provider no longer accepts the grant); they must reconnect"
    )]
    Inactive,
    #[error("provider {provider} does not offer {types}")]
    Unsupported { provider: String, types: String },
    #[error("provider {0} is not enabled on this deployment")]
    ProviderNotEnabled(String),
    #[error(transparent)]
    Store(#[from] wearbridge_store::StoreError),
}

/// What was queued.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepullQueued {
    /// The backfill job (`null` when the same re-pull is already queued or running).
    pub job_id: Option<String>,
    pub user_id: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// The data types fetched, in the provider's order.
    #[schema(value_type = Vec<String>)]
    pub types: Vec<DataType>,
    /// `queued`, or `already_queued`.
    pub status: &'static str,
}

/// Queues the re-pull of `start..=end` of `types` (`None`: every type in `supported`,
/// the provider adapter's list) for `user`, at `now` (unix µs).
pub async fn repull(
    (store, now): (&Store, i64),
    user: &User,
    supported: &[DataType],
    (start, end): (NaiveDate, NaiveDate),
    types: Option<Vec<DataType>>,
) -> Result<RepullQueued, RepullError> {
    if end < start {
        return Err(RepullError::EndBeforeStart);
    }
    let days = (end - start).num_days() + 1;
    if days > MAX_REPULL_DAYS {
        return Err(RepullError::TooLong(days));
    }
    if !user.active {
        return Err(RepullError::Inactive);
    }
    if let Some(types) = &types {
        let missing: Vec<&str> = types
            .iter()
            .filter(|data_type| !supported.contains(data_type))
            .map(|data_type| data_type.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(RepullError::Unsupported {
                provider: user.provider.clone(),
                types: missing.join(", "),
            });
        }
    }
    let fetched = match &types {
        Some(types) => supported
            .iter()
            .copied()
            .filter(|data_type| types.contains(data_type))
            .collect(),
        None => supported.to_vec(),
    };
    let job = enqueue_repull(store, user, (start, end), types, now).await?;
    crate::jobs::backfill::QUEUED.notify_waiters();
    Ok(RepullQueued {
        status: if job.is_some() {
            "queued"
        } else {
            "already_queued"
        },
        job_id: job.map(|id| id.to_string()),
        user_id: user.id.to_string(),
        start_date: start,
        end_date: end,
        types: fetched,
    })
}
