//! Command-line interface: argument parsing, the global `--profile/--backend/--endpoint`
//! flags, and the subcommands that do not open the workbench (`kqlhunt run` prints a
//! result and exits, `kqlhunt login` signs in, `kqlhunt config path|show`). Errors become
//! one line on stderr and a non-zero exit code.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::api::http::HttpOptions;
use crate::api::hunting::HuntingBackend;
use crate::auth::{AuthEvent, AuthEvents};
use crate::backend::{Backend, BackendKind, RunRequest};
use crate::config::profile::{self, EnvVars, Overrides, ResolvedProfile};
use crate::config::{AuthMethod, Paths};
use crate::data::export::{self, Format};
use crate::data::format::escape_control;
use crate::history::Ended;
use crate::worker::WorkerOptions;
use crate::worker::local::LocalBackend;
use crate::worker::refine::LocalTables;

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
    /// Query files to open in editor tabs (a file that does not exist yet opens empty and
    /// is created by the first save, Ctrl+S).
    #[arg(value_name = "FILE.kql")]
    pub queries: Vec<PathBuf>,
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
    /// Lint .kql files (and ```kql blocks of .md files); exit 1 on errors.
    Lint(crate::kql::lint_cli::LintArgs),
    /// Open the workbench with data files as local tables (CSV, TSV, JSON, JSONL, saved
    /// results), each named after its file: `kqlhunt open logons.csv` → `logons | ...`.
    Open(OpenArgs),
    /// The tenant's schema, for completion and the editor's lint.
    #[command(subcommand)]
    Schema(SchemaCommand),
}

#[derive(Args, Debug)]
pub struct OpenArgs {
    /// The files to open.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum SchemaCommand {
    /// Fetch the tenant's tables and columns (one query) and cache them for the workbench.
    Refresh,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the path of the config file.
    Path,
    /// Print the settings in effect and where each came from (secrets masked).
    Show,
    /// Print every action's `[keys]` name and the keys that do it now.
    Keys,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The query text.
    #[arg(short, long, conflicts_with = "file")]
    pub query: Option<String>,
    /// Read queries from files (`-` for stdin); repeat for several. Queries in one file are
    /// separated by blank lines, as in the Defender portal.
    #[arg(short, long)]
    pub file: Vec<PathBuf>,
    /// Output format [default: table on a terminal, jsonl when piped].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the results to FILE instead of stdout; the format comes from --format or the
    /// file's extension (.csv .tsv .json .jsonl .txt). Full precision, nothing escaped.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A data file to query as a local table named after the file (repeat for several).
    #[arg(short, long, value_name = "FILE")]
    pub table: Vec<PathBuf>,
}

/// One query to run, and where it came from (for error lines).
struct Source {
    label: String,
    text: String,
}

/// The queries to run: `-q` (one query), each `-f` file or stdin (split on blank lines).
fn read_queries(args: &RunArgs) -> anyhow::Result<Vec<Source>> {
    let mut texts: Vec<(String, String, bool)> = Vec::new();
    if let Some(q) = &args.query {
        texts.push(("-q".into(), q.clone(), false));
    }
    for path in &args.file {
        if path.as_os_str() == "-" {
            texts.push(("stdin".into(), read_stdin()?, true));
        } else {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            texts.push((path.display().to_string(), text, true));
        }
    }
    if texts.is_empty() {
        if io::stdin().is_terminal() {
            bail!("no query: pass -q '<kql>', -f FILE, or pipe one on stdin");
        }
        texts.push(("stdin".into(), read_stdin()?, true));
    }
    let mut queries = Vec::new();
    for (label, text, split) in texts {
        if !split {
            queries.push(Source { label, text });
            continue;
        }
        for range in crate::kql::query_ranges(&text) {
            let (line, _) = crate::data::format::line_col(&text, range.start);
            let query = text[range].to_string();
            // A block of nothing but comments is not a query.
            if crate::kql::lex(&query)
                .iter()
                .all(|t| t.kind == crate::kql::TokenKind::Comment)
            {
                continue;
            }
            queries.push(Source {
                label: format!("{label}:{line}"),
                text: query,
            });
        }
    }
    if queries.iter().all(|q| q.text.trim().is_empty()) {
        bail!("the query is empty");
    }
    Ok(queries)
}

