//! Command-line interface: argument parsing, the global `--profile/--backend/--endpoint`
//! flags, and the subcommands that do not open the workbench (`kqlhunt run` prints a
//! result and exits, `kqlhunt login` signs in, `kqlhunt config path|show`). Errors become
//! one line on stderr and a non-zero exit code.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::auth::{AuthEvent, AuthEvents};
use crate::backend::{Backend, BackendKind, RunRequest};
use crate::config::profile::{self, EnvVars, Overrides, ResolvedProfile};
use crate::config::{AuthMethod, Paths};
use crate::data::export::{self, Format};
use crate::data::format::escape_control;
use crate::worker::WorkerOptions;
use crate::worker::local::LocalBackend;

#[derive(Parser, Debug)]
#[command(
    name = "kqlhunt",
    version,
    about = "A terminal workbench for threat hunting with KQL"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Commands>,
    /// Draw the first frame and exit (for startup benchmarks).
    #[arg(long, hide = true)]
    pub exit_after_first_frame: bool,
}

/// Flags every command takes; they override the config file and the environment.
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// The profile in the config file [env: KQLHUNT_PROFILE].
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Where queries run [env: KQLHUNT_BACKEND] [default: local without a profile].
    #[arg(long, global = true, value_enum)]
    pub backend: Option<BackendKind>,
    /// The API base URL, e.g. a regional Defender host [env: KQLHUNT_ENDPOINT].
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
}

