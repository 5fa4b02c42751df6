"""Conventions of the rule files: a complete header whose properties are what SPEC 4 says (written here
by hand from SPEC, not read from the files), id = file name, every SPEC rule present, the rule_registry
table holding the headers, and a test that asserts each rule's findings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from audit_rows import open_copy

from audits.rules import (
    HEADER_FIELDS,
    RULES_DIR,
    RuleFileError,
    all_rules,
    load_rule,
    parse_header,
    registry_frame,
)

TESTS_DIR = Path(__file__).resolve().parent
RULE_FILES = sorted(RULES_DIR.glob("*.sql"))

# SPEC 4, by hand: rule id -> (severity, kind, blocking, credentialing, enrollment order), in SPEC order.
SPEC = {
    "INVALID_NPI": ("error", "line", True, False, None),
    "UNKNOWN_PROVIDER": ("error", "line", True, False, None),
    "AFTER_TERMINATION": ("error", "line", True, True, 1),
    "BEFORE_EFFECTIVE": ("error", "line", True, True, 2),
    "ENROLLMENT_NOT_APPROVED": ("error", "line", True, True, 3),
    "NOT_ENROLLED": ("error", "line", True, True, 4),
    "POS_NOT_ENROLLED": ("error", "line", True, True, None),
    "OUT_OF_SCOPE": ("error", "line", True, True, None),
    "LICENSE_INVALID": ("error", "line", True, True, None),
    "BOARD_CERT_EXPIRED": ("warning", "line", False, False, None),
    "INVALID_PROCEDURE_CODE": ("error", "line", False, False, None),
    "INVALID_DIAGNOSIS_CODE": ("error", "line", False, False, None),
    "INVALID_MODIFIER": ("warning", "line", False, False, None),
    "INVALID_POS": ("warning", "line", False, False, None),
    "DENIAL_EXPLAINED": ("info", "remit", False, False, None),
    "DENIAL_UNEXPLAINED": ("error", "remit", False, False, None),
    "PAID_DESPITE_FINDING": ("error", "remit", False, False, None),
    "CREDENTIAL_EXPIRING": ("warning", "provider", False, False, None),
    "ENROLLMENT_PENDING_LONG": ("warning", "provider", False, False, None),
    "ENROLLMENT_TERMINATING": ("warning", "provider", False, False, None),
    "PROVIDER_EXCLUDED": ("error", "provider", True, False, None),
    "FIRST_TIME_COMBINATION": ("info", "line", False, False, None),
}


def test_every_spec_rule_has_exactly_one_file():
    assert sorted(p.stem for p in RULE_FILES) == sorted(SPEC)
    assert [r.rule_id for r in all_rules()] == list(SPEC)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_header_is_complete_and_says_what_spec_says(path):
    header = parse_header(path.read_text(encoding="utf-8"))
    assert set(HEADER_FIELDS) <= set(header), f"{path.name} header lacks {set(HEADER_FIELDS) - set(header)}"
    assert all(header[f].strip() for f in HEADER_FIELDS)
    rule = load_rule(path)
    assert rule.rule_id == path.stem
    assert (rule.severity, rule.kind, rule.blocking, rule.credentialing, rule.enrollment_order) == SPEC[
        rule.rule_id
    ]
    assert "SPEC 4" in rule.source
    assert set(rule.parameters) <= {"month_start", "month_end"}
    assert "{" not in rule.sql, "values are bound as $parameters, never formatted into the SQL"
    assert rule.title and "_" not in rule.title and rule.description.endswith(".")


def test_a_property_given_twice_is_refused(tmp_path):
    # a second header block (an old title, kind, ...) would silently override the first
    text = (RULES_DIR / "INVALID_NPI.sql").read_text(encoding="utf-8")
    doubled = tmp_path / "INVALID_NPI.sql"
    doubled.write_text(text.replace("-- source:", "-- title: Another title\n-- source:", 1), encoding="utf-8")
    with pytest.raises(RuleFileError, match="title twice"):
        load_rule(doubled)


def test_the_registry_table_holds_the_headers(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        table = registry_frame(con)
    assert table.rule_id.tolist() == list(SPEC)
    assert set(table.query("blocking").rule_id) == {r for r, s in SPEC.items() if s[2]}
    assert set(table.query("credentialing").rule_id) == {r for r, s in SPEC.items() if s[3]}
    assert table.action.str.len().min() > 20


def _asserted_rule_ids(path: Path) -> set[str]:
    """The strings (a rule id, or a query naming one) that appear inside an `assert` of a test function of the file, in the
    value assigned to a name an `assert` of the same function then reads, or in a module constant
    (RULE = "...") such an assert reads."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        t.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    found: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test_"):
            continue
        asserted_names = {
            n.id
            for a in ast.walk(function)
            if isinstance(a, ast.Assert)
            for n in ast.walk(a)
            if isinstance(n, ast.Name)
        }
        for node in ast.walk(function):
            if isinstance(node, ast.Assert):
                scope = [node]
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in asserted_names for t in node.targets
            ):
                scope = [node.value]
            else:
                continue
            for part in scope:
                found |= {
                    constants[n.id] for n in ast.walk(part) if isinstance(n, ast.Name) and n.id in constants
                }
                found |= {
                    c.value
                    for c in ast.walk(part)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
    return found


def rule_test_file(rule) -> Path:
    """The map (docs/ARCHITECTURE.md): a rule's test is tests/test_rules_<rule id in lower case>.py when
    the rule has a file of its own, else tests/test_rules_<its header's category>.py."""
    own = TESTS_DIR / f"test_rules_{rule.rule_id.lower()}.py"
    return own if own.exists() else TESTS_DIR / f"test_rules_{rule.category}.py"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_every_rule_has_a_test_asserting_its_findings(path):
    """Its test file, found from the rule id and category alone, asserts the rule's findings."""
    rule = load_rule(path)
    test_file = rule_test_file(rule)
    assert test_file.exists(), f"{rule.rule_id}: no {test_file.name} (category {rule.category})"
    word = re.compile(rf"\b{rule.rule_id}\b")
    assert any(word.search(text) for text in _asserted_rule_ids(test_file)), (
        f"{test_file.name} asserts no findings of {rule.rule_id}"
    )


def test_the_convention_check_needs_an_assert(tmp_path):
    named_only = tmp_path / "test_rules_x.py"
    named_only.write_text('def test_x():\n    rule = "RULE_X"\n    run(rule)\n')
    assert "RULE_X" not in _asserted_rule_ids(named_only)
    named_only.write_text('def test_x():\n    rows = fired(con, "RULE_X")\n    assert rows == []\n')
    assert "RULE_X" in _asserted_rule_ids(named_only)
    named_only.write_text('RULE = "RULE_X"\n\ndef test_x():\n    assert fired(con, RULE) == []\n')
    assert "RULE_X" in _asserted_rule_ids(named_only)
