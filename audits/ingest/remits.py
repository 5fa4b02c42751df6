"""Remittance / denial exports -> the canonical remit batch (docs/ARCHITECTURE.md "Canonical batches").

Exports come in two shapes (SPEC 2), both handled here:
- one row per adjustment: the line's billed and paid amounts repeat on each of its rows; rows with
  the same line key (payer, claim, line or procedure, adjudication date, status, paid, billed) are one
  remitted line, its amounts counted once;
- one row per line with numbered columns (`CARC 1`..`CARC 4`, `Adj Amt 1`.., `RARC 1`..).
Group and reason may share a cell (`CO-B7`, `CO-45, PR-2`); when one cell names several
adjustments and the row has one amount, the amount goes to the first of them. The procedure may be
an 835 composite (`HC:99213:25`). Status labels become paid | denied | reversed; without a status
column it follows the paid amount (> 0 paid, < 0 reversed, 0 denied).

`remit_rows_from_sheet` + `normalise_remit_rows` give one canonical row per source row with its
rejection reason; the loader resolves payers, then `group_remit_lines` builds the three frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audits.ingest import normalize as nz
from audits.ingest.claims import (
    SHIFTED_REASON,
    SheetRows,
    _column,
    _Rejections,
    shifted_rows,
    totals_in_body,
    totals_rows,
)
from audits.ingest.mapping import Mapping

SLOTS = 4


@dataclass
class NormalisedRemitRows:
    frame: pd.DataFrame  # one row per source row, canonical values
    adjustments: pd.DataFrame  # row (source label), position, group_code, carc, amount
    remarks: pd.DataFrame  # row, position, rarc
    reason: pd.Series
    column: pd.Series
    notes: list[str] = field(default_factory=list)  # what the reading decided for the whole file


def remit_rows_from_sheet(rows: SheetRows, mapping: Mapping) -> pd.DataFrame:
    """Raw canonical columns for the rows under the header (cells not yet normalised)."""
    names = ["claim_id", "line_no", "payer_id", "payer_name", "adjudication_date", "procedure_code", "rendering_npi",
             "billed_amount", "paid_amount", "claim_status", "group_code", "carc", "adjustment_amount", "rarcs",
             "trace_number", "patient_id", "patient_name", "patient_dob"]  # fmt: skip
    for n in range(1, SLOTS + 1):
        names += [f"carc_{n}", f"group_code_{n}", f"adj_amount_{n}", f"rarc_{n}"]
    out = pd.DataFrame({name: _column(rows, mapping, name) for name in names}, index=rows.body.index)
    out["source_row"] = rows.row_numbers
    out["_totals"] = totals_in_body(rows, out["claim_id"])
    out["_shifted"] = shifted_rows(rows)
    out.attrs["mapped"] = sorted(mapping.columns)
    return out


def _slots(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(carc column, group column, amount column) per adjustment slot present in the frame."""
    mapped = set(frame.attrs.get("mapped", frame.columns))
    slots = []
    if any(f"carc_{n}" in mapped or f"adj_amount_{n}" in mapped for n in range(1, SLOTS + 1)):
        slots += [(f"carc_{n}", f"group_code_{n}", f"adj_amount_{n}") for n in range(1, SLOTS + 1)]
    if "carc" in mapped or "adjustment_amount" in mapped:
        slots.insert(0, ("carc", "group_code", "adjustment_amount"))
    return slots


