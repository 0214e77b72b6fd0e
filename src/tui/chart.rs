//! Charts of a result in the results pane, as Kusto's `render` draws them: time, line, area
//! and scatter charts (x from the first datetime or number column, y from the numeric
//! columns, one series per value of the string columns, `make-series` arrays unrolled), and
//! column, bar and pie charts (labels from the first string column, values from the first
//! numeric one; a pie is drawn as share bars, which read better in a terminal). `model`
//! only reads the table; `draw` only paints, with every label escaped.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Chart, Dataset, GraphType, LegendPosition, Paragraph, Widget,
};

use super::theme::Theme;
use crate::data::format::{display_text, escape_control, truncate_to_width};
use crate::data::time::{TICKS_PER_DAY, format_datetime, parse_datetime};
use crate::data::{Kind, Table, ValueRef};

/// The most series a chart draws; the rest are counted in the title.
pub const MAX_SERIES: usize = 8;

/// The chart kinds of `render`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    Time,
    Line,
    Area,
    Scatter,
    Column,
    Bar,
    Pie,
}

impl ChartKind {
    /// The kind a `render` name asks for (`timechart`, `columnchart`, …).
    pub fn from_render(name: &str) -> Option<ChartKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "timechart" | "timepivot" => ChartKind::Time,
            "linechart" => ChartKind::Line,
            "areachart" | "stackedareachart" => ChartKind::Area,
            "scatterchart" => ChartKind::Scatter,
            "columnchart" | "ladderchart" => ChartKind::Column,
            "barchart" => ChartKind::Bar,
            "piechart" => ChartKind::Pie,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Time => "timechart",
            ChartKind::Line => "linechart",
            ChartKind::Area => "areachart",
            ChartKind::Scatter => "scatterchart",
            ChartKind::Column => "columnchart",
            ChartKind::Bar => "barchart",
            ChartKind::Pie => "piechart",
        }
    }
}

/// One line of an x/y chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// What to draw.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    Xy {
        kind: ChartKind,
        /// x values are datetimes in ticks.
        x_time: bool,
        x_name: String,
        y_name: String,
        series: Vec<Series>,
        /// Series left out beyond [`MAX_SERIES`].
        hidden_series: usize,
    },
    Bars {
        kind: ChartKind,
        label_name: String,
        value_name: String,
        bars: Vec<(String, f64)>,
    },
}

fn is_number(kind: Kind) -> bool {
    matches!(kind, Kind::Int | Kind::Long | Kind::Real | Kind::TimeSpan)
}

fn number(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::TimeSpan(t) => Some(t as f64 / TICKS_PER_DAY as f64 * 86_400.0),
        ValueRef::DateTime(t) => Some(t as f64),
        v => v.as_f64().filter(|f| f.is_finite()),
    }
}

/// Build the chart `kind` of `table`, or say in one line why its shape does not fit.
pub fn model(table: &Table, kind: ChartKind) -> Result<Model, String> {
    match kind {
        ChartKind::Column | ChartKind::Bar | ChartKind::Pie => bars(table, kind),
        _ => xy(table, kind),
    }
}

/// A chart for a result that did not ask for one: a time series when it has a datetime
/// column (counting rows per time bin when it has no numbers), else columns by label.
pub fn auto(table: &Table) -> Result<Model, String> {
    let cols = table.columns();
    let has_time = cols.iter().any(|c| c.kind() == Kind::DateTime);
    let has_number = cols.iter().any(|c| is_number(c.kind()));
    if let Some(m) = make_series(table, ChartKind::Time) {
        return Ok(m);
    }
    if has_time && has_number {
        // Raw events (one string column per attribute) make a series per row: such a chart
        // says nothing, so count the events over time instead.
        match xy(table, ChartKind::Time)? {
            Model::Xy { hidden_series, .. } if hidden_series > MAX_SERIES => {
                Ok(events_over_time(table))
            }
            m => Ok(m),
        }
    } else if has_time {
        Ok(events_over_time(table))
    } else if has_number {
        bars(table, ChartKind::Column)
    } else {
        Err("nothing to chart: the result has no datetime or number column".into())
    }
}

