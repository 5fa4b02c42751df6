"""The upload transaction (SPEC 7): one upload's batches in, in ONE transaction the uploads row, its
rejected rows, its counts and its table rows out. Any failure rolls the whole upload back.

Every kind ends here: claims and remittance exports, 835s, 837s, held rows loaded again (reload.py)
and credentialing workbooks (roster.snapshots does the table work). On the way, each batch's payers are
resolved (payers.PayerDirectory, the only resolver), its patient identifiers keyed (patients.py) and
its rejected rows kept with their hashed cells.

Decisions (SPEC leaves them open):
- rows_read counts data rows under the header (blank rows skipped); rows_read = rows_loaded +
  rows_rejected always. For an 835, a "row" is a remitted service line (or a claim payment without
  service lines); for an 837, a service line.
- A claims/remits/835/837 file whose sha256 equals a file already loaded (status 'loaded', any of
  those kinds) is recorded as a 'duplicate' upload and not read.
- A roster upload identical to the current snapshot is a 'duplicate' with zero counts and no rejected
  rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd

from audits import audit_log, privacy
from audits.ingest import guards, tables
from audits.ingest import remits as remits_mod
from audits.ingest.batch import Batch, Incoming
from audits.ingest.normalize import cell_text
from audits.ingest.patients import RawRowHasher, patient_columns, patient_columns_coded
from audits.ingest.payers import UNKNOWN_PAYER, PayerDirectory, held_name_from_reason
from audits.store import transaction

Progress = Callable[[float, str], None] | None


@dataclass
class UploadResult:
    upload_id: int | None
    file_name: str
    kind: str | None
    status: str  # loaded | duplicate | failed (| undone, in the uploads table)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""
    mapping: dict[str, tuple[str, float]] = field(default_factory=dict)  # canonical -> (header, confidence)
    unknown_payers: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # where recognition was unsure, and the checks
    checks: list[str] = field(default_factory=list)  # plausibility guards (guards.py): what to check
    rejection_reasons: dict[str, int] = field(default_factory=dict)  # reason (without detail) -> rows
    sheets: list[str] = field(default_factory=list)
    snapshot_id: int | None = None
    sha256: str | None = None
    duplicate_of: int | None = None
    # held rows this upload made loadable (a roster defining their payer): loaded again as new uploads
    reloaded: list[UploadResult] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """What happened, in words (the uploads table keeps it too): loaded | loaded with rows held |
        nothing loaded (held) | nothing loaded | duplicate | failed."""
        return outcome(self.status, self.rows_read, self.rows_loaded, self.rows_rejected)

    def summary(self) -> str:
        return (
            f"{self.file_name}: kind={self.kind} read={self.rows_read} loaded={self.rows_loaded} "
            f"rejected={self.rows_rejected} duplicate={'yes' if self.status == 'duplicate' else 'no'}"
        )


class RejectedRow(NamedTuple):
    sheet: str
    row_number: int
    raw_row: dict
    column: str | None
    reason: str
    held_payer: str | None = None  # the payer as written, for a row held for an unknown payer
    service_date: object = None  # a claim line's date of service as read (its audit month)


OUTCOMES = ("loaded", "loaded with rows held", "nothing loaded (held)", "nothing loaded", "duplicate", "failed",
            "undone")  # fmt: skip


def outcome(status: str, rows_read: int, rows_loaded: int, rows_rejected: int) -> str:
    """An upload's outcome in words from its status and counts (OUTCOMES)."""
    if status in ("duplicate", "failed", "undone"):
        return status
    if rows_loaded and rows_rejected:
        return "loaded with rows held"
    if rows_loaded or not rows_read:
        return "loaded" if rows_loaded else "nothing loaded"
    return "nothing loaded (held)"