fn read_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    io::stdin()
        .read_to_string(&mut s)
        .context("cannot read the query from stdin")?;
    Ok(s)
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

/// The backend a profile runs queries on. `tables` (opened files, kept results) join a
/// local backend's own; `events` receives device-code prompts: the workbench relays them
/// through the worker; `AuthEvents::none()` makes a delegated profile that is not signed in
/// fail at once with "run `kqlhunt login`".
pub fn build_backend(
    profile: &ResolvedProfile,
    tables: &LocalTables,
    events: AuthEvents,
) -> anyhow::Result<Arc<dyn Backend>> {
    let kind = profile.backend.value;
    if kind == BackendKind::Local {
        return Ok(Arc::new(
            LocalBackend::demo(crate::data::time::now_ticks()).with_tables(tables.clone()),
        ));
    }
    let tokens = crate::auth::provider_for(profile, events)?;
    let base = profile.api_base().with_context(|| {
        format!(
            "no API endpoint for the {} backend; set `endpoint` in the profile",
            kind.name()
        )
    })?;
    let options = HttpOptions {
        // The profile's timeout only when someone set it; otherwise each API's own default.
        timeout: (profile.timeout.source != crate::config::profile::Source::Default)
            .then_some(profile.timeout.value),
        ca_bundle: profile.ca_bundle.as_ref().map(|c| c.value.clone()),
        connect_timeout: None,
    };
    Ok(Arc::new(HuntingBackend::new(
        kind, &base, tokens, &options,
    )?))
}

/// How the worker spends this profile's quota: a shared ledger for metered backends, with
/// limits from the profile's `[quota]` table (defaults from the docs).
pub fn worker_options(
    profile: &ResolvedProfile,
    tables: &LocalTables,
) -> anyhow::Result<WorkerOptions> {
    let kind = profile.backend.value;
    let mut options = WorkerOptions {
        tables: tables.clone(),
        ..WorkerOptions::default()
    };
    if kind.spends_quota() {
        let limits = crate::quota::Limits::from_toml_for(kind, &profile.quota)
            .with_context(|| "the profile's [quota] table is invalid".to_string())?;
        let paths = profile
            .paths
            .clone()
            .or_else(Paths::discover)
            .context("cannot find a home directory for the quota ledger")?;
        let tenant = profile.tenant().unwrap_or("default");
        options.quota = Some(crate::quota::Store::open(&paths, tenant, kind, limits));
    }
    Ok(options)
}

/// Read data files into local tables named after them; also says what was opened, one
/// line per file (`logons: 1,204 rows, 7 columns`). The first unreadable file is the error.
pub fn open_tables(files: &[PathBuf]) -> anyhow::Result<(LocalTables, Vec<String>)> {
    let tables = LocalTables::new();
    let opened = tables.open_files(files)?;
    Ok((tables, opened))
}

