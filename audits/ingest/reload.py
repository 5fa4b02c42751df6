"""Held rows loaded again (SPEC 2, 7): rows rejected for "unknown payer: NAME" wait in rejected_rows
until their payer resolves (a confirmed alias, a roster that defines the payer); then they load again
from rejected_rows alone, as a new upload per original upload and sheet (its kind, its column mapping),
through the same batches and upload transaction as a file.

Held 835 lines keep their adjustments and remarks in raw_row (`__adjustments__`, `__remarks__`); held
export rows keep their source cells (patient cells as keyed hashes, the row's patient key and birth
year as `__patient_key__` / `__patient_birth_year__`).
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import pandas as pd

from audits.errors import InputError
from audits.ingest import claims as claims_mod
from audits.ingest import mapping as mapping_mod
from audits.ingest import upload
from audits.ingest.batch import (
    ADJUSTMENTS_FIELD,
    CANONICAL_FIELD,
    REMARKS_FIELD,
    Batch,
    Incoming,
    claim_lines_batch,
    claims_batch,
    remit_lines_batch,
    remits_batch,
)
from audits.ingest.patients import BIRTH_YEAR_FIELD, PATIENT_KEY_FIELD
from audits.ingest.payers import UNKNOWN_PAYER, PayerDirectory
from audits.ingest.readers import RawSheet
from audits.ingest.upload import UploadResult

Record = tuple[str, int, dict]  # (sheet, row_number, raw_row)


def reload_rejected(con: duckdb.DuckDBPyConnection, upload_id: int | None = None) -> UploadResult:
    """Load again the rows held for "unknown payer" whose payer now resolves (of one upload, or of all).

    Each original upload's resolvable held rows become one new upload (its kind, its column mapping);
    those rows get resolved_by_upload = that upload. Rows whose payer still resolves to nothing stay
    held, untouched. With several uploads involved, the result adds their counts up (upload_id is the
    last new upload; `sheets` lists all of them as 'upload N'). Claims and remits exports, 837 and 835.
    """
    params: list = []
    where = f"r.resolved_by_upload IS NULL AND r.reason LIKE '{UNKNOWN_PAYER}:%'"
    if upload_id is not None:
        where += " AND r.upload_id = ?"
        params.append(upload_id)
    held = con.execute(
        "SELECT r.upload_id, u.kind, u.mapping_json, r.sheet, r.row_number, r.raw_row FROM rejected_rows r "  # noqa: S608
        f"JOIN uploads u ON u.upload_id = r.upload_id WHERE {where} ORDER BY r.upload_id, r.sheet, r.row_number",
        params,
    ).fetchall()
    if not held:
        raise InputError(
            "There are no rows held for an unknown payer" + (f" in upload {upload_id}." if upload_id else ".")
        )
    directory = PayerDirectory(con)
    groups: dict[tuple[int, str], list] = {}
    for row in held:
        groups.setdefault((row[0], row[3]), []).append(row)
    results = []
    for (origin, sheet), rows in groups.items():
        kind, mapping_json = rows[0][1], rows[0][2]
        records = [(s, n, json.loads(r)) for _u, _k, _m, s, n, r in rows]
        result = _reload_group(con, directory, origin, sheet, kind, mapping_json, records)
        if result is not None:
            results.append(result)
    if not results:
        raise InputError(
            f"None of the {len(held)} held rows' payers resolve yet - confirm which payer each name means first."
        )
    if len(results) == 1:
        return results[0]
    total = UploadResult(results[-1].upload_id, "held rows reloaded", results[0].kind, "loaded")
    if len({r.kind for r in results}) > 1:
        total.kind = "mixed"
    for r in results:
        total.rows_read += r.rows_read
        total.rows_loaded += r.rows_loaded
        total.rows_rejected += r.rows_rejected
        total.sheets.append(f"upload {r.upload_id}")
        total.unknown_payers.update(r.unknown_payers)
    total.message = " | ".join(f"upload {r.upload_id}: {r.message}" for r in results)
    return total


def _resolvable(directory: PayerDirectory, frame: pd.DataFrame) -> pd.Series:
    ids = frame["payer_id"] if "payer_id" in frame else pd.Series(None, index=frame.index, dtype=object)
    names = frame["payer_name"] if "payer_name" in frame else pd.Series(None, index=frame.index, dtype=object)
    resolved, _label = directory.resolve(ids.astype(object), names.astype(object))
    return resolved.notna()


def _subset(batch: Batch, keep: pd.Series) -> Batch:
    """The batch's rows where keep holds (remittance adjustments and remarks with their rows)."""
    labels = batch.frame.index[keep]
    batch.frame = batch.frame.loc[labels]
    batch.reason = batch.reason.loc[labels]
    batch.column = batch.column.loc[labels]
    batch.codes = {}
    if batch.kind == "remits":
        batch.adjustments = batch.adjustments[batch.adjustments["row"].isin(labels)]
        batch.remarks = batch.remarks[batch.remarks["row"].isin(labels)]
    return batch


