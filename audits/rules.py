"""The rule registry: one SQL file per rule under audits/sql/rules/, named by its rule id.

Each file starts with a header of `-- key: value` comment lines that this module parses (every rule
property lives there, nowhere else):
- id, title (plain words), severity (error | warning | info), category
- kind: line (one finding per claim line), remit (per remitted line), provider (per provider-level object)
- horizon: month (about the month's lines) | ahead (a forward alert from month end)
- amount: billed | paid | provider_billed_90d | provider_billed_since (the body returns `amount_since`)
- blocking (yes | no: the line must not be billed - SPEC 4 "blocking findings"), credentialing (yes | no)
- enrollment_order (optional: the first-that-applies order of the enrollment findings, 1 first)
- description, action (what the user does about it), source
The body is one SELECT returning the violating rows with the columns RULE_COLUMNS (plus amount_since
for provider_billed_since); it may use $month_start and $month_end (bound, never formatted in). A
provider-level rule that blocks lines adds a `-- lines:` section: a SELECT of claim_id, line_no, detail
of the lines under audit it blocks. `audits.views.ensure_views` writes the registry to the table
`rule_registry`; the staging and measure SQL, the pre-check and the pages read it there.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "sql" / "rules"

HEADER_FIELDS = (
    "id",
    "title",
    "severity",
    "category",
    "kind",
    "horizon",
    "amount",
    "blocking",
    "credentialing",
    "description",
    "action",
    "source",
)
OPTIONAL_FIELDS = ("enrollment_order",)
SEVERITIES = ("error", "warning", "info")
KINDS = ("line", "remit", "provider")
HORIZONS = ("month", "ahead")
AMOUNTS = ("billed", "paid", "provider_billed_90d", "provider_billed_since")
YES_NO = {"yes": True, "no": False}
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

# The order SPEC 4 lists the rules in (findings and reasons are shown in it; a rule not listed goes last).
SPEC_ORDER = (
    "INVALID_NPI",
    "UNKNOWN_PROVIDER",
    "AFTER_TERMINATION",
    "BEFORE_EFFECTIVE",
    "ENROLLMENT_NOT_APPROVED",
    "NOT_ENROLLED",
    "POS_NOT_ENROLLED",
    "OUT_OF_SCOPE",
    "LICENSE_INVALID",
    "BOARD_CERT_EXPIRED",
    "INVALID_PROCEDURE_CODE",
    "INVALID_DIAGNOSIS_CODE",
    "INVALID_MODIFIER",
    "INVALID_POS",
    "DENIAL_EXPLAINED",
    "DENIAL_UNEXPLAINED",
    "PAID_DESPITE_FINDING",
    "CREDENTIAL_EXPIRING",
    "ENROLLMENT_PENDING_LONG",
    "ENROLLMENT_TERMINATING",
    "PROVIDER_EXCLUDED",
    "FIRST_TIME_COMBINATION",
)

_HEADER_LINE = re.compile(r"^--\s*([a-z_]+):\s*(.*?)\s*$")
_LINES_MARK = re.compile(r"^--\s*lines:\s*$", re.MULTILINE)
_PARAMETER = re.compile(r"\$([a-z_]+)\b")


class RuleFileError(ValueError):
    """A rule file whose header is incomplete or inconsistent (a developer error, caught by tests)."""


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    severity: str
    category: str
    kind: str
    horizon: str
    amount: str
    blocking: bool
    credentialing: bool
    enrollment_order: int | None
    description: str
    action: str
    source: str
    path: Path
    sql: str
    lines_sql: str | None = None  # the `-- lines:` section: the lines a provider-level rule blocks

    @property
    def level(self) -> str:
        """How a finding is keyed: per line (line and remit rules) or per provider-level object."""
        return "provider" if self.kind == "provider" else "line"

    @property
    def parameters(self) -> tuple[str, ...]:
        """The $names the body (and lines section) binds, in first-use order."""
        return tuple(dict.fromkeys(_PARAMETER.findall(self.sql + "\n" + (self.lines_sql or ""))))

    @property
    def marks_lines(self) -> bool:
        """Whether the rule's lines go into the line table line_findings (for the blocking and
        credentialing flags of a line): a blocking or credentialing line rule, or a lines section."""
        return self.lines_sql is not None or (self.kind == "line" and (self.blocking or self.credentialing))


def parse_header(text: str) -> dict[str, str]:
    """The `-- key: value` lines at the top of a rule file (stops at the first other line). A property
    given twice is a RuleFileError: each lives in one line of the header."""
    header: dict[str, str] = {}
    known = (*HEADER_FIELDS, *OPTIONAL_FIELDS)
    for line in text.splitlines():
        match = _HEADER_LINE.match(line)
        if not match or match.group(1) not in known:
            break
        if match.group(1) in header:
            raise RuleFileError(f"the header gives {match.group(1)} twice")
        header[match.group(1)] = match.group(2)
    return header


def _flag(path: Path, header: dict, name: str) -> bool:
    value = header[name].lower()
    if value not in YES_NO:
        raise RuleFileError(f"{path.name}: {name} must be yes or no, not {header[name]}")
    return YES_NO[value]


def load_rule(path: Path) -> Rule:
    text = path.read_text(encoding="utf-8")
    try:
        header = parse_header(text)
    except RuleFileError as exc:
        raise RuleFileError(f"{path.name}: {exc}") from None
    missing = [f for f in HEADER_FIELDS if not header.get(f)]
    if missing:
        raise RuleFileError(f"{path.name}: header lacks {', '.join(missing)}")
    if header["id"] != path.stem:
        raise RuleFileError(f"{path.name}: id {header['id']} differs from the file name")
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", header["id"]):
        raise RuleFileError(f"{path.name}: a rule id is upper-case letters, digits and underscores")
    for name, allowed in (
        ("severity", SEVERITIES),
        ("kind", KINDS),
        ("horizon", HORIZONS),
        ("amount", AMOUNTS),
    ):
        if header[name] not in allowed:
            raise RuleFileError(f"{path.name}: {name} {header[name]} is not one of {allowed}")
    order = header.get("enrollment_order")
    if order is not None and not order.isdigit():
        raise RuleFileError(f"{path.name}: enrollment_order must be a whole number, not {order}")
    parts = _LINES_MARK.split(text, maxsplit=1)
    body = parts[0].strip().rstrip(";")
    lines_sql = parts[1].strip().rstrip(";") if len(parts) > 1 else None
    return Rule(
        rule_id=header["id"],
        title=header["title"],
        severity=header["severity"],
        category=header["category"],
        kind=header["kind"],
        horizon=header["horizon"],
        amount=header["amount"],
        blocking=_flag(path, header, "blocking"),
        credentialing=_flag(path, header, "credentialing"),
        enrollment_order=int(order) if order is not None else None,
        description=header["description"],
        action=header["action"],
        source=header["source"],
        path=path,
        sql=body,
        lines_sql=lines_sql,
    )


@functools.cache
def _load_all(directory: Path, fingerprint: str) -> tuple[Rule, ...]:
    rules = [load_rule(path) for path in sorted(directory.glob("*.sql"))]
    order = {rule_id: i for i, rule_id in enumerate(SPEC_ORDER)}
    return tuple(sorted(rules, key=lambda r: (order.get(r.rule_id, len(order)), r.rule_id)))


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.sql")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def all_rules(directory: Path | None = None) -> tuple[Rule, ...]:
    """Every rule, in SPEC order."""
    directory = directory or RULES_DIR
    return _load_all(directory, _fingerprint(directory))


def get_rule(rule_id: str) -> Rule:
    for rule in all_rules():
        if rule.rule_id == rule_id:
            return rule
    raise KeyError(rule_id)


def rules_version(directory: Path | None = None) -> str:
    """Hash of the rule files (names and contents): recorded with every audit run."""
    return _fingerprint(directory or RULES_DIR)[:16]


# ------------------------------------------------------------------------- the rule_registry table

REGISTRY_COLUMNS = (
    ("rule_id", "VARCHAR"),
    ("spec_order", "INTEGER"),
    ("title", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("category", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("level", "VARCHAR"),
    ("horizon", "VARCHAR"),
    ("amount", "VARCHAR"),
    ("blocking", "BOOLEAN"),
    ("credentialing", "BOOLEAN"),
    ("enrollment_order", "INTEGER"),
    ("description", "VARCHAR"),
    ("action", "VARCHAR"),
    ("source", "VARCHAR"),
)


def registry_rows() -> list[tuple]:
    """The rule_registry rows, in REGISTRY_COLUMNS order."""
    return [
        (
            r.rule_id,
            i + 1,
            r.title,
            r.severity,
            r.category,
            r.kind,
            r.level,
            r.horizon,
            r.amount,
            r.blocking,
            r.credentialing,
            r.enrollment_order,
            r.description,
            r.action,
            r.source,
        )
        for i, r in enumerate(all_rules())
    ]


def write_registry(con, temp: bool = False) -> None:
    """(Re)create the table rule_registry from the rule headers (TEMP on a read-only connection)."""
    columns = ", ".join(f"{name} {kind}" for name, kind in REGISTRY_COLUMNS)
    con.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE rule_registry ({columns})")
    marks = ", ".join("?" for _ in REGISTRY_COLUMNS)
    con.executemany(f"INSERT INTO rule_registry VALUES ({marks})", registry_rows())  # noqa: S608


def registry_frame(con=None):
    """The registry as a DataFrame (REGISTRY_COLUMNS), read from the rule_registry table when a
    connection is given (the table ensure_views keeps current), else from the headers."""
    import pandas as pd

    if con is not None:
        from audits.views import ensure_views

        ensure_views(con)
        return con.execute("SELECT * FROM rule_registry ORDER BY spec_order").df()
    return pd.DataFrame(registry_rows(), columns=[name for name, _kind in REGISTRY_COLUMNS])
