"""The one canonical batch every reader returns (STYLE 13: reader -> batch -> upload -> tables).

A `Batch` holds one sheet's (or one X12 file's) rows of one kind, before payers are resolved and patient
identifiers hashed:
- `frame`: the canonical columns (docs/ARCHITECTURE.md "Canonical batches") and `source_row`; the
  patient columns (patient_id, patient_name, patient_dob) still raw; payer_id / payer_name as written;
- `reason` / `column`: per row, the first rejection reason so far (None: fine so far) and the canonical
  column it concerns;
- `records(labels)`: the raw records of the given rows (the source cells by header, or the canonical
  cells of an X12 line), which a rejected row keeps;
- `patient_headers`: the headers of those records that hold patient identifiers;
- `kept_headers`: the headers mapped to a canonical column that is not a patient identifier;
- remittances also carry `adjustments` and `remarks` (keyed by the row label, or by `line_ref` for 835
  lines); claims may carry `codes` (columns kept as dictionary codes, see claims.NormalisedClaims);
- the set-based claims CSV (claims_set) keeps its accepted rows in DuckDB: `staged` counts them (the
  TEMP VIEW claims_set.NEW), `frame` then holds its rejected rows only, their payers resolved and
  patients keyed already (`settled`).

An `Incoming` is what one upload carries: its batches and what its uploads row records about them.
The readers here turn mapped sheets, 835s and 837s into batches; reload.py turns held rows back into
batches with the same functions; the upload transaction (upload.py) takes them from there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from audits.errors import InputError
from audits.ingest import claims as claims_mod
from audits.ingest import mapping as mapping_mod
from audits.ingest import normalize as nz
from audits.ingest import remits as remits_mod
from audits.ingest.patients import cell_records, patient_headers
from audits.ingest.readers import RawSheet, read_tables

# Markers inside a rejected row's raw_row (JSON): a row of canonical cells (X12), and an 835 line's
# adjustments and remarks, so that a held row can be loaded again from rejected_rows alone.
CANONICAL_FIELD = "__canonical__"
ADJUSTMENTS_FIELD = "__adjustments__"
REMARKS_FIELD = "__remarks__"
PATIENT_CANONICAL = frozenset(claims_mod.PATIENT_RAW)

Records = Callable[[pd.Index], list[dict]]


@dataclass
class Batch:
    kind: str  # claims | remits | 835 (an 837's lines are claims)
    sheet: str  # the sheet (or file) its rejected rows are filed under
    frame: pd.DataFrame
    reason: pd.Series
    column: pd.Series
    records: Records
    patient_headers: frozenset[str] = frozenset()
    kept_headers: frozenset[str] = frozenset()
    adjustments: pd.DataFrame | None = None
    remarks: pd.DataFrame | None = None
    codes: dict[str, tuple[np.ndarray, list]] = field(default_factory=dict)
    staged: int | None = None  # set-based claims CSV: accepted rows waiting in DuckDB
    settled: bool = False  # payers resolved and patients keyed (the set-based path does both in SQL)
    unknown_payers: dict[str, list] = field(default_factory=dict)  # name -> close matches, once settled
    payer_label: pd.Series | None = None  # per row, the payer as written (rows held for an unknown payer)
    notes: list[str] = field(default_factory=list)  # what the reading decided for the whole sheet

    @property
    def rows_read(self) -> int:
        return len(self.frame) + (self.staged or 0)


@dataclass
class Incoming:
    """One upload: its batches, and what the uploads row records about them."""

    file_name: str
    kind: str  # claims | remits | 835 | 837
    sha256: str
    batches: list[Batch]
    mapping_json: str | None = None
    proposal: dict[str, tuple[str, float]] = field(default_factory=dict)  # canonical -> (header, confidence)
    problems: list[str] = field(default_factory=list)
    reloaded: list[tuple[int, str, int]] = field(
        default_factory=list
    )  # held rows it loads: (upload, sheet, row)
    uploaded_by: str | None = None
    warnings: list[str] = field(default_factory=list)  # where recognition was unsure (recognise.py)


def sheet_records(rows: claims_mod.SheetRows) -> Records:
    """The source cells of the given rows of a sheet, by header."""

    def records(labels: pd.Index) -> list[dict]:
        return cell_records(rows.body.loc[labels], rows.headers)

    return records


def _kept_headers(mapped: mapping_mod.Mapping) -> frozenset[str]:
    return frozenset(m.source for c, m in mapped.columns.items() if c not in mapping_mod.PATIENT_COLUMNS)


def mapping_json(used: list[tuple[RawSheet, mapping_mod.Mapping]]) -> str | None:
    """The column mapping an upload used, as the uploads row keeps it (per sheet when several)."""
    if not used:
        return None
    if len(used) == 1:
        return used[0][1].to_json()
    return json.dumps({s.name: m.as_dict() for s, m in used})


def proposal(used: list[tuple[RawSheet, mapping_mod.Mapping]]) -> dict[str, tuple[str, float]]:
    out: dict[str, tuple[str, float]] = {}
    for _sheet, mapped in used:
        out.update(mapped.proposal())
    return out


def claims_batch(sheet: RawSheet, mapped: mapping_mod.Mapping) -> Batch:
    """A claims export sheet (xlsx sheet, CSV, or held rows laid out as a sheet)."""
    rows = claims_mod.sheet_rows(sheet, mapped)
    norm = claims_mod.normalise_claims(claims_mod.claims_from_sheet(rows, mapped))
    return Batch(
        "claims",
        sheet.name,
        norm.frame,
        norm.reason.copy(),
        norm.column.copy(),
        sheet_records(rows),
        frozenset(patient_headers(mapped)),
        _kept_headers(mapped),
        codes=norm.codes,
    )


def remits_batch(sheet: RawSheet, mapped: mapping_mod.Mapping) -> Batch:
    """A remittance / denial export sheet: one row per source row, adjustments keyed by row label."""
    rows = claims_mod.sheet_rows(sheet, mapped)
    norm = remits_mod.normalise_remit_rows(remits_mod.remit_rows_from_sheet(rows, mapped), mapped.labels)
    return Batch(
        "remits",
        sheet.name,
        norm.frame,
        norm.reason.copy(),
        norm.column.copy(),
        sheet_records(rows),
        frozenset(patient_headers(mapped)),
        _kept_headers(mapped),
        adjustments=norm.adjustments,
        remarks=norm.remarks,
        notes=norm.notes,
    )


def canonical_records(frame: pd.DataFrame) -> Records:
    """Records of canonical cells (X12 lines, held rows of them), marked as such."""

    def records(labels: pd.Index) -> list[dict]:
        rows = []
        for label in labels:
            record = {c: nz.cell_text(v) for c, v in frame.loc[label].items() if c != "source_row"}
            record[CANONICAL_FIELD] = True
            rows.append(record)
        return rows

    return records


def claim_lines_batch(frame: pd.DataFrame, sheet: str) -> Batch:
    """Claim lines as canonical cells (an 837P's service lines): the checks of a claims export."""
    frame = frame.copy()
    for column in claims_mod.CLAIM_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[claims_mod.CLAIM_COLUMNS].astype(object)
    frame = frame.where(frame.notna(), None)
    frame.index = pd.RangeIndex(len(frame))
    norm = claims_mod.normalise_claims(frame, totals_mask=pd.Series(False, index=frame.index))
    return Batch(
        "claims",
        sheet,
        norm.frame,
        norm.reason.copy(),
        norm.column.copy(),
        canonical_records(frame.copy()),
        PATIENT_CANONICAL,
        frozenset(c for c in claims_mod.CLAIM_COLUMNS if c not in PATIENT_CANONICAL),
    )


def remit_lines_batch(
    lines: pd.DataFrame, adjustments: pd.DataFrame, remarks: pd.DataFrame, sheet: str
) -> Batch:
    """Remitted lines as canonical cells (an 835's service lines, or held ones), adjustments and remarks
    keyed by `line_ref`. A rejected line keeps its adjustments and remarks in its record."""
    lines = lines.copy().reset_index(drop=True)
    reason = pd.Series(None, index=lines.index, dtype=object)
    column = pd.Series(None, index=lines.index, dtype=object)
    claim_id = nz.text(lines["claim_id"].astype(object))
    reason[claim_id.isna()] = "missing claim_id (CLP01)"
    column[claim_id.isna()] = "claim_id"
    lines["claim_id"] = claim_id
    lines["rendering_npi"] = nz.npi(lines["rendering_npi"].astype(object))
    lines["procedure_code"] = nz.procedure_code(lines["procedure_code"].astype(object))
    lines["adjudication_date"], _err = nz.dates(lines["adjudication_date"].astype(object))

    def records(labels: pd.Index) -> list[dict]:
        out = []
        for label in labels:
            record = {c: nz.cell_text(v) for c, v in lines.loc[label].items() if c != "adjudication_date"}
            record["adjudication_date"] = nz.cell_text(lines.at[label, "adjudication_date"])
            line_ref = lines.at[label, "line_ref"]
            record[ADJUSTMENTS_FIELD] = [
                {k: nz.cell_text(v) for k, v in row.items() if k in ("position", "level", "group_code", "carc", "amount")}
                for row in adjustments[adjustments["line_ref"] == line_ref].to_dict("records")
            ]  # fmt: skip
            record[REMARKS_FIELD] = [
                {k: nz.cell_text(v) for k, v in row.items() if k in ("position", "level", "rarc")}
                for row in remarks[remarks["line_ref"] == line_ref].to_dict("records")
            ]
            record[CANONICAL_FIELD] = True
            out.append(record)
        return out

    kept = frozenset(c for c in lines.columns if c not in PATIENT_CANONICAL)
    return Batch("835", sheet, lines, reason, column, records, frozenset(), kept, adjustments, remarks)


def set_claims_batch(staged, source, head: RawSheet, mapped: mapping_mod.Mapping, directory) -> Batch:
    """A plain claims CSV staged in DuckDB (`claims_set.stage`): its accepted rows wait in the TEMP
    VIEW claims_set.NEW, `frame` holds its rejected rows with their patient keys; their payers were
    resolved by `directory` (the same one the upload uses)."""
    rows = claims_mod.sheet_rows(head, mapped)
    rejected = staged.rejected
    cells = rejected[[f"c{i}" for i in range(source.width)]].set_axis(range(source.width), axis=1)
    frame = rejected[["source_row", "patient_key"]].assign(patient_birth_year=rejected["birth_year"])

    def records(labels: pd.Index) -> list[dict]:
        return cell_records(cells.loc[labels], rows.headers)

    batch = Batch(
        "claims",
        head.name,
        frame,
        rejected["reason"].astype(object),
        rejected["column"].astype(object),
        records,
        frozenset(patient_headers(mapped)),
        _kept_headers(mapped),
        staged=staged.accepted,
        settled=True,
    )
    batch.unknown_payers = {label: directory.suggest(label) for label in rejected["label"].dropna().unique()}
    batch.payer_label = rejected["label"].astype(object)
    if "service_date" in rejected.columns:
        batch.frame = batch.frame.assign(date_of_service=rejected["service_date"])
    return batch


@dataclass
class LinesToCheck:
    """A claims file read to be checked before submission (the batch pre-check, the gate), never
    loaded: its lines under the file's own header, and the canonical columns of each."""

    sheet: RawSheet
    mapping: mapping_mod.Mapping
    rows: claims_mod.SheetRows  # the file's lines: blank rows and an export's Total / subtotal rows left out
    canonical: pd.DataFrame  # claims_mod.claims_from_sheet of those rows, as written (not normalised)


_CHECK_NEEDS = ("rendering_npi", "date_of_service", "procedure_code")


def lines_to_check(path) -> LinesToCheck:
    """The one reader of a claims file to check (CSV or xlsx; the sheet whose columns read best as
    claims): what the pre-check and the gate judge. Raises InputError for a file with no rows or without
    the columns a check needs (rendering NPI, payer, date of service, procedure code)."""
    best = None
    for sheet in read_tables(path):
        if sheet.frame.empty:
            continue
        mapped = mapping_mod.map_columns(sheet.frame, "claims")
        if best is None or len(mapped.columns) > len(best[1].columns):
            best = (sheet, mapped)
    name = Path(path).name
    if best is None:
        raise InputError(f"{name} has no rows - export the claims again.")
    sheet, mapped = best
    lacking = [c for c in _CHECK_NEEDS if c not in mapped.columns]
    if not {"payer_id", "payer_name"} & set(mapped.columns):
        lacking.append("payer")
    if lacking:
        raise InputError(
            f"{name} has no column for {', '.join(lacking)} - a claims file to check needs rendering NPI, "
            "payer, date of service and procedure code headers."
        )
    rows = claims_mod.sheet_rows(sheet, mapped)
    if len(rows.body):
        blank = rows.body.apply(lambda r: all(nz.is_blank(v) for v in r), axis=1)
        rows.body, rows.row_numbers = rows.body[~blank], rows.row_numbers[~blank]
    canonical = claims_mod.claims_from_sheet(rows, mapped)
    if len(rows.body):
        written = canonical["claim_id"].map(lambda v: None if nz.is_blank(v) else v)
        totals = claims_mod.totals_rows(canonical) | claims_mod.totals_in_body(rows, written)
        rows.body, rows.row_numbers = rows.body[~totals], rows.row_numbers[~totals]
        canonical = canonical[~totals]
    return LinesToCheck(sheet, mapped, rows, canonical)
