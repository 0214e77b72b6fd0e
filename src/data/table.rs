//! Tables and results: a `Table` is named, typed columns of equal length; a `ResultSet` is
//! a table plus where it came from (backend, query, timing, the service's stats) and whether
//! the service truncated it.

use std::cmp::Ordering;
use std::time::Duration;

use super::column::ColumnData;
use super::value::{Kind, ValueRef};

/// One column: its name, its kind, the type string the service (or KQL) gave it, and values.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    /// The type name as the source spelled it (`Int64`, `SByte`, `string`…), kept for display.
    pub type_name: String,
    pub data: ColumnData,
}

impl Column {
    pub fn new(name: impl Into<String>, data: ColumnData) -> Self {
        let type_name = data.kind().kql_name().to_string();
        Column {
            name: name.into(),
            type_name,
            data,
        }
    }

    pub fn with_type_name(mut self, type_name: impl Into<String>) -> Self {
        self.type_name = type_name.into();
        self
    }

    pub fn kind(&self) -> Kind {
        self.data.kind()
    }
}

/// Why a set of columns is not a table.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TableError {
    #[error("column '{name}' has {got} rows, expected {expected}")]
    RaggedColumn {
        name: String,
        got: usize,
        expected: usize,
    },
}

/// Typed columns of equal length.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Table {
    columns: Vec<Column>,
    rows: usize,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Result<Table, TableError> {
        let rows = columns.first().map_or(0, |c| c.data.len());
        if let Some(c) = columns.iter().find(|c| c.data.len() != rows) {
            return Err(TableError::RaggedColumn {
                name: c.name.clone(),
                got: c.data.len(),
                expected: rows,
            });
        }
        Ok(Table { columns, rows })
    }

    /// An empty table with the given schema.
    pub fn empty(schema: &[(String, Kind)]) -> Table {
        let columns = schema
            .iter()
            .map(|(n, k)| Column::new(n.clone(), ColumnData::new(*k)))
            .collect();
        Table { columns, rows: 0 }
    }

    pub fn row_count(&self) -> usize {
        self.rows
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn into_columns(self) -> Vec<Column> {
        self.columns
    }

    /// Index of a column by exact name (KQL column names are case-sensitive).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn cell(&self, row: usize, col: usize) -> ValueRef<'_> {
        self.columns[col].data.get(row)
    }

    /// The rows at `indices`, in that order.
    pub fn take(&self, indices: &[usize]) -> Table {
        let columns = self
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                type_name: c.type_name.clone(),
                data: c.data.take(indices),
            })
            .collect();
        Table {
            columns,
            rows: indices.len(),
        }
    }

    /// The first `n` rows.
    pub fn head(&self, n: usize) -> Table {
        if n >= self.rows {
            return self.clone();
        }
        self.take(&(0..n).collect::<Vec<_>>())
    }

    /// A stable permutation of the rows ordered by `keys`.
    pub fn sort_permutation(&self, keys: &[SortKey]) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.rows).collect();
        idx.sort_by(|&a, &b| {
            for k in keys {
                let col = &self.columns[k.column].data;
                let (x, y) = (col.get(a), col.get(b));
                let ord = match (x.is_null(), y.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => {
                        if k.nulls_first {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (false, true) => {
                        if k.nulls_first {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (false, false) => {
                        let o = x.total_cmp(y);
                        if k.descending { o.reverse() } else { o }
                    }
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
        idx
    }

    /// Approximate heap bytes held by the columns.
    pub fn heap_bytes(&self) -> usize {
        self.columns
            .iter()
            .map(|c| c.data.heap_bytes() + c.name.capacity() + c.type_name.capacity())
            .sum()
    }
}

/// One sort key. Kusto's defaults: descending puts nulls last, ascending puts them first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortKey {
    pub column: usize,
    pub descending: bool,
    pub nulls_first: bool,
}

impl SortKey {
    pub fn new(column: usize, descending: bool) -> Self {
        SortKey {
            column,
            descending,
            nulls_first: !descending,
        }
    }
}

/// Performance figures the service reports with a result (legacy APIs' `Stats`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryStats {
    /// `ExecutionTime`, seconds.
    pub execution_time: Option<f64>,
    /// CPU time as 100 ns ticks.
    pub cpu_user: Option<i64>,
    pub cpu_kernel: Option<i64>,
    pub cpu_total: Option<i64>,
    pub memory_peak_per_node: Option<u64>,
    pub table_row_count: Option<u64>,
    pub table_size: Option<u64>,
}

/// Where a result came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origin {
    /// Backend name (`local`, `graph`, `defender`, `mde`).
    pub backend: String,
    pub query: String,
    /// When the run started, ticks since the Unix epoch.
    pub started_at: i64,
    pub elapsed: Duration,
    pub stats: Option<QueryStats>,
    /// The name the result answers to in local queries (`$3`), once the worker keeps it.
    pub local_name: Option<String>,
    /// Set when the worker answered locally from an earlier result instead of the service.
    pub refined: Option<Refined>,
}

/// A local answer computed from an earlier remote result at no quota cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Refined {
    /// The earlier result's local name (`$3`).
    pub from: String,
    /// How old the earlier result was when it was refined.
    pub age: Duration,
    /// The earlier result hit the service's row cap, so this answer may be incomplete.
    pub source_truncated: bool,
}

/// A query's answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    /// Shared, so the result can also serve as a local table (`$last`, `$1`) without a copy.
    pub table: std::sync::Arc<Table>,
    /// The service returned exactly its row cap, so rows are probably missing.
    pub truncated: bool,
    pub origin: Origin,
    /// The chart a `render` operator asked for, if any (`timechart`, `barchart`, …).
    pub visualization: Option<String>,
}

impl ResultSet {
    pub fn new(table: Table, origin: Origin) -> Self {
        ResultSet {
            table: std::sync::Arc::new(table),
            truncated: false,
            origin,
            visualization: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::column::column_from_values;
    use crate::data::value::Value;

    fn sample() -> Table {
        Table::new(vec![
            Column::new(
                "n",
                column_from_values(Kind::Long, [Value::Long(3), Value::Null, Value::Long(1)]),
            ),
            Column::new(
                "s",
                column_from_values(
                    Kind::String,
                    ["c", "a", "b"].map(|s| Value::String(s.into())),
                ),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn ragged_columns_are_rejected() {
        let err = Table::new(vec![
            Column::new("a", column_from_values(Kind::Long, [Value::Long(1)])),
            Column::new("b", ColumnData::new(Kind::Long)),
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "column 'b' has 0 rows, expected 1");
    }

    #[test]
    fn sort_follows_kusto_null_placement() {
        let t = sample();
        assert_eq!(t.sort_permutation(&[SortKey::new(0, true)]), vec![0, 2, 1]);
        assert_eq!(t.sort_permutation(&[SortKey::new(0, false)]), vec![1, 2, 0]);
        let sorted = t.take(&t.sort_permutation(&[SortKey::new(1, false)]));
        assert_eq!(sorted.cell(0, 1), ValueRef::String("a"));
        assert_eq!(sorted.row_count(), 3);
    }
}