fn xy(table: &Table, kind: ChartKind) -> Result<Model, String> {
    let cols = table.columns();
    if let Some(m) = make_series(table, kind) {
        return Ok(m);
    }
    let x = if kind == ChartKind::Time {
        cols.iter().position(|c| c.kind() == Kind::DateTime)
    } else {
        cols.iter()
            .position(|c| c.kind() == Kind::DateTime || is_number(c.kind()))
    }
    .ok_or_else(|| {
        format!(
            "{} needs a {} column for the x axis",
            kind.name(),
            if kind == ChartKind::Time {
                "datetime"
            } else {
                "number or datetime"
            }
        )
    })?;
    let ys: Vec<usize> = (0..cols.len())
        .filter(|&i| i != x && is_number(cols[i].kind()))
        .collect();
    if ys.is_empty() {
        return Err(format!(
            "{} needs a number column for the y axis",
            kind.name()
        ));
    }
    let by: Vec<usize> = (0..cols.len())
        .filter(|&i| i != x && !ys.contains(&i) && cols[i].kind() != Kind::DateTime)
        .collect();
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in 0..table.row_count() {
        let Some(xv) = number(cols[x].data.get(r)) else {
            continue;
        };
        let key = series_key(table, &by, r);
        for &y in &ys {
            let Some(yv) = number(cols[y].data.get(r)) else {
                continue;
            };
            let name = series_name(&key, &cols[y].name, ys.len() > 1);
            series.entry(name).or_default().push((xv, yv));
        }
    }
    let y_name = if ys.len() == 1 {
        cols[ys[0]].name.clone()
    } else {
        String::new()
    };
    Ok(finish_xy(
        kind,
        cols[x].kind() == Kind::DateTime,
        cols[x].name.clone(),
        y_name,
        series,
    ))
}

/// `make-series` output: a dynamic array of datetimes and dynamic arrays of numbers per row.
fn make_series(table: &Table, kind: ChartKind) -> Option<Model> {
    let cols = table.columns();
    let array = |r: usize, c: usize| -> Option<Vec<serde_json::Value>> {
        match cols[c].data.get(r) {
            ValueRef::Dynamic(text) => match serde_json::from_str(text).ok()? {
                serde_json::Value::Array(a) => Some(a),
                _ => None,
            },
            _ => None,
        }
    };
    let dynamic: Vec<usize> = (0..cols.len())
        .filter(|&c| cols[c].kind() == Kind::Dynamic)
        .collect();
    if table.row_count() == 0 || dynamic.len() < 2 {
        return None;
    }
    // The x column holds datetimes; y columns hold numbers.
    let is_time_array = |a: &[serde_json::Value]| {
        !a.is_empty()
            && a.iter()
                .all(|v| v.as_str().and_then(parse_datetime).is_some())
    };
    let x = *dynamic
        .iter()
        .find(|&&c| array(0, c).is_some_and(|a| is_time_array(&a)))?;
    let ys: Vec<usize> = dynamic.iter().copied().filter(|&c| c != x).collect();
    let by: Vec<usize> = (0..cols.len())
        .filter(|&c| cols[c].kind() != Kind::Dynamic)
        .collect();
    let mut series = BTreeMap::new();
    for r in 0..table.row_count() {
        let xs: Vec<Option<f64>> = array(r, x)?
            .iter()
            .map(|v| v.as_str().and_then(parse_datetime).map(|t| t as f64))
            .collect();
        let key = series_key(table, &by, r);
        for &y in &ys {
            let Some(values) = array(r, y) else { continue };
            let points: Vec<(f64, f64)> = xs
                .iter()
                .zip(&values)
                .filter_map(|(x, v)| Some(((*x)?, v.as_f64().filter(|f| f.is_finite())?)))
                .collect();
            if points.is_empty() {
                continue;
            }
            series.insert(series_name(&key, &cols[y].name, ys.len() > 1), points);
        }
    }
    if series.is_empty() {
        return None;
    }
    let y_name = if ys.len() == 1 {
        cols[ys[0]].name.clone()
    } else {
        String::new()
    };
    let kind = if kind == ChartKind::Scatter {
        kind
    } else {
        ChartKind::Time
    };
    Some(finish_xy(kind, true, cols[x].name.clone(), y_name, series))
}