# --------------------------------------------------------------------------------------------
# bookkeeping


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def report(progress: Progress, fraction: float, message: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def next_upload_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT nextval('upload_id_seq')").fetchall()[0][0])


def insert_upload(con: duckdb.DuckDBPyConnection, result: UploadResult, sha: str, mapping_json: str | None,
                   uploaded_by: str | None, reload_of: int | None = None) -> None:  # fmt: skip
    con.execute(
        "INSERT INTO uploads (upload_id, file_name, sha256, kind, status, rows_read, rows_loaded, rows_rejected, "
        "message, mapping_json, snapshot_id, uploaded_by, outcome, reload_of) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.upload_id, result.file_name, sha, result.kind, result.status, result.rows_read, result.rows_loaded,
         result.rows_rejected, result.message, mapping_json, result.snapshot_id, uploaded_by, result.outcome,
         reload_of],
    )  # fmt: skip
    audit_log.record(con, "duplicate upload" if result.status == "duplicate" else "upload",  # the trail (#14)
                     f"{result.kind} {result.file_name}", rows=result.rows_loaded, sha256=sha)  # fmt: skip


_JSON = json.JSONEncoder(default=str, ensure_ascii=True)  # json.dumps(value, default=str), made once


def record_rejected(con: duckdb.DuckDBPyConnection, upload_id: int, rows: Iterable) -> int:
    """Write rejected rows: each (sheet, row_number, raw_row dict, column, reason) or a RejectedRow.

    Call inside the upload's transaction. raw_row must already hold no raw patient identifier (the
    upload paths hash them before calling this).
    """
    sheets, numbers, raws, columns, reasons, payers, dates = [], [], [], [], [], [], []
    for row in rows:
        row = tuple(row)
        sheet, row_number, raw_row, column, reason = row[:5]
        sheets.append(str(sheet or ""))
        numbers.append(int(row_number))
        raws.append(_JSON.encode(raw_row))
        columns.append(None if column is None else str(column))
        reasons.append(str(reason))
        payers.append(row[5] if len(row) > 5 else None)
        dates.append(row[6] if len(row) > 6 else None)
    if not numbers:
        return 0
    import pyarrow as pa

    payers = _held_payers(payers, reasons)
    dates = _dates(dates)

    table = pa.table(
        {
            "row_number": pa.array(numbers, type=pa.int32()),
            "sheet": pa.array(sheets, type=pa.string()),
            "raw_row": pa.array(raws, type=pa.string()),
            "column_name": pa.array(columns, type=pa.string()),
            "reason": pa.array(reasons, type=pa.string()),
            "held_payer": pa.array(payers, type=pa.string()),
            "service_date": dates,
        }
    )
    con.register("_rejected_incoming", table)
    try:
        con.execute(
            "INSERT INTO rejected_rows (upload_id, row_number, sheet, raw_row, column_name, reason, held_payer, "
            "service_date) SELECT ?, row_number, sheet, raw_row, column_name, reason, held_payer, service_date "
            "FROM _rejected_incoming",
            [upload_id],
        )
    finally:
        con.unregister("_rejected_incoming")
    return len(numbers)


def _held_payers(written: list, reasons: list[str]) -> list[str | None]:
    """The payer name each row is held for (None unless its reason is the unknown-payer one); each
    distinct name is looked at once."""
    prefix = UNKNOWN_PAYER + ":"
    seen: dict[tuple, str | None] = {}
    out = []
    for name, reason in zip(written, reasons, strict=True):
        if not reason.startswith(prefix):
            out.append(None)
            continue
        key = (name, reason if name is None else None)
        if key not in seen:
            seen[key] = _held_payer(name, reason)
        out.append(seen[key])
    return out


def _held_payer(written: object, reason: str) -> str | None:
    text = cell_text(written)
    return text if text is not None else held_name_from_reason(reason)


def _dates(values: list):
    """An Arrow date array of date-like values (None / unreadable: null), converted together."""
    import pyarrow as pa

    if all(v is None for v in values):
        return pa.nulls(len(values), type=pa.date32())
    stamps = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
    return pa.array(stamps.to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns"), from_pandas=True).cast(
        pa.date32()
    )


