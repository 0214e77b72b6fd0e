//! The grid's local view of a result: a sort and a quick filter, both as a row permutation
//! over the shared table (never a copy of it). Computing a view over 100,000 rows runs on a
//! background thread ([`ViewJobs`]); the event loop polls for the answer and stale answers
//! (a newer sort or filter was asked for meanwhile) are dropped. Costs no quota.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};

use crate::data::column::{ColumnData, StrVec};
use crate::data::format::plain_text;
use crate::data::{SortKey, Table, ValueRef};

/// Sort by one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

/// A quick filter: a case-insensitive substring, in any column or in one.
#[derive(Clone, Debug)]
pub struct Filter {
    /// What the analyst typed, for the title.
    pub text: String,
    pub column: Option<usize>,
    /// The needle, lower-cased.
    needle: String,
    /// The needle as a case-insensitive literal search (SIMD-accelerated by `regex`).
    matcher: regex::Regex,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        (&self.text, self.column) == (&other.text, other.column)
    }
}

impl Eq for Filter {}

impl Filter {
    /// `text` across all columns, or `Col:text` for one column when `Col` names a column
    /// (case-insensitive). `None` for an empty filter (or one too long to search for).
    pub fn parse(table: &Table, text: &str) -> Option<Filter> {
        if text.is_empty() {
            return None;
        }
        let (column, needle) = match text.split_once(':') {
            Some((name, rest)) => match table
                .columns()
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name.trim()))
            {
                Some(c) => (Some(c), rest),
                None => (None, text),
            },
            None => (None, text),
        };
        let matcher = regex::RegexBuilder::new(&regex::escape(needle))
            .case_insensitive(true)
            .build()
            .ok()?;
        Some(Filter {
            text: text.to_string(),
            column,
            needle: needle.to_lowercase(),
            matcher,
        })
    }

    /// Whether the cell (table row, column) matches.
    pub fn cell_matches(&self, table: &Table, row: usize, col: usize) -> bool {
        if self.column.is_some_and(|c| c != col) {
            return false;
        }
        let Some(column) = table.columns().get(col) else {
            return false;
        };
        if row >= column.data.len() {
            return false;
        }
        let value = column.data.get(row);
        if self.needle.is_empty() {
            return true;
        }
        match value {
            ValueRef::Null => false,
            // Strings borrow; dynamic values are searched as their JSON text (no parse).
            ValueRef::String(s) | ValueRef::Dynamic(s) => self.matcher.is_match(s),
            // Formatting numbers and times costs; skip it when the needle cannot occur.
            v if !could_occur(v, &self.needle) => false,
            v => self.matcher.is_match(&plain_text(v)),
        }
    }

    /// Which table rows have a matching cell, scanning column by column: text columns are
    /// searched as one buffer (one SIMD pass instead of a search per cell).
    pub fn matching_rows(&self, table: &Table) -> Vec<bool> {
        let mut keep = vec![self.needle.is_empty() && self.column.is_none(); table.row_count()];
        for (c, column) in table.columns().iter().enumerate() {
            if self.column.is_some_and(|only| only != c) {
                continue;
            }
            match &column.data {
                ColumnData::String(text) | ColumnData::Dynamic(text) if !self.needle.is_empty() => {
                    self.scan_text(text, &mut keep)
                }
                _ => {
                    for (row, k) in keep.iter_mut().enumerate() {
                        *k = *k || self.cell_matches(table, row, c);
                    }
                }
            }
        }
        keep
    }

    fn scan_text(&self, text: &StrVec, keep: &mut [bool]) {
        let (buffer, offsets) = text.buffer();
        let mut at = 0;
        while let Some(m) = self.matcher.find_at(buffer, at) {
            // The row the match starts in (offsets[row] <= start < offsets[row + 1]).
            let row = offsets
                .partition_point(|&o| o <= m.start())
                .saturating_sub(1);
            let Some(&end) = offsets.get(row + 1) else {
                break;
            };
            if row < keep.len() && !keep[row] {
                // A match running into the next row is no match; check the row alone.
                keep[row] = m.end() <= end || self.matcher.is_match(&buffer[offsets[row]..end]);
            }
            at = end.max(m.start() + 1);
            if at >= buffer.len() {
                break;
            }
            while !buffer.is_char_boundary(at) {
                at += 1;
            }
        }
    }

    /// Whether any cell of the row matches.
    pub fn row_matches(&self, table: &Table, row: usize) -> bool {
        match self.column {
            Some(c) => self.cell_matches(table, row, c),
            None => (0..table.columns().len()).any(|c| self.cell_matches(table, row, c)),
        }
    }
}

