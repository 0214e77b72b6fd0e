//! kqlhunt's entry point: parse arguments, set up logging to a file (never the terminal),
//! then open the workbench or run a subcommand. Exit codes: 0 success, 1 error, 2 usage,
//! 128 + N after signal N (143 for SIGTERM, 129 for SIGHUP).

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use kqlhunt::cli::{Cli, Commands, ConfigCommand, GlobalArgs};
use kqlhunt::config::{Paths, create_private_dir};
use kqlhunt::tui::{self, LoopOptions, app::App, theme::Theme};
use kqlhunt::worker;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log_guard = init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    let global = cli.global;
    let outcome = runtime.block_on(async {
        match cli.command {
            Some(Commands::Run(args)) => kqlhunt::cli::run(args, &global).await.map(ok),
            Some(Commands::Login) => kqlhunt::cli::login(&global).await.map(ok),
            Some(Commands::Config(ConfigCommand::Path)) => kqlhunt::cli::config_path().map(ok),
            Some(Commands::Config(ConfigCommand::Show)) => {
                kqlhunt::cli::config_show(&global).map(ok)
            }
            Some(Commands::Config(ConfigCommand::Keys)) => {
                kqlhunt::cli::config_keys(&global).map(ok)
            }
            Some(Commands::Lint(args)) => kqlhunt::kql::lint_cli::run(args).map(ok),
            Some(Commands::Schema(_)) => kqlhunt::cli::schema_refresh(&global).await.map(ok),
            Some(Commands::Open(args)) => {
                let options = LoopOptions {
                    exit_after_first_frame: cli.exit_after_first_frame,
                };
                workbench(&global, &args.files, &[], options).await
            }
            None => {
                workbench(
                    &global,
                    &[],
                    &cli.queries,
                    LoopOptions {
                        exit_after_first_frame: cli.exit_after_first_frame,
                    },
                )
                .await
            }
        }
    });
    // Do not wait for blocking tasks (a long local query) once the analyst has left.
    runtime.shutdown_background();
    match outcome {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

fn ok(_: ()) -> ExitCode {
    ExitCode::SUCCESS
}

fn fail(e: anyhow::Error) -> ExitCode {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        msg.push_str(&format!(": {cause}"));
    }
    eprintln!(
        "kqlhunt: error: {}",
        kqlhunt::data::format::escape_control(&msg)
    );
    tracing::error!("{msg}");
    ExitCode::FAILURE
}

/// Open the workbench; a termination signal exits with 128 + its number, as shells do.
async fn workbench(
    global: &GlobalArgs,
    files: &[std::path::PathBuf],
    queries: &[std::path::PathBuf],
    opts: LoopOptions,
) -> anyhow::Result<ExitCode> {
    // Resolve and read before the terminal switches screens, so a config error or an
    // unreadable file is one plain line.
    let profile = kqlhunt::cli::resolve_profile(global)?;
    let (tables, opened) = kqlhunt::cli::open_tables(files)?;
    // Device-code prompts reach the workbench through the worker (`WorkerEvent::SignIn`).
    let (auth_events, auth_rx) = kqlhunt::auth::AuthEvents::channel();
    let backend = kqlhunt::cli::build_backend(&profile, &tables, auth_events)?;
    let mut options = kqlhunt::cli::worker_options(&profile, &tables)?;
    options.auth_events = Some(auth_rx);
    let mut worker = worker::spawn(Arc::clone(&backend), options);
    let mut app = App::new(backend.kind(), Theme::from_env());
    if let Some(paths) = Paths::discover() {
        let tenant = profile.tenant.as_ref().map(|t| t.value.as_str());
        app.load_cached_schema(&worker::schema::cache_path(&paths.data_dir, tenant));
    }
    if let Some(paths) = Paths::discover() {
        app.restore_session(tui::session::Session::new(&paths.data_dir));
        app.side.library.dir = Some(tui::side_pane::library_dir(&profile.sections, &paths));
    }
    if tui::vim::enabled_in_config(&profile.sections) {
        app.vim = Some(tui::vim::Vim::new());
    }
    // Query files named on the command line open in tabs over the restored session.
    let mut first = None;
    for path in queries {
        app.open_query_file(path.clone());
        first.get_or_insert(app.queries.active());
    }
    if let Some(i) = first {
        app.switch_query_tab(i);
    }
    app.history.recorder =
        kqlhunt::history::recorder_for(&profile, kqlhunt::history::Client::Workbench);
    if !opened.is_empty() {
        app.notice = Some(format!("opened {}", opened.join(" · ")));
    }
    app.extra_tables = tables.schemas();
    // `[ui]`, `[keys]`, `[theme]`: a bad value is a warning on the status line, never a refusal.
    let ui = kqlhunt::config::ui::UiConfig::from_sections(&profile.sections);
    let settings =
        tui::settings::Settings::from_config(&ui, std::env::var_os("NO_COLOR").as_deref());
    settings.warnings.iter().for_each(|w| tracing::warn!("{w}"));
    app.apply_settings(settings);
    let mut terminal = tui::terminal::enter()?;
    if app.mouse.enabled
        && let Err(e) = tui::terminal::enable_mouse()
    {
        tracing::warn!("cannot turn the mouse on: {e}");
        app.mouse.enabled = false;
    }
    let result = tui::run(&mut terminal, &mut app, &mut worker, opts).await;
    tui::terminal::restore();
    let _ = worker.commands.try_send(worker::Command::Shutdown);
    result?;
    Ok(match app.exit_signal {
        Some(signal) => ExitCode::from(128u8.saturating_add(signal as u8)),
        None => ExitCode::SUCCESS,
    })
}

/// Log to `<state dir>/kqlhunt.log`; `KQLHUNT_LOG` sets the filter (default `info`).
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let paths = Paths::discover()?;
    create_private_dir(&paths.state_dir).ok()?;
    let file = tracing_appender::rolling::never(&paths.state_dir, "kqlhunt.log");
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("KQLHUNT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
