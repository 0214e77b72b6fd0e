//! The side pane's schema tree as a model: every table the workbench knows (opened files,
//! kept results, the tenant's refreshed schema, the bundled Defender schema), grouped by
//! where it came from, each expandable into its columns with their types, narrowed by a
//! typed filter. No drawing here: `side_pane` lays the rows out.

use std::collections::HashSet;

use crate::data::schema::{DefenderSchema, TableSchema};
use crate::data::value::Kind;

/// Where a table comes from, in the order the tree lists the groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A data file opened with `:open` or on the command line.
    Opened,
    /// A result the worker keeps as a local table (`$3`, `$last`).
    Result,
    /// Refreshed from the tenant (F6): new there, or with other columns than bundled.
    Tenant,
    /// The Defender schema bundled into the binary.
    Bundled,
}

impl Source {
    pub fn title(self) -> &'static str {
        match self {
            Source::Opened => "Opened files",
            Source::Result => "Kept results",
            Source::Tenant => "Tenant schema",
            Source::Bundled => "Defender schema",
        }
    }
}

/// One row of the tree as shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Node<'a> {
    Group {
        source: Source,
        tables: usize,
        open: bool,
    },
    Table {
        source: Source,
        table: &'a TableSchema,
        open: bool,
    },
    Column {
        source: Source,
        table: &'a TableSchema,
        name: &'a str,
        kind: Kind,
    },
}

impl Node<'_> {
    /// The text to insert into the query for this row (`None` for a group heading): the
    /// table or column name, quoted `['…']` when KQL needs it.
    pub fn insert_text(&self) -> Option<String> {
        match self {
            Node::Group { .. } => None,
            Node::Table { table, .. } => Some(crate::kql::complete::quote_name(&table.name)),
            Node::Column { name, .. } => Some(crate::kql::complete::quote_name(name)),
        }
    }
}

/// What is expanded and what the filter says.
#[derive(Clone, Debug, Default)]
pub struct SchemaTree {
    open_tables: HashSet<(Source, String)>,
    closed_groups: HashSet<Source>,
    /// What the analyst typed after `/`.
    pub filter: String,
}

/// Every table with its source: files and results first, then the schema. A schema table
/// counts as the tenant's when the bundled schema lacks it or lists other columns.
pub fn classify<'a>(
    schema: &'a DefenderSchema,
    extra: &'a [TableSchema],
) -> Vec<(Source, &'a TableSchema)> {
    let bundled = DefenderSchema::bundled();
    let mut out: Vec<(Source, &TableSchema)> = extra
        .iter()
        .map(|t| {
            let source = if t.name.starts_with('$') {
                Source::Result
            } else {
                Source::Opened
            };
            (source, t)
        })
        .collect();
    out.extend(schema.tables.iter().map(|t| {
        let source = match bundled.table(&t.name) {
            Some(b) if b.columns == t.columns => Source::Bundled,
            _ => Source::Tenant,
        };
        (source, t)
    }));
    // Stable: each group keeps its own order (the bundled schema is alphabetical).
    out.sort_by_key(|(s, _)| *s);
    out
}

/// The filter as lower-cased words; every word must appear.
fn words(filter: &str) -> Vec<String> {
    filter.split_whitespace().map(str::to_lowercase).collect()
}

fn all_in(words: &[String], hay: &str) -> bool {
    words.iter().all(|w| hay.contains(w.as_str()))
}

impl SchemaTree {
    /// The rows to show. With a filter, a table whose name holds every word is listed (its
    /// columns when expanded); otherwise a table is listed, expanded, with the columns whose
    /// `table column` text holds every word.
    pub fn nodes<'a>(&self, schema: &'a DefenderSchema, extra: &'a [TableSchema]) -> Vec<Node<'a>> {
        let words = words(&self.filter);
        let filtering = !words.is_empty();
        let mut out = Vec::new();
        let tables = classify(schema, extra);
        let mut i = 0;
        while i < tables.len() {
            let source = tables[i].0;
            let end = i + tables[i..].iter().take_while(|(s, _)| *s == source).count();
            let group_at = out.len();
            let open = filtering || !self.closed_groups.contains(&source);
            let mut listed = 0;
            for &(_, table) in &tables[i..end] {
                let lower = table.name.to_lowercase();
                let name_hit = all_in(&words, &lower);
                let columns: Vec<&(String, Kind)> = if filtering && !name_hit {
                    table
                        .columns
                        .iter()
                        .filter(|(c, _)| all_in(&words, &format!("{lower} {}", c.to_lowercase())))
                        .collect()
                } else {
                    table.columns.iter().collect()
                };
                if filtering && !name_hit && columns.is_empty() {
                    continue;
                }
                listed += 1;
                if !open {
                    continue;
                }
                let table_open = (filtering && !name_hit)
                    || self.open_tables.contains(&(source, table.name.clone()));
                out.push(Node::Table {
                    source,
                    table,
                    open: table_open,
                });
                if table_open {
                    out.extend(columns.into_iter().map(|(name, kind)| Node::Column {
                        source,
                        table,
                        name,
                        kind: *kind,
                    }));
                }
            }
            if listed > 0 {
                out.insert(
                    group_at,
                    Node::Group {
                        source,
                        tables: listed,
                        open,
                    },
                );
            }
            i = end;
        }
        out
    }

