//! Profiles: the TOML config file (`<config_dir>/config.toml`), environment overrides
//! (`KQLHUNT_*` and the Azure SDK's `AZURE_*`) and command-line flags, folded into one
//! `ResolvedProfile` that says what is in effect and where each value came from.
//! Precedence: default < file < environment < flag.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::api::cloud::Cloud;
use crate::auth::Secret;
use crate::auth::certificate::AssertionAlg;
use crate::backend::BackendKind;
use crate::config::Paths;

/// The name of the config file inside `Paths::config_dir`.
pub const CONFIG_FILE: &str = "config.toml";

/// How long one HTTP request may take unless a profile says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// How a profile signs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    /// Client credentials with a client secret (application permissions).
    Secret,
    /// Client credentials with a certificate (JWT client assertion).
    Certificate,
    /// An analyst signs in in a browser with a code (delegated permissions).
    DeviceCode,
    /// Reuse the Azure CLI's login (`az account get-access-token`).
    AzureCli,
    /// A fixed bearer token (`KQLHUNT_ACCESS_TOKEN`).
    Token,
}

impl AuthMethod {
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Secret => "secret",
            AuthMethod::Certificate => "certificate",
            AuthMethod::DeviceCode => "device-code",
            AuthMethod::AzureCli => "azure-cli",
            AuthMethod::Token => "token",
        }
    }

    /// Whether the token acts for a signed-in person (delegated) rather than an app.
    pub fn is_delegated(self) -> bool {
        matches!(self, AuthMethod::DeviceCode | AuthMethod::AzureCli)
    }
}

/// One `[profiles.NAME]` table as written in the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub backend: Option<String>,
    pub cloud: Option<Cloud>,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub auth: Option<AuthMethod>,
    /// Discouraged (the file is plain text); prefer `secret_command`.
    pub client_secret: Option<String>,
    /// A shell command whose first line of output is the client secret.
    pub secret_command: Option<String>,
    pub certificate_path: Option<PathBuf>,
    /// The client assertion's signature: `rs256` (with `x5t`, the default) or `ps256`
    /// (with `x5t#S256`).
    pub certificate_alg: Option<AssertionAlg>,
    /// API base URL override, e.g. a regional Defender host or a loopback fake.
    pub endpoint: Option<String>,
    /// Entra authority override: a bare host or a URL.
    pub login_endpoint: Option<String>,
    /// Extra PEM root certificates (a TLS-inspecting proxy).
    pub ca_bundle: Option<PathBuf>,
    /// Seconds one HTTP request may take.
    pub timeout: Option<f64>,
    /// Delegated scopes for device-code sign-in (space-separated), if the defaults do
    /// not fit the app registration.
    pub scope: Option<String>,
    /// Quota limits, interpreted by `quota` (kept raw here).
    pub quota: Option<toml::Table>,
}

/// The whole config file.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileFile>,
    /// Sections other modules own (e.g. `[ui]`), kept for them.
    #[serde(flatten)]
    pub other: toml::Table,
}

impl ConfigFile {
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// Read `path`; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => ConfigFile::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
            Err(e) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        }
    }
}

/// Why the configuration cannot be used. Messages say what to change.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{} is not valid: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// Where a value in effect came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    /// The config file, with the key's table (`profiles.prod`) or name (`default_profile`).
    File(String),
    /// An environment variable.
    Env(&'static str),
    /// A command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file: {p}"),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    pub fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }
}

/// Where a client secret comes from. Neither form prints itself.
#[derive(Clone, Debug, PartialEq)]
pub enum SecretSource {
    Value(Secret),
    /// Run through the shell; the first line of its stdout is the secret.
    Command(String),
}

/// Command-line overrides (global flags).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub backend: Option<BackendKind>,
    pub endpoint: Option<String>,
}

/// The environment as seen by resolution: the process environment, or a fixed map in tests.
#[derive(Clone, Debug, Default)]
pub struct EnvVars(HashMap<String, String>);

