"""The coder's pre-check: is this provider cleared to bill this code with this payer on this date?

NOT CLEARED when any blocking finding of SPEC 4 would fire: a rule the registry marks blocking
(rule_registry, from the rule headers) marks the line in line_findings. The line's other problems - the
non-blocking line rules that are not info (an invalid procedure code, modifier, diagnosis or POS, an
expired board certification) - come back as warnings, cleared or not. The candidate lines go into the
TEMP table `audit_lines` and are judged by the same staging and rule SQL as the monthly audit
(audits.views.prepare_lines builds the line tables, line_findings included), so the two can never disagree. TEMP tables work on a
read-only connection, so the dashboard can check while nothing else writes.

POS and state are judged only when given (SPEC 6): without a POS, POS_NOT_ENROLLED cannot fire;
without a state, the licence is judged as the audit judges a line with no service_state: a state
licence in force in any state clears it, so a provider with no licence in force anywhere is NOT
CLEARED (a coder must not submit that line whatever the state turns out to be).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from audits.errors import InputError
from audits.reports import write_table
from audits.runner import AUDIT_LINE_COLUMNS
from audits.views import drop_lines, ensure_views, prepare_lines

Progress = Callable[[float, str], None]
CLEARED = "CLEARED"
NOT_CLEARED = "NOT CLEARED"
_CANDIDATE_COLUMNS = (
    "key",
    "rendering_npi",
    "payer_id",
    "date_of_service",
    "procedure_code",
    "pos",
    "service_state",
)
# Optional candidate columns: the codes a claims file carries beyond the line's key facts.
_CODE_COLUMNS = (*(f"modifier_{i}" for i in range(1, 5)), *(f"diagnosis_{i}" for i in range(1, 13)))


@dataclass
class CheckResult:
    cleared: bool
    reasons: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # rule ids, SPEC order
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (rule_id, detail): non-blocking problems

    @property
    def verdict(self) -> str:
        return CLEARED if self.cleared else NOT_CLEARED


def _payer_directory(con: duckdb.DuckDBPyConnection):
    from audits.ingest.payers import PayerDirectory

    return PayerDirectory(con)


def resolve_payer(con: duckdb.DuckDBPyConnection, payer: str, directory=None) -> str:
    """A payer id, name or alias (case, punctuation and spacing ignored) -> payer_id; InputError if unknown."""
    directory = directory or _payer_directory(con)
    text = str(payer or "").strip()
    resolved = directory.resolve_one(text, text) if text else None
    if resolved is None:
        reason = directory.unknown_reason(text)
        raise InputError(reason[:1].upper() + reason[1:] + ".")
    return resolved


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    from audits.ingest.normalize import parse_date

    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InputError(f"'{value}' is not a date of service - give it as YYYY-MM-DD.")
    return parsed


def _clean(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0", text):  # a code that went through a number cell
        text = text[:-2]
    return text or None


@contextlib.contextmanager
def judged_lines(con: duckdb.DuckDBPyConnection, candidates: pd.DataFrame, upto: str = "line_findings"):
    """Candidate lines (_CANDIDATE_COLUMNS; key unique, dates as date) as `audit_lines`, claim_id = key,
    and the line tables built over them up to `upto` - the audit's own SQL on the candidates' dates
    (yields those dates as $month_start / $month_end, for more rule SQL over the same lines).
    The TEMP tables are dropped on exit (they belong to this connection only)."""
    ensure_views(con)
    codes = [c for c in _CODE_COLUMNS if c in candidates.columns]
    frame = candidates[[*_CANDIDATE_COLUMNS, *codes]].astype(object)
    con.register("precheck_candidates", frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE audit_lines AS SELECT {AUDIT_LINE_COLUMNS} FROM claim_lines LIMIT 0"  # noqa: S608
        )
        extra = "".join(f", {c}" for c in codes)
        cast = "".join(f", CAST({c} AS VARCHAR)" for c in codes)
        insert = (
            "INSERT INTO audit_lines (claim_id, line_no, rendering_npi, payer_id, date_of_service, "  # noqa: S608 - column names are ours
            f"procedure_code, pos, service_state, billed_amount{extra}) "
            "SELECT CAST(key AS VARCHAR), 1, CAST(rendering_npi AS VARCHAR), CAST(payer_id AS VARCHAR), "
            "CAST(date_of_service AS DATE), CAST(procedure_code AS VARCHAR), CAST(pos AS VARCHAR), "
            f"CAST(service_state AS VARCHAR), 0{cast} FROM precheck_candidates"
        )
        con.execute(insert)
        dates = [d for d in frame.date_of_service if d is not None and not pd.isna(d)]
        first, last = (min(dates), max(dates)) if dates else (dt.date(1900, 1, 1), dt.date(1900, 1, 1))
        values = {"month_start": first, "month_end": last}
        prepare_lines(con, values, upto=upto)
        yield values
    finally:
        con.unregister("precheck_candidates")
        drop_lines(con)


def warning_rules():
    """The line rules whose findings a coder is warned of without being blocked: not blocking, not info
    (FIRST_TIME_COMBINATION is for the monthly review, not for one line)."""
    from audits.rules import all_rules

    return [r for r in all_rules() if r.kind == "line" and not r.blocking and r.severity != "info"]


def judge(
    con: duckdb.DuckDBPyConnection, candidates: pd.DataFrame
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    """(blocking, warnings) of candidate lines (_CANDIDATE_COLUMNS): key -> [(rule_id, detail)] in SPEC
    order. Blocking: the lines line_findings holds for a rule rule_registry says is blocking. Warnings:
    warning_rules() on the same line tables; POS is judged only when given (SPEC 6)."""
    if candidates.empty:
        return {}, {}
    found: dict[str, list[tuple[str, str]]] = {}
    warned: dict[str, list[tuple[str, str]]] = {}
    no_pos = {str(k) for k, p in zip(candidates["key"], candidates["pos"], strict=True) if _clean(p) is None}
    from audits.runner import bind, rule_rows_sql

    with judged_lines(con, candidates) as values:
        rows = con.execute(
            "SELECT f.claim_id, f.rule_id, f.detail FROM line_findings AS f "
            "INNER JOIN rule_registry AS r ON r.rule_id = f.rule_id AND r.blocking "
            "ORDER BY f.claim_id, r.spec_order, f.detail"
        ).fetchall()
        for rule in warning_rules():
            sql = f"SELECT claim_id, detail FROM {rule_rows_sql(rule)} AS r"  # noqa: S608 - our own rule SQL
            found_rows = con.execute(sql, bind(sql, {**values, "rule_id": rule.rule_id})).fetchall()
            for key, detail in found_rows:
                if rule.rule_id == "INVALID_POS" and key in no_pos:
                    continue
                warned.setdefault(key, []).append((rule.rule_id, detail))
    for key, rule_id, detail in rows:
        found.setdefault(key, []).append((rule_id, detail))
    return found, warned


def evaluate(con: duckdb.DuckDBPyConnection, candidates: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """The blocking findings of candidate lines (_CANDIDATE_COLUMNS): key -> [(rule_id, detail)]."""
    return judge(con, candidates)[0]


def _result(blocking: list[tuple[str, str]], warnings: list[tuple[str, str]]) -> CheckResult:
    return CheckResult(
        cleared=not blocking,
        reasons=[d for _r, d in blocking],
        findings=[r for r, _d in blocking],
        warnings=list(warnings),
    )


def check_line(
    con: duckdb.DuckDBPyConnection,
    npi,
    payer,
    code,
    dos,
    pos=None,
    state=None,
    modifiers=(),
    diagnoses=(),
) -> CheckResult:
    """CLEARED, or NOT CLEARED with each blocking finding's reason in plain words; the line's modifiers (up
    to 4) and diagnoses (up to 12) are judged as the file check judges its columns (warnings)."""
    payer_id = resolve_payer(con, payer)
    codes = {f"modifier_{i}": _clean(m) for i, m in enumerate(list(modifiers or ())[:4], 1)}
    codes |= {f"diagnosis_{i}": _clean(d) for i, d in enumerate(list(diagnoses or ())[:12], 1)}
    candidate = pd.DataFrame(
        [
            {
                "key": "candidate",
                "rendering_npi": _clean(npi) or "",
                "payer_id": payer_id,
                "date_of_service": _parse_date(dos),
                "procedure_code": (_clean(code) or "").upper(),
                "pos": _clean(pos),
                "service_state": (_clean(state) or "").upper() or None,
                **codes,
            }
        ]
    )
    blocking, warnings = judge(con, candidate)
    return _result(blocking.get("candidate", []), warnings.get("candidate", []))


# --------------------------------------------------------------------------------------------
# batch check of a claims file


def _read_claims(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the rows as the file has them, under its header; their canonical columns) via audits.ingest."""
    from audits.ingest import normalize as nz
    from audits.ingest.batch import lines_to_check

    lines = lines_to_check(path)
    rows, canonical = lines.rows, lines.canonical.copy()
    original = rows.body.copy()
    original.columns = [rows.headers[c] for c in original.columns]
    canonical["rendering_npi"] = nz.npi(canonical["rendering_npi"])
    canonical["procedure_code"] = nz.procedure_code(canonical["procedure_code"])
    canonical["pos"] = nz.code(canonical["pos"])
    canonical["service_state"] = nz.code(canonical["service_state"])
    for name in _CODE_COLUMNS:
        if name in canonical.columns:
            normalise = nz.diagnosis if name.startswith("diagnosis") else nz.code
            canonical[name] = normalise(canonical[name])
    return original.reset_index(drop=True), canonical.reset_index(drop=True)


