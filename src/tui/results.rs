//! Result tabs: each run's answer with its own grid position, view (sort/filter) and chart
//! toggle, so earlier results stay browsable. At most [`MAX_TABS`] are kept (the worker
//! keeps as many local results); the oldest goes first.

use std::sync::Arc;

use super::chart::{self, ChartKind, Model};
use super::grid::GridState;
use super::view::ViewState;
use crate::data::ResultSet;
use crate::data::format::escape_control;

/// Tabs kept, as many as the worker keeps results.
pub const MAX_TABS: usize = 50;

/// Whether the results pane shows a chart, and the chart once built.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartState {
    pub show: bool,
    /// Built on first use: the chart, or why the result's shape does not fit one.
    pub model: Option<Result<Model, String>>,
}

impl ChartState {
    /// The chart `render` asked for (or the automatic one), built now.
    pub fn build(result: &ResultSet) -> Result<Model, String> {
        match result
            .visualization
            .as_deref()
            .and_then(ChartKind::from_render)
        {
            Some(kind) => chart::model(&result.table, kind),
            None => chart::auto(&result.table),
        }
    }

    /// State for a new result: a result that asked for a chart shows it when it fits.
    pub fn for_result(result: &ResultSet) -> ChartState {
        if result.visualization.is_none() {
            return ChartState::default();
        }
        let model = ChartState::build(result);
        ChartState {
            show: model.is_ok(),
            model: Some(model),
        }
    }

    /// Flip between chart and grid; the error says why there is no chart.
    pub fn toggle(&mut self, result: &ResultSet) -> Result<(), String> {
        if self.show {
            self.show = false;
            return Ok(());
        }
        let model = self.model.get_or_insert_with(|| ChartState::build(result));
        match model {
            Ok(_) => {
                self.show = true;
                Ok(())
            }
            Err(why) => Err(format!("no chart: {}", escape_control(why))),
        }
    }
}

/// One result and how it is being looked at.
#[derive(Clone, Debug)]
pub struct ResultTab {
    pub result: Arc<ResultSet>,
    pub grid: GridState,
    pub view: ViewState,
    pub chart: ChartState,
}

impl ResultTab {
    pub fn new(result: Arc<ResultSet>) -> ResultTab {
        ResultTab {
            grid: GridState::for_table(&result.table),
            view: ViewState::default(),
            chart: ChartState::for_result(&result),
            result,
        }
    }
}

/// A tab's label: the worker's local name (`$3`), else its position.
pub fn tab_name(result: &ResultSet, index: usize) -> String {
    match &result.origin.local_name {
        Some(name) => escape_control(name).into_owned(),
        None => format!("#{}", index + 1),
    }
}
