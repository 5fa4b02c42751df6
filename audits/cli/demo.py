"""`demo`: generate the demo practice, load it through ingest, and run the 12 monthly audits."""

from __future__ import annotations

import argparse
from pathlib import Path

from audits.config import db_path
from audits.errors import InputError

HELP = "Generate a demo multi-specialty practice (12 months), load it as uploads and run the audits."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lines", type=int, default=150_000, metavar="N", help="claim lines (default 150000)"
    )
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="random seed (default 7)")
    parser.add_argument(
        "--end-month",
        metavar="YYYY-MM",
        help="last month of the 12 (default: the last full month before today)",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="where to write the files (default data/demo/)", type=Path, default=None
    )


def run(args: argparse.Namespace) -> int:
    from audits.demo import build_demo
    from audits.demo.build import MIN_LINES

    if args.lines < MIN_LINES:
        raise InputError(
            f"--lines {args.lines} is too few for a year of the demo practice - use at least {MIN_LINES}."
        )
    path = db_path(args.db)
    summary = build_demo(
        path,
        seed=args.seed,
        lines=args.lines,
        end_month=args.end_month,
        out_dir=args.out,
        progress=lambda message: print(message, flush=True),
    )
    uploads = summary["uploads"]
    loaded = sum(u["rows_loaded"] or 0 for u in uploads)
    rejected = sum(u["rows_rejected"] or 0 for u in uploads)
    seconds = summary["seconds"]
    print(
        f"Demo practice ready in {path}: {len(uploads)} files loaded ({loaded:,} rows, {rejected:,} held or "
        f"rejected), {len(summary['audits'])} monthly audits run. Generate {seconds['generate']} s, "
        f"ingest {seconds['ingest']} s, audit {seconds['audit']} s."
    )
    return 0
