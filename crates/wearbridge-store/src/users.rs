//! End users, always scoped by developer. Deauthenticated users are invisible to every
//! lookup here: Terra answers for them as for users that never existed.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};
use wearbridge_model::DataType;

use crate::ids::{DeveloperId, UserId};
use crate::rows::{self, flag, json_list, user_columns};
use crate::types::{NewUser, Page, User, UserPatch};
use crate::{Backend, Result, Store, StoreTx, now_micros};

const INSERT: &str = "INSERT INTO users \
     (id, developer_id, provider, provider_user_id, reference_id, scopes, active, \
      deauthenticated, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7)";
const GET: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE developer_id = $1 AND id = $2 AND deauthenticated = 0"
);
/// A user and, in the same statement, that user's records of one type in a range joined
/// with `,` (see `Store::query_records_joined`): the hot read behind `GET /v2/{type}` in one
/// round trip. The four variants are (payload column) x (range by instant or local day).
macro_rules! user_with_records {
    ($column:literal, $range:literal) => {
        concat!(
            "SELECT ",
            user_columns!(),
            ", (SELECT string_agg(",
            $column,
            ", ',' ORDER BY start_ts, identity) FROM records \
             WHERE developer_id = $1 AND user_id = $2 AND data_type = $3 AND ",
            $range,
            ") AS bodies FROM users \
             WHERE developer_id = $1 AND id = $2 AND deauthenticated = 0"
        )
    };
}
const USER_RECORDS_TS: &str =
    user_with_records!("payload_no_samples", "start_ts >= $4 AND start_ts < $5");
const USER_RECORDS_TS_SAMPLES: &str =
    user_with_records!("payload", "start_ts >= $4 AND start_ts < $5");
const USER_RECORDS_DAYS: &str = user_with_records!(
    "payload_no_samples",
    "local_date >= $4 AND local_date <= $5"
);
const USER_RECORDS_DAYS_SAMPLES: &str =
    user_with_records!("payload", "local_date >= $4 AND local_date <= $5");
const BY_REFERENCE: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE developer_id = $1 AND reference_id = $2 AND deauthenticated = 0 \
     ORDER BY created_at, id"
);
const BY_PROVIDER_ACCOUNT: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE developer_id = $1 AND provider = $2 AND provider_user_id = $3 \
     AND deauthenticated = 0 ORDER BY created_at DESC, id LIMIT 1"
);
const LIST_PAGE: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE developer_id = $1 AND deauthenticated = 0 \
     ORDER BY created_at, id LIMIT $2 OFFSET $3"
);
const LIST_ALL: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE developer_id = $1 AND deauthenticated = 0 ORDER BY created_at, id"
);
const COUNT: &str =
    "SELECT COUNT(*) AS n FROM users WHERE developer_id = $1 AND deauthenticated = 0";
const GET_MANY_SQLITE: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE developer_id = $1 AND deauthenticated = 0 \
     AND id IN (SELECT value FROM json_each($2))"
);
const GET_MANY_POSTGRES: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE developer_id = $1 AND deauthenticated = 0 \
     AND id IN (SELECT jsonb_array_elements_text($2::jsonb))"
);
/// `$3`/`$5` say whether to touch `reference_id`/`active`, so one statement serves every
/// patch shape.
const UPDATE: &str = concat!(
    "UPDATE users SET \
     reference_id = CASE WHEN $3 = 1 THEN $4 ELSE reference_id END, \
     active = CASE WHEN $5 = 1 THEN $6 ELSE active END \
     WHERE developer_id = $1 AND id = $2 AND deauthenticated = 0 RETURNING ",
    user_columns!()
);
/// Replaces the scopes with `$4` only while they are still `$3` (NULL and empty alike):
/// a compare-and-swap, so two concurrent changes computed from the same old scopes cannot
/// both apply (the loser re-reads).
const SWAP_SCOPES: &str = concat!(
    "UPDATE users SET scopes = $4 \
     WHERE developer_id = $1 AND id = $2 AND deauthenticated = 0 \
     AND COALESCE(scopes, '') = COALESCE($3, '') RETURNING ",
    user_columns!()
);
const DEAUTHENTICATE: &str = "UPDATE users SET deauthenticated = 1, active = 0 \
     WHERE developer_id = $1 AND id = $2 AND deauthenticated = 0";
