"""`run --month YYYY-MM`: audit one service month and print the findings per rule.

`run --engine spark --input DIR --month YYYY-MM --out DIR` runs the same audit with PySpark on the
Parquet tables export-parquet wrote, and writes the findings as Parquet (docs/SPARK.md)."""

from __future__ import annotations

import argparse

from audits.errors import InputError

HELP = "Audit one service month: findings per rule and dollars at risk."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--month", required=True, metavar="YYYY-MM", help="service month to audit, e.g. 2026-10"
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="duckdb (default: the database) or spark (Parquet from --input, findings to --out; docs/SPARK.md)",
    )
    parser.add_argument("--input", metavar="DIR", help="with --engine spark: the folder export-parquet wrote")
    parser.add_argument("--out", metavar="DIR", help="with --engine spark: where the findings go (Parquet)")


def run_on_spark(args: argparse.Namespace) -> int:
    if not (args.input and args.out):
        raise InputError(
            "run --engine spark needs --input and --out - e.g. "
            "run --engine spark --input lake/ --month 2026-10 --out results/."
        )
    try:
        from audits.spark import run_spark, session

        spark = session()
    except ModuleNotFoundError as exc:
        raise InputError(
            f"the Spark engine needs {exc.name} - create .venv-spark (make spark-env) and run it with "
            ".venv-spark/bin/python."
        ) from exc
    result = run_spark(spark, args.input, args.month, args.out)
    print(
        f"Audit of {result.month} on Spark: {result.lines_audited:,} claim lines, {result.findings:,} findings."
    )
    for rule_id, count in result.counts.items():
        if count:
            print(f"{rule_id:<26}{count:>10,}")
    print(f"Findings written to {result.out / 'findings'} (Parquet).")
    return 0


def run(args: argparse.Namespace) -> int:
    from audits.rules import get_rule
    from audits.runner import run_audit
    from audits.store import connect

    if args.engine == "spark":
        return run_on_spark(args)
    from audits.ingest.guards import audit_month

    with connect(args.db) as con:
        result = run_audit(con, args.month)
        checks = audit_month(con, args.month)
    print(
        f"Audit of {result.month}: {result.lines_audited:,} claim lines, run {result.run_id} "
        f"(roster snapshot {result.snapshot_id if result.snapshot_id is not None else 'none'}, "
        f"rules {result.rules_version})."
    )
    print(f"{'RULE':<26}{'SEVERITY':<10}{'FINDINGS':>10}{'AT RISK':>16}")
    for rule_id, count in result.counts.items():
        if count:
            print(
                f"{rule_id:<26}{get_rule(rule_id).severity:<10}{count:>10,}{float(result.amounts[rule_id]):>16,.2f}"
            )
    print(
        f"{result.findings:,} findings; ${float(result.amount_at_risk):,.2f} at risk "
        "(summed over findings: a line with two findings counts twice)."
    )
    for sentence in checks:
        print(f"check: {sentence}")
    return 0