/// Whether `needle` (lower-cased) could be in the text of a non-string value at all, judged
/// by the characters that value's text can hold.
fn could_occur(value: ValueRef<'_>, needle: &str) -> bool {
    let allowed: &dyn Fn(char) -> bool = match value {
        ValueRef::Int(_) | ValueRef::Long(_) => &|c| c.is_ascii_digit() || c == '-',
        ValueRef::Real(_) => &|c: char| c.is_ascii_digit() || "-+.einftyav".contains(c),
        ValueRef::DateTime(_) => &|c: char| c.is_ascii_digit() || "-:.tz".contains(c),
        ValueRef::TimeSpan(_) => &|c: char| c.is_ascii_digit() || "-:.".contains(c),
        ValueRef::Guid(_) => &|c: char| c.is_ascii_hexdigit() || c == '-',
        ValueRef::Bool(_) => &|c: char| "truefals".contains(c),
        _ => &|_| true,
    };
    needle.chars().all(allowed)
}

/// Rows in display order for `sort` then `filter`: datetimes by time, numbers as numbers,
/// nulls last in both directions.
pub fn compute(table: &Table, sort: Option<Sort>, filter: Option<&Filter>) -> Vec<usize> {
    let mut rows = match sort {
        Some(s) if s.column < table.columns().len() => table.sort_permutation(&[SortKey {
            column: s.column,
            descending: s.descending,
            nulls_first: false,
        }]),
        _ => (0..table.row_count()).collect(),
    };
    if let Some(f) = filter {
        let keep = f.matching_rows(table);
        rows.retain(|&r| keep[r]);
    }
    rows
}

/// The next matching cell after (or before, `forward == false`) the view position
/// (`row`, `col`), scanning row-major and wrapping; `cols` are the shown columns in order.
pub fn next_match(
    table: &Table,
    rows: &[usize],
    cols: &[usize],
    filter: &Filter,
    (row, col): (usize, usize),
    forward: bool,
) -> Option<(usize, usize)> {
    let (n_rows, n_cols) = (rows.len(), cols.len());
    let total = n_rows.checked_mul(n_cols)?;
    if total == 0 {
        return None;
    }
    let start = row.min(n_rows - 1) * n_cols + col.min(n_cols - 1);
    (1..=total)
        .map(|step| {
            if forward {
                (start + step) % total
            } else {
                (start + total - step % total) % total
            }
        })
        .map(|i| (i / n_cols, i % n_cols))
        .find(|&(r, c)| filter.cell_matches(table, rows[r], cols[c]))
}

/// The view of the current result: what is asked for, and the rows once computed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewState {
    pub sort: Option<Sort>,
    pub filter: Option<Filter>,
    /// Rows in display order; `None` is the table's own order.
    pub rows: Option<Arc<Vec<usize>>>,
    /// The job whose answer is awaited ("sorting…").
    pub pending: Option<u64>,
}

impl ViewState {
    /// Next sort for `column`: ascending, then descending, then none.
    pub fn cycle_sort(&self, column: usize) -> Option<Sort> {
        match self.sort {
            Some(Sort {
                column: c,
                descending: false,
            }) if c == column => Some(Sort {
                column,
                descending: true,
            }),
            Some(Sort {
                column: c,
                descending: true,
            }) if c == column => None,
            _ => Some(Sort {
                column,
                descending: false,
            }),
        }
    }

    /// The table row shown at view position `row`.
    pub fn table_row(&self, row: usize) -> usize {
        self.rows
            .as_ref()
            .map_or(row, |r| r.get(row).copied().unwrap_or(row))
    }

    /// Shown rows in order (allocates the identity for an unsorted, unfiltered view).
    pub fn shown_rows(&self, table: &Table) -> Vec<usize> {
        match &self.rows {
            Some(r) => r.as_ref().clone(),
            None => (0..table.row_count()).collect(),
        }
    }

    pub fn shown_count(&self, table: &Table) -> usize {
        self.rows.as_ref().map_or(table.row_count(), |r| r.len())
    }
}

/// A finished view computation.
#[derive(Debug)]
pub struct Done {
    pub job: u64,
    pub rows: Vec<usize>,
}

/// Runs view computations on background threads, one answer per job id.
#[derive(Debug)]
pub struct ViewJobs {
    tx: Sender<Done>,
    rx: Receiver<Done>,
    next: u64,
}

impl Default for ViewJobs {
    fn default() -> Self {
        let (tx, rx) = channel();
        ViewJobs { tx, rx, next: 1 }
    }
}