def reason_counts(reasons: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in reasons:
        head = str(reason).split(":", 1)[0].split(" - ", 1)[0]
        if head.startswith("duplicate of row"):
            head = "duplicate row in the same file"
        counts[head] = counts.get(head, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def message(result: UploadResult, extra: str = "") -> str:
    parts = [f"{result.rows_loaded} of {result.rows_read} rows loaded"]
    if extra:
        parts.append(extra)
    if result.rows_rejected:
        reasons = ", ".join(f"{n} {r}" for r, n in list(result.rejection_reasons.items())[:4])
        parts.append(f"{result.rows_rejected} rejected ({reasons})")
    if result.unknown_payers:
        parts.append("unknown payers: " + ", ".join(sorted(result.unknown_payers)))
    if result.problems:
        parts.append(f"{len(result.problems)} problems: " + "; ".join(result.problems[:5]))
    return "; ".join(parts) + "."


def earlier_upload(con: duckdb.DuckDBPyConnection, sha: str) -> tuple[int, str] | None:
    """(upload_id, kind) of the first event upload loaded from the same bytes, or None."""
    earlier = con.execute(
        "SELECT upload_id, kind FROM uploads WHERE sha256 = ? AND status = 'loaded' AND kind <> 'roster' "
        "ORDER BY upload_id LIMIT 1",
        [sha],
    ).fetchall()
    return (int(earlier[0][0]), str(earlier[0][1])) if earlier else None


def record_duplicate(
    con, file_name: str, sha: str, kind: str, earlier: int, uploaded_by: str | None
) -> UploadResult:
    with transaction(con):
        result = UploadResult(
            next_upload_id(con),
            file_name,
            kind,
            "duplicate",
            message=f"identical to upload {earlier}, already loaded: nothing changed",
            sha256=sha,
            duplicate_of=earlier,
        )
        insert_upload(con, result, sha, None, uploaded_by)
    return result


def mark_resolved(con: duckdb.DuckDBPyConnection, rows: list[tuple[int, str, int]], upload_id: int) -> None:
    """The held rows an upload loaded again point to it (they leave the held list)."""
    frame = pd.DataFrame(rows, columns=["upload_id", "sheet", "row_number"]).astype({"sheet": object})
    con.register("_resolved_rows", frame)
    try:
        con.execute(
            "UPDATE rejected_rows SET resolved_by_upload = ? WHERE EXISTS (SELECT 1 FROM _resolved_rows r "
            "WHERE r.upload_id = rejected_rows.upload_id AND r.sheet = rejected_rows.sheet "
            "AND r.row_number = rejected_rows.row_number)",
            [upload_id],
        )
    finally:
        con.unregister("_resolved_rows")


def _finish(con, result: UploadResult, rejected: list[RejectedRow], extra: str, incoming: Incoming) -> None:
    """The end of an event upload's transaction, after its rows (result.rows_loaded set): the rejected
    rows, the counts and message, the held rows it loaded again, the uploads row."""
    result.rows_rejected = record_rejected(con, result.upload_id, rejected)
    result.rejection_reasons = reason_counts(r.reason for r in rejected)
    result.message = message(result, extra=extra)
    held = sum(1 for r in rejected if r.reason.startswith(UNKNOWN_PAYER + ":"))
    _add_checks(result, guards.held_share(result.rows_read, result.rows_rejected, held))
    reload_of = None
    if incoming.reloaded:
        mark_resolved(con, incoming.reloaded, result.upload_id)
        reload_of = incoming.reloaded[0][0]
    insert_upload(con, result, result.sha256, incoming.mapping_json, incoming.uploaded_by, reload_of)


def _add_checks(result: UploadResult, checks: list[str]) -> None:
    result.checks += checks
    result.warnings += checks


def _result(incoming: Incoming, kind: str) -> UploadResult:
    result = UploadResult(
        None, incoming.file_name, kind, "loaded", mapping=incoming.proposal, sha256=incoming.sha256
    )
    result.sheets = [b.sheet for b in incoming.batches]
    result.problems = list(incoming.problems)
    result.warnings = list(incoming.warnings)
    result.rows_read = sum(b.rows_read for b in incoming.batches)
    return result


# --------------------------------------------------------------------------------------------
# payers and patients of a batch


def _resolve_payers(directory: PayerDirectory, batch: Batch) -> pd.Series:
    """The resolved payer_id per row; rows whose payer resolves to nothing get the unknown-payer reason
    (where they had none yet), and their names go to batch.unknown_payers with close matches."""
    frame = batch.frame
    resolved, label = directory.resolve(frame["payer_id"].astype(object), frame["payer_name"].astype(object))
    unresolved = resolved.isna() & batch.reason.isna()
    if unresolved.any():
        for name in label[unresolved].dropna().unique():
            batch.unknown_payers.setdefault(name, directory.suggest(name))
        batch.payer_label = label.astype(object)
        batch.reason[unresolved] = label[unresolved].map(directory.unknown_reason)
        batch.column[unresolved] = "payer"
    return resolved


def _rejected_rows(batch: Batch, labels: pd.Index, keys: pd.Series | None, years: pd.Series | None,
                   hasher: RawRowHasher | None) -> list[RejectedRow]:  # fmt: skip
    """The rejected rows of `labels`: their records (patient cells hashed by `hasher`, which also adds
    the row's patient key and birth year), reason and column."""
    if not len(labels):
        return []
    records = batch.records(labels)
    numbers = batch.frame.loc[labels, "source_row"].astype("int64").tolist()
    columns = batch.column.loc[labels].tolist()
    reasons = batch.reason.loc[labels].tolist()
    none = [None] * len(labels)
    if hasher is not None:  # patient cells hashed, and a shifted row's reason quotes no cell (#14)
        reasons = [hasher.reason(r, why) for r, why in zip(records, reasons, strict=True)]
        keys_ = keys.loc[labels].tolist() if keys is not None else none
        years_ = years.loc[labels].tolist() if years is not None else none
        records = [hasher(r, k, y) for r, k, y in zip(records, keys_, years_, strict=True)]
    payers = batch.payer_label.loc[labels].tolist() if batch.payer_label is not None else none
    dates = batch.frame.loc[labels, "date_of_service"].tolist() if "date_of_service" in batch.frame else none
    return [
        RejectedRow(batch.sheet, number, record, column, reason, payer, date)
        for number, record, column, reason, payer, date in zip(
            numbers, records, columns, reasons, payers, dates, strict=True
        )
    ]


def _hasher(batch: Batch, key: bytes) -> RawRowHasher:
    kept = None if batch.kind == "835" else set(batch.kept_headers)
    return RawRowHasher(set(batch.patient_headers), key, kept)


# --------------------------------------------------------------------------------------------
# claims (exports, 837s, held rows of either)


def load_claims(
    con: duckdb.DuckDBPyConnection, incoming: Incoming, progress: Progress = None
) -> UploadResult:
    directory = PayerDirectory(con)
    key = privacy.hmac_key()
    accepted_frames, rejected = [], []
    result = _result(incoming, incoming.kind)
    staged = 0
    key_codes, ok = None, None
    for batch in incoming.batches:
        if batch.settled:  # set-based: payers and patients done in SQL, frame = the rejected rows
            staged += batch.staged or 0
            frame = batch.frame
            labels = frame.index
            rejected += _rejected_rows(
                batch, labels, frame["patient_key"], frame["patient_birth_year"], _hasher(batch, key)
            )
            result.unknown_payers.update(batch.unknown_payers)
            continue
        frame = batch.frame
        resolved = _resolve_payers(directory, batch)
        result.unknown_payers.update(batch.unknown_payers)
        patient_key, birth_year, key_codes = patient_columns_coded(frame)
        ok = batch.reason.isna()
        accepted_frames.append(
            frame.loc[ok].assign(
                payer_id=resolved[ok], patient_key=patient_key[ok], patient_birth_year=birth_year[ok]
            )
        )
        bad = batch.reason.index[~ok]
        rejected += _rejected_rows(batch, bad, patient_key, birth_year, _hasher(batch, key))
    incoming_rows = pd.concat(accepted_frames) if accepted_frames else pd.DataFrame()
    encoded = {}
    if len(incoming.batches) == 1 and not incoming.batches[0].settled:
        codes = dict(incoming.batches[0].codes)
        if key_codes is not None:
            codes["patient_key"] = key_codes
        encoded = tables.dictionary_columns(codes, ok.to_numpy())
    report(progress, 0.65, f"{incoming.file_name}: writing {len(incoming_rows) + staged} claim lines")
    with transaction(con):
        result.upload_id = next_upload_id(con)
        if staged:
            result.rows_loaded, changed = tables.upsert_new_lines(con, staged, result.upload_id)
        else:
            result.rows_loaded, changed = tables.upsert_claim_lines(
                con, incoming_rows, result.upload_id, encoded
            )
        extra = f"{changed['new']} new, {changed['changed']} corrected, {changed['unchanged']} unchanged claim lines"
        _finish(con, result, rejected, extra, incoming)
    report(progress, 1.0, result.summary())
    return result


# --------------------------------------------------------------------------------------------
# remittances (exports, 835s, held rows of either)


def load_remits(
    con: duckdb.DuckDBPyConnection, incoming: Incoming, progress: Progress = None
) -> UploadResult:
    """Remittance export rows: grouped into remitted lines (amounts counted once per line), matched to
    their claim line by procedure code when the export has no line number, inserted as events."""
    directory = PayerDirectory(con)
    key = privacy.hmac_key()
    rejected: list[RejectedRow] = []
    line_frames, adjustment_frames, remark_frames = [], [], []
    ref_offset = 0
    result = _result(incoming, "remits")
    with transaction(con):
        result.upload_id = next_upload_id(con)
        for batch in incoming.batches:
            frame = batch.frame
            frame["payer_id"] = _resolve_payers(directory, batch)
            result.unknown_payers.update(batch.unknown_payers)
            norm = remits_mod.NormalisedRemitRows(
                frame, batch.adjustments, batch.remarks, batch.reason, batch.column
            )
            lines, adjustments, remarks, dup_reason = remits_mod.group_remit_lines(
                norm, batch.reason.isna(), result.upload_id
            )
            dup = dup_reason.notna() & batch.reason.isna()
            batch.reason[dup] = dup_reason[dup]
            batch.column[dup] = "claim_id"
            for part in (lines, adjustments, remarks):
                part["line_ref"] += ref_offset
            ref_offset = int(lines["line_ref"].max()) + 1 if len(lines) else ref_offset
            line_frames.append(lines)
            adjustment_frames.append(adjustments)
            remark_frames.append(remarks)
            bad = batch.reason.index[batch.reason.notna()]
            if len(bad):
                patient_key, birth_year = patient_columns(frame.loc[bad])
                rejected += _rejected_rows(batch, bad, patient_key, birth_year, _hasher(batch, key))
        lines = pd.concat(line_frames, ignore_index=True)
        adjustments = pd.concat(adjustment_frames, ignore_index=True)
        remarks = pd.concat(remark_frames, ignore_index=True)
        tables.match_export_lines(con, lines)
        stats = tables.insert_remits(con, lines, adjustments, remarks, result.upload_id)
        result.rows_loaded = result.rows_read - len(rejected)
        extra = f"{stats['new']} new remitted lines, {stats['known']} already loaded"
        _finish(con, result, rejected, extra, incoming)
    report(progress, 1.0, result.summary())
    return result


def load_835(con: duckdb.DuckDBPyConnection, incoming: Incoming, progress: Progress = None) -> UploadResult:
    """Remitted lines of an 835 (or held ones): matched to their claim line by REF*6R or position."""
    directory = PayerDirectory(con)
    (batch,) = incoming.batches
    lines = batch.frame
    lines["payer_id"] = _resolve_payers(directory, batch)
    result = _result(incoming, "835")
    result.unknown_payers = dict(batch.unknown_payers)
    ok = batch.reason.isna()
    good = lines.loc[ok].copy()
    tables.match_835_lines(con, good)
    rejected = _rejected_rows(batch, lines.index[~ok], None, None, None)  # 835 lines carry no patient cells
    adjustments = batch.adjustments[batch.adjustments["line_ref"].isin(good["line_ref"])]
    remarks = batch.remarks[batch.remarks["line_ref"].isin(good["line_ref"])]
    with transaction(con):
        result.upload_id = next_upload_id(con)
        good["source"] = (
            good["source"].astype(object).where(good["source"].notna(), f"upload:{result.upload_id}")
        )
        stats = tables.insert_remits(con, good, adjustments, remarks, result.upload_id)
        result.rows_loaded = len(good)
        extra = f"{stats['new']} new remitted lines, {stats['known']} already loaded"
        _finish(con, result, rejected, extra, incoming)
    report(progress, 1.0, result.summary())
    return result


# --------------------------------------------------------------------------------------------
# credentialing workbooks


def _hashed_roster_rows(roster_batch, rejected: list) -> list:
    """A roster's rejected rows with every cell hashed unless its column is one the sheet's reading mapped
    (SPEC 7): a credentialing sheet may carry a column nobody mapped (a home address, a date of birth).
    A wide tracker's payer and credential groups are read by position, not mapped one by one: its cells
    are kept unless the header looks like a patient's (patients.looks_like_patient_header)."""
    if not rejected:
        return rejected
    key = privacy.hmac_key()
    tracker_sheets = {s.name for s in roster_batch.sheets if s.kind == "tracker"}
    hashers: dict[str, RawRowHasher] = {}
    out = []
    for row in rejected:
        hasher = hashers.get(row.sheet)
        if hasher is None:
            reading = getattr(roster_batch.readings.get(row.sheet), "chosen", None)
            kept = (
                None
                if row.sheet in tracker_sheets or reading is None
                else {c.source for c in reading.columns.values()}
            )
            hasher = hashers[row.sheet] = RawRowHasher(set(), key, kept)
        raw = hasher(dict(row.raw_row), None, None)
        out.append(row._replace(raw_row=raw, reason=hasher.reason(row.raw_row, row.reason)))
    return out


def load_roster(con: duckdb.DuckDBPyConnection, file_name: str, sha: str, roster_batch, raw_mapping: dict | None,
                uploaded_by: str | None, progress: Progress = None) -> UploadResult:  # fmt: skip
    """A parsed credentialing workbook as the new current snapshot of the tables it carries."""
    from audits.ingest.roster import apply_roster

    result = UploadResult(None, file_name, "roster", "loaded", sha256=sha)
    result.warnings = list(roster_batch.warnings)
    with transaction(con):
        result.upload_id = next_upload_id(con)
        before = guards.roster_keys(con, roster_batch.tables)
        applied = apply_roster(con, roster_batch, result.upload_id)
        result.rows_read = applied.rows_read
        result.rows_loaded = applied.rows_loaded
        result.rows_rejected = (
            0
            if applied.duplicate
            else record_rejected(con, result.upload_id, _hashed_roster_rows(roster_batch, applied.rejected))
        )
        result.snapshot_id = applied.snapshot_id
        result.sheets = list(getattr(applied, "tables", []) or [])
        result.rejection_reasons = reason_counts(r[4] for r in applied.rejected)
        if applied.duplicate:
            result.status = "duplicate"
            result.rows_read = result.rows_loaded = result.rows_rejected = 0
            result.message = (
                f"identical to the current credentialing snapshot {applied.snapshot_id}: nothing changed"
            )
        else:
            result.message = message(
                result, extra=f"snapshot {applied.snapshot_id} of {', '.join(result.sheets)}"
            )
            held = sum(1 for r in applied.rejected if str(r[4]).startswith(UNKNOWN_PAYER + ":"))
            _add_checks(result, guards.roster_removals(before, guards.roster_keys(con, applied.tables)))
            _add_checks(result, guards.held_share(result.rows_read, result.rows_rejected, held))
        insert_upload(con, result, sha, json.dumps(raw_mapping) if raw_mapping else None, uploaded_by)
    report(progress, 1.0, result.summary())
    return result
