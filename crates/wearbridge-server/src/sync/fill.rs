//! On-demand fills: before a read is answered (in the response or by webhook), fetch
//! from the provider exactly the days of the range the coverage ledger lacks.
//!
//! A fill takes the fetch lock of `(user, data type)` for its whole run, then reads the
//! ledger: a concurrent fill of overlapping days waits, then finds them covered, so no
//! day is fetched twice by this process. Each missing run of days is fetched in
//! [`CHUNK_DAYS`](super::plan::CHUNK_DAYS) windows through the same budgets, token vault
//! and ingest as the plans (upsert by identity, data events for what changed, the
//! window recorded as covered in the same transaction). The ledger is also the fill's
//! checkpoint: a fill cut short (a timeout, a crash, a rate limit) resumes where it
//! stopped the next time anything asks for the same days.

use std::time::Duration;

use wearbridge_model::DataType;
use wearbridge_providers::{FetchRange, HistoryAccess, ProviderError};
use wearbridge_store::User;
use wearbridge_store::coverage::shift_day;

use super::budget::{self, Admission};
use super::coverage::{self, DaySpan, Horizon};
use super::plan::{self, Chunk};
use crate::jobs::{JobError, JobRun};
use crate::services::Services;

/// How a fill ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    /// The wanted days are covered now; `windows` provider windows were fetched for it.
    Covered { windows: usize },
    /// Some wanted days were asked of a provider that answers by push later
    /// ([`HistoryAccess::ByPushAfterRequest`]); they arrive through the push route.
    Requested { windows: usize },
    /// The provider no longer accepts the grant: the user is inactive now
    /// (`access_revoked` sent); what is stored is all there is.
    Revoked,
    /// Nothing can be fetched: the user is inactive or the provider has no such data.
    Unfetchable,
}

/// Why a fill stopped early. What it fetched before stopping stays stored and covered.
#[derive(Debug, thiserror::Error)]
pub enum FillStop {
    /// A rate budget is empty or the provider answered 429: try again at `retry_at`
    /// (unix µs).
    #[error("provider rate limit: retry at {retry_at}")]
    RateLimited { retry_at: i64 },
    /// The provider or the store failed.
    #[error(transparent)]
    Failed(#[from] JobError),
}

impl From<wearbridge_store::StoreError> for FillStop {
    fn from(error: wearbridge_store::StoreError) -> Self {
        FillStop::Failed(error.into())
    }
}

/// Fetches what `wanted` lacks of `user`'s `data_type`. `run`, when the fill works for a
/// job, has its lease extended after every window.
pub async fn fill(
    services: &Services,
    user: &User,
    data_type: DataType,
    wanted: DaySpan,
    run: Option<&JobRun<'_>>,
) -> Result<Filled, FillStop> {
    // An inactive grant, a provider this deployment does not run, or a type the
    // provider does not have: nothing to fetch, and nothing missing either.
    let Some(provider) = services.providers.get(&user.provider) else {
        return Ok(Filled::Unfetchable);
    };
    if !user.active || !provider.supported_types().contains(&data_type) {
        return Ok(Filled::Unfetchable);
    }
    let horizon = Horizon {
        now: services.clock.now(),
        history_days: wearbridge_providers::registry::module(&user.provider)
            .and_then(|module| module.history_days),
        freshness: services.settings.read_freshness,
    };
    let Some(wanted) = horizon.clamp(wanted) else {
        return Ok(Filled::Covered { windows: 0 });
    };
    let _fetching = services
        .fetch_locks
        .lock((user.id.clone(), data_type))
        .await;
    let wanted = (data_type, wanted, &horizon);
    if current_gaps(services, user, wanted).await?.is_empty() {
        return Ok(Filled::Covered { windows: 0 });
    }
    // Users connected through the mobile SDK (and seeded ones) hold no provider grant.
    let dev = &user.developer_id;
    if services
        .store
        .get_connection(dev, &user.id)
        .await?
        .is_none()
    {
        return Ok(Filled::Unfetchable);
    }
    let lease = FetchLease::take(services, user, data_type).await?;
    // Another node may have fetched them while this one waited for the lease.
    let filled = match current_gaps(services, user, wanted).await {
        Ok(gaps) => fetch_gaps(services, user, (data_type, gaps), run, &lease).await,
        Err(error) => Err(error),
    };
    lease.release(services).await;
    filled
}

/// The runs of `wanted` days the ledger lacks now.
async fn current_gaps(
    services: &Services,
    user: &User,
    (data_type, wanted, horizon): (DataType, DaySpan, &Horizon),
) -> Result<Vec<DaySpan>, FillStop> {
    let covered = services
        .store
        .coverage(&user.id, data_type, wanted.first, wanted.last)
        .await?;
    Ok(coverage::gaps(wanted, &covered, horizon))
}

/// Fetches every gap in [`plan::CHUNK_DAYS`] windows while holding `lease`; for a
/// provider whose history comes only by push, the days before its pulled window are
/// asked for instead, one request per gap.
async fn fetch_gaps(
    services: &Services,
    user: &User,
    (data_type, gaps): (DataType, Vec<DaySpan>),
    run: Option<&JobRun<'_>>,
    lease: &FetchLease,
) -> Result<Filled, FillStop> {
    let (provider, ctx) = crate::adapters::user_adapter(services, user).map_err(JobError::from)?;
    let (pulled, requested) = match provider.history_access() {
        HistoryAccess::Synchronous => (gaps, Vec::new()),
        HistoryAccess::ByPushAfterRequest { recent_days } => {
            let today = services.clock.now().date_naive();
            coverage::split_at(&gaps, shift_day(today, 1 - i64::from(recent_days.max(1))))
        }
    };
    let pulled_chunks = pulled
        .iter()
        .flat_map(|gap| plan::chunks(gap.first, gap.last, &[data_type]))
        .map(|chunk| (chunk, false));
    let requested_chunks = requested.iter().map(|gap| {
        let range = FetchRange {
            start: gap.first,
            end: gap.last,
        };
        (Chunk { data_type, range }, true)
    });
    let window = Window {
        services,
        provider: provider.as_ref(),
        ctx: &ctx,
        user,
        run,
        lease,
    };
    let mut rejected = None;
    let mut windows = 0;
    for (chunk, history) in pulled_chunks.chain(requested_chunks) {
        if window.fetch(chunk, history, &mut rejected).await? == Step::Revoked {
            return Ok(Filled::Revoked);
        }
        windows += 1;
    }
    Ok(if requested.is_empty() {
        Filled::Covered { windows }
    } else {
        Filled::Requested { windows }
    })
}

/// What one window's fetch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Stored,
    Revoked,
}

