//! The loaded history and its search: the runs oldest first, each query's case-folded text
//! made once at load so that filtering thousands of runs on every keystroke allocates
//! nothing. A search is words; a run matches when its query contains every word
//! (case-insensitive substrings, in any order). Matches come newest first.

use super::Entry;

/// The runs read from the history file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Runs {
    entries: Vec<Entry>,
    /// `entries[i].query`, lowercased.
    folded: Vec<String>,
    skipped: usize,
}

impl Runs {
    /// Parse the file's text: one entry per line; blank lines are ignored, any other line
    /// that is not an entry is skipped and counted.
    pub fn parse(text: &str) -> Runs {
        let mut runs = Runs::default();
        for line in text.lines() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) => runs.push(entry),
                Err(_) => runs.skipped += 1,
            }
        }
        runs
    }

    /// Add a run (the newest).
    pub fn push(&mut self, entry: Entry) {
        self.folded.push(entry.query.to_lowercase());
        self.entries.push(entry);
    }

    /// Oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, index: usize) -> Option<&Entry> {
        self.entries.get(index)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Lines of the file that were not entries.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Indices of the runs whose query holds every word of `search`, newest first. An empty
    /// search matches every run.
    pub fn search(&self, search: &str) -> Vec<usize> {
        let words: Vec<String> = search.split_whitespace().map(str::to_lowercase).collect();
        (0..self.entries.len())
            .rev()
            .filter(|&i| words.iter().all(|w| self.folded[i].contains(w.as_str())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::RunRequest;
    use crate::history::Ended;

    fn runs(queries: &[&str]) -> Runs {
        let mut runs = Runs::default();
        for (i, q) in queries.iter().enumerate() {
            runs.push(Entry::new(
                &RunRequest::new(*q),
                i as i64,
                Ended::Cancelled {
                    elapsed: Default::default(),
                },
            ));
        }
        runs
    }

    #[test]
    fn newest_first_and_every_word_must_match() {
        let r = runs(&[
            "DeviceProcessEvents | where FileName == \"powershell.exe\"",
            "DeviceNetworkEvents | where RemotePort == 3389",
            "DeviceProcessEvents | where ProcessCommandLine has \"-enc\"",
            "DeviceLogonEvents | summarize count() by AccountName",
        ]);
        assert_eq!(
            r.search(""),
            [3, 2, 1, 0],
            "empty: everything, newest first"
        );
        assert_eq!(r.search("deviceprocess"), [2, 0]);
        assert_eq!(r.search("  PROCESS   where  "), [2, 0], "case and spacing");
        assert_eq!(r.search("process powershell"), [0], "all words");
        assert_eq!(r.search("powershell process"), [0], "in any order");
        assert_eq!(r.search("process 3389"), Vec::<usize>::new());
    }

    #[test]
    fn non_ascii_text_folds_too() {
        let r = runs(&["T | where Name == \"ÅSA\"", "T | where Name == \"asa\""]);
        assert_eq!(r.search("åsa"), [0]);
        assert_eq!(r.search("ÅS"), [0]);
    }

    #[test]
    fn a_file_with_junk_parses_what_it_can() {
        let good = serde_json::to_string(&runs(&["T"]).entries()[0]).unwrap();
        let text = format!("{good}\n\nnot json\n{{\"query\":\"no outcome\"}}\n{good}");
        let r = Runs::parse(&text);
        assert_eq!((r.len(), r.skipped()), (2, 2));
    }
}
