"""The audit SQL stays portable (SPEC: it can later run on Spark): every staging, rule and measure
file, and the statements the runner wraps around the rules, parse as DuckDB SQL, use only functions
from a short allow-list that Spark SQL also has, and transpile to Spark without an unsupported feature."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from audits import runner, views
from audits.rules import all_rules

SQL_DIR = Path(runner.__file__).resolve().parent / "sql"
FILES = sorted(SQL_DIR.glob("staging/*.sql")) + sorted(SQL_DIR.glob("measures/*.sql"))

# sqlglot expression names of the functions we allow (each exists in DuckDB and Spark SQL).
PORTABLE_FUNCTIONS = {
    "AND", "OR",  # connectors are Func subclasses in sqlglot
    "CASE", "IF", "CAST", "COALESCE", "NULLIF",
    "CONCAT", "CONCATWS", "LENGTH", "LOWER", "UPPER", "TRIM", "SUBSTRING", "REPLACE", "TRANSLATE",
    "STRPOSITION",  # instr()
    "COUNT", "SUM", "MIN", "MAX", "ROUND", "ROWNUMBER",
    "DATETRUNC", "TIMESTAMPTRUNC",  # date_trunc('month', d)
    "SHA2",  # runner: finding ids (Spark: sha2(x, 256))
}  # fmt: skip
FORBIDDEN_SQL = ("ASOF", "REGEXP", "LIST_", "ARRAY_", "UNNEST", "STRUCT_PACK", "::", "QUALIFY", "PIVOT")


def statements() -> list[tuple[str, str]]:
    found = [(path.relative_to(SQL_DIR).as_posix(), path.read_text(encoding="utf-8")) for path in FILES]
    for rule in all_rules():  # a rule file is its body and, when it has one, its `-- lines:` section
        found.append((f"rules/{rule.rule_id}.sql", rule.sql))
        if rule.lines_sql is not None:
            found.append((f"rules/{rule.rule_id}.sql lines", rule.lines_sql))
        found.append((f"runner select {rule.rule_id}", runner.rule_select_sql(rule)))
    found.append(("line_findings (from the registry)", views.line_findings_sql()))
    for name, lines_table in views.REMIT_FACTS_LINES.items():
        found.append(
            (f"{name} (stg_remit_line_facts judging {lines_table})", views.remit_facts_sql(lines_table))
        )
    found.append(("runner findings insert", runner.FINDINGS_INSERT))
    found.append(("runner finding_lines insert", runner.FINDING_LINES_INSERT))
    found.append(("runner provider_billed_90d", runner._PROVIDER_BILLED_90D))
    return found


STATEMENTS = statements()


def functions_used(sql: str) -> set[str]:
    tree = sqlglot.parse_one(sql, dialect="duckdb")
    return {
        (node.name.upper() if isinstance(node, exp.Anonymous) else node.key.upper())
        for node in tree.find_all(exp.Func)
    }


def test_there_is_sql_to_check():
    names = {name for name, _sql in STATEMENTS}
    assert {"staging/line_facts.sql", "rules/OUT_OF_SCOPE.sql", "measures/msr_claim_line.sql"} <= names
    assert len(STATEMENTS) >= 19 * 2 + 8


@pytest.mark.parametrize(("name", "sql"), STATEMENTS, ids=[n for n, _s in STATEMENTS])
def test_only_portable_functions(name, sql):
    unknown = functions_used(sql) - PORTABLE_FUNCTIONS
    assert not unknown, f"{name} uses {sorted(unknown)}"


@pytest.mark.parametrize(("name", "sql"), STATEMENTS, ids=[n for n, _s in STATEMENTS])
def test_transpiles_to_spark(name, sql):
    spark = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE)
    assert len(spark) == 1 and spark[0].strip()


@pytest.mark.parametrize(("name", "sql"), STATEMENTS, ids=[n for n, _s in STATEMENTS])
def test_no_duckdb_only_constructs(name, sql):
    code = "\n".join(line.split("--")[0] for line in sql.upper().splitlines())
    assert not [word for word in FORBIDDEN_SQL if word in code]


def test_the_allow_list_catches_a_duckdb_only_function():
    assert functions_used("SELECT regexp_matches(a, 'x') FROM t") - PORTABLE_FUNCTIONS == {"REGEXPLIKE"}
    assert functions_used("SELECT list_contains(l, 1) FROM t") - PORTABLE_FUNCTIONS == {"ARRAYCONTAINS"}
