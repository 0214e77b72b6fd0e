//! The analyst's library of saved queries as a model: a folder of `.kql` files (subfolders
//! as tree nodes), each with the first `// comment` line as its description, searchable
//! by name, description and text; and saving the editor's query into it. Reading is
//! bounded (at most [`MAX_FILES`] files, [`READ_BYTES`] of each) and never panics: a file
//! that cannot be read is listed with the reason. No drawing here.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// At most this many files are listed; the listing says when there were more.
pub const MAX_FILES: usize = 5_000;
/// Of each file, this much is read for its description and for search.
pub const READ_BYTES: u64 = 8 * 1024;
/// A query larger than this is not opened into the editor.
pub const MAX_QUERY_BYTES: u64 = 1024 * 1024;
/// Subfolders deeper than this are not entered.
const MAX_DEPTH: usize = 12;

/// One folder or file of the library, in tree order (a folder before what it holds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The path under the library root, `/`-separated, as the file system spells it
    /// (lossily decoded); untrusted text.
    pub rel: String,
    /// The last component of `rel`, without `.kql` for files.
    pub name: String,
    /// 0 for what is directly in the root.
    pub depth: usize,
    pub kind: EntryKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// `end`: the index just past the folder's last descendant.
    Dir { end: usize },
    Query {
        /// The first `//` comment line, without the slashes.
        description: Option<String>,
        /// Name, description and the text read, lower-cased, for search.
        haystack: String,
    },
    /// The file is listed but could not be read.
    Unreadable { reason: String },
}

/// The library as read from disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub root: PathBuf,
    pub entries: Vec<Entry>,
    /// There were more than [`MAX_FILES`] files; the rest are not listed.
    pub capped: bool,
    /// The folder does not exist yet (it is created on the first save).
    pub missing: bool,
    /// The root itself could not be read.
    pub error: Option<String>,
}

/// Read the library under `root`: folders and `.kql` files, hidden ones skipped, folders
/// first then files, each by name (case-insensitive). Symbolic links to folders are not
/// followed (no loops).
pub fn scan(root: &Path) -> Listing {
    let mut listing = Listing {
        root: root.to_path_buf(),
        ..Default::default()
    };
    match std::fs::metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => listing.missing = true,
        Err(e) => listing.error = Some(e.to_string()),
        Ok(m) if !m.is_dir() => listing.error = Some("not a folder".into()),
        Ok(_) => {
            let mut files = 0;
            if let Err(e) = scan_dir(root, "", 0, &mut listing, &mut files) {
                listing.error = Some(e.to_string());
            }
        }
    }
    listing
}

fn scan_dir(
    dir: &Path,
    prefix: &str,
    depth: usize,
    listing: &mut Listing,
    files: &mut usize,
) -> std::io::Result<()> {
    let mut dirs = Vec::new();
    let mut kql = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let Ok(item) = item else { continue };
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = item.path();
        let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            dirs.push((name, path));
        } else if Path::new(&name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("kql"))
        {
            kql.push((name, path));
        }
    }
    let by_name = |a: &(String, PathBuf), b: &(String, PathBuf)| {
        a.0.to_lowercase()
            .cmp(&b.0.to_lowercase())
            .then(a.0.cmp(&b.0))
    };
    dirs.sort_by(by_name);
    kql.sort_by(by_name);
    for (name, path) in dirs {
        if *files >= MAX_FILES || listing.entries.len() >= 2 * MAX_FILES {
            listing.capped = true;
            return Ok(());
        }
        let rel = format!("{prefix}{name}");
        let at = listing.entries.len();
        listing.entries.push(Entry {
            rel: rel.clone(),
            name,
            depth,
            kind: EntryKind::Dir { end: at + 1 },
        });
        if depth + 1 < MAX_DEPTH {
            // A subfolder that cannot be read is simply empty here; its files are not ours
            // to guess at.
            let _ = scan_dir(&path, &format!("{rel}/"), depth + 1, listing, files);
        }
        let end = listing.entries.len();
        listing.entries[at].kind = EntryKind::Dir { end };
    }
    for (file_name, path) in kql {
        if *files >= MAX_FILES {
            listing.capped = true;
            return Ok(());
        }
        *files += 1;
        let name = file_name[..file_name.len() - 4].to_string();
        let kind = match read_head(&path) {
            Ok(text) => {
                let description = description(&text);
                let haystack = format!(
                    "{}\n{}\n{}",
                    name,
                    description.as_deref().unwrap_or(""),
                    text
                )
                .to_lowercase();
                EntryKind::Query {
                    description,
                    haystack,
                }
            }
            Err(e) => EntryKind::Unreadable {
                reason: e.to_string(),
            },
        };
        listing.entries.push(Entry {
            rel: format!("{prefix}{file_name}"),
            name,
            depth,
            kind,
        });
    }
    Ok(())
}