/// `kqlhunt run`: run the queries on the profile's backend through the worker (so the
/// quota ledger paces them and never provokes a 429), print each result in order.
pub async fn run(args: RunArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let queries = read_queries(&args)?;
    let profile = resolve_profile(global)?;
    let (tables, _) = open_tables(&args.table)?;
    // Scripts do not wait for a browser: an expired delegated sign-in fails with advice.
    let backend = build_backend(&profile, &tables, AuthEvents::none())?;
    let mut worker = crate::worker::spawn(backend, worker_options(&profile, &tables)?);
    let format = match (&args.output, args.format) {
        (_, Some(format)) => format,
        (Some(path), None) => Format::from_path(path).with_context(|| {
            format!(
                "{}: cannot tell the format from the name; add --format csv|tsv|json|jsonl",
                path.display()
            )
        })?,
        (None, None) if io::stdout().is_terminal() => Format::Table,
        (None, None) => Format::Jsonl,
    };
    if format == Format::Json && queries.len() > 1 {
        bail!("--format json holds one result; use jsonl (or csv) for several queries");
    }
    // A file is written beside its final name and renamed once every result is in, so a
    // failed run never leaves a half-written export under the name asked for.
    let file = match &args.output {
        Some(path) => {
            let partial = export::partial_path(path);
            let file = std::fs::File::create(&partial)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            Some((path.clone(), RemoveOnDrop(partial), file))
        }
        None => None,
    };

    // Every run goes into the history, as in the workbench; it starts when the worker
    // starts it (answers from the cache never start: they count from the send).
    let mut history = crate::history::recorder_for(&profile, crate::history::Client::Run);
    let mut started = vec![crate::data::time::now_ticks(); queries.len()];

    // Send everything; the worker queues what the quota does not admit yet.
    let commands = worker.commands.clone();
    let requests: Vec<RunRequest> = queries
        .iter()
        .map(|q| RunRequest::new(q.text.clone()))
        .collect();
    tokio::spawn(async move {
        for (i, request) in requests.into_iter().enumerate() {
            let id = crate::worker::QueryId(i as u64);
            if commands
                .send(crate::worker::Command::Run {
                    id,
                    request,
                    fresh: false,
                })
                .await
                .is_err()
            {
                break;
            }
        }
    });

    let mut outcomes: Vec<Option<Result<Arc<crate::data::ResultSet>, crate::backend::RunError>>> =
        (0..queries.len()).map(|_| None).collect();
    let mut printed = 0;
    let mut failures = Vec::new();
    let stdout = io::stdout();
    let mut out: io::BufWriter<Box<dyn Write>> = io::BufWriter::new(match &file {
        Some((_, _, f)) => Box::new(f.try_clone().context("cannot write the output file")?),
        None => Box::new(stdout.lock()),
    });
    while printed < queries.len() {
        let Some(event) = worker.events.recv().await else {
            bail!("the worker stopped unexpectedly")
        };
        let (id, outcome) = match event {
            crate::worker::WorkerEvent::Started { id } => {
                if let Some(at) = started.get_mut(id.0 as usize) {
                    *at = crate::data::time::now_ticks();
                }
                continue;
            }
            crate::worker::WorkerEvent::Finished {
                id,
                result,
                cached_age,
            } => {
                let ended = Ended::Finished {
                    result: &result,
                    cached_age,
                };
                record_run(&mut history, &queries, &started, id, ended);
                (id, Ok(result))
            }
            crate::worker::WorkerEvent::Failed { id, error, elapsed } => {
                let ended = Ended::Failed {
                    error: &error,
                    elapsed,
                };
                record_run(&mut history, &queries, &started, id, ended);
                (id, Err(error))
            }
            crate::worker::WorkerEvent::Queued {
                id,
                sends_at: Some(at),
                why,
            } if queries.len() > 1 => {
                let wait = at.saturating_duration_since(std::time::Instant::now());
                tracing::info!(query = id.0, ?wait, %why, "queued");
                continue;
            }
            _ => continue,
        };
        if let Some(slot) = outcomes.get_mut(id.0 as usize) {
            *slot = Some(outcome);
        }
        // Print in input order as soon as the next one is known.
        while let Some(Some(outcome)) = outcomes.get_mut(printed).map(Option::take) {
            let source = &queries[printed];
            match outcome {
                Ok(result) => {
                    if printed > 0 && matches!(format, Format::Table | Format::Csv | Format::Tsv) {
                        writeln!(out).ok();
                    }
                    let written =
                        export::write(&result.table, format, &mut out).and_then(|()| out.flush());
                    match written {
                        // `kqlhunt run … | head` closes the pipe early; that is not an error.
                        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                        other => other.context("cannot write the result")?,
                    }
                    if result.truncated {
                        eprintln!(
                            "kqlhunt: warning: {}: the result was truncated at {} rows",
                            source.label,
                            result.table.row_count()
                        );
                    }
                }
                Err(error) if queries.len() == 1 => return Err(error.into()),
                Err(error) => {
                    eprintln!(
                        "kqlhunt: error: {}: {}",
                        source.label,
                        escape_control(&error.to_string())
                    );
                    failures.push(source.label.clone());
                }
            }
            printed += 1;
        }
    }
    let _ = worker.commands.try_send(crate::worker::Command::Shutdown);
    if let Some((path, partial, _)) = &file {
        out.flush().context("cannot write the output file")?;
        std::fs::rename(&partial.0, path)
            .with_context(|| format!("cannot move the export to {}", path.display()))?;
    }
    if !failures.is_empty() {
        bail!("{} of {} queries failed", failures.len(), queries.len());
    }
    Ok(())
}