fn series_key(table: &Table, by: &[usize], r: usize) -> String {
    by.iter()
        .map(|&c| display_text(table.columns()[c].data.get(r)).into_owned())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn series_name(key: &str, y: &str, several_ys: bool) -> String {
    match (key.is_empty(), several_ys) {
        (true, _) => y.to_string(),
        (false, true) => format!("{key} · {y}"),
        (false, false) => key.to_string(),
    }
}

/// Keep the [`MAX_SERIES`] largest series (by total), each sorted by x.
fn finish_xy(
    kind: ChartKind,
    x_time: bool,
    x_name: String,
    y_name: String,
    series: BTreeMap<String, Vec<(f64, f64)>>,
) -> Model {
    let mut series: Vec<Series> = series
        .into_iter()
        .map(|(name, mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series { name, points }
        })
        .collect();
    let total = |s: &Series| s.points.iter().map(|p| p.1.abs()).sum::<f64>();
    series.sort_by(|a, b| total(b).total_cmp(&total(a)).then(a.name.cmp(&b.name)));
    let hidden_series = series.len().saturating_sub(MAX_SERIES);
    series.truncate(MAX_SERIES);
    Model::Xy {
        kind,
        x_time,
        x_name,
        y_name,
        series,
        hidden_series,
    }
}

/// Rows per time bin, the bin chosen so a chart shows 20-100 points.
fn events_over_time(table: &Table) -> Model {
    let col = table
        .columns()
        .iter()
        .find(|c| c.kind() == Kind::DateTime)
        .expect("caller checked for a datetime column");
    let times: Vec<i64> = (0..table.row_count())
        .filter_map(|r| match col.data.get(r) {
            ValueRef::DateTime(t) => Some(t),
            _ => None,
        })
        .collect();
    let (lo, hi) = (
        times.iter().min().copied().unwrap_or(0),
        times.iter().max().copied().unwrap_or(0),
    );
    let bin = nice_bin(hi - lo);
    let mut counts: BTreeMap<i64, f64> = BTreeMap::new();
    for t in times {
        *counts.entry(t.div_euclid(bin) * bin).or_default() += 1.0;
    }
    let mut series = BTreeMap::new();
    series.insert(
        format!("count per {}", crate::data::time::format_timespan(bin)),
        counts.into_iter().map(|(t, n)| (t as f64, n)).collect(),
    );
    finish_xy(
        ChartKind::Time,
        true,
        col.name.clone(),
        "count".into(),
        series,
    )
}

/// The smallest round bin (1m … 1d) that keeps a span to at most 100 bins.
fn nice_bin(span: i64) -> i64 {
    const MINUTE: i64 = TICKS_PER_DAY / 1440;
    [1, 5, 15, 30, 60, 180, 360, 720, 1440, 10080]
        .into_iter()
        .map(|m| m * MINUTE)
        .find(|bin| span / bin <= 100)
        .unwrap_or(7 * TICKS_PER_DAY)
}

fn bars(table: &Table, kind: ChartKind) -> Result<Model, String> {
    let cols = table.columns();
    let value = cols
        .iter()
        .position(|c| is_number(c.kind()))
        .ok_or_else(|| format!("{} needs a number column", kind.name()))?;
    let label = cols
        .iter()
        .position(|c| c.kind() == Kind::String)
        .or_else(|| (0..cols.len()).find(|&i| i != value));
    let bars = (0..table.row_count())
        .filter_map(|r| {
            let v = number(cols[value].data.get(r))?;
            let l = label.map_or_else(
                || (r + 1).to_string(),
                |c| display_text(cols[c].data.get(r)).into_owned(),
            );
            Some((l, v))
        })
        .collect();
    Ok(Model::Bars {
        kind,
        label_name: label.map(|c| cols[c].name.clone()).unwrap_or_default(),
        value_name: cols[value].name.clone(),
        bars,
    })
}

/// Round a number for an axis or a bar: `12.5k`, `3.2M`, `0.25`.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    if scaled.fract() == 0.0 || scaled.abs() >= 100.0 {
        format!("{scaled:.0}{suffix}")
    } else {
        let digits = format!("{scaled:.2}");
        format!(
            "{}{suffix}",
            digits.trim_end_matches('0').trim_end_matches('.')
        )
    }
}

fn x_label(v: f64, time: bool, span: f64) -> String {
    if !time {
        return short_number(v);
    }
    let t = v as i64;
    let text = format_datetime(t, 0);
    // `2026-11-23T14:05:00Z` → the parts that change across the span.
    if span < TICKS_PER_DAY as f64 {
        text[11..16].to_string()
    } else if span < 60.0 * TICKS_PER_DAY as f64 {
        format!("{} {}", &text[5..10], &text[11..16])
    } else {
        text[..10].to_string()
    }
}