def _write(frame: pd.DataFrame, out_path: Path) -> None:
    """The checked copy, written as every export is (reports.write_table: neutralised, quoted, no formula)."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_table(frame, out_path)


def check_file(
    con: duckdb.DuckDBPyConnection, in_path, out_path, progress: Progress | None = None
) -> pd.DataFrame:
    """Check every line of a claims CSV/xlsx; write a copy with `verdict`, `reasons` and
    `warnings` (the line's non-blocking problems) columns."""
    report = progress or (lambda fraction, message: None)
    in_path, out_path = Path(in_path), Path(out_path)
    if not in_path.exists():
        raise InputError(f"{in_path} does not exist - check the file name.")
    if out_path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{out_path.name}: the output must be a .csv or .xlsx file.")
    report(0.0, f"Reading {in_path.name}")
    original, canonical = _read_claims(in_path)
    report(0.3, f"{len(canonical):,} lines read")
    from audits.ingest import normalize as nz

    directory = _payer_directory(con)
    payer_ids, payer_labels = directory.resolve(canonical["payer_id"], canonical["payer_name"])
    dos, _bad_dates = nz.dates(canonical["date_of_service"])
    unknown_reason: dict[object, str] = {}
    problems: dict[str, list[str]] = {}
    for i in range(len(canonical)):
        reasons = []
        if payer_ids.iloc[i] is None or pd.isna(payer_ids.iloc[i]):
            label = payer_labels.iloc[i]
            if label not in unknown_reason:
                unknown_reason[label] = directory.unknown_reason(label)
            reasons.append(unknown_reason[label])
        if pd.isna(dos.iloc[i]):
            reasons.append("date of service is missing or not a date")
        if reasons:
            problems[str(i)] = reasons
    judged = [i for i in range(len(canonical)) if str(i) not in problems]
    records = pd.DataFrame(
        {
            "key": [str(i) for i in judged],
            "rendering_npi": [_clean(v) or "" for v in canonical["rendering_npi"].iloc[judged]],
            "payer_id": payer_ids.iloc[judged].tolist(),
            "date_of_service": [d.date() for d in dos.iloc[judged]],
            "procedure_code": [(_clean(v) or "").upper() for v in canonical["procedure_code"].iloc[judged]],
            "pos": [_clean(v) for v in canonical["pos"].iloc[judged]],
            "service_state": [_clean(v) for v in canonical["service_state"].iloc[judged]],
            **{
                c: [_clean(v) for v in canonical[c].iloc[judged]]
                for c in _CODE_COLUMNS
                if c in canonical.columns
            },
        },
    )
    report(0.4, "Checking the lines")
    results, warned = judge(con, records)
    verdicts, reasons, warnings = [], [], []
    for i in range(len(canonical)):
        key = str(i)
        found = problems.get(key) or [detail for _r, detail in results.get(key, [])]
        verdicts.append(NOT_CLEARED if found else CLEARED)
        reasons.append("; ".join(found))
        warnings.append("; ".join(detail for _r, detail in warned.get(key, [])))
    out = original.copy()
    out["verdict"] = verdicts
    out["reasons"] = reasons
    out["warnings"] = warnings
    _write(out, out_path)
    report(1.0, f"{verdicts.count(CLEARED):,} cleared, {verdicts.count(NOT_CLEARED):,} not cleared")
    return out