/// Everything one window's fetch needs.
struct Window<'a> {
    services: &'a Services,
    provider: &'a dyn wearbridge_providers::Provider,
    ctx: &'a wearbridge_providers::ProviderCtx,
    user: &'a User,
    run: Option<&'a JobRun<'a>>,
    lease: &'a FetchLease,
}

impl Window<'_> {
    /// Spends the budgets, fetches (or, `history`, requests) `chunk` and stores it, then
    /// extends the leases.
    async fn fetch(
        &self,
        chunk: Chunk,
        history: bool,
        rejected: &mut Option<i64>,
    ) -> Result<Step, FillStop> {
        let (services, user) = (self.services, self.user);
        admit(services, self.provider, user, chunk).await?;
        let done = if history {
            plan::request_history(services, self.provider, self.ctx, user, chunk, rejected).await
        } else {
            plan::fetch_and_store(services, self.provider, self.ctx, user, chunk, rejected).await
        };
        match done {
            Ok(()) => {}
            Err(error) if plan::is_revoked(&error) => {
                plan::revoke_access(services, user).await?;
                return Ok(Step::Revoked);
            }
            Err(error) => return Err(stopped(services, user, error).await?),
        }
        self.lease.extend(services).await?;
        if let Some(run) = self.run {
            plan::extend_lease(run).await?;
        }
        Ok(Step::Stored)
    }
}

/// The store-held fetch lease of `(user, data type)`: the in-process lock keeps this
/// node's fetches apart, the lease other nodes' fills (PostgreSQL). Held for
/// [`FETCH_LEASE`] at a time, extended after every window, released at the end; a
/// crashed holder's lease expires.
struct FetchLease {
    user: wearbridge_store::ids::UserId,
    data_type: DataType,
    holder: String,
}

/// How long a fill holds the fetch lease without extending it.
const FETCH_LEASE: Duration = Duration::from_secs(60);
/// How often a fill waiting for another node's lease looks again.
const LEASE_POLL: Duration = Duration::from_millis(100);

impl FetchLease {
    /// Waits for the lease: at most two lease periods of real time, after which a
    /// holder that neither extended nor released it is gone and the lease is taken.
    async fn take(
        services: &Services,
        user: &User,
        data_type: DataType,
    ) -> Result<FetchLease, FillStop> {
        let lease = FetchLease {
            user: user.id.clone(),
            data_type,
            holder: uuid::Uuid::new_v4().to_string(),
        };
        let give_up = tokio::time::Instant::now() + FETCH_LEASE * 2;
        while !lease.try_take(services, false).await? {
            if tokio::time::Instant::now() >= give_up {
                lease.try_take(services, true).await?;
                break;
            }
            tokio::time::sleep(LEASE_POLL).await;
        }
        Ok(lease)
    }

    /// One attempt; `force` takes it whoever holds it.
    async fn try_take(&self, services: &Services, force: bool) -> Result<bool, FillStop> {
        let now = services.now_micros();
        let until = now.saturating_add(crate::clock::micros(FETCH_LEASE));
        let expired_before = if force { i64::MAX } else { now };
        let key = (&self.user, self.data_type);
        Ok(services
            .store
            .take_fetch_lease(key, &self.holder, until, expired_before)
            .await?)
    }

    async fn extend(&self, services: &Services) -> Result<(), FillStop> {
        self.try_take(services, false).await.map(|_| ())
    }

    async fn release(&self, services: &Services) {
        let key = (&self.user, self.data_type);
        if let Err(error) = services.store.release_fetch_lease(key, &self.holder).await {
            tracing::warn!(error = %error, "fetch lease not released; it expires on its own");
        }
    }
}

/// Spends the budgets for `chunk`, or stops the fill until they refill.
async fn admit(
    services: &Services,
    provider: &dyn wearbridge_providers::Provider,
    user: &User,
    chunk: Chunk,
) -> Result<(), FillStop> {
    match budget::acquire(services, provider, &user.id, chunk.data_type, chunk.range).await? {
        Admission::Go => Ok(()),
        Admission::WaitUntil(retry_at) => Err(FillStop::RateLimited { retry_at }),
    }
}

/// A provider 429 pauses the budget (as in the plans) and stops the fill until the
/// pause ends; a persistent 401/403 sends `connection_error`; anything else fails it.
async fn stopped(services: &Services, user: &User, error: JobError) -> Result<FillStop, FillStop> {
    if let Some(ProviderError::RateLimited { retry_after }) = error.provider() {
        let retry_at = budget::pause(services, &user.provider, &user.id, *retry_after).await?;
        return Ok(FillStop::RateLimited { retry_at });
    }
    Ok(FillStop::Failed(
        plan::interrupted(services, user, error, false).await?,
    ))
}