def normalise_remit_rows(frame: pd.DataFrame, labels: dict | None = None) -> NormalisedRemitRows:
    """Canonical values and rejection reasons per row; labels["claim_status"] extends the status words."""
    index = frame.index
    rejections = _Rejections(index)
    rejections.add(
        totals_rows(frame) | frame.get("_totals", pd.Series(False, index=index)),
        "claim_id",
        "totals row, not a remittance line",
    )
    rejections.add(frame.get("_shifted", pd.Series(False, index=index)), "claim_id", SHIFTED_REASON)
    out = pd.DataFrame(index=index)
    out["claim_id"] = nz.text(frame["claim_id"])
    out["payer_id"] = nz.text(frame["payer_id"])
    out["payer_name"] = nz.text(frame["payer_name"])
    out["rendering_npi"] = nz.npi(frame["rendering_npi"])
    composite = nz.composite_procedure(frame["procedure_code"])
    out["procedure_code"] = composite["procedure_code"]
    for n in range(1, 5):
        out[f"modifier_{n}"] = composite[f"modifier_{n}"]
    out["trace_number"] = nz.text(frame["trace_number"])
    out["source_row"] = frame["source_row"]
    for name in ("patient_id", "patient_name", "patient_dob"):
        out[name] = frame[name]

    adjudication, adjudication_error = nz.dates(frame["adjudication_date"])
    billed, billed_error = nz.money(frame["billed_amount"])
    paid, paid_error = nz.money(frame["paid_amount"])
    out["adjudication_date"] = adjudication
    out["billed_amount"] = billed
    out["paid_amount"] = paid

    rejections.add(out["claim_id"].isna(), "claim_id", "missing claim_id")
    rejections.add(out["payer_id"].isna() & out["payer_name"].isna(), "payer", "missing payer")
    rejections.add(
        adjudication_error.notna(), "adjudication_date", "adjudication_date " + adjudication_error.fillna("")
    )
    rejections.add(billed_error.notna(), "billed_amount", "billed_amount " + billed_error.fillna(""))
    rejections.add(paid_error.notna(), "paid_amount", "paid_amount " + paid_error.fillna(""))

    if frame["line_no"].notna().any():
        line, line_error = nz.number(frame["line_no"])
        bad = line_error.notna() | (line.notna() & ((line % 1 != 0) | (line <= 0)))
        rejections.add(bad, "line_no", "line_no is not a whole number above 0")
        out["line_no"] = line.where(~bad, np.nan)
    else:
        out["line_no"] = np.nan

    # Adjustments, one long frame: (row, slot, item) -> position later.
    adjustment_parts = []
    for slot, (carc_col, group_col, amount_col) in enumerate(_slots(frame)):
        items = nz.adjustment_items(frame[carc_col])
        unreadable = items.isna()
        rejections.add(
            unreadable, carc_col, "reason code cell not readable: " + nz.text(frame[carc_col]).fillna("")
        )
        group = nz.group_code(frame[group_col])
        bad_group = group.isna() & nz.text(frame[group_col]).notna()
        rejections.add(bad_group, group_col, "unknown group code: " + nz.text(frame[group_col]).fillna(""))
        amount, amount_error = nz.money(frame[amount_col])
        rejections.add(amount_error.notna(), amount_col, amount_col + " " + amount_error.fillna(""))
        for label, cell_items, row_group, row_amount in zip(index, items, group, amount, strict=True):
            if not cell_items:
                if row_amount == row_amount and row_amount is not None and row_amount != 0:
                    adjustment_parts.append((label, slot, 0, row_group, None, row_amount))
                continue
            for k, (item_group, carc) in enumerate(cell_items):
                value = row_amount if k == 0 and row_amount == row_amount else None
                adjustment_parts.append((label, slot, k, item_group or row_group, carc, value))
    adjustments = pd.DataFrame(
        adjustment_parts, columns=["row", "slot", "item", "group_code", "carc", "amount"]
    )
    notes = _reductions_as_positive(adjustments)

    remark_parts = []
    if frame["rarcs"].notna().any():
        spread = nz.split_list(frame["rarcs"], 20)
        for label, values in zip(index, spread.itertuples(index=False, name=None), strict=True):
            remark_parts += [(label, 0, k, v) for k, v in enumerate(values) if v]
    for n in range(1, SLOTS + 1):
        values = nz.code(frame[f"rarc_{n}"])
        remark_parts += [(label, n, 0, v) for label, v in values.dropna().items()]
    remarks = pd.DataFrame(remark_parts, columns=["row", "slot", "item", "rarc"])

    has_adjustment = pd.Series(index.isin(adjustments["row"]), index=index)
    rejections.add(
        out["paid_amount"].isna() & ~has_adjustment, "paid_amount", "no paid amount and no adjustment"
    )

    status = nz.claim_status(frame["claim_status"], extra=(labels or {}).get("claim_status"))
    derived = pd.Series(
        np.select(
            [out["paid_amount"] > 0, out["paid_amount"] < 0, out["paid_amount"] == 0],
            ["paid", "reversed", "denied"],
            default=None,
        ),
        index=index,
        dtype=object,
    )
    out["claim_status"] = status.where(status.notna(), derived).astype(object)
    return NormalisedRemitRows(out, adjustments, remarks, rejections.reason, rejections.column, notes)


def _reductions_as_positive(adjustments: pd.DataFrame) -> list[str]:
    """An export that writes every adjustment as a negative amount ('(24.00)': what the adjustment took
    off the payment) means what an 835's CAS amount means with the sign turned: read it that way, and
    say so. A file with any positive adjustment keeps its signs (a negative one is then a reversal)."""
    amounts = pd.to_numeric(adjustments["amount"], errors="coerce")
    if (amounts < 0).sum() < 2 or (amounts > 0).any():
        return []
    adjustments["amount"] = adjustments["amount"].map(lambda v: -v if v is not None and v == v else v)
    return [
        f"every adjustment amount in the file is negative ({int((amounts < 0).sum())} of them): they are read "
        "as the amounts the adjustments took off the payment, positive as in an 835"
    ]