/// The variables resolution reads (so `from_process` copies no others).
pub const ENV_VARS: &[&str] = &[
    "KQLHUNT_PROFILE",
    "KQLHUNT_BACKEND",
    "KQLHUNT_ENDPOINT",
    "KQLHUNT_ACCESS_TOKEN",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_AUTHORITY_HOST",
];

impl EnvVars {
    pub fn from_process() -> Self {
        EnvVars(
            ENV_VARS
                .iter()
                .filter_map(|k| Some((k.to_string(), std::env::var(k).ok()?)))
                .collect(),
        )
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        EnvVars(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// A set, non-empty (after trimming) variable.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// What is in effect for this run: the single answer every other module asks.
#[derive(Clone, Debug)]
pub struct ResolvedProfile {
    /// The profile's name, when one was selected from the config file.
    pub name: Option<Setting<String>>,
    pub backend: Setting<BackendKind>,
    pub cloud: Setting<Cloud>,
    pub tenant: Option<Setting<String>>,
    pub client_id: Option<Setting<String>>,
    pub auth: Setting<AuthMethod>,
    pub client_secret: Option<Setting<SecretSource>>,
    pub certificate_path: Option<Setting<PathBuf>>,
    pub certificate_alg: Setting<AssertionAlg>,
    pub certificate_password: Option<Setting<Secret>>,
    pub access_token: Option<Setting<Secret>>,
    pub endpoint: Option<Setting<String>>,
    /// The Entra authority base URL, normalised (`https://login.microsoftonline.com`).
    pub login_endpoint: Setting<String>,
    pub ca_bundle: Option<Setting<PathBuf>>,
    pub timeout: Setting<Duration>,
    pub scope: Option<Setting<String>>,
    /// `[profiles.NAME.quota]`, raw, for `quota` to interpret.
    pub quota: toml::Table,
    /// The config file that was read (it may not exist).
    pub config_path: Option<PathBuf>,
    /// Where the token cache lives (`None`: tokens are kept in memory only).
    pub paths: Option<Paths>,
    /// Things worth fixing that do not stop kqlhunt (shown by `config show`, logged).
    pub warnings: Vec<String>,
    /// The file's sections outside profiles (`[ui]`, `[keys]`, `[theme]`), raw: see `ui`.
    pub sections: toml::Table,
}

impl ResolvedProfile {
    /// The profile's name, or `default` when none was selected (token cache keys).
    pub fn profile_name(&self) -> &str {
        self.name.as_ref().map_or("default", |n| n.value.as_str())
    }

    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_ref().map(|t| t.value.as_str())
    }

    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_ref().map(|t| t.value.as_str())
    }

    /// The API base URL: the `endpoint` override or the cloud's host for the backend.
    pub fn api_base(&self) -> Option<String> {
        match &self.endpoint {
            Some(e) => Some(e.value.clone()),
            None => self.cloud.value.api_base(self.backend.value),
        }
    }

    /// The client-credentials scope of the backend (`<resource>/.default`).
    pub fn resource_scope(&self) -> Option<String> {
        self.cloud.value.scope(self.backend.value)
    }

    /// The resource (audience) of the backend, e.g. `https://graph.microsoft.com`.
    pub fn resource(&self) -> Option<String> {
        self.cloud.value.api_base(self.backend.value)
    }

    /// Lines for `kqlhunt config show`: every setting, where it came from, secrets masked.
    pub fn describe(&self) -> Vec<(String, String, String)> {
        let mut rows = Vec::new();
        let mut row = |key: &str, value: String, source: &Source| {
            rows.push((key.to_string(), value, source.to_string()));
        };
        match &self.name {
            Some(n) => row("profile", n.value.clone(), &n.source),
            None => row("profile", "(none)".into(), &Source::Default),
        }
        row(
            "backend",
            self.backend.value.name().into(),
            &self.backend.source,
        );
        row("cloud", self.cloud.value.name().into(), &self.cloud.source);
        if let Some(t) = &self.tenant {
            row("tenant", t.value.clone(), &t.source);
        }
        if let Some(c) = &self.client_id {
            row("client_id", c.value.clone(), &c.source);
        }
        let remote = self.backend.value != BackendKind::Local;
        if remote {
            row("auth", self.auth.value.name().into(), &self.auth.source);
        }
        if let Some(s) = &self.client_secret {
            let shown = match &s.value {
                SecretSource::Value(_) => "*** (set)".to_string(),
                SecretSource::Command(c) => format!("from command `{c}`"),
            };
            row("client_secret", shown, &s.source);
        }
        if let Some(c) = &self.certificate_path {
            row("certificate_path", c.value.display().to_string(), &c.source);
        }
        if self.auth.value == AuthMethod::Certificate && remote {
            row(
                "certificate_alg",
                self.certificate_alg.value.name().into(),
                &self.certificate_alg.source,
            );
        }
        if let Some(c) = &self.certificate_password {
            row("certificate_password", "*** (set)".into(), &c.source);
        }
        if let Some(t) = &self.access_token {
            row("access_token", "*** (set)".into(), &t.source);
        }
        match &self.endpoint {
            Some(e) => row("endpoint", e.value.clone(), &e.source),
            None => {
                if let Some(base) = self.api_base() {
                    row("endpoint", base, &Source::Default);
                }
            }
        }
        if remote {
            row(
                "login_endpoint",
                self.login_endpoint.value.clone(),
                &self.login_endpoint.source,
            );
        }
        if let Some(c) = &self.ca_bundle {
            row("ca_bundle", c.value.display().to_string(), &c.source);
        }
        row(
            "timeout",
            format!("{}s", self.timeout.value.as_secs_f64()),
            &self.timeout.source,
        );
        if let Some(s) = &self.scope {
            row("scope", s.value.clone(), &s.source);
        }
        if !self.quota.is_empty() {
            let file = self.name.as_ref().map_or(Source::Default, |n| {
                Source::File(format!("profiles.{}.quota", n.value))
            });
            row("quota", toml_inline(&self.quota), &file);
        }
        rows
    }
}

fn toml_inline(t: &toml::Table) -> String {
    let parts: Vec<String> = t.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{{ {} }}", parts.join(", "))
}

/// Parse a backend name as the flags and the file spell it.
pub fn parse_backend(name: &str) -> Option<BackendKind> {
    <BackendKind as clap::ValueEnum>::from_str(name.trim(), true).ok()
}

/// Normalise a base URL: a bare host gets `https://`, a trailing `/` is dropped, and plain
/// `http://` is accepted only for loopback hosts (tests and local fakes).
pub fn normalize_base_url(what: &str, raw: &str) -> Result<String, ConfigError> {
    let raw = raw.trim().trim_end_matches('/');
    if raw.is_empty() {
        return Err(ConfigError::Invalid(format!("{what} is empty")));
    }
    let url = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let parsed = reqwest::Url::parse(&url).map_err(|e| {
        ConfigError::Invalid(format!(
            "{what} `{raw}` is not a URL ({e}); use a host like login.microsoftonline.com or https://host"
        ))
    })?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => {
            return Err(ConfigError::Invalid(format!(
                "{what} `{raw}` uses plain http; tokens must travel over https (http is allowed only for 127.0.0.1/localhost)"
            )));
        }
        other => {
            return Err(ConfigError::Invalid(format!(
                "{what} `{raw}` has scheme `{other}`; use https://"
            )));
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError::Invalid(format!("{what} `{raw}` has no host")));
    }
    Ok(url)
}

