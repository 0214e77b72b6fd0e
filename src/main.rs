//! kqlhunt's entry point: parse arguments, set up logging to a file (never the terminal),
//! then open the workbench or run a subcommand. Exit codes: 0 success, 1 error, 2 usage.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use kqlhunt::backend::BackendKind;
use kqlhunt::cli::{Cli, Commands};
use kqlhunt::config::{Paths, create_private_dir};
use kqlhunt::tui::{self, LoopOptions, app::App, theme::Theme};
use kqlhunt::worker::{self, local::LocalBackend};

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
    let outcome = runtime.block_on(async {
        match cli.command {
            Some(Commands::Run(args)) => kqlhunt::cli::run(args).await,
            Some(Commands::Lint(args)) => kqlhunt::kql::lint_cli::run(args),
            None => {
                workbench(LoopOptions {
                    exit_after_first_frame: cli.exit_after_first_frame,
                })
                .await
            }
        }
    });
    // Do not wait for blocking tasks (a long local query) once the analyst has left.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
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

async fn workbench(opts: LoopOptions) -> anyhow::Result<()> {
    let backend = Arc::new(LocalBackend::demo(kqlhunt::data::time::now_ticks()));
    let mut worker = worker::spawn(backend);
    let mut app = App::new(BackendKind::Local, Theme::from_env());
    let mut terminal = tui::terminal::enter()?;
    let result = tui::run(&mut terminal, &mut app, &mut worker, opts).await;
    tui::terminal::restore();
    let _ = worker.commands.try_send(worker::Command::Shutdown);
    Ok(result?)
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
