//! Writing a table out: an aligned text table for terminals, CSV, a JSON array of objects,
//! and JSON lines. Values keep full precision (7-digit datetimes, exact longs); text for
//! terminals is escaped, machine formats carry the real value.

use std::io::{self, Write};

use super::format::{
    display_text, display_width, json_value, natural_widths, plain_text, truncate_to_width,
};
use super::table::Table;

/// Output formats for `kqlhunt run` and exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Tsv,
    Json,
    Jsonl,
}

impl Format {
    /// The format a file name asks for: `.csv`, `.tsv`, `.json`, `.jsonl`/`.ndjson`, `.txt`.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "txt" => Format::Table,
            _ => return None,
        })
    }
}

/// Where an export is written before it is complete: `hits.csv` → `hits.csv.partial`, in
/// the same directory so the final rename stays on one disk.
pub fn partial_path(path: &std::path::Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

pub fn write(table: &Table, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => write_text_table(table, out),
        Format::Csv => write_csv(table, b',', out),
        Format::Tsv => write_csv(table, b'\t', out),
        Format::Json => write_json(table, out),
        Format::Jsonl => write_jsonl(table, out),
    }
}

/// Widest a text-table column gets before its cells are cut with `…`.
const TEXT_TABLE_CAP: usize = 60;

fn write_text_table(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let widths = natural_widths(table, table.row_count(), TEXT_TABLE_CAP);
    let cols = table.columns();
    let pad = |out: &mut dyn Write, text: &str, w: usize, right: bool| -> io::Result<()> {
        let cut = truncate_to_width(text, w);
        let fill = " ".repeat(w.saturating_sub(display_width(&cut)));
        if right {
            write!(out, "{fill}{cut}")
        } else {
            write!(out, "{cut}{fill}")
        }
    };
    for (i, c) in cols.iter().enumerate() {
        if i > 0 {
            write!(out, "  ")?;
        }
        pad(
            out,
            &crate::data::format::escape_control(&c.name),
            widths[i],
            false,
        )?;
    }
    writeln!(out)?;
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            write!(out, "  ")?;
        }
        write!(out, "{}", "─".repeat(*w))?;
    }
    writeln!(out)?;
    for r in 0..table.row_count() {
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                write!(out, "  ")?;
            }
            pad(
                out,
                &display_text(c.data.get(r)),
                widths[i],
                c.kind().right_aligned(),
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// CSV, or TSV with `delimiter` a tab: fields holding the delimiter, quotes or newlines are
/// quoted, so every value survives exactly.
fn write_csv(table: &Table, delimiter: u8, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(out);
    w.write_record(table.columns().iter().map(|c| c.name.as_str()))?;
    let mut record: Vec<String> = Vec::with_capacity(table.columns().len());
    for r in 0..table.row_count() {
        record.clear();
        for c in table.columns() {
            record.push(match c.data.get(r) {
                crate::data::ValueRef::DateTime(t) => crate::data::time::format_datetime_full(t),
                v => plain_text(v).into_owned(),
            });
        }
        w.write_record(&record)?;
    }
    w.flush()
}

fn row_object(table: &Table, r: usize) -> serde_json::Map<String, serde_json::Value> {
    table
        .columns()
        .iter()
        .map(|c| (c.name.clone(), json_value(c.data.get(r))))
        .collect()
}

fn write_json(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    write!(out, "[")?;
    for r in 0..table.row_count() {
        if r > 0 {
            write!(out, ",")?;
        }
        write!(out, "\n  ")?;
        serde_json::to_writer(&mut *out, &row_object(table, r))?;
    }
    writeln!(out, "{}]", if table.row_count() > 0 { "\n" } else { "" })
}

fn write_jsonl(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    for r in 0..table.row_count() {
        serde_json::to_writer(&mut *out, &row_object(table, r))?;
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::column::column_from_values;
    use crate::data::{Column, Kind, Value};

    fn sample() -> Table {
        Table::new(vec![
            Column::new(
                "Name",
                column_from_values(
                    Kind::String,
                    ["a,b".into(), "line\nbreak".into()].map(Value::String),
                ),
            ),
            Column::new(
                "N",
                column_from_values(
                    Kind::Long,
                    [Value::Long(9_007_199_254_740_993), Value::Null],
                ),
            ),
            Column::new(
                "T",
                column_from_values(Kind::DateTime, [Value::DateTime(15_000_000), Value::Null]),
            ),
        ])
        .unwrap()
    }

    fn render(f: Format) -> String {
        let mut buf = Vec::new();
        write(&sample(), f, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn csv_quotes_and_keeps_precision() {
        assert_eq!(
            render(Format::Csv),
            "Name,N,T\n\"a,b\",9007199254740993,1970-01-01T00:00:01.5000000Z\n\"line\nbreak\",,\n"
        );
    }

    #[test]
    fn jsonl_is_one_object_per_line() {
        assert_eq!(
            render(Format::Jsonl),
            "{\"Name\":\"a,b\",\"N\":9007199254740993,\"T\":\"1970-01-01T00:00:01.5000000Z\"}\n\
             {\"Name\":\"line\\nbreak\",\"N\":null,\"T\":null}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 2);
    }

    #[test]
    fn text_table_aligns_and_escapes() {
        let text = render(Format::Table);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Name         N                 T                       "
        );
        assert_eq!(
            lines[2],
            "a,b          9007199254740993  1970-01-01T00:00:01.500Z"
        );
        assert_eq!(
            lines[3],
            "line\\nbreak                                            "
        );
    }
}
