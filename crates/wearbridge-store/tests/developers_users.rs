//! Developers and users on both backends, with tenant isolation.

mod common;

use common::{TestResult, developer, missing_user, user};
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::{NewUser, Page, Store, StoreError, UserPatch};

on_both_backends!(
    migrate_twice_and_ping,
    developer_round_trip,
    developer_updates_report_missing_rows,
    users_are_scoped_to_their_developer,
    user_listing_pages_in_creation_order,
    get_users_keeps_request_order_and_drops_foreign_ids,
    update_user_applies_only_given_fields,
    deauthenticated_users_disappear,
    provider_account_and_touch,
    foreign_keys_are_enforced,
    transaction_user_writes_commit_or_vanish_together,
    scopes_swap_only_from_the_expected_value,
);

async fn migrate_twice_and_ping(store: Store) -> TestResult {
    store.migrate().await?;
    store.ping().await?;
    assert_eq!(store.count_developers().await?, 0);
    Ok(())
}

async fn developer_round_trip(store: Store) -> TestResult {
    let first = developer(&store, "first").await?;
    let second = developer(&store, "second").await?;
    assert_ne!(first.id, second.id);
    assert_eq!(store.find_developer(&first.id).await?, Some(first.clone()));
    assert_eq!(store.find_developer(&DeveloperId::new()).await?, None);
    assert_eq!(store.count_developers().await?, 2);
    let listed: Vec<_> = store
        .list_developers()
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, vec![first.id, second.id]);
    Ok(())
}

