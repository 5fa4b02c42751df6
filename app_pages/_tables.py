"""Tables as the pages show them: columns under their labels, values in words, blanks as blanks.

`show(frame)` is the one way a page puts a table on screen. It renames every known column to its label
(a column it does not know is put into words, so no `denied_dollars` reaches a page), turns codes into
words (_words), drops internal ids (finding, upload-row, remittance-row and run ids), shows a missing value
as an empty cell, and formats money and dates the same way everywhere.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import _format as fmt
from app_pages import _words as words

# Internal ids: kept in the frame a page works with (selection, links), never shown.
HIDDEN = {"finding_id", "remit_line_id", "run_id", "snapshot_id", "patient_key", "resolved_by_upload"}

# canonical column -> (label, format); format: text | money | date | datetime | int | number | pct | bool
COLUMNS: dict[str, tuple[str, str]] = {
    "rule_id": ("Rule", "text"),
    "rule_title": ("Rule", "text"),
    "severity": ("Severity", "text"),
    "claim_id": ("Claim", "text"),
    "line_no": ("Line", "int"),
    "rendering_npi": ("NPI", "text"),
    "npi": ("NPI", "text"),
    "billing_npi": ("Billing NPI", "text"),
    "provider_name": ("Provider", "text"),
    "payer_id": ("Payer", "text"),
    "payer_name": ("Payer", "text"),
    "procedure_code": ("Code", "text"),
    "date_of_service": ("Date of service", "date"),
    "submitted_date": ("Submitted", "date"),
    "amount_at_risk": ("At risk", "money"),
    "detail": ("Detail", "text"),
    "pos": ("POS", "text"),
    "units": ("Units", "number"),
    "billed_amount": ("Billed", "money"),
    "paid_amount": ("Paid", "money"),
    "amount": ("Adjustment", "money"),
    "adjusted": ("Adjusted", "money"),
    "service_state": ("Service state", "text"),
    **{f"modifier_{n}": (f"Modifier {n}", "text") for n in range(1, 5)},
    **{f"diagnosis_{n}": (f"Diagnosis {n}", "text") for n in range(1, 13)},
    "claim_status": ("Claim status", "text"),
    "adjudication_date": ("Adjudicated", "date"),
    "source": ("Source", "text"),
    "level": ("Level", "text"),
    "group_code": ("Group", "text"),
    "carc": ("Reason code", "text"),
    "carc_description": ("Reason", "text"),
    "rarc": ("Remark code", "text"),
    "status": ("Status", "text"),
    "status_label": ("As the roster says", "text"),
    "effective_date": ("Effective", "date"),
    "termination_date": ("Terminated", "date"),
    "allowed_pos": ("Allowed POS", "text"),
    "credential_type": ("Credential", "text"),
    "credential_label": ("As the roster says", "text"),
    "number": ("Number", "text"),
    "state": ("State", "text"),
    "issue_date": ("Issued", "date"),
    "expiration_date": ("Expires", "date"),
    "days_to_expiry": ("Days to expiry", "int"),
    "code_from": ("From code", "text"),
    "code_to": ("To code", "text"),
    "scope": ("Scope", "text"),
    "approved": ("Scope", "text"),
    "specialty": ("Specialty", "text"),
    "taxonomy_code": ("Taxonomy", "text"),
    "primary_state": ("Primary state", "text"),
    "hire_date": ("Hired", "date"),
    "file_name": ("File", "text"),
    "kind": ("Kind", "text"),
    "upload_id": ("Upload no.", "int"),
    "rows_read": ("Rows read", "int"),
    "rows_loaded": ("Loaded", "int"),
    "rows_rejected": ("Rejected or held", "int"),
    "uploaded_by": ("By", "text"),
    "uploaded_at": ("Uploaded", "datetime"),
    "created_at": ("Created", "datetime"),
    "message": ("Message", "text"),
    "row_number": ("Row", "int"),
    "sheet": ("Sheet", "text"),
    "column_name": ("Column", "text"),
    "reason": ("Reason", "text"),
    "lines": ("Lines", "int"),
    "billed": ("Billed", "money"),
    "paid": ("Paid", "money"),
    "findings": ("Findings", "int"),
    "denied_lines": ("Denied lines", "int"),
    "denied_dollars": ("Denied", "money"),
    "remitted_lines": ("Remitted lines", "int"),
    "preventable_dollars": ("Preventable", "money"),
    "credentialing_denied_dollars": ("Credentialing-related denied", "money"),
    "partially_denied_dollars": ("Partially denied", "money"),
    "denial_rate_lines": ("Denial rate (lines)", "pct"),
    "denial_rate_dollars": ("Denial rate (dollars)", "pct"),
    "credentialing_share": ("Credentialing share", "pct"),
    "root_cause": ("Root cause", "text"),
    "month": ("Month", "text"),
    "adjustments": ("Adjustments", "int"),
    "item": ("What", "text"),
    "what": ("For", "text"),
    "due_date": ("Due / submitted", "date"),
    "days_left": ("Days left", "int"),
    "licence": ("Licence", "text"),
    "licence_expires": ("Licence expires", "date"),
    "licence_states": ("Licensed in", "text"),
    "tables_carried": ("Tables", "text"),
    "current_for": ("Current for", "text"),
    "cleared": ("Cleared", "text"),
    "why_not": ("Why not", "text"),
    "table": ("Table", "text"),
    "change": ("Change", "text"),
    "key": ("Which", "text"),
    "column": ("Field", "text"),
    "old_value": ("Before", "text"),
    "new_value": ("After", "text"),
    "verdict": ("Verdict", "text"),
    "reasons": ("Reasons", "text"),
    "warnings": ("Warnings", "text"),
    "name": ("Name", "text"),
}

# Value maps per column: codes -> words.
VALUES = {
    "severity": words.SEVERITY_MARK,
    "credential_type": words.CREDENTIAL_TYPE,
    "kind": words.KIND,
    "group_code": words.GROUP_CODE,
    "level": words.LEVEL,
    "root_cause": words.ROOT_CAUSE,
    "scope": words.SCOPE,
    "approved": words.SCOPE,
    "change": words.CHANGE,
    "table": words.TABLE,
}
STATUS_WORDS = {**words.ENROLLMENT_STATUS, **words.PROVIDER_STATUS, **words.UPLOAD_STATUS}


def label(column: str) -> str:
    return COLUMNS[column][0] if column in COLUMNS else words.humanise(column)


def _config(fmt_kind: str, name: str, help: str | None = None):
    if fmt_kind == "money":
        return st.column_config.NumberColumn(name, format=fmt.MONEY_FORMAT, help=help)
    if fmt_kind == "date":
        return st.column_config.DateColumn(name, format=fmt.DATE_FORMAT, help=help)
    if fmt_kind == "datetime":
        return st.column_config.DatetimeColumn(name, format="YYYY-MM-DD HH:mm", help=help)
    if fmt_kind == "int":
        return st.column_config.NumberColumn(name, format="%d", help=help)
    if fmt_kind == "pct":
        return st.column_config.NumberColumn(name, format="percent", help=help)
    if fmt_kind == "detail":
        return st.column_config.TextColumn(name, width="large", help=help)
    return st.column_config.TextColumn(name, help=help)


def _text(series: pd.Series, mapping) -> pd.Series:
    return series.map(lambda v: words.word(mapping, v)).astype(object)


def display(frame: pd.DataFrame, payer_names: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """(the frame as shown, its column config): labels, words, blanks; internal ids dropped.

    A rule id becomes its plain-words name (the id stays, last, as "Rule id"); a payer id and payer name
    become one Payer column (`*` is All payers); a provider name and NPI stay two columns."""
    out = frame.drop(columns=[c for c in frame.columns if c in HIDDEN])
    out = out.copy()
    if "payer_name" in out.columns and "payer_id" in out.columns:
        out["payer_name"] = [
            words.payer(n if isinstance(n, str) and n else i, payer_names)
            for n, i in zip(out["payer_name"], out["payer_id"], strict=True)
        ]
        out = out.drop(columns=["payer_id"])
    elif "payer_id" in out.columns:
        out["payer_id"] = out["payer_id"].map(lambda v: words.payer(v, payer_names)).astype(object)
    for column, mapping in VALUES.items():
        if column in out.columns:
            out[column] = _text(out[column], mapping)
    if "status" in out.columns:
        out["status"] = _text(out["status"], STATUS_WORDS)
    if "claim_status" in out.columns:
        out["claim_status"] = out["claim_status"].map(words.claim_status).astype(object)
    if "rule_id" in out.columns:
        ids = out["rule_id"]
        out["rule_id"] = ids.map(words.rule_title).astype(object)
        out["Rule id"] = ids
    config: dict = {}
    renamed: dict[str, str] = {}
    for column in out.columns:
        if column == "Rule id":
            config[column] = st.column_config.TextColumn("Rule id", help="The rule's id in the rule files")
            continue
        name = label(column)
        while name in renamed.values():  # two columns with one label: keep both, tell them apart
            name += " "
        renamed[column] = name
        kind = COLUMNS.get(column, (None, "text"))[1]
        if column in ("detail", "message", "reasons", "why_not", "warnings"):
            kind = "detail"
        config[name] = _config(kind, name)
    return out.rename(columns=renamed), config


def show(frame: pd.DataFrame, *, payer_names: dict | None = None, where=st, **kwargs):
    """st.dataframe of the frame as `display` shows it (no index, empty cells for missing values)."""
    shown, config = display(frame, payer_names)
    config.update(kwargs.pop("column_config", {}) or {})
    kwargs.setdefault("hide_index", True)
    return where.dataframe(shown, column_config=config, placeholder="", **kwargs)


def records(frame: pd.DataFrame | None, empty: str, where=st) -> None:
    if frame is None or frame.empty:
        where.caption(empty)
    else:
        show(frame.dropna(axis=1, how="all"), where=where)


# ------------------------------------------------------------------------------------------ raw rows

HASHED = "(patient data, not shown)"


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str) and value.startswith("hmac:"):
        return HASHED
    if isinstance(value, dict | list):
        return None
    return value


def source_rows(rejected: pd.DataFrame, marked: bool = True) -> pd.DataFrame:
    """Rejected rows as their source columns: row, reason, then each header of the file with the row's
    cell (patient cells kept as a keyed hash are shown as hidden, the loader's own fields left out)."""
    rows = []
    for record in rejected.to_dict("records"):
        try:
            raw = json.loads(record.get("raw_row") or "{}")
        except (TypeError, ValueError):
            raw = {}
        cells = {
            str(k): _cell(v)
            for k, v in (raw.items() if isinstance(raw, dict) else [])
            if not str(k).startswith("__")
        }
        rows.append(
            {
                "row_number": record.get("row_number"),
                **({"sheet": record.get("sheet")} if rejected["sheet"].nunique() > 1 else {}),
                "reason": record.get("reason"),
                **{(f"› {k}" if marked else k): v for k, v in cells.items()},
            }
        )
    frame = pd.DataFrame(rows)
    return frame.dropna(axis=1, how="all") if not frame.empty else frame


def show_source_rows(rejected: pd.DataFrame, **kwargs):
    """Rejected rows on screen: the row number and reason, then the file's own columns under their own
    headers (marked with ›, so they are not read as ClearToBill's columns)."""
    frame = source_rows(rejected).rename(columns={"row_number": "Row", "sheet": "Sheet", "reason": "Reason"})
    config = {c: st.column_config.TextColumn(c[2:]) for c in frame.columns if c.startswith("› ")}
    config.update(
        {
            "Row": st.column_config.NumberColumn("Row", format="%d"),
            "Reason": st.column_config.TextColumn("Reason", width="large"),
        }
    )
    return st.dataframe(frame, column_config=config, hide_index=True, placeholder="", **kwargs)


# ----------------------------------------------------------------------------------- a finding's records


def findings_table(frame: pd.DataFrame, **kwargs):
    """The findings table: rule in words, severity with its mark, payer by name."""
    order = [
        "rule_id",
        "severity",
        "provider_name",
        "rendering_npi",
        "payer_id",
        "payer_name",
        "claim_id",
        "line_no",
        "procedure_code",
        "date_of_service",
        "amount_at_risk",
        "detail",
    ]
    columns = [c for c in order if c in frame.columns] + [c for c in frame.columns if c not in order]
    return show(frame[columns], **kwargs)
