"""Claims exports -> the canonical claims batch (docs/ARCHITECTURE.md "Canonical batches").

Two steps, so an 837 batch gets the same checks as an export:
- `claims_from_sheet(sheet, mapping)` picks and renames the mapped columns (one-cell lists of
  modifiers and diagnoses spread over numbered columns);
- `normalise_claims(frame)` turns raw cells into canonical values and gives each row its first
  rejection reason (and the column it concerns), or None.
Payer resolution, patient hashing and loading are the loader's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audits.ingest import labels as labels_mod
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
# A totals row's words ('Total', 'Grand Total', 'Subtotal') are the vocabulary's [sheet_words] total_rows.


@dataclass
class SheetRows:
    """The data rows below the header, with what the loader needs to keep a rejected row."""

    body: pd.DataFrame  # raw cells, index = source row label
    headers: dict[object, str]  # frame column -> header text
    row_numbers: pd.Series  # 1-based source row numbers
    unnamed: frozenset = frozenset()  # frame columns whose header cell is empty
    delimited: bool = False  # read from delimited text (RawSheet.delimited)


def sheet_rows(sheet: RawSheet, mapping: Mapping) -> SheetRows:
    frame = sheet.frame
    position = frame.index.get_loc(mapping.header_row)
    body = frame.iloc[position + 1 :]
    headers, unnamed = {}, set()
    header_cells = frame.loc[mapping.header_row]
    for label, value in header_cells.items():
        text = nz.cell_text(value)
        headers[label] = text if text is not None else f"column {len(headers) + 1}"
        if text is None:
            unnamed.add(label)
    row_numbers = pd.Series(np.asarray(body.index, dtype="int64") + 1, index=body.index)
    return SheetRows(body, headers, row_numbers, frozenset(unnamed), sheet.delimited)


SHIFTED_REASON = "shifted row"  # (patients.RawRowHasher adds what went wrong; the row is hashed whole)
SHIFT_SHARE = 0.5  # a column past the header filled on more of the rows than this is a column, not a shift


def shifted_columns(header_cells: list, filled: list[int], rows: int) -> list[int]:
    """Positions of the columns past the header row's last named cell that only some rows fill: a cell
    there means an unquoted comma pushed the row's cells right, so none of them is under its header
    (the columns before the comma as well as after: which cell split cannot be told)."""
    named = [i for i, cell in enumerate(header_cells) if nz.cell_text(cell) is not None]
    last = named[-1] if named else -1
    return [
        i for i in range(last + 1, len(header_cells)) if 0 < filled[i] and filled[i] <= SHIFT_SHARE * rows
    ]


def shifted_rows(rows: SheetRows) -> pd.Series:
    """Rows of delimited text with a cell past the header (shifted_columns)."""
    body = rows.body
    cells = list(rows.headers)
    if not rows.delimited or cells[-1] not in rows.unnamed:  # no column past the header: nothing shifted
        return pd.Series(False, index=body.index)
    header_cells = [None if c in rows.unnamed else rows.headers[c] for c in cells]
    present = {c: body[c].map(nz.cell_text).notna() for c in cells if c in rows.unnamed}
    filled = [int(present[c].sum()) if c in present else 0 for c in cells]
    past = shifted_columns(header_cells, filled, len(body))
    if not past:
        return pd.Series(False, index=body.index)
    return pd.concat([present[cells[i]] for i in past], axis=1).any(axis=1)


def _column(rows: SheetRows, mapping: Mapping, canonical: str) -> pd.Series:
    match = mapping.columns.get(canonical)
    if match is None:
        return pd.Series(None, index=rows.body.index, dtype=object)
    return rows.body[match.position]


def claims_from_sheet(rows: SheetRows, mapping: Mapping) -> pd.DataFrame:
    """Raw canonical columns (cells not yet normalised) for the rows under the header.

    Columns the file does not have are all None and listed in `frame.attrs["empty"]`, so the
    normaliser skips them (a million-row export with 12 empty diagnosis slots stays fast).
    """
    index = rows.body.index
    none = pd.Series(None, index=index, dtype=object)
    columns: dict[str, pd.Series] = {}
    empty: set[str] = set()
    for name in ["claim_id", "line_no", "patient_id", "patient_dob", "rendering_npi", "billing_npi", "payer_id",
                 "payer_name", "date_of_service", "submitted_date", "procedure_code", "pos", "units",
                 "billed_amount", "service_state"]:  # fmt: skip
        columns[name] = _column(rows, mapping, name)
        if name not in mapping.columns:
            empty.add(name)
    if "patient_name" in mapping.columns:
        columns["patient_name"] = _column(rows, mapping, "patient_name")
    elif "patient_last_name" in mapping.columns or "patient_first_name" in mapping.columns:
        columns["patient_name"] = patient_name(
            _column(rows, mapping, "patient_last_name"), _column(rows, mapping, "patient_first_name")
        )
    else:
        columns["patient_name"] = none
        empty.add("patient_name")
    empty |= _spread(columns, rows, mapping, "modifiers", MODIFIERS, none)
    empty |= _spread(columns, rows, mapping, "diagnoses", DIAGNOSES, none)
    columns["source_row"] = rows.row_numbers
    columns["_totals"] = totals_in_body(rows, columns["claim_id"])
    columns["_shifted"] = shifted_rows(rows)
    out = pd.DataFrame(
        {name: columns[name] for name in [*CLAIM_COLUMNS, "_totals", "_shifted"]}, index=index, copy=False
    )
    out.attrs["empty"] = empty
    return out


def patient_name(last: pd.Series, first: pd.Series) -> pd.Series:
    """'Last, First' from separate name columns (None when both are blank)."""
    last = nz.text(last).fillna("")
    first = nz.text(first).fillna("")
    joined = (last.astype(object) + ", " + first.astype(object)).str.strip(", ")
    return joined.where(joined != "", None).astype(object)


def _spread(
    columns: dict, rows: SheetRows, mapping: Mapping, list_column: str, numbered: list[str], none: pd.Series
) -> set[str]:
    """Numbered columns win; a one-cell list ('26,59') fills the numbered slots otherwise. Returns the
    slots that stay empty."""
    if any(c in mapping.columns for c in numbered):
        for name in numbered:
            columns[name] = _column(rows, mapping, name)
        return {name for name in numbered if name not in mapping.columns}
    if list_column in mapping.columns:
        cells = _column(rows, mapping, list_column)
        spread, used = nz.split_list_counted(cells, len(numbered), convert=lambda v: v)
        for i, name in enumerate(numbered, start=1):
            columns[name] = spread[i] if i in spread.columns else none
        return set(numbered[used:])
    for name in numbered:
        columns[name] = none
    return set(numbered)


@dataclass
class NormalisedClaims:
    frame: pd.DataFrame  # canonical values; patient columns still raw (the loader hashes them)
    reason: pd.Series  # first rejection reason per row, or None
    column: pd.Series  # the canonical column the reason concerns
    # column -> (codes, values): frame[column] is values[codes] row by row (nz.coded); the loader hands
    # such columns to DuckDB dictionary-encoded. Only for columns left as normalised.
    codes: dict[str, tuple[np.ndarray, list]] = field(default_factory=dict)


class _Rejections:
    def __init__(self, index: pd.Index):
        self.reason = pd.Series(None, index=index, dtype=object)
        self.column = pd.Series(None, index=index, dtype=object)
        self._open = np.ones(len(index), dtype=bool)  # reason still missing (kept, not recomputed)

    def add(self, mask: pd.Series, column: str, reason: object) -> None:
        """Set a reason where mask holds and no earlier reason was given; reason may be a Series."""
        if not mask.index.equals(self.reason.index):  # callers pass masks on the same rows; align if not
            mask = mask.reindex(self.reason.index)
        open_rows = mask.fillna(False).astype(bool).to_numpy() & self._open
        if not open_rows.any():
            return
        mask = pd.Series(open_rows, index=self.reason.index)
        if isinstance(reason, pd.Series):
            self.reason[mask] = reason[mask]
        else:
            self.reason[mask] = reason
        self.column[mask] = column
        self._open[open_rows] = pd.isna(self.reason.to_numpy()[open_rows])


def _is_total(value: str | None, labels: labels_mod.Labels | None = None) -> bool:
    labels = labels or labels_mod.active()
    return value is not None and value[:1] in labels.total_initials and bool(labels.total_row.match(value))


def totals_rows(frame: pd.DataFrame, claim_text: pd.Series | None = None) -> pd.Series:
    """Rows that are an export's totals line: the claim id cell says 'Total' (checked on distinct values)."""
    claim = nz.text(frame["claim_id"]) if claim_text is None else claim_text
    codes, uniques = pd.factorize(claim, use_na_sentinel=True)
    labels = labels_mod.current()
    flags = np.array([_is_total(str(u), labels) for u in nz.scalars(uniques)] + [False], dtype=bool)
    return pd.Series(flags[codes], index=frame.index)


