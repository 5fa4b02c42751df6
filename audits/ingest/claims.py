"""Claims exports -> the canonical claims batch (docs/ARCHITECTURE.md "Canonical batches").

Two steps, so an 837 batch gets the same checks as an export:
- `claims_from_sheet(sheet, mapping)` picks and renames the mapped columns (one-cell lists of
  modifiers and diagnoses spread over numbered columns);
- `normalise_claims(frame)` turns raw cells into canonical values and gives each row its first
  rejection reason (and the column it concerns), or None.
Payer resolution, patient hashing and loading are the loader's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from audits.ingest import normalize as nz
from audits.ingest.mapping import Mapping
from audits.ingest.readers import RawSheet

MODIFIERS = [f"modifier_{n}" for n in range(1, 5)]
DIAGNOSES = [f"diagnosis_{n}" for n in range(1, 13)]
PATIENT_RAW = ["patient_id", "patient_name", "patient_dob"]
CLAIM_COLUMNS = [
    "claim_id",
    "line_no",
    *PATIENT_RAW,
    "rendering_npi",
    "billing_npi",
    "payer_id",
    "payer_name",
    "date_of_service",
    "submitted_date",
    "procedure_code",
    *MODIFIERS,
    *DIAGNOSES,
    "pos",
    "units",
    "billed_amount",
    "service_state",
    "source_row",
]
REQUIRED_VALUES = ["claim_id", "rendering_npi", "payer", "date_of_service", "procedure_code", "billed_amount"]
_TOTAL = re.compile(r"^\s*(grand\s+|sub\s*)?totals?\b", re.IGNORECASE)


@dataclass
class SheetRows:
    """The data rows below the header, with what the loader needs to keep a rejected row."""

    body: pd.DataFrame  # raw cells, index = source row label
    headers: dict[object, str]  # frame column -> header text
    row_numbers: pd.Series  # 1-based source row numbers


def sheet_rows(sheet: RawSheet, mapping: Mapping) -> SheetRows:
    frame = sheet.frame
    position = frame.index.get_loc(mapping.header_row)
    body = frame.iloc[position + 1 :]
    headers = {}
    header_cells = frame.loc[mapping.header_row]
    for label, value in header_cells.items():
        text = nz.cell_text(value)
        headers[label] = text if text is not None else f"column {len(headers) + 1}"
    row_numbers = pd.Series(np.asarray(body.index, dtype="int64") + 1, index=body.index)
    return SheetRows(body, headers, row_numbers)


def _column(rows: SheetRows, mapping: Mapping, canonical: str) -> pd.Series:
    match = mapping.columns.get(canonical)
    if match is None:
        return pd.Series(None, index=rows.body.index, dtype=object)
    return rows.body[match.position]


def claims_from_sheet(rows: SheetRows, mapping: Mapping) -> pd.DataFrame:
    """Raw canonical columns (cells not yet normalised) for the rows under the header."""
    out = pd.DataFrame(index=rows.body.index)
    for name in ["claim_id", "line_no", "patient_id", "patient_dob", "rendering_npi", "billing_npi", "payer_id",
                 "payer_name", "date_of_service", "submitted_date", "procedure_code", "pos", "units",
                 "billed_amount", "service_state"]:  # fmt: skip
        out[name] = _column(rows, mapping, name)
    if "patient_name" in mapping.columns:
        out["patient_name"] = _column(rows, mapping, "patient_name")
    elif "patient_last_name" in mapping.columns or "patient_first_name" in mapping.columns:
        last = nz.text(_column(rows, mapping, "patient_last_name")).fillna("")
        first = nz.text(_column(rows, mapping, "patient_first_name")).fillna("")
        joined = (last.astype(object) + ", " + first.astype(object)).str.strip(", ")
        out["patient_name"] = joined.where(joined != "", None).astype(object)
    else:
        out["patient_name"] = None
    _spread(out, rows, mapping, "modifiers", MODIFIERS)
    _spread(out, rows, mapping, "diagnoses", DIAGNOSES)
    out["source_row"] = rows.row_numbers
    out = out[CLAIM_COLUMNS].copy()
    out["_totals"] = totals_in_body(rows, out["claim_id"])
    return out


def _spread(
    out: pd.DataFrame, rows: SheetRows, mapping: Mapping, list_column: str, numbered: list[str]
) -> None:
    """Numbered columns win; a one-cell list ('26,59') fills the numbered slots otherwise."""
    if any(c in mapping.columns for c in numbered):
        for name in numbered:
            out[name] = _column(rows, mapping, name)
        return
    if list_column in mapping.columns:
        spread = nz.split_list(_column(rows, mapping, list_column), len(numbered), convert=lambda v: v)
        for i, name in enumerate(numbered, start=1):
            out[name] = spread[i]
        return
    for name in numbered:
        out[name] = None


@dataclass
class NormalisedClaims:
    frame: pd.DataFrame  # canonical values; patient columns still raw (the loader hashes them)
    reason: pd.Series  # first rejection reason per row, or None
    column: pd.Series  # the canonical column the reason concerns


class _Rejections:
    def __init__(self, index: pd.Index):
        self.reason = pd.Series(None, index=index, dtype=object)
        self.column = pd.Series(None, index=index, dtype=object)

    def add(self, mask: pd.Series, column: str, reason: object) -> None:
        """Set a reason where mask holds and no earlier reason was given; reason may be a Series."""
        mask = mask.fillna(False).astype(bool) & self.reason.isna()
        if not mask.any():
            return
        if isinstance(reason, pd.Series):
            self.reason[mask] = reason[mask]
        else:
            self.reason[mask] = reason
        self.column[mask] = column


def totals_rows(frame: pd.DataFrame, claim_text: pd.Series | None = None) -> pd.Series:
    """Rows that are an export's totals line: the claim id cell says 'Total' (checked on distinct values)."""
    claim = nz.text(frame["claim_id"]) if claim_text is None else claim_text
    codes, uniques = pd.factorize(claim, use_na_sentinel=True)
    flags = np.array([bool(_TOTAL.match(str(u))) for u in uniques] + [False], dtype=bool)
    return pd.Series(flags[codes], index=frame.index)


