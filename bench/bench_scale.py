"""Ahead of what an analyst would write, linear to 10M lines (#13). Every figure is a ratio of
medians measured in one run, the commands alternated A B A B as processes (bench/harness.py).

1. Audit: for a month of 1M, 5M and 10M lines on the demo roster (bench/month.py), the project's
   full audit (`python -m audits run`: all rules, findings written) against the Polars, pandas and
   one-query DuckDB scripts of its seven credentialing rules (bench/baselines/), each of whose
   findings must equal the project's for those rules exactly (checked after the runs).
   Targets: audit <= Polars / 1.5 and <= pandas / 3 at 1M and 10M; 10M in <= 30 s with peak
   memory < 4 GB; 10M / 1M <= 11.
2. Ingest: the 1M month's claims CSV through `python -m audits ingest` against a bare DuckDB load of
   the same file into a database file, and against `polars.read_csv`. Target: <= 2x the DuckDB load.
3. CLI start-up: `python -m audits --help`, against a bare `python -c pass`. Target <= 0.4 s.

`python -m bench.bench_scale [--sizes 1000000,5000000,10000000] [--rounds N]`. Returns (and
prints) the RESULTS.md section.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from bench.baselines import SEVEN_RULES
from bench.harness import CommandFailed, Runs, alternate, python
from bench.month import BENCH_MONTH, build_month, build_roster_db

SIZES = (1_000_000, 5_000_000, 10_000_000)
ROUNDS = {1_000_000: 5, 5_000_000: 3, 10_000_000: 3}
AUDIT = "ClearToBill audit"
BASELINES = {"Polars": "polars_rules", "pandas": "pandas_rules", "DuckDB SQL": "duckdb_rules"}
TARGETS = {"Polars": 1.5, "pandas": 3.0}  # the audit must be this many times faster


def _label(lines: int) -> str:
    return f"{lines // 1_000_000}M" if lines % 1_000_000 == 0 else f"{lines:,}"


def _say(text: str) -> None:
    print(text, flush=True)


def compare(db: Path, parquet: Path) -> tuple[int, int, int]:
    """(findings of ours for the seven rules, ours not in theirs, theirs not in ours)."""
    rules = list(SEVEN_RULES)
    with duckdb.connect(str(db), read_only=True) as con:
        ours = "SELECT rule_id, claim_id, line_no FROM findings WHERE rule_id IN (SELECT unnest($rules))"
        theirs = "SELECT rule_id, claim_id, line_no FROM read_parquet($path)"
        total = con.execute(f"SELECT count(*) FROM ({ours})", {"rules": rules}).fetchall()[0][0]  # noqa: S608
        missing = con.execute(
            f"SELECT count(*) FROM ({ours} EXCEPT ALL {theirs})",  # noqa: S608
            {"rules": rules, "path": str(parquet)},
        ).fetchall()[0][0]
        extra = con.execute(
            f"SELECT count(*) FROM ({theirs} EXCEPT ALL {ours})",  # noqa: S608
            {"rules": rules, "path": str(parquet)},
        ).fetchall()[0][0]
    return total, missing, extra


def audit_size(tmp: Path, lines: int, rounds: int, keep_csv: Path | None) -> dict:
    db = tmp / f"month_{lines}.duckdb"
    _say(f"   building the {_label(lines)} month ...")
    began = time.perf_counter()
    timings = build_month(db, lines, keep_csv)
    _say(
        f"   built in {time.perf_counter() - began:.0f} s ({', '.join(f'{k} {v:.1f} s' for k, v in timings.items())})"
    )
    outputs = {name: tmp / f"{module}_{lines}.parquet" for name, module in BASELINES.items()}
    commands = {AUDIT: [python(), "-m", "audits", "run", "--db", str(db), "--month", BENCH_MONTH]}
    for name, module in BASELINES.items():
        commands[name] = [
            python(),
            "-m",
            f"bench.baselines.{module}",
            str(db),
            BENCH_MONTH,
            str(outputs[name]),
        ]
    runs = alternate(commands, rounds, say=_say)
    checks = {name: compare(db, outputs[name]) for name in BASELINES}
    spark = spark_local(tmp, db) if lines == 1_000_000 else None
    with duckdb.connect(str(db), read_only=True) as con:
        findings = con.execute("SELECT count(*) FROM findings").fetchall()[0][0]
        keys = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT rendering_npi, payer_id, date_of_service, pos FROM claim_lines)"
        ).fetchall()[0][0]
    db.unlink()
    Path(f"{db}.wal").unlink(missing_ok=True)
    return {
        "lines": lines,
        "runs": runs,
        "checks": checks,
        "findings": findings,
        "keys": keys,
        "build": timings,
        "spark": spark,
    }


SPARK_PYTHON = Path(__file__).resolve().parent.parent / ".venv-spark" / "bin" / "python"


def spark_local(tmp: Path, db: Path) -> dict[str, Runs] | None:
    """export-parquet, then the month on Spark local mode (one run each; .venv-spark, see docs/SPARK.md)."""
    if not SPARK_PYTHON.exists():
        _say("   (no .venv-spark: the Spark local-mode time is skipped - make spark-env)")
        return None
    lake, out = tmp / "lake", tmp / "spark_out"
    commands = {
        "export-parquet": [python(), "-m", "audits", "export-parquet", "--db", str(db), "--out", str(lake)],
        "run --engine spark (local[*])": [
            str(SPARK_PYTHON), "-m", "audits", "run", "--engine", "spark", "--input", str(lake),
            "--month", BENCH_MONTH, "--out", str(out),
        ],
    }  # fmt: skip
    try:
        runs = alternate(commands, 1, tree=list(commands), say=_say)
    except CommandFailed as exc:  # reported, so the DuckDB figures of this size are not lost
        _say(f"   Spark local mode failed: {str(exc)[:300]}")
        runs = None
    shutil.rmtree(lake, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return runs


def ingest(tmp: Path, csv: Path, rounds: int) -> dict[str, Runs]:
    template = tmp / "roster.duckdb"
    build_roster_db(template)
    target = tmp / "ingest.duckdb"
    bare = tmp / "bare.duckdb"
    literal = str(csv).replace("'", "''")
    commands = {
        "ClearToBill ingest": [python(), "-m", "audits", "ingest", "--db", str(target), "--kind", "claims", str(csv)],
        "DuckDB load": [
            python(), "-c",
            f"import duckdb; duckdb.connect({str(bare)!r}).execute(\"CREATE TABLE t AS SELECT * FROM read_csv('{literal}')\")",  # noqa: S608
        ],
        "polars.read_csv": [python(), "-c", f"import polars; polars.read_csv({str(csv)!r})"],
    }  # fmt: skip

    def fresh(name: str) -> None:
        for path in (target, bare, Path(f"{target}.wal"), Path(f"{bare}.wal")):
            path.unlink(missing_ok=True)
        if name == "ClearToBill ingest":
            shutil.copyfile(template, target)

    return alternate(commands, rounds, before=fresh, say=_say)


def startup(rounds: int) -> dict[str, Runs]:
    commands = {
        "python -m audits --help": [python(), "-m", "audits", "--help"],
        "python -c pass": [python(), "-c", "pass"],
    }
    return alternate(commands, rounds, say=_say)


def _verdict(ok: bool) -> str:
    return "OK" if ok else "**over target**"


def report(sizes: list[dict], ingest_runs: dict[str, Runs] | None, start_runs: dict[str, Runs]) -> list[str]:
    out = ["## Audit against the analyst's scripts (bench_scale)", ""]
    out += [
        "Medians of alternated process runs (wall seconds; CPU = user + system seconds), peak resident memory.",
        '"x faster" = baseline median / audit median. The audit runs all rules and writes its findings; the',
        'baselines run seven rules and write theirs to Parquet; "match" = their findings equal the audit\'s',
        "for those seven rules (missing / extra rows).",
        "",
        "| lines | keys | command | wall s | CPU s | peak MB | audit x faster | target | match |",
        "|---:|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for size in sizes:
        runs, label = size["runs"], _label(size["lines"])
        ours = runs[AUDIT]
        out.append(
            f"| {label} | {size['keys']:,} | {AUDIT} ({size['findings']:,} findings, {len(ours.wall)} runs) | "
            f"{ours.median:.2f} | {ours.median_cpu:.2f} | {ours.peak:,.0f} | | | |"
        )
        for name in BASELINES:
            base = runs[name]
            ratio = base.median / ours.median
            target = TARGETS.get(name)
            verdict = f">= {target}x: {_verdict(ratio >= target)}" if target else "(none)"
            total, missing, extra = size["checks"][name]
            match = "yes" if missing == extra == 0 else f"**NO** ({missing:,} missing, {extra:,} extra)"
            out.append(
                f"| {label} | | {name} | {base.median:.2f} | {base.median_cpu:.2f} | {base.peak:,.0f} | "
                f"{ratio:.2f} | {verdict} | {match} ({total:,} findings) |"
            )
    for size in sizes:
        if size.get("spark"):
            ours = size["runs"][AUDIT]
            out += [
                "",
                f"Spark local mode, {_label(size['lines'])} month (one run each, memory of the process tree):",
                "",
            ]
            for runs in size["spark"].values():
                out.append(
                    f"- `{runs.name}`: {runs.median:.1f} s wall, {runs.peak:,.0f} MB "
                    f"({runs.median / ours.median:.1f}x the DuckDB audit's median)"
                )
    by_lines = {size["lines"]: size["runs"][AUDIT] for size in sizes}
    out.append("")
    if 10_000_000 in by_lines:
        ten = by_lines[10_000_000]
        out.append(
            f"- 10M lines: audit {ten.median:.1f} s (target <= 30 s: {_verdict(ten.median <= 30)}), peak "
            f"{ten.peak / 1024:.2f} GB (target < 4 GB: {_verdict(ten.peak < 4096)})"
        )
    if 1_000_000 in by_lines and 10_000_000 in by_lines:
        ratio = by_lines[10_000_000].median / by_lines[1_000_000].median
        cpu = by_lines[10_000_000].median_cpu / by_lines[1_000_000].median_cpu
        out.append(f"- 10M / 1M: {ratio:.2f} wall, {cpu:.2f} CPU (target <= 11: {_verdict(ratio <= 11)})")
    if 1_000_000 in by_lines and 5_000_000 in by_lines:
        out.append(f"- 5M / 1M: {by_lines[5_000_000].median / by_lines[1_000_000].median:.2f} wall")
    if ingest_runs:
        ours, bare, polars = (
            ingest_runs[k] for k in ("ClearToBill ingest", "DuckDB load", "polars.read_csv")
        )
        out += [
            "",
            f"## Ingest of the {_label(sizes[0]['lines'])} month's claims CSV (bench_scale)",
            "",
            "| command | wall s | CPU s | peak MB | ratio to DuckDB load |",
            "|---|---:|---:|---:|---:|",
        ]
        for runs in (ours, bare, polars):
            out.append(
                f"| {runs.name} | {runs.median:.2f} | {runs.median_cpu:.2f} | {runs.peak:,.0f} | "
                f"{runs.median / bare.median:.2f} |"
            )
        ratio = ours.median / bare.median
        out.append("")
        out.append(f"- ingest / bare DuckDB load: {ratio:.2f} (target <= 2: {_verdict(ratio <= 2)}); "
                   f"ingest / polars.read_csv: {ours.median / polars.median:.2f}")  # fmt: skip
    help_runs, bare_python = start_runs["python -m audits --help"], start_runs["python -c pass"]
    out += [
        "",
        "## CLI start-up (bench_scale)",
        "",
        f"- `python -m audits --help`: {help_runs.median:.3f} s wall, {help_runs.median_cpu:.3f} s CPU, "
        f"{help_runs.peak:,.0f} MB (target <= 0.4 s: {_verdict(help_runs.median <= 0.4)}); a bare "
        f"`python -c pass`: {bare_python.median:.3f} s ({len(help_runs.wall)} runs each, alternated)",
    ]
    return out


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_scale")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--rounds", type=int, help="runs of each command (default: 5 at 1M, 3 above)")
    args = parser.parse_args(argv or [])
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as name:
        tmp = Path(name)
        csv = tmp / "claims_month.csv"
        for lines in sizes:
            rounds = args.rounds or ROUNDS.get(lines, 3)
            results.append(audit_size(tmp, lines, rounds, csv if lines == sizes[0] else None))
        _say(f"   ingest of the {_label(sizes[0])} CSV ...")
        ingest_runs = ingest(tmp, csv, args.rounds or 5)
    start_runs = startup(max(args.rounds or 10, 5))
    lines = report(results, ingest_runs, start_runs)
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
