#!/usr/bin/env python3
"""The engine benchmark's operations in DuckDB and pandas, on the same CSV files that
`cargo bench --bench engine` writes to target/bench-data/, for the ratios in the notes.

    pip install duckdb pandas
    cargo bench --bench engine          # writes the CSVs, times kqlhunt's engine
    python3 benches/compare_duckdb.py   # times the same operations here, single-threaded

Both sides run on one thread (DuckDB `threads=1`) and materialize their answer in memory
(DuckDB into a temp table, pandas into a DataFrame), so neither is timed on printing.
`has` is a whole-term match in KQL; the SQL and pandas twins use a case-insensitive
word-boundary regex, the closest equivalent, which is slightly more work than a substring.
"""

import pathlib
import statistics
import sys
import time

DATA = pathlib.Path(__file__).resolve().parent.parent / "target" / "bench-data"
RUNS = 20


def timed(fn):
    fn()  # warm up
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def duckdb_times():
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 1")
    for name in ("DeviceProcessEvents", "DeviceInfo"):
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{DATA / (name + '.csv')}')"
        )
    sql = {
        "where_has": "SELECT * FROM DeviceProcessEvents WHERE regexp_matches("
        "ProcessCommandLine, '(?i)(^|[^a-z0-9])encodedcommand([^a-z0-9]|$)')",
        "summarize_count_by": "SELECT FileName, count(*) AS count_ FROM DeviceProcessEvents "
        "GROUP BY FileName",
        "sort_by_datetime": "SELECT * FROM DeviceProcessEvents ORDER BY Timestamp DESC",
        "join_100k_10k": "SELECT * FROM DeviceProcessEvents e JOIN DeviceInfo d "
        "ON e.DeviceId = d.DeviceId",
    }
    out = {}
    for name, q in sql.items():
        out[name] = timed(
            lambda q=q: con.execute(f"CREATE OR REPLACE TEMP TABLE r AS {q}")
        )
    return out


def pandas_times():
    import pandas as pd

    events = pd.read_csv(DATA / "DeviceProcessEvents.csv", parse_dates=["Timestamp"])
    info = pd.read_csv(DATA / "DeviceInfo.csv")
    ops = {
        "where_has": lambda: events[
            events["ProcessCommandLine"].str.contains(
                r"(?i)(?:^|[^a-z0-9])encodedcommand(?:[^a-z0-9]|$)", regex=True
            )
        ],
        "summarize_count_by": lambda: events.groupby("FileName", sort=False).size(),
        "sort_by_datetime": lambda: events.sort_values("Timestamp", ascending=False, kind="stable"),
        "join_100k_10k": lambda: events.merge(info, on="DeviceId", how="inner"),
    }
    return {name: timed(fn) for name, fn in ops.items()}


def main():
    if not (DATA / "DeviceProcessEvents.csv").exists():
        sys.exit("run `cargo bench --bench engine` first: it writes target/bench-data/*.csv")
    results = {"duckdb": duckdb_times(), "pandas": pandas_times()}
    print(f"{'operation':<22}{'duckdb ms':>12}{'pandas ms':>12}")
    for name in results["duckdb"]:
        print(
            f"{name:<22}{results['duckdb'][name] * 1e3:>12.2f}{results['pandas'][name] * 1e3:>12.2f}"
        )


if __name__ == "__main__":
    main()
