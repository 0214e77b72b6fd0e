//! The history file: one JSON line per run, owner-only (0600). An entry is appended with a
//! single `write` on a file opened with `O_APPEND`, so two processes appending at once
//! never interleave their lines. When the file holds more than [`MAX_ENTRIES`] (plus some
//! slack, so this is rare) it is compacted to the newest [`MAX_ENTRIES`]: read, rewritten
//! beside itself and renamed over it. Appends take a shared lock on a sibling `.lock` file
//! and compaction an exclusive one, so no append is lost to a rename. Reading needs no
//! lock; a line that does not parse (a torn write, a hand edit) is skipped and counted.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{Entry, Runs};

/// The file's name under the state dir.
pub const FILE: &str = "history.jsonl";
/// The newest this many runs are kept.
pub const MAX_ENTRIES: usize = 5_000;
/// Lines allowed past [`MAX_ENTRIES`] before compacting.
const SLACK: usize = MAX_ENTRIES / 10;
/// No entry line is shorter than this (the fixed field names alone are longer), so a file
/// smaller than `(MAX_ENTRIES + SLACK) * MIN_LINE` cannot need compacting.
const MIN_LINE: u64 = 48;
/// Only the newest this many bytes are ever read: a runaway file cannot stall the UI.
const MAX_READ_BYTES: u64 = 64 << 20;

/// The history file of one state dir.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    /// Lines in the file when last counted, plus this process's appends since.
    lines: Option<usize>,
    /// The file's length when last counted.
    counted_len: u64,
}

impl Store {
    /// The history under `state_dir`.
    pub fn in_dir(state_dir: &Path) -> Store {
        Store::at(state_dir.join(FILE))
    }

    pub fn at(path: PathBuf) -> Store {
        Store {
            path,
            lines: None,
            counted_len: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one entry as one line, then compact if the file has grown past the cap.
    pub fn append(&mut self, entry: &Entry) -> io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
        line.push('\n');
        if let Some(dir) = self.path.parent() {
            crate::config::create_private_dir(dir)?;
        }
        let len = {
            let _shared = self.lock(false);
            let mut file = open_append(&self.path)?;
            // One write call: O_APPEND makes it land whole at the end, after any other
            // process's line.
            file.write_all(line.as_bytes())?;
            file.metadata()?.len()
        };
        if let Some(n) = &mut self.lines {
            *n += 1;
        }
        if len < (MAX_ENTRIES + SLACK) as u64 * MIN_LINE {
            return Ok(());
        }
        // Other processes append too: count again once the file has grown noticeably.
        if self.lines.is_none() || len > self.counted_len + self.counted_len / 8 {
            let text = read_tail(&self.path)?;
            self.lines = Some(text.lines().count());
            self.counted_len = len;
        }
        if self.lines.is_some_and(|n| n > MAX_ENTRIES + SLACK) {
            self.compact()?;
        }
        Ok(())
    }

    /// Every readable entry, oldest first; unreadable lines are skipped and counted.
    pub fn load(&self) -> io::Result<Runs> {
        match read_tail(&self.path) {
            Ok(text) => Ok(Runs::parse(&text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Runs::default()),
            Err(e) => Err(e),
        }
    }

    /// Keep only the newest [`MAX_ENTRIES`] readable lines (under the exclusive lock).
    pub fn compact(&mut self) -> io::Result<()> {
        let _exclusive = self.lock(true);
        let text = read_tail(&self.path)?;
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| serde_json::from_str::<Entry>(l).is_ok())
            .collect();
        let kept = &kept[kept.len().saturating_sub(MAX_ENTRIES)..];
        let mut out = String::with_capacity(kept.iter().map(|l| l.len() + 1).sum());
        for line in kept {
            out.push_str(line);
            out.push('\n');
        }
        crate::config::write_private_atomic(&self.path, out.as_bytes())?;
        tracing::info!(kept = kept.len(), "history compacted");
        self.lines = Some(kept.len());
        self.counted_len = out.len() as u64;
        Ok(())
    }

    /// The sibling lock, shared or exclusive; `None` (unlocked) where locks do not work.
    fn lock(&self, exclusive: bool) -> Option<File> {
        let path = self.path.with_extension("lock");
        let locked = open_private(&path, OpenOptions::new().read(true).write(true)).and_then(|f| {
            if exclusive { f.lock() } else { f.lock_shared() }?;
            Ok(f)
        });
        match locked {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot lock the history");
                None
            }
        }
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    open_private(path, OpenOptions::new().append(true))
}

/// Open (creating owner-only); an existing file readable by others is made owner-only.
fn open_private(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    options.create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// The file's text, or its newest [`MAX_READ_BYTES`] from the first whole line.
fn read_tail(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(MAX_READ_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity((len - start) as usize);
    file.read_to_end(&mut bytes)?;
    if start > 0 {
        let first = bytes.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.drain(..first);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::RunRequest;
    use crate::history::Ended;
    use std::time::Duration;

    fn entry(i: usize) -> Entry {
        let mut e = Entry::new(
            &RunRequest::new(format!("DeviceEvents | take {i}")),
            i as i64 * 10_000,
            Ended::Cancelled {
                elapsed: Duration::ZERO,
            },
        );
        e.backend = "local".into();
        e
    }

    #[test]
    fn appends_come_back_in_order_and_the_file_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::in_dir(&dir.path().join("state"));
        assert_eq!(store.load().unwrap().len(), 0, "no file yet is no history");
        for i in 0..3 {
            store.append(&entry(i)).unwrap();
        }
        let runs = store.load().unwrap();
        assert_eq!(runs.len(), 3);
        assert_eq!(runs.entries()[0].query, "DeviceEvents | take 0");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(store.path()), 0o600);
            assert_eq!(mode(&dir.path().join("state")), 0o700);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_made_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Store::at(path.clone()).append(&entry(1)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn corrupt_lines_are_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::in_dir(dir.path());
        store.append(&entry(1)).unwrap();
        let mut f = open_append(store.path()).unwrap();
        f.write_all(b"{\"at\":\"2026-01-01T00:00:00Z\",\"query\":\"half a li\n")
            .unwrap();
        f.write_all(b"\xff\xfe not json\n\n{}\n").unwrap();
        store.append(&entry(2)).unwrap();
        let runs = store.load().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs.skipped(), 3, "the torn line, the bytes and `{{}}`");
        store.compact().unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert_eq!(text.lines().count(), 2, "compaction drops unreadable lines");
    }

    #[test]
    fn the_file_is_compacted_to_the_newest_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::in_dir(dir.path());
        for i in 0..MAX_ENTRIES + SLACK {
            store.append(&entry(i)).unwrap();
        }
        assert_eq!(store.load().unwrap().len(), MAX_ENTRIES + SLACK, "not yet");
        store.append(&entry(MAX_ENTRIES + SLACK)).unwrap();
        let runs = store.load().unwrap();
        assert_eq!(runs.len(), MAX_ENTRIES);
        let first = format!("DeviceEvents | take {}", SLACK + 1);
        assert_eq!(runs.entries()[0].query, first, "the oldest went");
        assert_eq!(
            runs.entries().last().unwrap().query,
            format!("DeviceEvents | take {}", MAX_ENTRIES + SLACK)
        );
        // A fresh store (another process) counts before deciding.
        let mut other = Store::in_dir(dir.path());
        other.append(&entry(0)).unwrap();
        assert_eq!(other.load().unwrap().len(), MAX_ENTRIES + 1);
    }
}
