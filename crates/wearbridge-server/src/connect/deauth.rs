//! Disconnecting a user (`DELETE /v2/auth/deauthenticateUser`): revoke at the provider
//! where it offers revocation, then in one transaction delete the tokens and the stored
//! data (Terra deletes them too), mark the user deauthenticated (every later read is
//! 404), and append the `deauth` event.

use wearbridge_store::User;

use super::ConnectError;
use super::vault::open;
use crate::adapters::adapter;
use crate::events;
use crate::services::Services;

/// Deauthenticates `user` (already resolved for the calling developer).
pub async fn deauthenticate(services: &Services, user: &User) -> Result<(), ConnectError> {
    revoke_at_provider(services, user).await;
    let dev = &user.developer_id;
    let mut tx = services.store.begin().await?;
    tx.delete_connection(dev, &user.id).await?;
    tx.delete_user_records(dev, &user.id).await?;
    if tx.mark_deauthenticated(dev, &user.id).await? {
        tx.append_event(&events::deauth(user)?).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Best effort: a provider that is down or already forgot the grant must not keep the
/// developer from disconnecting the user, so failures are logged, not returned.
#[tracing::instrument(
    name = "provider.revoke",
    skip_all,
    fields(provider = %user.provider, user.id = %user.id)
)]
async fn revoke_at_provider(services: &Services, user: &User) {
    let result = async {
        let Some(connection) = services
            .store
            .get_connection(&user.developer_id, &user.id)
            .await?
        else {
            return Ok(());
        };
        let (provider, ctx) = adapter(services, &user.provider)?;
        let ctx = ctx.for_account(user.provider_user_id.clone());
        let tokens = open(&services.cipher, &connection)?;
        provider.revoke(&ctx, &tokens).await?;
        Ok::<(), ConnectError>(())
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(user_id = %user.id, error = %error, "revocation at the provider failed; deauthenticating anyway");
    }
}
