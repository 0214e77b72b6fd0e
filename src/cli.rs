//! Command-line interface: argument parsing and the subcommands that do not open the
//! workbench (`kqlhunt run` prints a result and exits). Errors become one line on stderr
//! and a non-zero exit code.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::backend::{Backend, RunRequest};
use crate::data::export::{self, Format};
use crate::worker::local::LocalBackend;

#[derive(Parser, Debug)]
#[command(
    name = "kqlhunt",
    version,
    about = "A terminal workbench for threat hunting with KQL"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Commands>,
    /// Draw the first frame and exit (for startup benchmarks).
    #[arg(long, hide = true)]
    pub exit_after_first_frame: bool,
}

#[derive(Subcommand, Debug)]
pub enum Commands {
    /// Run a query, print the result and exit.
    Run(RunArgs),
    /// Lint .kql files (and ```kql blocks of .md files); exit 1 on errors.
    Lint(crate::kql::lint_cli::LintArgs),
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

/// `kqlhunt run`: run one query on the local backend and print it.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let query = read_query(&args)?;
    let backend = Arc::new(LocalBackend::demo(crate::data::time::now_ticks()));
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