impl ViewJobs {
    /// Start computing the view; returns the job id to wait for.
    pub fn spawn(&mut self, table: Arc<Table>, sort: Option<Sort>, filter: Option<Filter>) -> u64 {
        let job = self.next;
        self.next += 1;
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let rows = compute(&table, sort, filter.as_ref());
            // The receiver is gone only when the app is; nothing to tell then.
            let _ = tx.send(Done { job, rows });
        });
        job
    }

    /// Finished jobs since the last call, without blocking.
    pub fn poll(&self) -> Vec<Done> {
        let mut done = Vec::new();
        loop {
            match self.rx.try_recv() {
                Ok(d) => done.push(d),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return done,
            }
        }
    }

    /// Block until one job finishes (tests and benchmarks).
    pub fn wait(&self) -> Option<Done> {
        self.rx.recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::column::column_from_values;
    use crate::data::{Column, Kind, Value};

    fn table() -> Table {
        Table::new(vec![
            Column::new(
                "n",
                column_from_values(
                    Kind::Long,
                    [Value::Long(3), Value::Null, Value::Long(10), Value::Long(2)],
                ),
            ),
            Column::new(
                "Name",
                column_from_values(
                    Kind::String,
                    ["Alpha", "beta", "GAMMA", "Ünïcode"].map(|s| Value::String(s.into())),
                ),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn nulls_sort_last_both_ways_and_numbers_as_numbers() {
        let t = table();
        let asc = Sort {
            column: 0,
            descending: false,
        };
        assert_eq!(compute(&t, Some(asc), None), vec![3, 0, 2, 1]);
        let desc = Sort {
            descending: true,
            ..asc
        };
        assert_eq!(compute(&t, Some(desc), None), vec![2, 0, 3, 1]);
    }

    #[test]
    fn filter_any_column_or_one_ignoring_case() {
        let t = table();
        let f = Filter::parse(&t, "AMM").unwrap();
        assert_eq!(compute(&t, None, Some(&f)), vec![2]);
        let f = Filter::parse(&t, "name:ÜNÏ").unwrap();
        assert_eq!(f.column, Some(1));
        assert_eq!(compute(&t, None, Some(&f)), vec![3]);
        let f = Filter::parse(&t, "n:1").unwrap();
        assert_eq!(compute(&t, None, Some(&f)), vec![2]);
        // An unknown column prefix is searched as text.
        let f = Filter::parse(&t, "zz:1").unwrap();
        assert_eq!(f.column, None);
        assert!(Filter::parse(&t, "").is_none());
    }

    #[test]
    fn whole_column_scan_agrees_with_cell_by_cell() {
        let t = Table::new(vec![Column::new(
            "s",
            column_from_values(
                Kind::String,
                ["ab", "cab", "", "a", "bab", "AB", "xa", "b", "é", "ÉAB"]
                    .map(|s| Value::String(s.into())),
            ),
        )])
        .unwrap();
        for needle in ["ab", "a", "b", "ba", "é", "xab", "abab"] {
            let f = Filter::parse(&t, needle).unwrap();
            let scanned = f.matching_rows(&t);
            let one_by_one: Vec<bool> = (0..t.row_count()).map(|r| f.row_matches(&t, r)).collect();
            assert_eq!(scanned, one_by_one, "{needle}");
        }
    }

    #[test]
    fn kinds_skip_needles_their_text_cannot_hold() {
        assert!(could_occur(ValueRef::Long(5), "-5"));
        assert!(!could_occur(ValueRef::Long(5), "5x"));
        assert!(could_occur(ValueRef::DateTime(0), "1970-01-01t00"));
        assert!(could_occur(ValueRef::Real(f64::NAN), "nan"));
        assert!(!could_occur(ValueRef::Guid(0), "g"));
        assert!(could_occur(ValueRef::Bool(true), "true"));
    }

    #[test]
    fn next_match_wraps_both_ways() {
        let t = table();
        let f = Filter::parse(&t, "a").unwrap();
        let rows = vec![0, 1, 2, 3];
        let cols = vec![0, 1];
        assert_eq!(next_match(&t, &rows, &cols, &f, (0, 1), true), Some((1, 1)));
        assert_eq!(next_match(&t, &rows, &cols, &f, (2, 1), true), Some((0, 1)));
        assert_eq!(
            next_match(&t, &rows, &cols, &f, (0, 1), false),
            Some((2, 1))
        );
        assert_eq!(next_match(&t, &[], &cols, &f, (0, 0), true), None);
    }

    #[test]
    fn jobs_answer_with_their_id() {
        let mut jobs = ViewJobs::default();
        let t = Arc::new(table());
        let a = jobs.spawn(t.clone(), None, None);
        let b = jobs.spawn(t, None, Filter::parse(&table(), "beta"));
        let mut got = [jobs.wait().unwrap(), jobs.wait().unwrap()];
        got.sort_by_key(|d| d.job);
        assert_eq!((got[0].job, got[0].rows.len()), (a, 4));
        assert_eq!((got[1].job, got[1].rows.clone()), (b, vec![1]));
    }
}