    /// Expand or collapse a group or a table.
    pub fn toggle(&mut self, node: &Node<'_>) {
        match node {
            Node::Group { source, open, .. } => self.set_group(*source, !open),
            Node::Table {
                source,
                table,
                open,
            } => self.set_table(*source, &table.name, !open),
            Node::Column { .. } => {}
        }
    }

    pub fn set_group(&mut self, source: Source, open: bool) {
        if open {
            self.closed_groups.remove(&source);
        } else {
            self.closed_groups.insert(source);
        }
    }

    pub fn set_table(&mut self, source: Source, name: &str, open: bool) {
        let key = (source, name.to_string());
        if open {
            self.open_tables.insert(key);
        } else {
            self.open_tables.remove(&key);
        }
    }
}

/// The index of the row a Left press goes to from `at`: a column's table, a collapsed
/// table's group.
pub fn parent_of(nodes: &[Node<'_>], at: usize) -> Option<usize> {
    let want_group = match nodes.get(at)? {
        Node::Group { .. } => return None,
        Node::Table { .. } => true,
        Node::Column { .. } => false,
    };
    (0..at).rev().find(|&i| match nodes[i] {
        Node::Group { .. } => want_group,
        Node::Table { .. } => !want_group,
        Node::Column { .. } => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, columns: &[(&str, Kind)]) -> TableSchema {
        TableSchema {
            name: name.into(),
            preview: false,
            columns: columns.iter().map(|(n, k)| (n.to_string(), *k)).collect(),
        }
    }

    #[test]
    fn sources_are_told_apart() {
        let mut schema = DefenderSchema::bundled().clone();
        schema
            .tables
            .push(table("CustomTenantTable", &[("A", Kind::Long)]));
        let dpe = schema
            .tables
            .iter_mut()
            .find(|t| t.name == "DeviceProcessEvents")
            .unwrap();
        dpe.columns.push(("NewColumn".into(), Kind::String));
        let extra = [
            table("watchlist", &[("Host", Kind::String)]),
            table("$last", &[("x", Kind::Long)]),
        ];
        let c = classify(&schema, &extra);
        let of = |name: &str| c.iter().find(|(_, t)| t.name == name).unwrap().0;
        assert_eq!(of("watchlist"), Source::Opened);
        assert_eq!(of("$last"), Source::Result);
        assert_eq!(of("CustomTenantTable"), Source::Tenant);
        assert_eq!(of("DeviceProcessEvents"), Source::Tenant);
        assert_eq!(of("DeviceLogonEvents"), Source::Bundled);
        assert!(c.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    #[test]
    fn filter_words_narrow_tables_and_columns() {
        let schema = DefenderSchema::bundled();
        let mut tree = SchemaTree {
            filter: "processevents sha256".into(),
            ..Default::default()
        };
        let nodes = tree.nodes(schema, &[]);
        let columns: Vec<_> = nodes
            .iter()
            .filter_map(|n| match n {
                Node::Column { table, name, .. } => Some(format!("{}.{name}", table.name)),
                _ => None,
            })
            .collect();
        assert!(columns.contains(&"DeviceProcessEvents.SHA256".to_string()));
        assert!(columns.iter().all(|c| c.to_lowercase().contains("sha256")));
        tree.filter = "no such thing at all".into();
        assert!(tree.nodes(schema, &[]).is_empty());
    }

    #[test]
    fn toggling_and_parents() {
        let extra = [table(
            "watchlist",
            &[("Host", Kind::String), ("a b", Kind::Long)],
        )];
        let empty = DefenderSchema::default();
        let mut tree = SchemaTree::default();
        let nodes = tree.nodes(&empty, &extra);
        assert_eq!(nodes.len(), 2);
        let t = nodes[1];
        tree.toggle(&t);
        let nodes = tree.nodes(&empty, &extra);
        assert_eq!(nodes.len(), 4);
        assert_eq!(nodes[3].insert_text().as_deref(), Some("['a b']"));
        assert_eq!(nodes[1].insert_text().as_deref(), Some("watchlist"));
        assert_eq!(parent_of(&nodes, 3), Some(1));
        assert_eq!(parent_of(&nodes, 1), Some(0));
        assert_eq!(parent_of(&nodes, 0), None);
        tree.toggle(&nodes[0]);
        assert_eq!(tree.nodes(&empty, &extra).len(), 1);
    }
}
