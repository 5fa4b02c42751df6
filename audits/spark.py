"""The same audit on Apache Spark: the project's staging, rule and measure SQL, transpiled by sqlglot.

Two halves, so the data can travel to wherever Spark runs:
- `export_parquet(con, out)` (DuckDB side, `python -m audits export-parquet --out DIR`) writes every
  table the audit SQL reads as DIR/<table>.parquet, found by parsing that SQL (so a new rule that
  reads a new table exports it too: the rule registry, rule_registry, is one of them).
- `run_spark(spark, input_dir, month, out)` (`python -m audits run --engine spark --input DIR
  --month YYYY-MM --out DIR`) registers those Parquet files as views, builds `audit_lines` and the
  line tables in the order audits.views gives them, runs each rule's SELECT as the DuckDB runner
  wraps it (audits.runner.rule_select_sql) and the runner's own findings SELECT (amount at risk,
  finding_id), and writes OUT/findings (Parquet: the columns of the findings table, the same
  finding ids) and OUT/msr_claim_line (the measures' claim-line view).

No SQL is written twice: each statement is the DuckDB file's text, parsed as DuckDB and generated as
Spark by sqlglot, its $parameters bound as Spark named parameters. What sqlglot cannot translate
faithfully (ASOF joins, regexp functions, lists) is kept out of the SQL on purpose:
tests/test_sql_portability.py holds the allow-list, and tests/test_spark_parity.py (marker `spark`,
run in .venv-spark) runs every rule on one fixture in DuckDB and in Spark and compares the findings.
pyspark is imported only by the CLI's Spark path and the tests, never by the rest of the package.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from audits import runner, views
from audits.errors import InputError
from audits.months import month_bounds
from audits.rules import all_rules

# Tables the line tables create themselves (TEMP tables of the DuckDB runner), not inputs.
_MADE_BY_THE_RUN = {"audit_lines", "run_findings", "provider_billed_90d", *views.LINE_TABLES}
FINDINGS_COLUMNS = (
    "run_id", "finding_id", "month", "rule_id", "severity", "claim_id", "line_no", "rendering_npi",
    "payer_id", "procedure_code", "date_of_service", "amount_at_risk", "detail",
)  # fmt: skip


def _statements() -> list[tuple[str, str]]:
    """(name, DuckDB SQL) of every statement the audit runs, in the order a run needs them."""
    found = [(path.stem, views._body(path)) for path in views.view_files()]
    found += views.line_statements()
    for rule in all_rules():
        found.append((rule.rule_id, runner.rule_select_sql(rule)))
    found.append(("provider_billed_90d", runner._PROVIDER_BILLED_90D))
    found.append(("findings", runner.FINDINGS_INSERT))
    found.append(("finding_lines", runner.FINDING_LINES_INSERT))
    return found


def _select_of(tree: exp.Expression) -> exp.Expression:
    """The SELECT of the runner's INSERT INTO run_findings / findings and CREATE TEMP TABLE ... AS
    (the target is no input; on Spark the run registers the rows itself)."""
    return tree.expression if isinstance(tree, (exp.Insert, exp.Create)) else tree


def input_tables() -> list[str]:
    """The stored tables the audit SQL reads (not its CTEs, views or the run's own tables), sorted."""
    made = set(_MADE_BY_THE_RUN) | {path.stem for path in views.view_files()}
    tables: set[str] = {"claim_lines"}
    for _name, sql in _statements():
        tree = _select_of(sqlglot.parse_one(sql, dialect="duckdb"))
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            if table.name and table.name not in ctes and table.name not in made:
                tables.add(table.name)
    return sorted(tables)


# ---------------------------------------------------------------------------------------------
# DuckDB side


def export_parquet(con, out: str | os.PathLike) -> list[Path]:
    """Write the audit's input tables and the rule registry as Parquet files in `out`; return them."""
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    views.ensure_views(con)  # rule_registry (read by the SQL, so one of the input tables) is current
    written = []
    for table in input_tables():
        path = target / f"{table}.parquet"
        literal = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM {table}) TO '{literal}' (FORMAT parquet)")  # noqa: S608 - our names
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# Spark side


@functools.cache
def to_spark(sql: str) -> str:
    """One DuckDB statement as Spark SQL ($name parameters become :name markers)."""
    tree = _select_of(sqlglot.parse_one(sql, dialect="duckdb"))
    return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


@dataclass
class SparkRun:
    month: str
    lines_audited: int
    findings: int
    counts: dict[str, int]
    out: Path