/// Open `path` for reading only when it is a regular file (a named pipe would block).
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    std::fs::File::open(path)
}

/// The first [`READ_BYTES`] of a file, lossily decoded.
fn read_head(path: &Path) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    open_regular(path)?
        .take(READ_BYTES)
        .read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The first non-empty `//` comment line among the leading lines of `text` (blank lines
/// skipped; the first line of code ends the search).
pub fn description(text: &str) -> Option<String> {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let comment = line.strip_prefix("//")?;
        let comment = comment.trim_start_matches('/').trim();
        if !comment.is_empty() {
            return Some(comment.to_string());
        }
    }
    None
}

/// The search as lower-cased words; every word must appear.
pub fn search_words(search: &str) -> Vec<String> {
    search.split_whitespace().map(str::to_lowercase).collect()
}

impl Entry {
    /// Whether the entry matches every word (folders never match by themselves).
    pub fn matches(&self, words: &[String]) -> bool {
        let all = |hay: &str| words.iter().all(|w| hay.contains(w.as_str()));
        match &self.kind {
            EntryKind::Dir { .. } => false,
            EntryKind::Query { haystack, .. } => all(haystack),
            EntryKind::Unreadable { .. } => all(&self.name.to_lowercase()),
        }
    }
}

impl Listing {
    /// Indices of the entries to show: with a search, the matching files and the folders
    /// that lead to them (all open); without one, everything not inside a closed folder.
    pub fn visible(&self, closed: &HashSet<String>, search: &str) -> Vec<usize> {
        let words = search_words(search);
        let mut out = Vec::new();
        if words.is_empty() {
            let mut i = 0;
            while i < self.entries.len() {
                out.push(i);
                i = match &self.entries[i].kind {
                    EntryKind::Dir { end } if closed.contains(&self.entries[i].rel) => *end,
                    _ => i + 1,
                };
            }
            return out;
        }
        // hits[i]: matching files among entries[..i].
        let mut hits = vec![0usize; self.entries.len() + 1];
        for (i, e) in self.entries.iter().enumerate() {
            hits[i + 1] = hits[i] + usize::from(e.matches(&words));
        }
        for (i, e) in self.entries.iter().enumerate() {
            let show = match e.kind {
                EntryKind::Dir { end } => hits[end] > hits[i + 1],
                _ => hits[i + 1] > hits[i],
            };
            if show {
                out.push(i);
            }
        }
        out
    }

    /// The number of files listed.
    pub fn file_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| !matches!(e.kind, EntryKind::Dir { .. }))
            .count()
    }
}

