//! The token cache file (`<data_dir>/tokens.json`): refresh tokens and access tokens per
//! profile, tenant and client, so an analyst signs in once and `kqlhunt run` does not ask
//! the token service on every call. The file is owner-only (0600), replaced atomically
//! (a temp file with its mode set before anything is written, then a rename), and never
//! logged. A corrupt or unreadable cache is treated as empty.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::{AccessToken, AuthError, Secret};
use crate::config::Paths;

pub const CACHE_FILE: &str = "tokens.json";

/// Whose tokens: one app registration in one tenant, under one profile name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheKey {
    pub profile: String,
    pub tenant: String,
    pub client_id: String,
}

impl CacheKey {
    fn id(&self) -> String {
        format!("{}|{}|{}", self.profile, self.tenant, self.client_id)
    }
}

#[derive(Default, Serialize, Deserialize)]
struct CacheFile {
    #[serde(default)]
    entries: BTreeMap<String, Entry>,
}

#[derive(Default, Serialize, Deserialize)]
struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// Access tokens by scope.
    #[serde(default)]
    access: BTreeMap<String, CachedAccess>,
    #[serde(default)]
    updated: u64,
}

#[derive(Serialize, Deserialize)]
struct CachedAccess {
    token: String,
    /// Seconds since the Unix epoch.
    expires_at: u64,
}

/// The cache file. Reads and writes the whole (small) file each time; a process-wide
/// lock keeps this process's writes in order.
#[derive(Debug)]
pub struct TokenCache {
    path: PathBuf,
    lock: Mutex<()>,
}

fn epoch(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl TokenCache {
    pub fn new(path: PathBuf) -> Self {
        TokenCache {
            path,
            lock: Mutex::new(()),
        }
    }

    /// `<data_dir>/tokens.json`.
    pub fn in_dir(paths: &Paths) -> Self {
        TokenCache::new(paths.data_dir.join(CACHE_FILE))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> CacheFile {
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return CacheFile::default(),
            Err(e) => {
                tracing::warn!("cannot read the token cache {}: {e}", self.path.display());
                return CacheFile::default();
            }
        };
        serde_json::from_slice(&text).unwrap_or_else(|_| {
            tracing::warn!(
                "the token cache {} is unreadable; starting afresh",
                self.path.display()
            );
            CacheFile::default()
        })
    }

    fn write(&self, file: &CacheFile) -> Result<(), AuthError> {
        let fail = |e: std::io::Error| {
            AuthError::Config(format!(
                "cannot write the token cache {}: {e}; check the directory's permissions",
                self.path.display()
            ))
        };
        let bytes = serde_json::to_vec_pretty(file)
            .map_err(|e| AuthError::Config(format!("cannot encode the token cache: {e}")))?;
        crate::config::write_private_atomic(&self.path, &bytes).map_err(fail)
    }

    fn update(
        &self,
        key: &CacheKey,
        create: bool,
        f: impl FnOnce(&mut Entry),
    ) -> Result<(), AuthError> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = self.read();
        let id = key.id();
        if !create && !file.entries.contains_key(&id) {
            return Ok(());
        }
        let entry = file.entries.entry(id.clone()).or_default();
        f(entry);
        entry.updated = epoch(SystemTime::now());
        if entry.refresh_token.is_none() && entry.access.is_empty() {
            file.entries.remove(&id);
        }
        self.write(&file)
    }

    pub fn refresh_token(&self, key: &CacheKey) -> Option<Secret> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.read()
            .entries
            .remove(&key.id())?
            .refresh_token
            .map(Secret::new)
    }

    /// A cached access token for `scope` that is not yet expired at `now`.
    pub fn access_token(
        &self,
        key: &CacheKey,
        scope: &str,
        now: SystemTime,
    ) -> Option<AccessToken> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = self.read();
        let cached = file.entries.get_mut(&key.id())?.access.remove(scope)?;
        let expires_at = SystemTime::UNIX_EPOCH + Duration::from_secs(cached.expires_at);
        (now < expires_at).then(|| AccessToken {
            token: Secret::new(cached.token),
            expires_at: Some(expires_at),
        })
    }

    /// Remember a new access token for `scope` and, when one came, the (rotated) refresh
    /// token; the previous refresh token is replaced.
    pub fn store(
        &self,
        key: &CacheKey,
        scope: &str,
        access: &AccessToken,
        refresh: Option<&Secret>,
    ) -> Result<(), AuthError> {
        self.update(key, true, |entry| {
            if let Some(exp) = access.expires_at {
                entry.access.insert(
                    scope.to_string(),
                    CachedAccess {
                        token: access.token.expose().to_string(),
                        expires_at: epoch(exp),
                    },
                );
            }
            if let Some(rt) = refresh {
                entry.refresh_token = Some(rt.expose().to_string());
            }
            let now = epoch(SystemTime::now());
            entry.access.retain(|_, a| a.expires_at > now);
        })
    }

    /// Forget the access tokens for `key` but keep its refresh token (a token the service
    /// rejected).
    pub fn forget_access(&self, key: &CacheKey) -> Result<(), AuthError> {
        self.update(key, false, |entry| entry.access.clear())
    }

    /// Forget everything for `key` (a refresh token the service rejected, or sign-out).
    pub fn forget(&self, key: &CacheKey) -> Result<(), AuthError> {
        self.update(key, false, |entry| {
            entry.refresh_token = None;
            entry.access.clear();
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_owner_only_and_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::new(dir.path().join("sub").join(CACHE_FILE));
        let key = CacheKey {
            profile: "p".into(),
            tenant: "t".into(),
            client_id: "c".into(),
        };
        assert!(cache.refresh_token(&key).is_none());
        let now = SystemTime::now();
        let at = AccessToken {
            token: Secret::new("at-1"),
            expires_at: Some(now + Duration::from_secs(3600)),
        };
        cache
            .store(&key, "s", &at, Some(&Secret::new("rt-1")))
            .unwrap();
        cache
            .store(&key, "s", &at, Some(&Secret::new("rt-2")))
            .unwrap();
        assert_eq!(cache.refresh_token(&key).unwrap().expose(), "rt-2");
        assert_eq!(
            cache.access_token(&key, "s", now).unwrap().token.expose(),
            "at-1"
        );
        assert!(cache.access_token(&key, "other", now).is_none());
        assert!(
            cache
                .access_token(&key, "s", now + Duration::from_secs(7200))
                .is_none()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cache.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        cache.forget(&key).unwrap();
        assert!(cache.refresh_token(&key).is_none());
        std::fs::write(cache.path(), "not json").unwrap();
        assert!(cache.refresh_token(&key).is_none());
        let leftovers: Vec<_> = std::fs::read_dir(cache.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }
}