def _reload_group(
    con, directory, origin, sheet, kind, mapping_json, records: list[Record]
) -> UploadResult | None:
    name = f"held rows of upload {origin}"
    if kind in ("claims", "837", "remits"):
        batch = _batch_from_records(records, mapping_json, "remits" if kind == "remits" else "claims")
        keep = _resolvable(directory, batch.frame)
        if not keep.any():
            return None
        batch = _subset(batch, keep)
        reloaded = [(origin, sheet, int(n)) for n in batch.frame["source_row"]]
        incoming = Incoming(name, kind, _reload_sha(reloaded), [batch], mapping_json, reloaded=reloaded)
        load = upload.load_remits if kind == "remits" else upload.load_claims
        return load(con, incoming)
    if kind == "835":
        taken = [r for r in records if directory.resolve_one(r[2].get("payer_id"), r[2].get("payer_name"))]
        if not taken:
            return None
        reloaded = [(origin, sheet, n) for _s, n, _r in taken]
        incoming = Incoming(name, "835", _reload_sha(reloaded), [_835_batch(taken, sheet)], reloaded=reloaded)
        return upload.load_835(con, incoming)
    raise InputError(f"Held rows of a {kind} upload are reloaded by loading the corrected file again.")


def _reload_sha(reloaded: list[tuple[int, str, int]]) -> str:
    return hashlib.sha256(("reload|" + "|".join(f"{u}:{s}:{n}" for u, s, n in reloaded)).encode()).hexdigest()


def _records_sheet(records: list[Record]) -> tuple[RawSheet, list[str]]:
    """A raw sheet (header row + the held rows, each at its source row number) from raw_row JSON."""
    headers: list[str] = []
    for _s, _n, raw in records:
        for header in raw:
            if header not in headers:
                headers.append(header)
    rows = [headers] + [[raw.get(h) for h in headers] for _s, _n, raw in records]
    index = [0] + [int(n) - 1 for _s, n, _r in records]
    frame = pd.DataFrame(rows, index=index, dtype=object)
    return RawSheet(records[0][0], frame), headers


def _mapping_for_reload(mapping_json: str | None, headers: list[str]) -> mapping_mod.MappingOverride:
    data = json.loads(mapping_json) if mapping_json else {}
    if data and "columns" not in data and all(isinstance(v, dict) for v in data.values()):
        merged: dict[str, str] = {}
        for columns in data.values():
            merged.update(columns)
        data = {"columns": merged}
    override = mapping_mod.coerce_override(data or None)
    extra = {PATIENT_KEY_FIELD: "patient_key", BIRTH_YEAR_FIELD: "patient_birth_year"}
    for header, canonical in extra.items():
        if header in headers:
            override.columns[canonical] = header
    return override


def _batch_from_records(records: list[Record], mapping_json: str | None, kind: str) -> Batch:
    """Held rows of a claims / remits export (or of an 837) as the batch their file gave."""
    if records[0][2].get(CANONICAL_FIELD):  # an 837's lines: canonical cells
        frame = pd.DataFrame([raw for _s, _n, raw in records], dtype=object)
        frame.index = pd.Index([int(n) for _s, n, _r in records])
        frame["source_row"] = frame.index
        batch = claim_lines_batch(frame, records[0][0])
        batch.frame.index = frame.index
        batch.reason.index = batch.column.index = frame.index
        for extra in (PATIENT_KEY_FIELD, BIRTH_YEAR_FIELD):
            batch.frame[extra] = frame.get(extra)
        batch.records = lambda labels: [frame.loc[i].dropna().to_dict() for i in labels]
        batch.patient_headers = frozenset()
        return batch
    sheet, headers = _records_sheet(records)
    mapped = mapping_mod.map_columns(sheet.frame, kind, _mapping_for_reload(mapping_json, headers))
    batch = claims_batch(sheet, mapped) if kind == "claims" else remits_batch(sheet, mapped)
    rows = claims_mod.sheet_rows(sheet, mapped)
    for canonical, field_name in (
        ("patient_key", PATIENT_KEY_FIELD),
        ("patient_birth_year", BIRTH_YEAR_FIELD),
    ):
        match = mapped.columns.get(canonical)
        batch.frame[field_name] = rows.body[match.position] if match else None
    return batch


def _835_batch(records: list[Record], sheet: str) -> Batch:
    lines, adjustments, remarks = [], [], []
    for ref, (_sheet, row_number, raw) in enumerate(records):
        line = {k: v for k, v in raw.items() if not k.startswith("__")}
        line["line_ref"] = ref
        line["source_row"] = row_number
        lines.append(line)
        adjustments += [{**a, "line_ref": ref} for a in raw.get(ADJUSTMENTS_FIELD, [])]
        remarks += [{**m, "line_ref": ref} for m in raw.get(REMARKS_FIELD, [])]
    line_frame = pd.DataFrame(lines, dtype=object)
    for column in ("payer_id", "payer_name", "ref_6r", "line_position", "rendering_npi", "source"):
        if column not in line_frame.columns:
            line_frame[column] = None
    adjustment_frame = pd.DataFrame(
        adjustments, columns=["line_ref", "position", "level", "group_code", "carc", "amount"]
    )
    remark_frame = pd.DataFrame(remarks, columns=["line_ref", "position", "level", "rarc"])
    return remit_lines_batch(line_frame, adjustment_frame, remark_frame, sheet)
