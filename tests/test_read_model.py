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


def _python_files(*roots: Path):
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            yield path, path.relative_to(root).as_posix()


def _hits(pattern: re.Pattern, allowed: set[str], skip: str | None = None) -> list[str]:
    hits = []
    for path, name in _python_files(AUDITS, APP):
        if name in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if skip and skip in line:
                continue
            if pattern.search(line):
                hits.append(f"{path.relative_to(AUDITS.parent)}:{number}: {line.strip()}")
    return hits


def test_findings_are_read_through_the_read_model_only():
    assert _hits(READS_FINDINGS, FINDINGS_READERS, skip=FINGERPRINT) == []


def test_names_are_aggregated_in_the_read_model_only():
    # exclusions.py matches a person's name against an exclusion list (not a display name)
    assert _hits(NAMES_AGGREGATE, {"findings.py", "exclusions.py"}) == []


def test_the_patterns_find_what_they_are_for():
    # the checks above can fail: the old copies they replaced are caught
    assert READS_FINDINGS.search("FROM findings AS f INNER JOIN audit_runs")
    assert READS_FINDINGS.search("LEFT JOIN findings f ON f.run_id = r.run_id")
    assert not READS_FINDINGS.search("FROM finding_lines")
    assert NAMES_AGGREGATE.search("SELECT payer_id, max(payer_name) AS payer_name FROM payers")
    assert NAMES_AGGREGATE.search("coalesce(any_value(p.provider_name), f.rendering_npi)")
    assert NAMES_AGGREGATE.search("min(nullif(trim(provider_name), ''))")