def session(app_name: str = "cleartobill-audit", master: str | None = None):
    """A SparkSession: the cluster's when spark-submit started one, else local mode on every core."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master or not os.environ.get("SPARK_MASTER_URL"):
        builder = builder.master(master or os.environ.get("CLEARTOBILL_SPARK_MASTER", "local[*]"))
        # local mode: the driver on the loopback address (the host name may resolve elsewhere), and
        # patient timeouts for a busy machine
        builder = (
            builder.config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.executor.heartbeatInterval", "60s")
            .config("spark.network.timeout", "600s")
            .config("spark.driver.memory", os.environ.get("CLEARTOBILL_SPARK_DRIVER_MEMORY", "4g"))
        )
    return (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("CLEARTOBILL_SPARK_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def _sql(spark, sql: str, values: dict):
    spark_sql = to_spark(sql)
    used = {name: values[name] for name in runner._PARAMETER.findall(sql)}
    return spark.sql(spark_sql, args=used) if used else spark.sql(spark_sql)


def _register_inputs(spark, input_dir: Path) -> None:
    missing = [t for t in input_tables() if not (input_dir / f"{t}.parquet").exists()]
    if missing:
        raise InputError(
            f"{input_dir} lacks {', '.join(t + '.parquet' for t in missing)} - write the tables with export-parquet."
        )
    for table in input_tables():
        spark.read.parquet(str(input_dir / f"{table}.parquet")).createOrReplaceTempView(table)


def _materialise(frame, name: str) -> None:
    """Compute a table now and register it under `name` with a plan that starts from its rows.

    Spark inlines views (and CTEs) into every query that reads them; the line tables read each other
    and every rule reads line_facts, so without cutting the lineage the analyser's plan grows with
    every step (it spent minutes in DeduplicateRelations). A local checkpoint keeps the rows on the
    executors, like the DuckDB runner's TEMP tables."""
    frame.localCheckpoint(eager=True).createOrReplaceTempView(name)


def _create_views(spark, values: dict, paths: list[Path], materialise: bool) -> None:
    """Staging or measure views as temp views (a view whose input comes later waits for a later pass)."""
    from pyspark.errors import AnalysisException

    pending = list(paths)
    while pending:
        failed = []
        for path in pending:
            try:
                frame = _sql(spark, views._body(path), values)
                if materialise:
                    _materialise(frame, path.stem)
                else:
                    frame.createOrReplaceTempView(path.stem)
            except AnalysisException as exc:
                failed.append((path, exc))
        if len(failed) == len(pending):
            raise failed[0][1]
        pending = [path for path, _exc in failed]


def run_spark(spark, input_dir: str | os.PathLike, month: str | dt.date, out: str | os.PathLike) -> SparkRun:
    """Audit `month` from the Parquet tables in input_dir; write OUT/findings and OUT/msr_claim_line."""
    month_start, month_end = month_bounds(month)
    source, target = Path(input_dir), Path(out)
    if not source.is_dir():
        raise InputError(f"{source} is not a directory - give the folder export-parquet wrote.")
    values = {"month_start": month_start, "month_end": month_end, "audit_month": month_start}
    _register_inputs(spark, source)
    staging = [path for path in views.view_files() if path.parent == views.STAGING_DIR]
    measures = [path for path in views.view_files() if path.parent != views.STAGING_DIR]
    _create_views(spark, values, staging, materialise=True)
    columns = runner.AUDIT_LINE_COLUMNS
    lines = spark.sql(
        f"SELECT {columns} FROM claim_lines WHERE date_of_service BETWEEN :month_start AND :month_end",  # noqa: S608
        args={"month_start": month_start, "month_end": month_end},
    )
    _materialise(lines, "audit_lines")
    for name, sql in views.line_statements():
        _materialise(_sql(spark, sql, values), name)
    _materialise(_sql(spark, runner._PROVIDER_BILLED_90D, values), "provider_billed_90d")
    parts = []
    for rule in all_rules():
        params = {**values, "rule_id": rule.rule_id, "severity": rule.severity, "level": rule.level}
        parts.append(_sql(spark, runner.rule_select_sql(rule), {**params, "amount_kind": rule.amount}))
    found = functools.reduce(lambda a, b: a.unionAll(b), parts)
    names = ["rule_id", "severity", "level", "amount_kind", "claim_id", "line_no", "rendering_npi", "payer_id",
             "procedure_code", "date_of_service", "subject", "detail", "amount_since"]  # fmt: skip
    _materialise(found.toDF(*names), "run_findings")
    findings = _sql(spark, runner.FINDINGS_INSERT, {**values, "run_id": None}).toDF(*FINDINGS_COLUMNS)
    findings = findings.withColumn("run_id", findings["run_id"].cast("int"))
    findings.write.mode("overwrite").parquet(str(target / "findings"))
    written = spark.read.parquet(str(target / "findings"))
    # The measures read the stored findings: the other months' as exported, this month's as just found.
    others = spark.table("findings").where(f"month <> DATE '{month_start.isoformat()}'")
    others.select(*FINDINGS_COLUMNS).unionByName(written).createOrReplaceTempView("findings")
    blocked = _sql(spark, runner.FINDING_LINES_INSERT, {**values, "run_id": None})
    blocked = blocked.toDF("run_id", "month", "rule_id", "claim_id", "line_no", "detail")
    earlier = spark.table("finding_lines").where(f"month <> DATE '{month_start.isoformat()}'")
    _materialise(
        earlier.unionByName(blocked.withColumn("run_id", blocked["run_id"].cast("int"))), "finding_lines"
    )
    _create_views(spark, values, measures, materialise=False)
    spark.table("msr_claim_line").write.mode("overwrite").parquet(str(target / "msr_claim_line"))
    counts = {row["rule_id"]: row["count"] for row in written.groupBy("rule_id").count().collect()}
    audited = spark.table("audit_lines").count()
    for name in ("run_findings", "provider_billed_90d", *reversed(views.LINE_TABLES), "audit_lines"):
        spark.catalog.dropTempView(name)
    return SparkRun(
        month=month_start.strftime("%Y-%m"),
        lines_audited=audited,
        findings=sum(counts.values()),
        counts={rule.rule_id: counts.get(rule.rule_id, 0) for rule in all_rules()},
        out=target,
    )
