//! `:w FILE` in the workbench: the current result as the grid shows it (sorted, filtered)
//! written to CSV, TSV, JSON or JSONL on a background thread, with the bytes written so far
//! in the status line. Files are data, not the screen: full precision, nothing escaped.
//! The file appears under its name only once complete (written as `FILE.partial`, renamed).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use super::app::App;
use super::view::{self, Filter, Sort};
use crate::data::Table;
use crate::data::export::{self, Format};

/// An export on its way.
pub struct ExportJob {
    path: PathBuf,
    /// Rows to write; `None` while a sort or filter asked for just before is computed.
    rows: Option<usize>,
    written: Arc<AtomicU64>,
    /// Rows and bytes written.
    done: mpsc::Receiver<Result<(usize, u64), String>>,
}

/// Counts what passes through, for the progress line.
struct Counting<W> {
    inner: W,
    written: Arc<AtomicU64>,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Which rows to write, in order; `None`: the whole table as it is.
enum Rows {
    Table,
    These(Vec<usize>),
    /// The view asked for has not been computed yet: compute it here, off the UI thread.
    Compute(Option<Sort>, Option<Filter>),
}

fn write_file(
    table: &Table,
    rows: Rows,
    format: Format,
    path: &std::path::Path,
    written: Arc<AtomicU64>,
) -> Result<(usize, u64), String> {
    let rows = match rows {
        Rows::Table => None,
        Rows::These(rows) => Some(rows),
        Rows::Compute(sort, filter) => Some(view::compute(table, sort, filter.as_ref())),
    };
    let count = rows.as_ref().map_or(table.row_count(), Vec::len);
    let partial = export::partial_path(path);
    let run = || -> std::io::Result<()> {
        let file = std::fs::File::create(&partial)?;
        let mut out = std::io::BufWriter::new(Counting {
            inner: file,
            written: Arc::clone(&written),
        });
        match rows {
            Some(rows) => export::write(&table.take(&rows), format, &mut out)?,
            None => export::write(table, format, &mut out)?,
        }
        out.flush()?;
        drop(out);
        std::fs::rename(&partial, path)
    };
    run().map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        format!("cannot write {}: {e}", path.display())
    })?;
    Ok((count, written.load(Ordering::Relaxed)))
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

impl App {
    /// Start writing the current result, as shown, to `path`.
    pub fn start_export(&mut self, path: PathBuf) {
        let Some(result) = &self.result else {
            self.notice = Some("Nothing to write: run a query first.".into());
            return;
        };
        let Some(format) = Format::from_path(&path).filter(|f| *f != Format::Table) else {
            self.notice = Some(format!(
                "{}: name the format with .csv, .tsv, .json or .jsonl",
                crate::data::format::escape_control(&path.display().to_string())
            ));
            return;
        };
        if self.export.is_some() {
            self.notice = Some("An export is already running.".into());
            return;
        }
        let table = Arc::clone(&result.table);
        // A sort or filter still being computed is what the analyst asked for (and what the
        // title already says): write that, not the rows shown a moment ago.
        let (rows, shown) = if self.view.pending.is_some() {
            let (sort, filter) = (self.view.sort, self.view.filter.clone());
            if sort.is_none() && filter.is_none() {
                (Rows::Table, Some(table.row_count()))
            } else {
                (Rows::Compute(sort, filter), None)
            }
        } else {
            let shown = self.view.shown_count(&table);
            let rows = if shown != table.row_count() || self.view.sort.is_some() {
                Rows::These(self.view.shown_rows(&table))
            } else {
                Rows::Table
            };
            (rows, Some(shown))
        };
        let written = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel();
        {
            let (path, written) = (path.clone(), Arc::clone(&written));
            std::thread::spawn(move || {
                #[cfg(debug_assertions)]
                if crate::crash::debug_panic_at("export") {
                    panic!("KQLHUNT_DEBUG_PANIC=export: the export thread panicked");
                }
                let _ = tx.send(write_file(&table, rows, format, &path, written));
            });
        }
        self.export = Some(ExportJob {
            path,
            rows: shown,
            written,
            done: rx,
        });
        self.poll_export();
    }

    /// Update the progress line; true when something changed on screen.
    pub fn poll_export(&mut self) -> bool {
        let Some(job) = &self.export else {
            return false;
        };
        let name =
            crate::data::format::escape_control(&job.path.display().to_string()).into_owned();
        match job.done.try_recv() {
            Ok(Ok((rows, bytes))) => {
                self.notice = Some(format!(
                    "wrote {} to {name} ({})",
                    crate::data::format::count_of(rows, "row"),
                    size(bytes)
                ));
                self.export = None;
            }
            Ok(Err(e)) => {
                self.notice = Some(crate::data::format::escape_control(&e).into_owned());
                self.export = None;
            }
            Err(mpsc::TryRecvError::Empty) => {
                let bytes = size(job.written.load(Ordering::Relaxed));
                self.notice = Some(match job.rows {
                    Some(rows) => format!(
                        "writing {} to {name}… {bytes}",
                        crate::data::format::count_of(rows, "row")
                    ),
                    None => format!("writing {name}… {bytes}"),
                });
            }
            Err(mpsc::TryRecvError::Disconnected) => {
                self.notice = Some(format!("writing {name} stopped unexpectedly"));
                self.export = None;
            }
        }
        true
    }

    /// Block until the export ends (tests).
    pub fn wait_export(&mut self) {
        while self.export.is_some() {
            std::thread::sleep(std::time::Duration::from_millis(5));
            self.poll_export();
        }
    }
}
