//! Reusing an Azure CLI login: `az account get-access-token --resource <api> -o json`.
//! Expiry comes from `expires_on` (epoch seconds, CLI ≥ 2.54), else `expiresOn` (local
//! time, no zone), else the token's own `exp`. The CLI's first-party app is often not
//! consented for hunting, so a token without the backend's permission is refused here with
//! advice rather than failing later with a 403.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use serde::Deserialize;

use super::{AccessToken, AuthError, Clock, Secret, TokenProvider, TokenSlot, jwt};
use crate::backend::BackendKind;
use crate::data::format::escape_control;

/// How long `az` may take (it may refresh its own token over the network).
const AZ_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CliToken {
    access_token: String,
    #[serde(default, rename = "expires_on")]
    expires_on_epoch: Option<serde_json::Value>,
    #[serde(default)]
    expires_on: Option<String>,
}

pub struct AzureCliProvider {
    resource: String,
    tenant: Option<String>,
    program: PathBuf,
    backend: BackendKind,
    slot: TokenSlot,
}

impl AzureCliProvider {
    pub fn new(resource: &str, backend: BackendKind, clock: Arc<dyn Clock>) -> Self {
        AzureCliProvider {
            resource: resource.to_string(),
            tenant: None,
            program: PathBuf::from("az"),
            backend,
            slot: TokenSlot::new(clock),
        }
    }

    /// `--tenant` (a tenant without subscriptions, or not the CLI's default one).
    pub fn with_tenant(mut self, tenant: &str) -> Self {
        self.tenant = Some(tenant.to_string());
        self
    }

    /// Another program than `az` on PATH.
    pub fn with_program(mut self, program: PathBuf) -> Self {
        self.program = program;
        self
    }

    fn login_advice(&self) -> String {
        match &self.tenant {
            Some(t) => format!("az login --tenant {t}"),
            None => "az login".into(),
        }
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args([
            "account",
            "get-access-token",
            "--resource",
            &self.resource,
            "-o",
            "json",
        ]);
        if let Some(t) = &self.tenant {
            cmd.args(["--tenant", t]);
        }
        cmd.stdin(std::process::Stdio::null()).kill_on_drop(true);
        let out = match tokio::time::timeout(AZ_TIMEOUT, cmd.output()).await {
            Err(_) => {
                return Err(AuthError::Network(format!(
                    "`az account get-access-token` did not finish in {}s; check `az account show` by hand",
                    AZ_TIMEOUT.as_secs()
                )));
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AuthError::Config(
                    "the Azure CLI (`az`) is not installed or not on PATH; install it and run `az login`, or pick another auth method in the profile".into(),
                ));
            }
            Ok(Err(e)) => {
                return Err(AuthError::Config(format!(
                    "cannot run the Azure CLI (`{}`): {e}",
                    self.program.display()
                )));
            }
            Ok(Ok(out)) => out,
        };
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let line = stderr
                .lines()
                .map(str::trim)
                .find(|l| l.contains("AADSTS"))
                .or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty()))
                .unwrap_or("(no message)");
            return Err(AuthError::NotSignedIn(format!(
                "the Azure CLI could not get a token for {}: {}; run `{}` and try again",
                self.resource,
                escape_control(line),
                self.login_advice()
            )));
        }
        let parsed: CliToken = serde_json::from_slice(&out.stdout).map_err(|e| {
            AuthError::Config(format!(
                "the Azure CLI printed something unexpected ({e}); update it (`az upgrade`)"
            ))
        })?;
        if parsed.access_token.trim().is_empty() {
            return Err(AuthError::NotSignedIn(format!(
                "the Azure CLI returned an empty token; run `{}`",
                self.login_advice()
            )));
        }
        let claims = jwt::claims(&parsed.access_token);
        if let Some(c) = &claims
            && !c.can_hunt(self.backend)
        {
            return Err(AuthError::Refused(format!(
                "the Azure CLI's token for {} does not carry {} (it has: {}); the Azure CLI app is usually not consented for hunting, so use auth = \"device-code\" with your own app registration",
                self.resource,
                jwt::hunting_permissions(self.backend).join(" or "),
                escape_control(&c.permissions.join(", "))
            )));
        }
        let epoch = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let expires_at = match &parsed.expires_on_epoch {
            Some(serde_json::Value::Number(n)) => n.as_u64().map(epoch),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok().map(epoch),
            _ => None,
        }
        .or_else(|| parsed.expires_on.as_deref().and_then(parse_local_time))
        .or_else(|| claims.as_ref().and_then(|c| c.exp).map(epoch))
        // Unknown: ask `az` again soon (it caches its own tokens).
        .unwrap_or_else(|| self.slot.now() + Duration::from_secs(10 * 60));
        Ok(AccessToken {
            token: Secret::new(parsed.access_token),
            expires_at: Some(expires_at),
        })
    }
}

impl TokenProvider for AzureCliProvider {
    fn token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.slot.get(force_refresh, || self.fetch()))
    }
}

/// `expiresOn`: local time as `%Y-%m-%d %H:%M:%S.%f`, no zone.
pub fn parse_local_time(text: &str) -> Option<SystemTime> {
    let (date, time) = text.trim().split_once(' ')?;
    let mut d = date.split('-').map(|p| p.parse::<i32>().ok());
    let (y, mo, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.split('.').next()?;
    let mut t = time.split(':').map(|p| p.parse::<i32>().ok());
    let (h, mi, s) = (t.next()??, t.next()??, t.next()??);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs = local_to_epoch(y, mo, day, h, mi, s)?;
    u64::try_from(secs)
        .ok()
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

#[cfg(unix)]
fn local_to_epoch(y: i32, mo: i32, d: i32, h: i32, mi: i32, s: i32) -> Option<i64> {
    // SAFETY: `tm` is a plain C struct, zero is a valid value for every field, and mktime
    // only reads and normalises the struct we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    // SAFETY: see above; mktime takes a valid, exclusively borrowed `tm`.
    let t = unsafe { libc::mktime(&mut tm) };
    (t != -1).then_some(t as i64)
}

#[cfg(not(unix))]
fn local_to_epoch(_: i32, _: i32, _: i32, _: i32, _: i32, _: i32) -> Option<i64> {
    // No portable local-time conversion here; the caller falls back to the token's `exp`.
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_parses_or_refuses() {
        assert!(parse_local_time("2023-10-31 21:59:10.000000").is_some() || cfg!(not(unix)));
        assert!(parse_local_time("2023-13-31 21:59:10.000000").is_none());
        assert!(parse_local_time("yesterday").is_none());
        assert!(parse_local_time("").is_none());
    }
}