const TOUCH_WEBHOOK: &str = "UPDATE users SET last_webhook_update = $3 \
     WHERE developer_id = $1 AND id = $2 AND deauthenticated = 0";
const TOUCH_POLLED: &str = "UPDATE users SET last_polled_at = $3 \
     WHERE developer_id = $1 AND id = $2 AND deauthenticated = 0";

/// Largest page size honoured by [`Store::list_users`].
pub const MAX_PER_PAGE: u32 = 10_000;

async fn insert(conn: &mut AnyConnection, dev: &DeveloperId, new: NewUser) -> Result<User> {
    insert_with_id(conn, dev, &UserId::new(), new).await
}

/// Inserts an active, authenticated user under `id` (a fresh one, or one handed out
/// before the connection existed); the one statement both creation paths share.
pub(crate) async fn insert_with_id(
    conn: &mut AnyConnection,
    dev: &DeveloperId,
    id: &UserId,
    new: NewUser,
) -> Result<User> {
    let user = User {
        id: id.clone(),
        developer_id: dev.clone(),
        provider: new.provider,
        provider_user_id: new.provider_user_id,
        reference_id: new.reference_id,
        scopes: new.scopes,
        active: true,
        deauthenticated: false,
        created_at: now_micros(),
        last_webhook_update: None,
        last_polled_at: None,
        most_recent_data_at: None,
    };
    sqlx::query(INSERT)
        .bind(user.id.as_str())
        .bind(dev.as_str())
        .bind(&user.provider)
        .bind(user.provider_user_id.as_deref())
        .bind(user.reference_id.as_deref())
        .bind(user.scopes.as_deref())
        .bind(user.created_at)
        .execute(conn)
        .await?;
    Ok(user)
}

async fn update(
    conn: &mut AnyConnection,
    dev: &DeveloperId,
    id: &UserId,
    patch: UserPatch,
) -> Result<Option<User>> {
    let (set_reference, reference) = match patch.reference_id {
        Some(reference) => (1, reference),
        None => (0, None),
    };
    let (set_active, active) = match patch.active {
        Some(active) => (1, flag(active)),
        None => (0, 0),
    };
    let row = sqlx::query(UPDATE)
        .bind(dev.as_str())
        .bind(id.as_str())
        .bind(set_reference)
        .bind(reference)
        .bind(set_active)
        .bind(active)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::user).transpose()
}

/// Runs one of the `UPDATE users ... WHERE developer_id = $1 AND id = $2` statements
/// that take an optional third value; true when a row changed.
async fn update_one(
    conn: &mut AnyConnection,
    sql: &'static str,
    dev: &DeveloperId,
    id: &UserId,
    value: Option<i64>,
) -> Result<bool> {
    let mut query = sqlx::query(sql).bind(dev.as_str()).bind(id.as_str());
    if let Some(value) = value {
        query = query.bind(value);
    }
    Ok(query.execute(conn).await?.rows_affected() > 0)
}

impl Store {
    /// Creates a user for `dev` with a fresh [`UserId`], active and authenticated.
    pub async fn create_user(&self, dev: &DeveloperId, new: NewUser) -> Result<User> {
        insert(&mut *self.write.acquire().await?, dev, new).await
    }

