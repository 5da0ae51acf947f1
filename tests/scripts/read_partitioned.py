"""Reads a partitioned dataset (and partitioned score outputs) with pyarrow, pandas, DuckDB
and polars, as they are, and checks that every reader sees the same rows.

    cargo run --release -- generate --layout partitioned -o /tmp/part
    python3 tests/scripts/read_partitioned.py /tmp/part [SCORES_DIR]

Needs `pip install pyarrow pandas duckdb polars`. Not part of the test gate.
"""

import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as ds


def check(folder: str, key: str) -> None:
    a = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    p = pd.read_parquet(folder)
    d = duckdb.sql(
        f"select * from read_parquet('{folder}/*/*.parquet', hive_partitioning=true)"
    ).df()
    q = pl.scan_parquet(f"{folder}/**/*.parquet", hive_partitioning=True).collect()
    n = {len(a), len(p), len(d), q.height}
    assert len(n) == 1, f"{folder}: row counts differ {n}"
    for name, cols in [("pyarrow", a.column_names), ("pandas", list(p.columns)),
                       ("duckdb", list(d.columns)), ("polars", q.columns)]:
        assert key in cols, f"{folder}: {name} lacks the partition column {key}: {cols}"
    print(f"{folder}: {len(a)} rows, {len(a.column_names)} columns, read by pyarrow, pandas, duckdb, polars")


if __name__ == "__main__":
    data = sys.argv[1]
    for t in ["establishments", "persons", "contracts", "stoppages"]:
        check(f"{data}/{t}", "dep")
    if len(sys.argv) > 2:
        for t in ["indicators", "scores", "label_changes", "peer_groups", "explanations"]:
            check(f"{sys.argv[2]}/{t}", "period")