/// Styles for series `i`, and in monochrome a marker that tells series apart.
fn series_style(theme: &Theme, i: usize) -> (Style, Marker) {
    let palette = [
        theme.syntax_keyword,
        theme.syntax_string,
        theme.syntax_function,
        theme.syntax_number,
        theme.syntax_time,
        theme.syntax_type,
        theme.warn,
        theme.ok,
    ];
    let markers = [
        Marker::Braille,
        Marker::Dot,
        Marker::Block,
        Marker::Bar,
        Marker::HalfBlock,
    ];
    let colourless = palette.iter().all(|s| s.fg.is_none());
    let marker = if colourless {
        markers[i % markers.len()]
    } else {
        Marker::Braille
    };
    (palette[i % palette.len()], marker)
}

/// Paint `model` into `area`.
pub fn draw(model: &Model, area: Rect, buf: &mut Buffer, theme: &Theme) {
    if area.width < 10 || area.height < 4 {
        Paragraph::new(Line::styled("chart: too small", theme.dim)).render(area, buf);
        return;
    }
    match model {
        Model::Xy {
            kind,
            x_time,
            x_name,
            y_name,
            series,
            hidden_series,
        } => draw_xy(
            (*kind, *x_time),
            (x_name, y_name),
            series,
            *hidden_series,
            area,
            buf,
            theme,
        ),
        Model::Bars {
            kind,
            label_name,
            value_name,
            bars,
        } => draw_bars(*kind, (label_name, value_name), bars, area, buf, theme),
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> [f64; 2] {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return [0.0, 1.0];
    }
    if lo == hi {
        return [lo - 1.0, hi + 1.0];
    }
    [lo, hi]
}

fn draw_xy(
    (kind, x_time): (ChartKind, bool),
    (x_name, y_name): (&str, &str),
    series: &[Series],
    hidden: usize,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let xb = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let mut yb = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    if kind == ChartKind::Area || yb[0] > 0.0 {
        yb[0] = yb[0].min(0.0);
    }
    let names: Vec<String> = series
        .iter()
        .map(|s| truncate_to_width(&escape_control(&s.name), 30).into_owned())
        .collect();
    let datasets: Vec<Dataset> = series
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(i, (s, name))| {
            let (style, marker) = series_style(theme, i);
            Dataset::default()
                .name(name.clone())
                .marker(marker)
                .graph_type(if kind == ChartKind::Scatter {
                    GraphType::Scatter
                } else {
                    GraphType::Line
                })
                .style(style)
                .data(&s.points)
        })
        .collect();
    let span = xb[1] - xb[0];
    let x_labels: Vec<Span> = [xb[0], xb[0] + span / 2.0, xb[1]]
        .iter()
        .map(|&v| Span::styled(x_label(v, x_time, span), theme.dim))
        .collect();
    let y_labels: Vec<Span> = [yb[0], (yb[0] + yb[1]) / 2.0, yb[1]]
        .iter()
        .map(|&v| Span::styled(short_number(v), theme.dim))
        .collect();
    let mut title = kind.name().to_string();
    if hidden > 0 {
        title.push_str(&format!(" · {hidden} more series not shown"));
    }
    let mut chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .title(Span::styled(escape_control(x_name).into_owned(), theme.dim))
                .bounds(xb)
                .labels(x_labels)
                .style(theme.border),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled(escape_control(y_name).into_owned(), theme.dim))
                .bounds(yb)
                .labels(y_labels)
                .style(theme.border),
        )
        .legend_position(Some(LegendPosition::TopRight));
    // The legend names the series: keep it unless it would cover most of the plot (the
    // default hides it beyond a quarter of the area, which a terminal chart always hits).
    use ratatui::layout::Constraint;
    chart = if series.len() < 2 {
        chart.hidden_legend_constraints((Constraint::Length(0), Constraint::Length(0)))
    } else {
        chart.hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(2, 3)))
    };
    let [head, body] = split_title(area);
    Paragraph::new(Line::styled(title, theme.title)).render(head, buf);
    chart.render(body, buf);
}

