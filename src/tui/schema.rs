//! The workbench's side of the schema refresh: F6 asks the worker for the tenant's schema
//! (never automatically), the answer is merged over the bundled schema for completion and
//! the editor's lint and cached on disk; at start a cached schema younger than its time to
//! live is loaded instead of asking again.

use std::path::Path;
use std::sync::Arc;

use super::app::App;
use crate::backend::BackendKind;
use crate::data::schema::{DefenderSchema, TableSchema};
use crate::worker::schema::{DEFAULT_TTL, load, merge, save, tables_from_result};
use crate::worker::{Command, WorkerEvent};

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl App {
    /// F6: ask the tenant for its schema (one query through the worker and its quota).
    pub fn refresh_schema(&mut self) {
        if self.backend == BackendKind::Local {
            self.notice = Some(
                "The local backend has no tenant schema; completion uses the bundled Defender schema."
                    .into(),
            );
            return;
        }
        if self.schema_refresh.is_some() {
            self.notice = Some("The schema refresh is already under way.".into());
            return;
        }
        let id = self.alloc_query_id();
        self.outbox.push(Command::RefreshSchema { id });
        self.schema_refresh = Some(id);
        self.notice = Some("Refreshing the schema from the tenant (one query)…".into());
    }

    /// Use `tables` (from the tenant) over the bundled schema for completion and lint.
    pub fn use_tenant_tables(&mut self, tables: &[TableSchema]) {
        self.schema = Arc::new(merge(DefenderSchema::bundled(), tables));
        self.highlighter.set_schema(Arc::clone(&self.schema));
    }

    /// Load a cached tenant schema that is still fresh from `path`, and save refreshed
    /// ones there. A damaged cache is reported and ignored.
    pub fn load_cached_schema(&mut self, path: &Path) {
        self.schema_cache = Some(path.to_path_buf());
        match load(path, unix_now(), DEFAULT_TTL) {
            Ok(Some((tables, _))) => self.use_tenant_tables(&tables),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(%e, "schema cache ignored");
                self.notice = Some(format!("{e}; F6 refreshes it."));
            }
        }
    }

    /// A result the worker keeps as a local table (`$3`, and `$last`) becomes a table
    /// completion offers, with its columns. The oldest are dropped past the worker's limit.
    fn remember_result_table(&mut self, name: &str, table: &crate::data::Table) {
        let columns: Vec<_> = table
            .columns()
            .iter()
            .map(|c| (c.name.clone(), c.kind()))
            .collect();
        for n in [name, "$last"] {
            self.extra_tables.retain(|t| t.name != n);
            self.extra_tables.push(TableSchema {
                name: n.to_string(),
                preview: false,
                columns: columns.clone(),
            });
        }
        let results = self
            .extra_tables
            .iter()
            .filter(|t| t.name.starts_with('$'))
            .count();
        if results > crate::worker::refine::KEPT_RESULTS + 1
            && let Some(pos) = self
                .extra_tables
                .iter()
                .position(|t| t.name.starts_with('$') && t.name != "$last")
        {
            self.extra_tables.remove(pos);
        }
    }

    /// Events about the schema refresh; false for every other event (which the caller
    /// then handles). Kept results are noted as tables for completion on the way.
    pub(crate) fn on_schema_event(&mut self, event: &WorkerEvent) -> bool {
        if let WorkerEvent::Finished { result, .. } = event
            && let Some(name) = &result.origin.local_name
        {
            self.remember_result_table(name, &result.table);
        }
        let Some(want) = self.schema_refresh else {
            return false;
        };
        match event {
            WorkerEvent::Queued { id, why, .. } if *id == want => {
                self.notice = Some(format!("Schema refresh queued: {why}"));
            }
            WorkerEvent::Started { id } if *id == want => {}
            WorkerEvent::Finished { id, result, .. } if *id == want => {
                self.schema_refresh = None;
                match tables_from_result(result) {
                    Ok(tables) => {
                        self.use_tenant_tables(&tables);
                        let columns: usize = tables.iter().map(|t| t.columns.len()).sum();
                        let saved = match &self.schema_cache {
                            Some(path) => match save(path, &tables, unix_now()) {
                                Ok(()) => ", cached for 7 days".to_string(),
                                Err(e) => {
                                    tracing::warn!(%e, "schema cache not written");
                                    format!(", not cached ({e})")
                                }
                            },
                            None => String::new(),
                        };
                        self.notice = Some(format!(
                            "Schema refreshed from the tenant: {} tables, {columns} columns{saved}.",
                            tables.len()
                        ));
                    }
                    Err(e) => self.notice = Some(format!("Schema refresh: {e}.")),
                }
            }
            WorkerEvent::Failed { id, error, .. } if *id == want => {
                self.schema_refresh = None;
                self.notice = Some(format!("Schema refresh failed: {error}"));
            }
            WorkerEvent::Cancelled { id } if *id == want => self.schema_refresh = None,
            _ => return false,
        }
        true
    }
}