/// Read a whole query for the editor: at most [`MAX_QUERY_BYTES`], UTF-8 text.
pub fn read_query(path: &Path) -> Result<String, String> {
    let mut bytes = Vec::new();
    open_regular(path)
        .and_then(|f| f.take(MAX_QUERY_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_QUERY_BYTES {
        return Err("larger than 1 MiB; not a query to open in the editor".into());
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".into())
}

/// Why a query could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{0}")]
    BadName(&'static str),
    #[error("{} already exists", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}: {err}", path.display())]
    Io { path: PathBuf, err: std::io::Error },
}

/// The file a query called `name` is saved to under `root`: `name.kql`, where `name` may
/// hold subfolders (`lateral/psexec`). Names that would leave the library or hide the
/// file are refused.
pub fn query_path(root: &Path, name: &str) -> Result<PathBuf, SaveError> {
    let name = name.trim();
    let name = name
        .strip_suffix(".kql")
        .or_else(|| name.strip_suffix(".KQL"))
        .unwrap_or(name);
    if name.is_empty() {
        return Err(SaveError::BadName("the query needs a name"));
    }
    if name.len() > 200 {
        return Err(SaveError::BadName("the name is longer than 200 bytes"));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '\\' || c == ':')
    {
        return Err(SaveError::BadName(
            "the name holds a control character, `\\` or `:`",
        ));
    }
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = name.split('/').collect();
    for part in &parts {
        if part.is_empty() || part.starts_with('.') {
            return Err(SaveError::BadName(
                "each part of the name must be non-empty and not start with `.`",
            ));
        }
        path.push(part);
    }
    let mut file = path.into_os_string();
    file.push(".kql");
    Ok(PathBuf::from(file))
}

/// Save `text` as `name` under `root`, atomically (a temporary file renamed into place).
/// An existing file is replaced only with `overwrite`.
pub fn save_query(
    root: &Path,
    name: &str,
    text: &str,
    overwrite: bool,
) -> Result<PathBuf, SaveError> {
    let path = query_path(root, name)?;
    if !overwrite && std::fs::symlink_metadata(&path).is_ok() {
        return Err(SaveError::Exists(path));
    }
    let mut body = text.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    match crate::config::write_private_atomic(&path, body.as_bytes()) {
        Ok(()) => Ok(path),
        Err(err) => Err(SaveError::Io { path, err }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_come_from_the_first_comment() {
        assert_eq!(
            description("\n// Rare parents\n// more\nT | take 1").as_deref(),
            Some("Rare parents")
        );
        assert_eq!(description("/// triple\nT").as_deref(), Some("triple"));
        assert_eq!(description("T\n// late"), None);
        assert_eq!(description("//\n// second"), Some("second".into()));
        assert_eq!(description(""), None);
    }

    #[test]
    fn names_stay_inside_the_library() {
        let root = Path::new("/lib");
        assert_eq!(
            query_path(root, "a/b").unwrap(),
            PathBuf::from("/lib/a/b.kql")
        );
        assert_eq!(
            query_path(root, "x.kql").unwrap(),
            PathBuf::from("/lib/x.kql")
        );
        assert_eq!(
            query_path(root, "v1.2").unwrap(),
            PathBuf::from("/lib/v1.2.kql")
        );
        for bad in ["", "../x", "a//b", ".hidden", "a\u{1b}b", "/abs", "c:\\x"] {
            assert!(query_path(root, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn search_shows_matches_and_their_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lateral/deep")).unwrap();
        std::fs::create_dir_all(dir.path().join("empty")).unwrap();
        std::fs::write(dir.path().join("lateral/deep/psexec.kql"), "// PsExec\nT").unwrap();
        std::fs::write(dir.path().join("top.kql"), "// Top\nDeviceLogonEvents").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let l = scan(dir.path());
        let names: Vec<_> = l.entries.iter().map(|e| e.rel.as_str()).collect();
        assert_eq!(
            names,
            [
                "empty",
                "lateral",
                "lateral/deep",
                "lateral/deep/psexec.kql",
                "top.kql"
            ]
        );
        let shown = |s: &str| -> Vec<&str> {
            l.visible(&HashSet::new(), s)
                .into_iter()
                .map(|i| l.entries[i].rel.as_str())
                .collect()
        };
        assert_eq!(
            shown("psexec"),
            ["lateral", "lateral/deep", "lateral/deep/psexec.kql"]
        );
        assert_eq!(shown("LOGON top"), ["top.kql"]);
        assert!(shown("psexec logon").is_empty());
        let closed = HashSet::from(["lateral".to_string()]);
        let v: Vec<_> = l
            .visible(&closed, "")
            .into_iter()
            .map(|i| l.entries[i].rel.as_str())
            .collect();
        assert_eq!(v, ["empty", "lateral", "top.kql"]);
        assert_eq!(l.file_count(), 2);
    }

    #[test]
    fn a_missing_folder_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let l = scan(&dir.path().join("nope"));
        assert!(l.missing && l.error.is_none() && l.entries.is_empty());
    }
}