    /// The user, if it exists, belongs to `dev` and is not deauthenticated.
    pub async fn get_user(&self, dev: &DeveloperId, id: &UserId) -> Result<Option<User>> {
        let row = sqlx::query(GET)
            .bind(dev.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    /// `dev`'s user `id` (as [`Store::get_user`]) together with its records of
    /// `data_type` in `query`'s range, joined as [`Store::query_records_joined`] joins
    /// them, in one statement. `None` when the user is not `dev`'s or is gone.
    pub async fn get_user_with_records(
        &self,
        dev: &DeveloperId,
        id: &UserId,
        data_type: DataType,
        query: crate::RecordQuery,
    ) -> Result<Option<(User, String)>> {
        let sql = match (query.local_days.is_some(), query.with_samples) {
            (false, false) => USER_RECORDS_TS,
            (false, true) => USER_RECORDS_TS_SAMPLES,
            (true, false) => USER_RECORDS_DAYS,
            (true, true) => USER_RECORDS_DAYS_SAMPLES,
        };
        let statement = sqlx::query(sql)
            .bind(dev.as_str())
            .bind(id.as_str())
            .bind(data_type.as_str());
        let statement = match query.local_days {
            Some((first, last)) => statement.bind(first.to_string()).bind(last.to_string()),
            None => statement.bind(query.start_ts).bind(query.end_ts),
        };
        let Some(row) = statement.fetch_optional(&self.read).await? else {
            return Ok(None);
        };
        let user = rows::user(&row)?;
        // The aggregate of no rows is NULL on both backends.
        let bodies = row.try_get::<Option<String>, _>("bodies")?;
        Ok(Some((user, bodies.unwrap_or_default())))
    }

    /// All of `dev`'s users with this reference id (Terra allows duplicates), oldest first.
    pub async fn users_by_reference_id(
        &self,
        dev: &DeveloperId,
        reference_id: &str,
    ) -> Result<Vec<User>> {
        let rows = sqlx::query(BY_REFERENCE)
            .bind(dev.as_str())
            .bind(reference_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(rows::user).collect()
    }

    /// One page of `dev`'s users in creation order, and the total number of users.
    /// `page` is zero-based; `per_page` is clamped to `1..=MAX_PER_PAGE`.
    pub async fn list_users(&self, dev: &DeveloperId, page: Page) -> Result<(Vec<User>, i64)> {
        let per_page = i64::from(page.per_page.clamp(1, MAX_PER_PAGE));
        let offset = i64::from(page.page).saturating_mul(per_page);
        let rows = sqlx::query(LIST_PAGE)
            .bind(dev.as_str())
            .bind(per_page)
            .bind(offset)
            .fetch_all(&self.read)
            .await?;
        let users = rows.iter().map(rows::user).collect::<Result<Vec<_>>>()?;
        let count = sqlx::query(COUNT)
            .bind(dev.as_str())
            .fetch_one(&self.read)
            .await?;
        Ok((users, sqlx::Row::try_get(&count, "n")?))
    }

    /// Every user of `dev` in creation order.
    pub async fn list_all_users(&self, dev: &DeveloperId) -> Result<Vec<User>> {
        let rows = sqlx::query(LIST_ALL)
            .bind(dev.as_str())
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(rows::user).collect()
    }

    /// The users among `ids` that `dev` can see, in the order of `ids` (duplicates and
    /// unknown ids dropped). One statement whatever the number of ids.
    pub async fn get_users(&self, dev: &DeveloperId, ids: &[UserId]) -> Result<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = match self.backend {
            Backend::Sqlite => GET_MANY_SQLITE,
            Backend::Postgres => GET_MANY_POSTGRES,
        };
        let rows = sqlx::query(sql)
            .bind(dev.as_str())
            .bind(json_list(ids)?)
            .fetch_all(&self.read)
            .await?;
        let mut found = rows.iter().map(rows::user).collect::<Result<Vec<_>>>()?;
        // First position of each id, so ordering stays O(n log n) for bulk requests.
        let mut position = HashMap::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            position.entry(id.as_str()).or_insert(index);
        }
        found.sort_by_key(|user| position.get(user.id.as_str()).copied());
        Ok(found)
    }

    /// The newest visible user of `dev` connected to this provider account.
    pub async fn find_user_by_provider_account(
        &self,
        dev: &DeveloperId,
        provider: &str,
        provider_user_id: &str,
    ) -> Result<Option<User>> {
        let row = sqlx::query(BY_PROVIDER_ACCOUNT)
            .bind(dev.as_str())
            .bind(provider)
            .bind(provider_user_id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    /// Applies `patch`; the updated user, or `None` when `dev` cannot see the user.
    pub async fn update_user(
        &self,
        dev: &DeveloperId,
        id: &UserId,
        patch: UserPatch,
    ) -> Result<Option<User>> {
        let updated = update(&mut *self.write.acquire().await?, dev, id, patch).await?;
        if updated.is_some() {
            self.changed(id).await?;
        }
        Ok(updated)
    }

    /// Marks the user deauthenticated (and inactive); false when `dev` cannot see it.
    pub async fn mark_deauthenticated(&self, dev: &DeveloperId, id: &UserId) -> Result<bool> {
        let done = {
            let mut conn = self.write.acquire().await?;
            update_one(&mut conn, DEAUTHENTICATE, dev, id, None).await?
        };
        if done {
            self.changed(id).await?;
        }
        Ok(done)
    }

    /// Records when a webhook about the user was last sent (unix microseconds).
    pub async fn touch_last_webhook_update(
        &self,
        dev: &DeveloperId,
        id: &UserId,
        micros: i64,
    ) -> Result<bool> {
        let done = {
            let mut conn = self.write.acquire().await?;
            update_one(&mut conn, TOUCH_WEBHOOK, dev, id, Some(micros)).await?
        };
        if done {
            self.changed(id).await?;
        }
        Ok(done)
    }

    /// Records when the provider was last polled for the user (unix microseconds). Not a
    /// change of the user's reads (`last_polled_at` is not served), so versions stay.
    pub async fn touch_last_polled_at(
        &self,
        dev: &DeveloperId,
        id: &UserId,
        micros: i64,
    ) -> Result<bool> {
        let mut conn = self.write.acquire().await?;
        update_one(&mut conn, TOUCH_POLLED, dev, id, Some(micros)).await
    }
}

impl StoreTx<'_> {
    /// [`Store::create_user`] inside this transaction.
    pub async fn create_user(&mut self, dev: &DeveloperId, new: NewUser) -> Result<User> {
        insert(&mut self.tx, dev, new).await
    }

    /// [`Store::update_user`] inside this transaction.
    pub async fn update_user(
        &mut self,
        dev: &DeveloperId,
        id: &UserId,
        patch: UserPatch,
    ) -> Result<Option<User>> {
        self.touch(id);
        update(&mut self.tx, dev, id, patch).await
    }

    /// Sets the user's scopes to `scopes` if they are still `expected` (`None` and `""`
    /// count as equal). The updated user, or `None` when they changed in the meantime (or
    /// `dev` cannot see the user): read them again and recompute.
    pub async fn swap_user_scopes(
        &mut self,
        dev: &DeveloperId,
        id: &UserId,
        expected: Option<&str>,
        scopes: &str,
    ) -> Result<Option<User>> {
        self.touch(id);
        let row = sqlx::query(SWAP_SCOPES)
            .bind(dev.as_str())
            .bind(id.as_str())
            .bind(expected)
            .bind(scopes)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    /// [`Store::mark_deauthenticated`] inside this transaction.
    pub async fn mark_deauthenticated(&mut self, dev: &DeveloperId, id: &UserId) -> Result<bool> {
        self.touch(id);
        update_one(&mut self.tx, DEAUTHENTICATE, dev, id, None).await
    }

    /// [`Store::touch_last_webhook_update`] inside this transaction.
    pub async fn touch_last_webhook_update(
        &mut self,
        dev: &DeveloperId,
        id: &UserId,
        micros: i64,
    ) -> Result<bool> {
        self.touch(id);
        update_one(&mut self.tx, TOUCH_WEBHOOK, dev, id, Some(micros)).await
    }
}