async fn developer_updates_report_missing_rows(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    assert!(store.set_api_key_hash(&dev.id, "new-hash").await?);
    assert!(
        store
            .set_webhook_url(&dev.id, Some("https://example.test/hook"))
            .await?
    );
    assert!(store.set_webhook_secret(&dev.id, "new-secret").await?);
    let found = store
        .find_developer(&dev.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(found.api_key_hash, "new-hash");
    assert_eq!(
        found.webhook_url.as_deref(),
        Some("https://example.test/hook")
    );
    assert_eq!(found.webhook_secret_enc, "new-secret");
    assert!(store.set_webhook_url(&dev.id, None).await?);
    let cleared = store
        .find_developer(&dev.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(cleared.webhook_url, None);

    let nobody = DeveloperId::new();
    assert!(!store.set_api_key_hash(&nobody, "x").await?);
    assert!(!store.set_webhook_url(&nobody, None).await?);
    assert!(!store.set_webhook_secret(&nobody, "x").await?);
    Ok(())
}

async fn users_are_scoped_to_their_developer(store: Store) -> TestResult {
    let alice = developer(&store, "alice").await?;
    let bob = developer(&store, "bob").await?;
    let user = user(&store, &alice.id, "ref-1").await?;
    assert!(user.active && !user.deauthenticated);
    assert_eq!(
        store.get_user(&alice.id, &user.id).await?,
        Some(user.clone())
    );
    assert_eq!(store.get_user(&bob.id, &user.id).await?, None);
    assert_eq!(store.get_user(&alice.id, &missing_user()).await?, None);
    assert_eq!(
        store.users_by_reference_id(&alice.id, "ref-1").await?,
        vec![user.clone()]
    );
    assert!(
        store
            .users_by_reference_id(&bob.id, "ref-1")
            .await?
            .is_empty()
    );
    assert_eq!(
        store
            .list_users(
                &bob.id,
                Page {
                    page: 0,
                    per_page: 10
                }
            )
            .await?
            .1,
        0
    );
    assert!(store.list_all_users(&bob.id).await?.is_empty());
    assert!(
        store
            .get_users(&bob.id, std::slice::from_ref(&user.id))
            .await?
            .is_empty()
    );
    let patch = UserPatch {
        reference_id: None,
        active: Some(false),
    };
    assert_eq!(store.update_user(&bob.id, &user.id, patch).await?, None);
    assert!(!store.mark_deauthenticated(&bob.id, &user.id).await?);
    assert!(
        !store
            .touch_last_webhook_update(&bob.id, &user.id, 1)
            .await?
    );
    assert_eq!(
        store
            .find_user_by_provider_account(&bob.id, "GARMIN", "garmin-ref-1")
            .await?,
        None
    );
    // Alice's user is untouched by Bob's attempts.
    assert_eq!(store.get_user(&alice.id, &user.id).await?, Some(user));
    Ok(())
}

async fn user_listing_pages_in_creation_order(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(user(&store, &dev.id, &format!("ref-{n}")).await?.id);
    }
    let (first, total) = store
        .list_users(
            &dev.id,
            Page {
                page: 0,
                per_page: 2,
            },
        )
        .await?;
    let (last, _) = store
        .list_users(
            &dev.id,
            Page {
                page: 2,
                per_page: 2,
            },
        )
        .await?;
    let (beyond, _) = store
        .list_users(
            &dev.id,
            Page {
                page: 3,
                per_page: 2,
            },
        )
        .await?;
    assert_eq!(total, 5);
    assert_eq!(
        first.iter().map(|u| &u.id).collect::<Vec<_>>(),
        vec![&created[0], &created[1]]
    );
    assert_eq!(
        last.iter().map(|u| &u.id).collect::<Vec<_>>(),
        vec![&created[4]]
    );
    assert!(beyond.is_empty());
    let all: Vec<_> = store
        .list_all_users(&dev.id)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(all, created);
    // per_page 0 is clamped to 1 rather than returning nothing forever.
    let (one, _) = store
        .list_users(
            &dev.id,
            Page {
                page: 0,
                per_page: 0,
            },
        )
        .await?;
    assert_eq!(one.len(), 1);
    Ok(())
}

async fn get_users_keeps_request_order_and_drops_foreign_ids(store: Store) -> TestResult {
    let alice = developer(&store, "alice").await?;
    let bob = developer(&store, "bob").await?;
    let a1 = user(&store, &alice.id, "a1").await?.id;
    let a2 = user(&store, &alice.id, "a2").await?.id;
    let b1 = user(&store, &bob.id, "b1").await?.id;
    let asked = [a2.clone(), b1, missing_user(), a1.clone(), a2.clone()];
    let found: Vec<_> = store
        .get_users(&alice.id, &asked)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(found, vec![a2, a1]);
    assert!(store.get_users(&alice.id, &[]).await?.is_empty());
    Ok(())
}

async fn update_user_applies_only_given_fields(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "before").await?;
    let deactivate = UserPatch {
        reference_id: None,
        active: Some(false),
    };
    let updated = store
        .update_user(&dev.id, &user.id, deactivate)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert!(!updated.active);
    assert_eq!(updated.reference_id.as_deref(), Some("before"));

    let rename = UserPatch {
        reference_id: Some(Some("after".to_owned())),
        active: None,
    };
    let updated = store
        .update_user(&dev.id, &user.id, rename)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert!(!updated.active);
    assert_eq!(updated.reference_id.as_deref(), Some("after"));

    let clear = UserPatch {
        reference_id: Some(None),
        active: Some(true),
    };
    let updated = store
        .update_user(&dev.id, &user.id, clear)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert!(updated.active);
    assert_eq!(updated.reference_id, None);
    assert_eq!(store.get_user(&dev.id, &user.id).await?, Some(updated));
    Ok(())
}

async fn deauthenticated_users_disappear(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "gone").await?;
    assert!(store.mark_deauthenticated(&dev.id, &user.id).await?);
    assert!(!store.mark_deauthenticated(&dev.id, &user.id).await?);
    assert_eq!(store.get_user(&dev.id, &user.id).await?, None);
    assert!(
        store
            .users_by_reference_id(&dev.id, "gone")
            .await?
            .is_empty()
    );
    assert_eq!(
        store
            .list_users(
                &dev.id,
                Page {
                    page: 0,
                    per_page: 10
                }
            )
            .await?,
        (vec![], 0)
    );
    assert!(
        store
            .get_users(&dev.id, std::slice::from_ref(&user.id))
            .await?
            .is_empty()
    );
    let patch = UserPatch {
        reference_id: None,
        active: Some(true),
    };
    assert_eq!(store.update_user(&dev.id, &user.id, patch).await?, None);
    Ok(())
}

