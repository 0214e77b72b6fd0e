//! The refresh-token grant: trade a cached refresh token for a new access token (for any
//! resource the app is consented to) and a new refresh token, which replaces the old one.
//! A refresh token the service no longer accepts means "sign in again".

use super::http::{self, Authority, CallError, TokenResponse};
use super::{AuthError, Secret};

/// What redeeming a refresh token can end in.
pub enum Redeemed {
    Ok(TokenResponse),
    /// The refresh token is dead (expired, revoked, consent changed): sign in again.
    SignInAgain(AuthError),
    Failed(AuthError),
}

/// `grant_type=refresh_token` for `scope` (space-separated).
pub async fn redeem(
    client: &reqwest::Client,
    authority: &Authority,
    client_id: &str,
    refresh_token: &Secret,
    scope: &str,
) -> Redeemed {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", client_id),
        ("refresh_token", refresh_token.expose()),
        ("scope", scope),
    ];
    match http::post_form::<TokenResponse>(client, &authority.token_url(), &form).await {
        Ok(r) => Redeemed::Ok(r),
        Err(e) => {
            let dead = matches!(
                e.code(),
                Some(
                    "invalid_grant"
                        | "interaction_required"
                        | "consent_required"
                        | "login_required"
                )
            );
            let err = e.into_auth_error("refreshing the sign-in");
            if dead {
                Redeemed::SignInAgain(err)
            } else {
                Redeemed::Failed(err)
            }
        }
    }
}

/// True for failures that mean the code in hand will never work (as opposed to a network
/// blip worth retrying).
pub fn is_permanent(e: &CallError) -> bool {
    matches!(e, CallError::Entra { status, .. } if *status < 500)
}
