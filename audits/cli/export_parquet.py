"""`export-parquet --out DIR`: the tables the audit reads, and the rule registry, as Parquet files
(for a lake, or for `run --engine spark`; docs/SPARK.md)."""

from __future__ import annotations

import argparse

HELP = "Write the tables the audit reads (and the rule registry) as Parquet files, e.g. for Spark."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the Parquet files")


def run(args: argparse.Namespace) -> int:
    from audits.spark import export_parquet
    from audits.store import connect

    with connect(args.db, read_only=True) as con:
        written = export_parquet(con, args.out)
    print(f"{len(written)} Parquet files written to {args.out}: {', '.join(p.stem for p in written)}.")
    return 0