def _empty_pair(frame: pd.DataFrame, name: str, empty: set[str], dtype: str, function):
    if name in empty:
        return pd.Series(np.nan, index=frame.index).astype(dtype), pd.Series(
            None, index=frame.index, dtype=object
        )
    return function(frame[name])


def totals_in_body(rows: SheetRows, claim_raw: pd.Series) -> pd.Series:
    """Rows with no claim id where some cell says 'Total' (a totals line whose label is in another column)."""
    flags = pd.Series(False, index=rows.body.index)
    blank = claim_raw.isna()
    total = labels_mod.current().total_row
    if blank.any():
        cells = rows.body.loc[blank[blank].index]
        for label, values in zip(cells.index, cells.itertuples(index=False, name=None), strict=True):
            flags[label] = any(isinstance(v, str) and total.match(v) for v in values)
    return flags


def _duplicated(out: pd.DataFrame, ok: pd.Series, claim_codes: tuple | None) -> pd.Series:
    """Among the rows still ok, those whose (claim_id, line_no) an earlier one had. With the claim ids'
    codes (distinct cells that stay distinct as text) the pair is one integer: no object hashing."""
    if claim_codes is not None:
        row_codes, values = claim_codes
        if len(set(values)) == len(values):
            mask = ok.to_numpy()
            line_codes, line_values = pd.factorize(out["line_no"].to_numpy()[mask], use_na_sentinel=True)
            pair = row_codes[mask].astype("int64") * (len(line_values) + 1) + (line_codes.astype("int64") + 1)
            if len(pair) < 2 or (pair[1:] > pair[:-1]).all():  # ascending (an ordered export): all distinct
                return pd.Series(False, index=out.index[mask])
            return pd.Series(pair, index=out.index[mask], copy=False).duplicated(keep="first")
    return out.loc[ok, ["claim_id", "line_no"]].duplicated(keep="first")


