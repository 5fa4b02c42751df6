"""The rule registry: one SQL file per rule under audits/sql/rules/, named by its rule id.

Each file starts with a header of `-- key: value` comment lines that this module parses:
id, severity, category, level (line | provider), amount (billed | paid | provider_billed_90d),
description, action, source. The body is one SELECT returning the violating rows with the columns
RULE_COLUMNS; it may use the bound parameters $month_start and $month_end (never formatted in).
The runner, not the rule, computes amounts and finding ids (audits.runner).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "sql" / "rules"

HEADER_FIELDS = ("id", "severity", "category", "level", "amount", "description", "action", "source")
SEVERITIES = ("error", "warning", "info")
LEVELS = ("line", "provider")
AMOUNTS = ("billed", "paid", "provider_billed_90d")
RULE_COLUMNS = (
    "claim_id",
    "line_no",
    "rendering_npi",
    "payer_id",
    "procedure_code",
    "date_of_service",
    "subject",
    "detail",
)

# SPEC 4: every rule id with its severity, in the order SPEC lists them.
SPEC_SEVERITIES = {
    "INVALID_NPI": "error",
    "UNKNOWN_PROVIDER": "error",
    "AFTER_TERMINATION": "error",
    "BEFORE_EFFECTIVE": "error",
    "ENROLLMENT_NOT_APPROVED": "error",
    "NOT_ENROLLED": "error",
    "POS_NOT_ENROLLED": "error",
    "OUT_OF_SCOPE": "error",
    "LICENSE_INVALID": "error",
    "BOARD_CERT_EXPIRED": "warning",
    "INVALID_PROCEDURE_CODE": "error",
    "INVALID_DIAGNOSIS_CODE": "error",
    "INVALID_MODIFIER": "warning",
    "INVALID_POS": "warning",
    "DENIAL_EXPLAINED": "info",
    "DENIAL_UNEXPLAINED": "error",
    "PAID_DESPITE_FINDING": "error",
    "CREDENTIAL_EXPIRING": "warning",
    "ENROLLMENT_PENDING_LONG": "warning",
    "ENROLLMENT_TERMINATING": "warning",
    "FIRST_TIME_COMBINATION": "info",
}
ENROLLMENT_FINDINGS = ("AFTER_TERMINATION", "BEFORE_EFFECTIVE", "ENROLLMENT_NOT_APPROVED", "NOT_ENROLLED")
CREDENTIALING_FINDINGS = (*ENROLLMENT_FINDINGS, "POS_NOT_ENROLLED", "OUT_OF_SCOPE", "LICENSE_INVALID")
BLOCKING_FINDINGS = ("INVALID_NPI", "UNKNOWN_PROVIDER", *CREDENTIALING_FINDINGS)

_HEADER_LINE = re.compile(r"^--\s*([a-z_]+):\s*(.*?)\s*$")
_PARAMETER = re.compile(r"\$([a-z_]+)\b")


class RuleFileError(ValueError):
    """A rule file whose header is incomplete or inconsistent (a developer error, caught by tests)."""


@dataclass(frozen=True)
class Rule:
    rule_id: str
    severity: str
    category: str
    level: str
    amount: str
    description: str
    action: str
    source: str
    path: Path
    sql: str

    @property
    def parameters(self) -> tuple[str, ...]:
        """The $names the body binds, in first-use order."""
        return tuple(dict.fromkeys(_PARAMETER.findall(self.sql)))

    @property
    def blocking(self) -> bool:
        return self.rule_id in BLOCKING_FINDINGS


def parse_header(text: str) -> dict[str, str]:
    """The `-- key: value` lines at the top of a rule file (stops at the first other line)."""
    header: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER_LINE.match(line)
        if not match or match.group(1) not in HEADER_FIELDS:
            break
        header[match.group(1)] = match.group(2)
    return header


def load_rule(path: Path) -> Rule:
    text = path.read_text(encoding="utf-8")
    header = parse_header(text)
    missing = [f for f in HEADER_FIELDS if not header.get(f)]
    if missing:
        raise RuleFileError(f"{path.name}: header lacks {', '.join(missing)}")
    if header["id"] != path.stem:
        raise RuleFileError(f"{path.name}: id {header['id']} differs from the file name")
    if header["severity"] not in SEVERITIES:
        raise RuleFileError(f"{path.name}: severity {header['severity']} is not one of {SEVERITIES}")
    if header["level"] not in LEVELS or header["amount"] not in AMOUNTS:
        raise RuleFileError(f"{path.name}: level/amount {header['level']}/{header['amount']} unknown")
    return Rule(
        rule_id=header["id"],
        severity=header["severity"],
        category=header["category"],
        level=header["level"],
        amount=header["amount"],
        description=header["description"],
        action=header["action"],
        source=header["source"],
        path=path,
        sql=text.strip().rstrip(";"),
    )


@functools.cache
def _load_all(directory: Path, fingerprint: str) -> tuple[Rule, ...]:
    rules = [load_rule(path) for path in sorted(directory.glob("*.sql"))]
    order = {rule_id: i for i, rule_id in enumerate(SPEC_SEVERITIES)}
    return tuple(sorted(rules, key=lambda r: (order.get(r.rule_id, len(order)), r.rule_id)))


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.sql")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def all_rules(directory: Path = RULES_DIR) -> tuple[Rule, ...]:
    """Every rule, in SPEC order."""
    return _load_all(directory, _fingerprint(directory))


def get_rule(rule_id: str) -> Rule:
    for rule in all_rules():
        if rule.rule_id == rule_id:
            return rule
    raise KeyError(rule_id)


def rules_version(directory: Path = RULES_DIR) -> str:
    """Hash of the rule files (names and contents): recorded with every audit run."""
    return _fingerprint(directory)[:16]


def rules_frame():
    """The registry as a DataFrame (rule_id, severity, category, level, description, action, source)."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "rule_id": r.rule_id,
                "severity": r.severity,
                "category": r.category,
                "level": r.level,
                "description": r.description,
                "action": r.action,
                "source": r.source,
            }
            for r in all_rules()
        ]
    )