async fn provider_account_and_touch(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "r").await?;
    let found = store
        .find_user_by_provider_account(&dev.id, "GARMIN", "garmin-r")
        .await?;
    assert_eq!(found.map(|u| u.id), Some(user.id.clone()));
    assert_eq!(
        store
            .find_user_by_provider_account(&dev.id, "OURA", "garmin-r")
            .await?,
        None
    );

    assert!(
        store
            .touch_last_webhook_update(&dev.id, &user.id, 1_700_000_000_000_000)
            .await?
    );
    assert!(
        store
            .touch_last_polled_at(&dev.id, &user.id, 1_700_000_000_000_001)
            .await?
    );
    let touched = store
        .get_user(&dev.id, &user.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(touched.last_webhook_update, Some(1_700_000_000_000_000));
    assert_eq!(touched.last_polled_at, Some(1_700_000_000_000_001));
    Ok(())
}

async fn foreign_keys_are_enforced(store: Store) -> TestResult {
    let orphan = store
        .create_user(
            &DeveloperId::new(),
            NewUser {
                provider: "GARMIN".to_owned(),
                ..NewUser::default()
            },
        )
        .await;
    assert!(matches!(orphan, Err(StoreError::Database(_))), "{orphan:?}");
    Ok(())
}

async fn transaction_user_writes_commit_or_vanish_together(store: Store) -> TestResult {
    let new_user = || NewUser {
        provider: "OURA".to_owned(),
        ..NewUser::default()
    };
    let (dev_id, user_id) = {
        let mut tx = store.begin().await?;
        let dev = tx
            .create_developer(wearbridge_store::NewDeveloper {
                name: "in-tx".to_owned(),
                api_key_hash: "h".to_owned(),
                webhook_url: None,
                webhook_secret_enc: "s".to_owned(),
            })
            .await?;
        let user = tx.create_user(&dev.id, new_user()).await?;
        (dev.id, user.id)
        // dropped without commit
    };
    assert_eq!(store.find_developer(&dev_id).await?, None);
    assert_eq!(store.get_user(&dev_id, &user_id).await?, None);

    let dev = developer(&store, "dev").await?;
    let mut tx = store.begin().await?;
    let user = tx.create_user(&dev.id, new_user()).await?;
    let patch = UserPatch {
        reference_id: Some(Some("ref".to_owned())),
        active: None,
    };
    let patched = tx.update_user(&dev.id, &user.id, patch).await?;
    assert_eq!(patched.and_then(|u| u.reference_id).as_deref(), Some("ref"));
    assert!(tx.touch_last_webhook_update(&dev.id, &user.id, 42).await?);
    tx.commit().await?;
    let stored = store
        .get_user(&dev.id, &user.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(
        (stored.reference_id.as_deref(), stored.last_webhook_update),
        (Some("ref"), Some(42))
    );

    let mut tx = store.begin().await?;
    assert!(tx.mark_deauthenticated(&dev.id, &user.id).await?);
    tx.commit().await?;
    assert_eq!(store.get_user(&dev.id, &user.id).await?, None);
    Ok(())
}

async fn scopes_swap_only_from_the_expected_value(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let stored = user(&store, &dev.id, "swap").await?;
    let mut tx = store.begin().await?;
    // Stale expectation: nothing changes.
    let stale = tx
        .swap_user_scopes(&dev.id, &stored.id, Some("activity"), "activity")
        .await?;
    assert_eq!(stale, None);
    let swapped = tx
        .swap_user_scopes(&dev.id, &stored.id, Some("activity,sleep"), "activity")
        .await?;
    assert_eq!(
        swapped.and_then(|user| user.scopes).as_deref(),
        Some("activity")
    );
    // The same swap again now expects the old value: refused.
    let again = tx
        .swap_user_scopes(&dev.id, &stored.id, Some("activity,sleep"), "activity")
        .await?;
    assert_eq!(again, None);
    tx.commit().await?;
    let read = store
        .get_user(&dev.id, &stored.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(read.scopes.as_deref(), Some("activity"));

    // No scopes yet: `None` and "" are the same expectation.
    let bare = store
        .create_user(
            &dev.id,
            NewUser {
                provider: "GARMIN".to_owned(),
                ..NewUser::default()
            },
        )
        .await?;
    let mut tx = store.begin().await?;
    let from_empty = tx
        .swap_user_scopes(&dev.id, &bare.id, Some(""), "A,B")
        .await?;
    assert_eq!(
        from_empty.and_then(|user| user.scopes).as_deref(),
        Some("A,B")
    );
    let foreign = tx
        .swap_user_scopes(&DeveloperId::new(), &bare.id, Some("A,B"), "A")
        .await?;
    assert_eq!(foreign, None);
    tx.commit().await?;
    Ok(())
}