def totals_in_body(rows: SheetRows, claim_raw: pd.Series) -> pd.Series:
    """Rows with no claim id where some cell says 'Total' (a totals line whose label is in another column)."""
    flags = pd.Series(False, index=rows.body.index)
    blank = claim_raw.isna()
    if blank.any():
        cells = rows.body.loc[blank[blank].index]
        for label, values in zip(cells.index, cells.itertuples(index=False, name=None), strict=True):
            flags[label] = any(isinstance(v, str) and _TOTAL.match(v) for v in values)
    return flags


def normalise_claims(frame: pd.DataFrame, *, totals_mask: pd.Series | None = None) -> NormalisedClaims:
    out = pd.DataFrame(index=frame.index)
    rejections = _Rejections(frame.index)
    out["claim_id"] = nz.text(frame["claim_id"])
    if totals_mask is None:
        totals_mask = totals_rows(frame, out["claim_id"])
        if "_totals" in frame.columns:
            totals_mask = totals_mask | frame["_totals"].astype(bool)
    rejections.add(totals_mask, "claim_id", "totals row, not a claim line")

    out["rendering_npi"] = nz.npi(frame["rendering_npi"])
    out["billing_npi"] = nz.npi(frame["billing_npi"])
    out["payer_id"] = nz.text(frame["payer_id"])
    out["payer_name"] = nz.text(frame["payer_name"])
    out["procedure_code"] = nz.procedure_code(frame["procedure_code"])
    for name in MODIFIERS:
        out[name] = nz.code(frame[name])
    for name in DIAGNOSES:
        out[name] = nz.diagnosis(frame[name])
    out["pos"] = nz.pos(frame["pos"])
    out["service_state"] = nz.state(frame["service_state"])
    for name in PATIENT_RAW:
        out[name] = frame[name]
    out["source_row"] = frame["source_row"]

    dos, dos_error = nz.dates(frame["date_of_service"])
    submitted, submitted_error = nz.dates(frame["submitted_date"])
    billed, billed_error = nz.money(frame["billed_amount"])
    units, units_error = nz.number(frame["units"])
    out["date_of_service"] = dos
    out["submitted_date"] = submitted
    out["billed_amount"] = billed
    out["units"] = units

    rejections.add(out["claim_id"].isna(), "claim_id", "missing claim_id")
    rejections.add(out["rendering_npi"].isna(), "rendering_npi", "missing rendering_npi")
    rejections.add(out["payer_id"].isna() & out["payer_name"].isna(), "payer", "missing payer")
    rejections.add(dos_error.notna(), "date_of_service", "date_of_service " + dos_error.fillna(""))
    rejections.add(out["date_of_service"].isna(), "date_of_service", "missing date_of_service")
    rejections.add(out["procedure_code"].isna(), "procedure_code", "missing procedure_code")
    rejections.add(billed_error.notna(), "billed_amount", "billed_amount " + billed_error.fillna(""))
    rejections.add(out["billed_amount"].isna(), "billed_amount", "missing billed_amount")
    rejections.add(submitted_error.notna(), "submitted_date", "submitted_date " + submitted_error.fillna(""))
    rejections.add(units_error.notna(), "units", "units " + units_error.fillna(""))

    # line_no: the column when the export has one, else the row's position within its claim.
    if frame["line_no"].notna().any():
        line, line_error = nz.number(frame["line_no"])
        bad = line_error.notna() | (line.notna() & ((line % 1 != 0) | (line <= 0)))
        rejections.add(bad, "line_no", "line_no is not a whole number above 0")
        rejections.add(line.isna(), "line_no", "missing line_no")
        out["line_no"] = line.where(~bad & line.notna(), np.nan)
    else:
        position = out.groupby("claim_id", sort=False, dropna=False).cumcount() + 1
        out["line_no"] = position.astype("float64").where(out["claim_id"].notna(), np.nan)

    # A later row with the same (claim_id, line_no) as an earlier one in the file is a duplicate.
    ok = rejections.reason.isna()
    keys = out.loc[ok, ["claim_id", "line_no"]]
    dup = keys.duplicated(keep="first")
    if dup.any():
        first_rows = (
            out.loc[ok]
            .assign(_row=out["source_row"])
            .groupby(["claim_id", "line_no"], sort=False)["_row"]
            .transform("first")
        )
        reason = "duplicate of row " + first_rows.astype("int64").astype(str) + " in the same file"
        mask = pd.Series(False, index=out.index)
        mask[dup[dup].index] = True
        rejections.add(mask, "claim_id", reason.reindex(out.index))
    return NormalisedClaims(out, rejections.reason, rejections.column)
