//! Runs each store test on SQLite and on PostgreSQL (when `WEARBRIDGE_TEST_POSTGRES_URL`
//! is set), each time against a fresh database.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::future::Future;

use wearbridge_model::DataType;
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{
    Backend, Developer, NewDeveloper, NewRecord, NewUser, Store, StoreError, User, testing,
};

pub type TestResult = Result<(), StoreError>;

/// Runs `test` against a fresh, migrated store of `backend`; skips (with a note) when
/// PostgreSQL is not configured. Panics — failing the test — on any error.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = TestResult>,
{
    let fresh = testing::fresh_store(backend).await;
    let (store, guard) = match fresh {
        Ok(Some(pair)) => pair,
        Ok(None) => return,
        Err(error) => panic!("cannot create a {backend:?} test database: {error}"),
    };
    let outcome = test(store.clone()).await;
    store.close().await;
    drop(guard);
    if let Err(error) = outcome {
        panic!("{backend:?}: {error}");
    }
}

/// Declares one `#[tokio::test]` per backend for each listed async test function.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run(wearbridge_store::Backend::Sqlite, super::$name).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run(wearbridge_store::Backend::Postgres, super::$name).await;
                }
            )+
        }
    };
}

pub async fn developer(store: &Store, name: &str) -> Result<Developer, StoreError> {
    store
        .create_developer(NewDeveloper {
            name: name.to_owned(),
            api_key_hash: format!("hash-of-{name}"),
            webhook_url: None,
            webhook_secret_enc: format!("enc-secret-of-{name}"),
        })
        .await
}

pub async fn user(store: &Store, dev: &DeveloperId, reference: &str) -> Result<User, StoreError> {
    store
        .create_user(
            dev,
            NewUser {
                provider: "GARMIN".to_owned(),
                provider_user_id: Some(format!("garmin-{reference}")),
                reference_id: Some(reference.to_owned()),
                scopes: Some("activity,sleep".to_owned()),
            },
        )
        .await
}

/// Microseconds in one day.
pub const DAY: i64 = 86_400_000_000;
/// 2026-01-01T00:00:00Z in unix microseconds.
pub const JAN_1: i64 = 1_767_225_600_000_000;

/// A daily record for `day` (0 = 2026-01-01) whose JSON says `label`.
pub fn daily(day: i64, label: &str) -> NewRecord {
    let start = JAN_1 + day * DAY;
    NewRecord {
        data_type: DataType::Daily,
        identity: format!("daily-{day}"),
        start_ts: start,
        end_ts: start + DAY,
        local_date: format!("2026-01-{:02}", day + 1),
        payload: format!(r#"{{"day":{day},"label":"{label}","samples":[1,2,3]}}"#),
        payload_no_samples: format!(r#"{{"day":{day},"label":"{label}"}}"#),
        content_hash: format!("hash-{day}-{label}"),
    }
}

pub fn missing_user() -> UserId {
    UserId::new()
}