fn split_title(area: Rect) -> [Rect; 2] {
    let head = Rect { height: 1, ..area };
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    [head, body]
}

fn draw_bars(
    kind: ChartKind,
    (label_name, value_name): (&str, &str),
    bars: &[(String, f64)],
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let [head, body] = split_title(area);
    let horizontal = kind != ChartKind::Column;
    let total: f64 = bars.iter().map(|b| b.1.max(0.0)).sum();
    // What fits: one row per bar horizontally, label-wide columns vertically.
    let label_width = bars
        .iter()
        .map(|b| unicode_width::UnicodeWidthStr::width(b.0.as_str()))
        .max()
        .unwrap_or(1)
        .clamp(3, if horizontal { 24 } else { 12 });
    let bar_width = if horizontal { 1 } else { label_width as u16 };
    let fits = if horizontal {
        body.height as usize
    } else {
        (body.width as usize + 1) / (bar_width as usize + 1)
    };
    let shown = bars.len().min(fits.max(1));
    let mut title = format!("{} · {} by {}", kind.name(), value_name, label_name);
    if kind == ChartKind::Pie {
        title.push_str(" (shares)");
    }
    if shown < bars.len() {
        title.push_str(&format!(" · first {shown} of {}", bars.len()));
    }
    Paragraph::new(Line::styled(
        escape_control(&title).into_owned(),
        theme.title,
    ))
    .render(head, buf);
    // Bars are unsigned: scale so the largest value keeps three significant digits.
    let max = bars[..shown]
        .iter()
        .map(|b| b.1.max(0.0))
        .fold(0.0, f64::max);
    let scale = if max > 0.0 { 1000.0 / max } else { 1.0 };
    let items: Vec<Bar> = bars[..shown]
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let text = if kind == ChartKind::Pie && total > 0.0 {
                format!("{:.1}%", v.max(0.0) / total * 100.0)
            } else {
                short_number(*v)
            };
            Bar::default()
                .label(Line::from(
                    truncate_to_width(label, label_width).into_owned(),
                ))
                .value((v.max(0.0) * scale).round() as u64)
                .text_value(text)
                .style(series_style(theme, i % 2).0)
        })
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&items))
        .bar_width(bar_width)
        .bar_gap(if horizontal { 0 } else { 1 })
        .label_style(theme.dim)
        .value_style(theme.text);
    let chart = if horizontal {
        chart.direction(ratatui::layout::Direction::Horizontal)
    } else {
        chart
    };
    chart.render(body, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Column;
    use crate::data::column::column_from_values;
    use crate::data::{Value, time::days_from_civil};

    fn day(d: u32) -> i64 {
        days_from_civil(2026, 11, d) * TICKS_PER_DAY
    }

    fn table(cols: Vec<(&str, Kind, Vec<Value>)>) -> Table {
        Table::new(
            cols.into_iter()
                .map(|(n, k, v)| Column::new(n, column_from_values(k, v)))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn a_timechart_makes_one_series_per_string_value_sorted_by_time() {
        let t = table(vec![
            (
                "Timestamp",
                Kind::DateTime,
                vec![
                    Value::DateTime(day(2)),
                    Value::DateTime(day(1)),
                    Value::DateTime(day(1)),
                ],
            ),
            (
                "Device",
                Kind::String,
                vec![
                    Value::String("a".into()),
                    Value::String("a".into()),
                    Value::String("b".into()),
                ],
            ),
            (
                "count_",
                Kind::Long,
                vec![Value::Long(5), Value::Long(3), Value::Long(1)],
            ),
        ]);
        let Model::Xy {
            series,
            x_time,
            y_name,
            ..
        } = model(&t, ChartKind::Time).unwrap()
        else {
            panic!("xy")
        };
        assert!(x_time);
        assert_eq!(y_name, "count_");
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].name, "a");
        assert_eq!(
            series[0].points,
            [(day(1) as f64, 3.0), (day(2) as f64, 5.0)]
        );
    }

    #[test]
    fn make_series_arrays_are_unrolled() {
        let t = table(vec![
            ("Device", Kind::String, vec![Value::String("a".into())]),
            (
                "count_",
                Kind::Dynamic,
                vec![Value::Dynamic("[1,2,3]".into())],
            ),
            (
                "Timestamp",
                Kind::Dynamic,
                vec![Value::Dynamic(
                    r#"["2026-11-01T00:00:00Z","2026-11-02T00:00:00Z","2026-11-03T00:00:00Z"]"#
                        .into(),
                )],
            ),
        ]);
        let Model::Xy { series, .. } = auto(&t).unwrap() else {
            panic!("xy")
        };
        assert_eq!(series[0].points.len(), 3);
        assert_eq!(series[0].points[2], (day(3) as f64, 3.0));
    }

    #[test]
    fn shapes_that_do_not_fit_say_why() {
        let t = table(vec![(
            "Name",
            Kind::String,
            vec![Value::String("x".into())],
        )]);
        assert!(model(&t, ChartKind::Time).unwrap_err().contains("datetime"));
        assert!(model(&t, ChartKind::Pie).unwrap_err().contains("number"));
        assert!(auto(&t).unwrap_err().contains("nothing to chart"));
    }

    #[test]
    fn raw_events_are_counted_per_round_bin() {
        let times = (0..48)
            .map(|h| Value::DateTime(day(1) + h * TICKS_PER_DAY / 24))
            .collect();
        let t = table(vec![("Timestamp", Kind::DateTime, times)]);
        let Model::Xy { series, .. } = auto(&t).unwrap() else {
            panic!("xy")
        };
        // 47 hours in 30-minute bins is 94 points: the smallest round bin under 100.
        assert_eq!(series[0].name, "count per 00:30:00");
        assert_eq!(series[0].points.len(), 48);
    }

    #[test]
    fn series_beyond_the_limit_are_counted_not_drawn() {
        let n = MAX_SERIES + 3;
        let t = table(vec![
            (
                "T",
                Kind::DateTime,
                (0..n).map(|_| Value::DateTime(day(1))).collect(),
            ),
            (
                "K",
                Kind::String,
                (0..n).map(|i| Value::String(format!("k{i}"))).collect(),
            ),
            (
                "V",
                Kind::Long,
                (0..n).map(|i| Value::Long(i as i64)).collect(),
            ),
        ]);
        let Model::Xy {
            series,
            hidden_series,
            ..
        } = model(&t, ChartKind::Time).unwrap()
        else {
            panic!("xy")
        };
        assert_eq!((series.len(), hidden_series), (MAX_SERIES, 3));
        assert_eq!(series[0].name, format!("k{}", n - 1), "largest first");
    }

    #[test]
    fn raw_events_with_numbers_chart_as_counts_not_thousands_of_series() {
        let n = 200;
        let t = table(vec![
            (
                "T",
                Kind::DateTime,
                (0..n).map(|i| Value::DateTime(day(1) + i)).collect(),
            ),
            (
                "Cmd",
                Kind::String,
                (0..n).map(|i| Value::String(format!("c{i}"))).collect(),
            ),
            ("Pid", Kind::Long, (0..n).map(Value::Long).collect()),
        ]);
        let Model::Xy {
            series,
            hidden_series,
            ..
        } = auto(&t).unwrap()
        else {
            panic!("xy")
        };
        assert_eq!(hidden_series, 0);
        assert!(
            series[0].name.starts_with("count per"),
            "{}",
            series[0].name
        );
    }

    #[test]
    fn numbers_are_short_on_axes() {
        assert_eq!(short_number(12_500.0), "12.5k");
        assert_eq!(short_number(3_200_000.0), "3.2M");
        assert_eq!(short_number(0.25), "0.25");
        assert_eq!(short_number(42.0), "42");
    }

    #[test]
    fn hostile_labels_are_escaped_and_tiny_areas_do_not_panic() {
        let t = table(vec![
            (
                "Name",
                Kind::String,
                vec![Value::String("\u{1b}]0;pwned\u{7}".into())],
            ),
            ("N", Kind::Long, vec![Value::Long(3)]),
        ]);
        for kind in [ChartKind::Column, ChartKind::Bar, ChartKind::Pie] {
            let m = model(&t, kind).unwrap();
            for (w, h) in [(0, 0), (1, 1), (12, 5), (80, 20)] {
                let area = Rect::new(0, 0, w, h);
                let mut buf = Buffer::empty(area);
                draw(&m, area, &mut buf, &Theme::dark());
                let text: String = buf.content().iter().map(|c| c.symbol()).collect();
                assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
            }
        }
    }
}