def _as_text(series: pd.Series) -> pd.Series:
    """Text for building keys: missing -> '' (pandas 3 astype(str) keeps NaN)."""
    return series.astype(object).where(series.notna(), "").map(str).astype(object)


LINE_KEY = ["payer_id", "claim_id", "line_no", "procedure_code", "adjudication_date", "claim_status", "paid_amount",
            "billed_amount"]  # fmt: skip


def group_remit_lines(
    rows: NormalisedRemitRows, accepted: pd.Series, upload_id: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    """(lines, adjustments, remarks, duplicate reason per row) from the accepted rows.

    Rows sharing a line key are one line (amounts counted once). A row whose line key and adjustments
    equal an earlier row's is a duplicate in the same file.
    """
    frame = rows.frame.loc[accepted]
    key = pd.DataFrame({c: _as_text(frame[c]) for c in LINE_KEY}, index=frame.index)
    line_ref = pd.Series(pd.factorize(pd.MultiIndex.from_frame(key))[0], index=frame.index, dtype="int64")
    adjustments = rows.adjustments[rows.adjustments["row"].isin(frame.index)].copy()
    remarks = rows.remarks[rows.remarks["row"].isin(frame.index)].copy()

    # Duplicate rows: same line and same adjustment/remark content as an earlier row.
    ordered = adjustments.sort_values(["row", "slot", "item"])
    pieces = (
        _as_text(ordered["group_code"]) + "/" + _as_text(ordered["carc"]) + "/" + _as_text(ordered["amount"])
    )
    adjustment_sig = pieces.groupby(ordered["row"]).agg("|".join) if len(ordered) else pd.Series(dtype=object)
    remark_sig = (
        _as_text(remarks.sort_values(["row", "slot", "item"])["rarc"]).groupby(remarks["row"]).agg("|".join)
        if len(remarks)
        else pd.Series(dtype=object)
    )
    signature = (
        line_ref.astype(str)
        + "#"
        + adjustment_sig.reindex(frame.index).fillna("")
        + "#"
        + remark_sig.reindex(frame.index).fillna("")
    )
    duplicate = signature.duplicated(keep="first")
    first_row = frame["source_row"].groupby(signature).transform("first")
    dup_reason = pd.Series(None, index=rows.frame.index, dtype=object)
    dup_reason[duplicate[duplicate].index] = (
        "duplicate of row " + first_row[duplicate].astype("int64").astype(str) + " in the same file"
    )
    keep = ~duplicate
    frame = frame.loc[keep]
    line_ref = line_ref.loc[keep]
    adjustments = adjustments[adjustments["row"].isin(frame.index)]
    remarks = remarks[remarks["row"].isin(frame.index)]

    first = frame.assign(line_ref=line_ref).groupby("line_ref", sort=True).first()
    source = first["trace_number"].where(first["trace_number"].notna(), f"upload:{upload_id}")
    claim_key = (
        str(upload_id)
        + "|"
        + first["payer_id"].astype(str)
        + "|"
        + first["claim_id"].astype(str)
        + "|"
        + first["adjudication_date"].astype(str)
    )
    lines = pd.DataFrame(
        {
            "line_ref": first.index.astype("int64"),
            "payer_id": first["payer_id"].to_numpy(),
            "claim_id": first["claim_id"].to_numpy(),
            "line_no": first["line_no"].to_numpy(),
            "ref_6r": None,
            "line_position": None,
            "claim_status": first["claim_status"].to_numpy(),
            "rendering_npi": first["rendering_npi"].to_numpy(),
            "adjudication_date": first["adjudication_date"].to_numpy(),
            "procedure_code": first["procedure_code"].to_numpy(),
            "billed_amount": first["billed_amount"].to_numpy(),
            "paid_amount": first["paid_amount"].to_numpy(),
            "remit_claim_key": claim_key.to_numpy(),
            "source": source.to_numpy(),
            "source_row": first["source_row"].to_numpy(),
        }
    )
    row_to_ref = line_ref
    adjustments = adjustments.assign(line_ref=adjustments["row"].map(row_to_ref)).sort_values(
        ["line_ref", "row", "slot", "item"]
    )
    adjustments["position"] = adjustments.groupby("line_ref").cumcount() + 1
    adjustments["level"] = "line"
    remarks = remarks.assign(line_ref=remarks["row"].map(row_to_ref)).sort_values(
        ["line_ref", "row", "slot", "item"]
    )
    remarks = remarks.drop_duplicates(["line_ref", "rarc"])
    remarks["position"] = remarks.groupby("line_ref").cumcount() + 1
    remarks["level"] = "line"
    return (
        lines,
        adjustments[["line_ref", "position", "level", "group_code", "carc", "amount"]].reset_index(drop=True),
        remarks[["line_ref", "position", "level", "rarc"]].reset_index(drop=True),
        dup_reason,
    )
