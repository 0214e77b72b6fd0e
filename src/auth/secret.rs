//! Client credentials with a client secret (`grant_type=client_credentials`), for app
//! registrations with application permissions. The secret comes from the environment
//! (`AZURE_CLIENT_SECRET`), the config file, or `secret_command` (run once, through the
//! shell; the first line of its output is the secret).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;

use super::provider::Target;
use super::{AccessToken, AuthError, Secret, TokenProvider, TokenSlot};
use crate::config::SecretSource;
use crate::data::format::escape_control;

pub struct ClientSecretProvider {
    target: Target,
    source: SecretSource,
    secret: OnceCell<Secret>,
    slot: TokenSlot,
}

impl ClientSecretProvider {
    pub fn new(target: Target, source: SecretSource) -> Self {
        let slot = TokenSlot::new(Arc::clone(&target.clock));
        ClientSecretProvider {
            target,
            source,
            secret: OnceCell::new(),
            slot,
        }
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let now = self.slot.now();
        if let Some(t) = self.target.cached_access(now) {
            return Ok(t);
        }
        let secret = self
            .secret
            .get_or_try_init(|| resolve_secret(&self.source))
            .await?;
        let scope = self.target.scope.as_str();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.target.client_id.as_str()),
            ("client_secret", secret.expose()),
            ("scope", scope),
        ];
        let response: super::http::TokenResponse = super::http::post_form(
            &self.target.client,
            &self.target.authority.token_url(),
            &form,
        )
        .await
        .map_err(|e| e.into_auth_error("client-secret sign-in"))?;
        let token = response.access_token(self.slot.now());
        self.target.remember(&token, None);
        Ok(token)
    }
}

impl TokenProvider for ClientSecretProvider {
    fn token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            if force_refresh {
                self.target.forget_access();
            }
            self.slot.get(force_refresh, || self.fetch()).await
        })
    }
}

/// The secret itself: as given, or the first line `secret_command` prints.
pub async fn resolve_secret(source: &SecretSource) -> Result<Secret, AuthError> {
    match source {
        SecretSource::Value(s) => Ok(s.clone()),
        SecretSource::Command(cmd) => run_secret_command(cmd).await,
    }
}

/// Run `cmd` through the shell and take the first line of its stdout. Its output is never
/// logged or shown; a failure shows its exit status and the first line of its stderr.
pub async fn run_secret_command(cmd: &str) -> Result<Secret, AuthError> {
    #[cfg(unix)]
    let mut command = {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(cmd);
        c
    };
    #[cfg(not(unix))]
    let mut command = {
        let mut c = tokio::process::Command::new("cmd");
        c.arg("/C").arg(cmd);
        c
    };
    command
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let shown = escape_control(cmd).into_owned();
    let out = command.output().await.map_err(|e| {
        AuthError::Config(format!(
            "cannot run secret_command `{shown}`: {e}; check that the shell can run it"
        ))
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("(no message)");
        return Err(AuthError::Config(format!(
            "secret_command `{shown}` failed ({}): {}; fix the command or run it by hand to see why",
            out.status,
            escape_control(first)
        )));
    }
    let stdout = String::from_utf8(out.stdout).map_err(|_| {
        AuthError::Config(format!(
            "secret_command `{shown}` printed something that is not UTF-8 text"
        ))
    })?;
    let line = stdout.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        return Err(AuthError::Config(format!(
            "secret_command `{shown}` printed nothing; it must print the client secret on its first line"
        )));
    }
    Ok(Secret::new(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn secret_command_first_line_and_failures() {
        let s = run_secret_command("printf 's3cr3t\\nignored\\n'")
            .await
            .unwrap();
        assert_eq!(s.expose(), "s3cr3t");
        let e = run_secret_command("echo 'vault: permission denied' >&2; exit 3")
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("vault: permission denied"), "{e}");
        assert!(e.contains("exit status: 3"), "{e}");
        let e = run_secret_command("true").await.unwrap_err().to_string();
        assert!(e.contains("printed nothing"), "{e}");
    }
}