def normalise_claims(frame: pd.DataFrame, *, totals_mask: pd.Series | None = None) -> NormalisedClaims:
    empty = set(frame.attrs.get("empty", ()))
    none = pd.Series(None, index=frame.index, dtype=object)

    codes: dict[str, tuple[np.ndarray, list]] = {}

    def norm(function, name: str) -> pd.Series:
        if name in empty:
            codes[name] = (np.broadcast_to(np.intp(-1), (len(frame),)), [None])
            return none
        series, row_codes, values = nz.coded(function, frame[name])
        if row_codes is not None:
            codes[name] = (row_codes, values)
        return series

    columns: dict[str, pd.Series] = {}
    rejections = _Rejections(frame.index)
    columns["claim_id"] = norm(nz.text, "claim_id")
    if totals_mask is None:
        if "claim_id" in codes:  # flags of the distinct cells, taken by code (no second factorize)
            row_codes, values = codes["claim_id"]
            flags = np.array([_is_total(v) for v in values], dtype=bool)
            totals_mask = pd.Series(flags[row_codes], index=frame.index, copy=False)
        else:
            totals_mask = totals_rows(frame, columns["claim_id"])
        if "_totals" in frame.columns:
            totals_mask = totals_mask | frame["_totals"].astype(bool)
    rejections.add(totals_mask, "claim_id", "totals row, not a claim line")
    if "_shifted" in frame.columns:
        rejections.add(frame["_shifted"].astype(bool), "claim_id", SHIFTED_REASON)

    columns["rendering_npi"] = norm(nz.npi, "rendering_npi")
    columns["billing_npi"] = norm(nz.npi, "billing_npi")
    columns["payer_id"] = norm(nz.text, "payer_id")
    columns["payer_name"] = norm(nz.text, "payer_name")
    columns["procedure_code"] = norm(nz.procedure_code, "procedure_code")
    for name in MODIFIERS:
        columns[name] = norm(nz.code, name)
    for name in DIAGNOSES:
        columns[name] = norm(nz.diagnosis, name)
    columns["pos"] = norm(nz.pos, "pos")
    columns["service_state"] = norm(nz.state, "service_state")
    for name in PATIENT_RAW:
        columns[name] = frame[name]
    columns["source_row"] = frame["source_row"]
    out = pd.DataFrame(columns, index=frame.index, copy=False)
    out.attrs["empty"] = empty & {"patient_id", "patient_name", "patient_dob"}

    dos, dos_error = nz.dates(frame["date_of_service"])
    submitted, submitted_error = _empty_pair(frame, "submitted_date", empty, "datetime64[us]", nz.dates)
    billed, billed_error = nz.money(frame["billed_amount"])
    units, units_error = _empty_pair(frame, "units", empty, "float64", nz.number)
    out["date_of_service"] = dos
    out["submitted_date"] = submitted
    out["billed_amount"] = billed
    out["units"] = units

    def add_error(error: pd.Series, name: str) -> None:
        """Rows whose cell did not parse, with the parser's reason (the text is built only if there are any)."""
        failed = error.notna()
        if failed.any():
            rejections.add(failed, name, name + " " + error.fillna(""))

    rejections.add(out["claim_id"].isna(), "claim_id", "missing claim_id")
    rejections.add(out["rendering_npi"].isna(), "rendering_npi", "missing rendering_npi")
    rejections.add(out["payer_id"].isna() & out["payer_name"].isna(), "payer", "missing payer")
    add_error(dos_error, "date_of_service")
    rejections.add(out["date_of_service"].isna(), "date_of_service", "missing date_of_service")
    rejections.add(out["procedure_code"].isna(), "procedure_code", "missing procedure_code")
    add_error(billed_error, "billed_amount")
    rejections.add(out["billed_amount"].isna(), "billed_amount", "missing billed_amount")
    add_error(submitted_error, "submitted_date")
    add_error(units_error, "units")

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
    dup = _duplicated(out, ok, codes.get("claim_id"))
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
    codes.pop("payer_id", None)  # replaced by the resolved payer on loading
    return NormalisedClaims(out, rejections.reason, rejections.column, codes)