/// Record run `id` of `queries` in the history; the first failed write is one warning and
/// ends recording for this invocation.
fn record_run(
    history: &mut Option<crate::history::Recorder>,
    queries: &[Source],
    started: &[i64],
    id: crate::worker::QueryId,
    ended: Ended<'_>,
) {
    let (Some(recorder), Some(source), Some(&at)) = (
        history.as_mut(),
        queries.get(id.0 as usize),
        started.get(id.0 as usize),
    ) else {
        return;
    };
    if let Err(e) = recorder.record(&RunRequest::new(source.text.clone()), at, ended) {
        tracing::warn!(error = %e, "cannot record the run in the history");
        eprintln!(
            "kqlhunt: warning: cannot write the history to {}: {e}",
            recorder.store().path().display()
        );
        *history = None;
    }
}

/// A half-written export, removed if the run ends before it is renamed into place.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `kqlhunt schema refresh`: one query through the worker (and its quota) asks the tenant
/// for its tables' columns; they are cached where the workbench loads them at start.
pub async fn schema_refresh(global: &GlobalArgs) -> anyhow::Result<()> {
    use crate::worker::schema::{cache_path, save, tables_from_result};
    use crate::worker::{Command, QueryId, WorkerEvent};
    let profile = resolve_profile(global)?;
    let tables = crate::worker::refine::LocalTables::new();
    let backend = build_backend(&profile, &tables, AuthEvents::none())?;
    if backend.kind() == BackendKind::Local {
        bail!("the local backend has no tenant schema; choose a tenant profile (--profile)");
    }
    let paths = Paths::discover().context("no data directory on this system; set KQLHUNT_HOME")?;
    let mut worker = crate::worker::spawn(backend, worker_options(&profile, &tables)?);
    worker
        .commands
        .send(Command::RefreshSchema { id: QueryId(0) })
        .await
        .context("the worker stopped unexpectedly")?;
    let result = loop {
        match worker.events.recv().await {
            Some(WorkerEvent::Finished { result, .. }) => break result,
            Some(WorkerEvent::Failed { error, .. }) => return Err(error.into()),
            Some(_) => continue,
            None => bail!("the worker stopped unexpectedly"),
        }
    };
    let _ = worker.commands.try_send(Command::Shutdown);
    let tables = tables_from_result(&result)?;
    let path = cache_path(
        &paths.data_dir,
        profile.tenant.as_ref().map(|t| t.value.as_str()),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    save(&path, &tables, now).with_context(|| format!("cannot write {}", path.display()))?;
    let columns: usize = tables.iter().map(|t| t.columns.len()).sum();
    println!(
        "{} tables, {columns} columns cached in {} (used for 7 days)",
        tables.len(),
        path.display()
    );
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

/// `kqlhunt config keys`: every action's name for `[keys]`, its keys in effect, what it does.
pub fn config_keys(global: &GlobalArgs) -> anyhow::Result<()> {
    let profile = resolve_profile(global)?;
    let ui = crate::config::ui::UiConfig::from_sections(&profile.sections);
    let settings = crate::tui::settings::Settings::from_config(&ui, None);
    let mut out = String::new();
    for w in &settings.warnings {
        out.push_str(&format!("# warning: {}\n", escape_control(w)));
    }
    let rows = settings.keymap.describe();
    let nw = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let kw = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (name, keys, help) in rows {
        let pad = kw.saturating_sub(keys.chars().count());
        out.push_str(&format!("{name:<nw$}  {keys}{}  {help}\n", " ".repeat(pad)));
    }
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    match lock.write_all(out.as_bytes()).and_then(|()| lock.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the keys"),
    }
}

/// `kqlhunt config show`: every setting in effect, where it came from, secrets masked.
pub fn config_show(global: &GlobalArgs) -> anyhow::Result<()> {
    let profile = resolve_profile(global)?;
    let mut out = String::new();
    if let Some(path) = &profile.config_path {
        let state = if path.exists() { "" } else { " (not found)" };
        out.push_str(&format!("# config file: {}{state}\n", path.display()));
    }
    let ui = crate::config::ui::UiConfig::from_sections(&profile.sections);
    let settings =
        crate::tui::settings::Settings::from_config(&ui, std::env::var_os("NO_COLOR").as_deref());
    for w in profile.warnings.iter().chain(&settings.warnings) {
        out.push_str(&format!("# warning: {}\n", escape_control(w)));
    }
    let mut rows = profile.describe();
    rows.extend(ui.describe());
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