/// Whether a URL points at this machine (where plain http is acceptable).
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Read the config file under `paths` and resolve the profile in effect.
pub fn resolve(
    paths: Option<&Paths>,
    overrides: &Overrides,
    env: &EnvVars,
) -> Result<ResolvedProfile, ConfigError> {
    let config_path = paths.map(|p| p.config_dir.join(CONFIG_FILE));
    let file = match &config_path {
        Some(p) => ConfigFile::load(p)?,
        None => ConfigFile::default(),
    };
    let mut resolved = resolve_with(&file, config_path.as_deref(), overrides, env)?;
    if let Some(path) = &config_path
        && file.profiles.values().any(|p| p.client_secret.is_some())
        && readable_by_others(path)
    {
        let w = format!(
            "{} holds a client_secret and is readable by other users; run `chmod 600 {}` or move the secret to secret_command",
            path.display(),
            path.display()
        );
        tracing::warn!("{w}");
        resolved.warnings.push(w);
    }
    resolved.config_path = config_path;
    resolved.paths = paths.cloned();
    Ok(resolved)
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> bool {
    false
}

/// Resolve against an already parsed file (tests, and `resolve`).
pub fn resolve_with(
    file: &ConfigFile,
    config_path: Option<&Path>,
    overrides: &Overrides,
    env: &EnvVars,
) -> Result<ResolvedProfile, ConfigError> {
    let where_ = || {
        config_path.map_or_else(
            || "the config file".to_string(),
            |p| p.display().to_string(),
        )
    };
    // Which profile: flag > env > default_profile > a profile named "default".
    let requested = if let Some(p) = &overrides.profile {
        Some(Setting::new(p.clone(), Source::Flag("--profile")))
    } else if let Some(p) = env.get("KQLHUNT_PROFILE") {
        Some(Setting::new(p.to_string(), Source::Env("KQLHUNT_PROFILE")))
    } else {
        file.default_profile
            .clone()
            .map(|p| Setting::new(p, Source::File("default_profile".into())))
    };
    let (name, profile) = match requested {
        Some(req) => match file.profiles.get(&req.value) {
            Some(p) => (Some(req), p.clone()),
            None => {
                let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                return Err(ConfigError::Invalid(format!(
                    "there is no profile `{}` (from {}) in {}; {}",
                    req.value,
                    req.source,
                    where_(),
                    if known.is_empty() {
                        "add a [profiles.NAME] table to it".to_string()
                    } else {
                        format!("known profiles: {}", known.join(", "))
                    }
                )));
            }
        },
        None => match file.profiles.get("default") {
            Some(p) => (
                Some(Setting::new("default".to_string(), Source::Default)),
                p.clone(),
            ),
            None => (None, ProfileFile::default()),
        },
    };
    let from_file = || {
        Source::File(
            name.as_ref()
                .map_or_else(|| "profiles".into(), |n| format!("profiles.{}", n.value)),
        )
    };

    // backend: flag > env > file > (graph if a profile was chosen, else local).
    let backend = if let Some(b) = overrides.backend {
        Setting::new(b, Source::Flag("--backend"))
    } else if let Some(b) = env.get("KQLHUNT_BACKEND") {
        let kind = parse_backend(b).ok_or_else(|| {
            ConfigError::Invalid(format!(
                "KQLHUNT_BACKEND=`{b}` is not a backend; use graph, defender, mde or local"
            ))
        })?;
        Setting::new(kind, Source::Env("KQLHUNT_BACKEND"))
    } else if let Some(b) = &profile.backend {
        let kind = parse_backend(b).ok_or_else(|| {
            ConfigError::Invalid(format!(
                "backend = \"{b}\" in {} is not a backend; use graph, defender, mde or local",
                where_()
            ))
        })?;
        Setting::new(kind, from_file())
    } else if name.is_some() {
        Setting::new(BackendKind::Graph, Source::Default)
    } else {
        Setting::new(BackendKind::Local, Source::Default)
    };

    let cloud = profile.cloud.map_or_else(
        || Setting::new(Cloud::Public, Source::Default),
        |c| Setting::new(c, from_file()),
    );

    let pick = |env_key: &'static str, file_value: &Option<String>| -> Option<Setting<String>> {
        if let Some(v) = env.get(env_key) {
            Some(Setting::new(v.to_string(), Source::Env(env_key)))
        } else {
            file_value
                .as_ref()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| Setting::new(v.to_string(), from_file()))
        }
    };
    let tenant = pick("AZURE_TENANT_ID", &profile.tenant);
    let client_id = pick("AZURE_CLIENT_ID", &profile.client_id);

    let client_secret = if let Some(s) = env.get("AZURE_CLIENT_SECRET") {
        Some(Setting::new(
            SecretSource::Value(Secret::new(s)),
            Source::Env("AZURE_CLIENT_SECRET"),
        ))
    } else if let Some(cmd) = profile
        .secret_command
        .as_ref()
        .filter(|c| !c.trim().is_empty())
    {
        Some(Setting::new(
            SecretSource::Command(cmd.clone()),
            from_file(),
        ))
    } else {
        profile
            .client_secret
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| Setting::new(SecretSource::Value(Secret::new(s.clone())), from_file()))
    };
    let certificate_path = if let Some(p) = env.get("AZURE_CLIENT_CERTIFICATE_PATH") {
        Some(Setting::new(
            PathBuf::from(p),
            Source::Env("AZURE_CLIENT_CERTIFICATE_PATH"),
        ))
    } else {
        profile
            .certificate_path
            .clone()
            .map(|p| Setting::new(p, from_file()))
    };
    let certificate_password = env.get("AZURE_CLIENT_CERTIFICATE_PASSWORD").map(|p| {
        Setting::new(
            Secret::new(p),
            Source::Env("AZURE_CLIENT_CERTIFICATE_PASSWORD"),
        )
    });
    let access_token = env
        .get("KQLHUNT_ACCESS_TOKEN")
        .map(|t| Setting::new(Secret::new(t), Source::Env("KQLHUNT_ACCESS_TOKEN")));

    // auth: a credential in the environment wins (as in the Azure SDKs), then the file,
    // then whatever credential the file provides, then device code.
    let auth = if access_token.is_some() {
        Setting::new(AuthMethod::Token, Source::Env("KQLHUNT_ACCESS_TOKEN"))
    } else if env.get("AZURE_CLIENT_SECRET").is_some() {
        Setting::new(AuthMethod::Secret, Source::Env("AZURE_CLIENT_SECRET"))
    } else if env.get("AZURE_CLIENT_CERTIFICATE_PATH").is_some() {
        Setting::new(
            AuthMethod::Certificate,
            Source::Env("AZURE_CLIENT_CERTIFICATE_PATH"),
        )
    } else if let Some(a) = profile.auth {
        Setting::new(a, from_file())
    } else if client_secret.is_some() {
        Setting::new(AuthMethod::Secret, Source::Default)
    } else if certificate_path.is_some() {
        Setting::new(AuthMethod::Certificate, Source::Default)
    } else {
        Setting::new(AuthMethod::DeviceCode, Source::Default)
    };

    let endpoint = if let Some(e) = &overrides.endpoint {
        Some(Setting::new(
            normalize_base_url("--endpoint", e)?,
            Source::Flag("--endpoint"),
        ))
    } else if let Some(e) = env.get("KQLHUNT_ENDPOINT") {
        Some(Setting::new(
            normalize_base_url("KQLHUNT_ENDPOINT", e)?,
            Source::Env("KQLHUNT_ENDPOINT"),
        ))
    } else if let Some(e) = &profile.endpoint {
        Some(Setting::new(
            normalize_base_url("endpoint", e)?,
            from_file(),
        ))
    } else {
        None
    };
    let login_endpoint = if let Some(h) = env.get("AZURE_AUTHORITY_HOST") {
        Setting::new(
            normalize_base_url("AZURE_AUTHORITY_HOST", h)?,
            Source::Env("AZURE_AUTHORITY_HOST"),
        )
    } else if let Some(h) = &profile.login_endpoint {
        Setting::new(normalize_base_url("login_endpoint", h)?, from_file())
    } else {
        Setting::new(
            format!("https://{}", cloud.value.login_host()),
            Source::Default,
        )
    };
    let timeout = match profile.timeout {
        Some(t) if t.is_finite() && t > 0.0 && t <= 86_400.0 => {
            Setting::new(Duration::from_secs_f64(t), from_file())
        }
        Some(t) => {
            return Err(ConfigError::Invalid(format!(
                "timeout = {t} in {} is out of range; give seconds between 1 and 86400",
                where_()
            )));
        }
        None => Setting::new(DEFAULT_TIMEOUT, Source::Default),
    };
    Ok(ResolvedProfile {
        backend,
        cloud,
        tenant,
        client_id,
        auth,
        client_secret,
        certificate_path,
        certificate_alg: profile.certificate_alg.map_or_else(
            || Setting::new(AssertionAlg::Rs256, Source::Default),
            |a| Setting::new(a, from_file()),
        ),
        certificate_password,
        access_token,
        endpoint,
        login_endpoint,
        ca_bundle: profile
            .ca_bundle
            .clone()
            .map(|p| Setting::new(p, from_file())),
        timeout,
        scope: profile
            .scope
            .clone()
            .filter(|s| !s.trim().is_empty())
            .map(|s| Setting::new(s, from_file())),
        quota: profile.quota.clone().unwrap_or_default(),
        name,
        config_path: config_path.map(Path::to_path_buf),
        paths: None,
        warnings: Vec::new(),
        sections: file.other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> ConfigFile {
        ConfigFile::parse(text, Path::new("config.toml")).unwrap()
    }

    #[test]
    fn nothing_configured_is_local() {
        let r = resolve_with(
            &ConfigFile::default(),
            None,
            &Overrides::default(),
            &EnvVars::default(),
        )
        .unwrap();
        assert_eq!(r.backend.value, BackendKind::Local);
        assert_eq!(r.backend.source, Source::Default);
        assert!(r.name.is_none());
        assert_eq!(r.login_endpoint.value, "https://login.microsoftonline.com");
    }

    #[test]
    fn urls_are_normalised_and_http_is_loopback_only() {
        assert_eq!(
            normalize_base_url("x", "login.microsoftonline.us/").unwrap(),
            "https://login.microsoftonline.us"
        );
        assert_eq!(
            normalize_base_url("x", "http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(normalize_base_url("x", "http://localhost:1").is_ok());
        let err = normalize_base_url("x", "http://example.com").unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
        assert!(normalize_base_url("x", "ftp://h").is_err());
        assert!(normalize_base_url("x", "  ").is_err());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_clear_errors() {
        let err = ConfigFile::parse("[profiles.a]\ntenat = \"x\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("tenat"), "{err}");
        let f = file("[profiles.a]\nbackend = \"splunk\"\n");
        let o = Overrides {
            profile: Some("a".into()),
            ..Overrides::default()
        };
        let err = resolve_with(&f, None, &o, &EnvVars::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("use graph, defender, mde or local"), "{err}");
        let o = Overrides {
            profile: Some("b".into()),
            ..Overrides::default()
        };
        let err = resolve_with(&f, None, &o, &EnvVars::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("known profiles: a"), "{err}");
    }

    #[test]
    fn a_profile_without_a_backend_is_graph_and_sovereign_clouds_pick_their_login() {
        let f = file(
            "default_profile = \"gov\"\n[profiles.gov]\ncloud = \"gcc-high\"\ntenant = \"t\"\n",
        );
        let r = resolve_with(&f, None, &Overrides::default(), &EnvVars::default()).unwrap();
        assert_eq!(r.backend.value, BackendKind::Graph);
        assert_eq!(r.login_endpoint.value, "https://login.microsoftonline.us");
        assert_eq!(r.api_base().unwrap(), "https://graph.microsoft.us");
        assert_eq!(r.auth.value, AuthMethod::DeviceCode);
    }
}
