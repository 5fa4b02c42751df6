"""One home for each read idea of issue 10, checked on the code: findings are read through the findings
read model (audits/findings.py: CURRENT_FINDINGS_SQL, names one way), months are parsed by audits/months.py,
cells are neutralised by one function, and "the current run" is looked up in one place. A module that
grows its own copy fails here, naming the file and the line."""

from __future__ import annotations

import re
from pathlib import Path

AUDITS = Path(__file__).resolve().parent.parent / "audits"
APP = AUDITS.parent / "app_pages"

# Who may name the findings table itself: the read model, the runner (it writes it) and the pipeline's
# guard that counts one run's lines (by run id, the run it just made).
FINDINGS_READERS = {"findings.py", "runner.py", "ingest/guards.py"}
# The measures' cache key counts the table's rows (a change detector, not a read of findings).
FINGERPRINT = "(SELECT count(*) FROM findings)"
READS_FINDINGS = re.compile(r"\b(FROM|JOIN)\s+findings\b(?!_)", re.IGNORECASE)
NAMES_AGGREGATE = re.compile(
    r"\b(min|max|any_value|first|arg_min|arg_max)\s*\(\s*(nullif\s*\(\s*)?(trim\s*\(\s*)?(\w+\.)?(provider|payer)_name\b",
    re.IGNORECASE,
)


# "The current run": a month's finished audit run. Only the read model picks it (and the runner, which
# marks runs done). The explore cache key counts finished runs (a change detector, not a lookup).
RUN_LOOKERS = {"findings.py", "runner.py"}
RUN_FINGERPRINT = "(SELECT count(*) FROM audit_runs WHERE status = 'done')"
PICKS_A_RUN = re.compile(
    r"audit_runs\b[^;]{0,300}?status\s*=\s*'done'|status\s*=\s*'done'[^;]{0,300}?\baudit_runs\b", re.S
)
# Parsing a month or doing its arithmetic by hand (audits/months.py is the one home).
PARSES_A_MONTH = re.compile(
    r"strptime\([^)]*%Y-%m|monthrange\(|\.replace\(day=1\)|is not a month|int,\s*[\w.]+\.split\(\s*[\"']-"
    r"|\)\[:7\]|\.str\[:7\]"
)
# Making a cell safe for a spreadsheet (audits/reports.py: neutralise and its prefixes).
NEUTRALISES = re.compile(r"def\s+neutrali[sz]e\b|\(\s*[\"']=[\"']\s*,\s*[\"']\+[\"']")
ROOT = AUDITS.parent
EDGES = (ROOT / "dashboard.py", ROOT / "notebooks" / "build_notebooks.py")


def _python_files(*roots: Path):
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            yield path, path.relative_to(root).as_posix()
    for path in EDGES:
        yield path, path.relative_to(ROOT).as_posix()


def _hits(pattern: re.Pattern, allowed: set[str], skip: str | None = None) -> list[str]:
    hits = []
    for path, name in _python_files(AUDITS, APP):
        if name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if skip:
            text = text.replace(skip, "")
        for found in pattern.finditer(text):
            number = text.count("\n", 0, found.start()) + 1
            hits.append(f"{path.relative_to(ROOT)}:{number}: {found.group(0).strip()[:80]}")
    return hits


def test_findings_are_read_through_the_read_model_only():
    assert _hits(READS_FINDINGS, FINDINGS_READERS, skip=FINGERPRINT) == []


def test_names_are_aggregated_in_the_read_model_only():
    assert _hits(NAMES_AGGREGATE, {"findings.py"}) == []


# The one name of a payer and of a provider: two staging files, read by findings.py and, as views, by SQL.
NAME_FILES = {"staging/stg_payer_names.sql", "staging/stg_providers.sql"}


def test_names_in_sql_come_from_the_staging_name_files_only():
    sql = AUDITS / "sql"
    hits = []
    for path in sorted(sql.rglob("*.sql")):
        if path.relative_to(sql).as_posix() in NAME_FILES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if NAMES_AGGREGATE.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert hits == []


def test_the_current_run_is_looked_up_in_the_read_model_only():
    assert _hits(PICKS_A_RUN, RUN_LOOKERS, skip=RUN_FINGERPRINT) == []


def test_months_are_parsed_by_audits_months_only():
    assert _hits(PARSES_A_MONTH, {"months.py"}) == []


def test_cells_are_neutralised_by_reports_only():
    assert _hits(NEUTRALISES, {"reports.py"}) == []


# "An active provider" (SPEC 4's forward alerts, the clearance matrix, the pages' lists): stg_providers only.
READS_ACTIVE = re.compile(r"status\s*,\s*'active'\s*\)|status\s*\)?\s*\)?\s*=\s*'active'", re.IGNORECASE)


def test_an_active_provider_is_read_in_stg_providers_only():
    hits = _hits(READS_ACTIVE, set())
    sql = AUDITS / "sql"
    for path in sorted(sql.rglob("*.sql")):
        if path.name == "stg_providers.sql" or path.parent.name == "migrations":
            continue
        text = path.read_text(encoding="utf-8")
        hits += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in READS_ACTIVE.finditer(text)]
    assert hits == []
    assert READS_ACTIVE.search(
        "SELECT DISTINCT trim(npi) FROM providers WHERE lower(trim(coalesce(status, 'active'))) = 'active'"
    )
    assert READS_ACTIVE.search("sql += \" WHERE status = 'active'\"")


def test_the_patterns_find_what_they_are_for():
    # the checks above can fail: the old copies they replaced are caught
    assert READS_FINDINGS.search("FROM findings AS f INNER JOIN audit_runs")
    assert READS_FINDINGS.search("LEFT JOIN findings f ON f.run_id = r.run_id")
    assert not READS_FINDINGS.search("FROM finding_lines")
    assert NAMES_AGGREGATE.search("SELECT payer_id, max(payer_name) AS payer_name FROM payers")
    assert NAMES_AGGREGATE.search(
        "    SELECT payer_id, max(payer_name) AS payer_name FROM payers GROUP BY payer_id"
    )
    assert NAMES_AGGREGATE.search("coalesce(any_value(p.provider_name), f.rendering_npi)")
    assert NAMES_AGGREGATE.search("min(nullif(trim(provider_name), ''))")
    # the copies of the current run, the month parser and neutralise that issue 10 found
    assert PICKS_A_RUN.search(
        "SELECT run_id, lines_audited FROM audit_runs WHERE month = ? AND status = 'done' ORDER BY run_id DESC"
    )
    assert PICKS_A_RUN.search("SELECT DISTINCT month FROM audit_runs\n WHERE status = 'done' AND month > ?")
    assert not PICKS_A_RUN.search("UPDATE audit_runs SET finished_at = now(); SELECT status = 'done' FROM t")
    for copy in (
        'year, number = map(int, month.split("-"))',
        'dt.datetime.strptime(text, "%Y-%m").date()',
        "(start - dt.timedelta(days=1)).replace(day=1)",
        "dt.date(year, month, calendar.monthrange(year, month)[1])",
        "return str(value)[:7]",
        'raise ValueError(f"{text} is not a month")',
    ):
        assert PARSES_A_MONTH.search(copy), copy
    assert not PARSES_A_MONTH.search('npi, prefix = text.split("-")')
    assert NEUTRALISES.search("def neutralise(value):")
    assert NEUTRALISES.search('if text.startswith(("=", "+", "-", "@")):')
