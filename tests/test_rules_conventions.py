"""Conventions of the rule files: a complete header, id = file name, severity as SPEC 4 gives it,
every SPEC rule present, and a test that names each rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from audits.rules import (
    BLOCKING_FINDINGS,
    HEADER_FIELDS,
    RULES_DIR,
    SPEC_SEVERITIES,
    all_rules,
    load_rule,
    parse_header,
)

TESTS_DIR = Path(__file__).resolve().parent
RULE_FILES = sorted(RULES_DIR.glob("*.sql"))


def test_every_spec_rule_has_exactly_one_file():
    assert sorted(p.stem for p in RULE_FILES) == sorted(SPEC_SEVERITIES)
    assert [r.rule_id for r in all_rules()] == list(SPEC_SEVERITIES)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_header_is_complete(path):
    header = parse_header(path.read_text(encoding="utf-8"))
    assert set(HEADER_FIELDS) <= set(header), f"{path.name} header lacks {set(HEADER_FIELDS) - set(header)}"
    assert all(header[f].strip() for f in HEADER_FIELDS)
    rule = load_rule(path)
    assert rule.rule_id == path.stem
    assert rule.severity == SPEC_SEVERITIES[rule.rule_id]
    assert "SPEC 4" in rule.source
    assert set(rule.parameters) <= {"month_start", "month_end"}
    assert "{" not in rule.sql, "values are bound as $parameters, never formatted into the SQL"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_every_rule_is_named_by_a_test(path):
    own = Path(__file__).name
    texts = [p.read_text(encoding="utf-8") for p in TESTS_DIR.glob("test_rules_*.py") if p.name != own]
    assert any(f'"{path.stem}"' in text or f"'{path.stem}'" in text for text in texts), (
        f"no test_rules_*.py names {path.stem}"
    )


def test_blocking_findings_are_spec_rules():
    assert set(BLOCKING_FINDINGS) <= set(SPEC_SEVERITIES)
    assert len(BLOCKING_FINDINGS) == 9


def test_rules_frame_lists_every_rule_with_its_action():
    from audits.rules import rules_frame

    frame = rules_frame()
    assert frame.rule_id.tolist() == list(SPEC_SEVERITIES)
    assert frame.action.str.len().min() > 20 and frame.description.str.endswith(".").all()