impl GlobalArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            profile: self.profile.clone(),
            backend: self.backend,
            endpoint: self.endpoint.clone(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Commands {
    /// Run a query, print the result and exit.
    Run(RunArgs),
    /// Sign in for a profile (device code for delegated profiles) and cache the token.
    Login,
    /// Where the config file is, and what is in effect.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the path of the config file.
    Path,
    /// Print the settings in effect and where each came from (secrets masked).
    Show,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The query text.
    #[arg(short, long, conflicts_with = "file")]
    pub query: Option<String>,
    /// Read the query from a file (`-` for stdin).
    #[arg(short, long)]
    pub file: Option<PathBuf>,
    /// Output format [default: table on a terminal, jsonl when piped].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// Where the query text comes from: `-q`, `-f`, or stdin when it is piped.
fn read_query(args: &RunArgs) -> anyhow::Result<String> {
    let text = if let Some(q) = &args.query {
        q.clone()
    } else if let Some(path) = args.file.as_deref().filter(|p| p.as_os_str() != "-") {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    } else if args.file.is_some() || !io::stdin().is_terminal() {
        let mut s = String::new();
        io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the query from stdin")?;
        s
    } else {
        bail!("no query: pass -q '<kql>', -f FILE, or pipe one on stdin");
    };
    if text.trim().is_empty() {
        bail!("the query is empty");
    }
    Ok(text)
}

/// The profile in effect: config file, environment and flags.
pub fn resolve_profile(global: &GlobalArgs) -> anyhow::Result<ResolvedProfile> {
    let paths = Paths::discover();
    Ok(profile::resolve(
        paths.as_ref(),
        &global.overrides(),
        &EnvVars::from_process(),
    )?)
}

/// The backend a profile runs queries on. Only `local` is wired here; the HTTP backends
/// (src/api) are connected to this function when they land.
pub fn build_backend(profile: &ResolvedProfile) -> anyhow::Result<Arc<dyn Backend>> {
    match profile.backend.value {
        BackendKind::Local => Ok(Arc::new(LocalBackend::demo(crate::data::time::now_ticks()))),
        remote => bail!(
            "the {} backend is not wired yet; use --backend local for the demo dataset",
            remote.name()
        ),
    }
}

/// How the worker spends this profile's quota: a shared ledger for metered backends, with
/// limits from the profile's `[quota]` table (defaults from the docs).
pub fn worker_options(profile: &ResolvedProfile) -> anyhow::Result<WorkerOptions> {
    let kind = profile.backend.value;
    let mut options = WorkerOptions::default();
    if kind.spends_quota() {
        let limits = crate::quota::Limits::from_toml_for(kind, &profile.quota)
            .with_context(|| "the profile's [quota] table is invalid".to_string())?;
        let paths = profile.paths.clone().or_else(Paths::discover).context("cannot find a home directory for the quota ledger")?;
        let tenant = profile.tenant().unwrap_or("default");
        options.quota = Some(crate::quota::Store::open(&paths, tenant, kind, limits));
    }
    Ok(options)
}

/// `kqlhunt run`: run one query on the profile's backend and print it.
pub async fn run(args: RunArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let query = read_query(&args)?;
    let profile = resolve_profile(global)?;
    let backend = build_backend(&profile)?;
    let result = backend
        .run(&RunRequest::new(query), CancellationToken::new())
        .await?;
    let format = args.format.unwrap_or(if io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Jsonl
    });
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = export::write(&result.table, format, &mut out).and_then(|()| out.flush());
    match written {
        // `kqlhunt run … | head` closes the pipe early; that is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the result"),
    }?;
    if result.truncated {
        eprintln!(
            "kqlhunt: warning: the result was truncated at {} rows",
            result.table.row_count()
        );
    }
    Ok(())
}

/// `kqlhunt login`: sign in for the profile and cache the token. The device code and URL
/// go to stderr; nothing secret is printed.
pub async fn login(global: &GlobalArgs) -> anyhow::Result<()> {
    let profile = resolve_profile(global)?;
    if profile.backend.value == BackendKind::Local {
        bail!(
            "there is nothing to sign in to: no remote backend is configured; add a profile to {} (see `kqlhunt config show`) or pass --backend graph",
            profile
                .config_path
                .as_deref()
                .map_or_else(|| "the config file".into(), |p| p.display().to_string())
        );
    }
    let (events, mut rx) = AuthEvents::channel();
    let provider = crate::auth::provider_for(&profile, events)?;
    let printer = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if let AuthEvent::DeviceCode(prompt) = event {
                eprintln!("kqlhunt: {}", prompt.message);
                eprintln!(
                    "kqlhunt: code {} at {}; waiting for you to finish in the browser…",
                    prompt.user_code, prompt.verification_uri
                );
            }
        }
    });
    let token = provider.sign_in().await;
    drop(provider);
    let _ = printer.await;
    let token = token?;
    let until = token
        .expires_at
        .and_then(|t| t.duration_since(std::time::SystemTime::UNIX_EPOCH).ok())
        .map(|d| {
            let ticks = d.as_secs() as i64 * crate::data::time::TICKS_PER_SECOND;
            format!(
                "; the token is valid until {}",
                crate::data::time::format_datetime(ticks, 0)
            )
        })
        .unwrap_or_default();
    let how = match profile.auth.value {
        AuthMethod::DeviceCode => "signed in",
        _ => "sign-in works",
    };
    eprintln!(
        "kqlhunt: {how} for profile {} ({}, {}){until}",
        escape_control(profile.profile_name()),
        profile.auth.value.name(),
        profile.backend.value.name()
    );
    Ok(())
}

/// `kqlhunt config path`.
pub fn config_path() -> anyhow::Result<()> {
    let paths = Paths::discover()
        .context("cannot find a home directory for the config; set KQLHUNT_HOME")?;
    println!("{}", paths.config_dir.join(profile::CONFIG_FILE).display());
    Ok(())
}

/// `kqlhunt config show`: every setting in effect, where it came from, secrets masked.
pub fn config_show(global: &GlobalArgs) -> anyhow::Result<()> {
    let profile = resolve_profile(global)?;
    let mut out = String::new();
    if let Some(path) = &profile.config_path {
        let state = if path.exists() { "" } else { " (not found)" };
        out.push_str(&format!("# config file: {}{state}\n", path.display()));
    }
    for w in &profile.warnings {
        out.push_str(&format!("# warning: {}\n", escape_control(w)));
    }
    let rows = profile.describe();
    let kw = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let vw = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (k, v, src) in rows {
        let pad = vw.saturating_sub(v.chars().count());
        out.push_str(&format!(
            "{k:<kw$}  {}{}  ({src})\n",
            escape_control(&v),
            " ".repeat(pad)
        ));
    }
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    match lock.write_all(out.as_bytes()).and_then(|()| lock.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the settings"),
    }
}
