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
from dataclasses import dataclass

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
from audits.ingest.normalize import payer_key
from audits.ingest.patients import BIRTH_YEAR_FIELD, PATIENT_KEY_FIELD
from audits.ingest.payers import UNKNOWN_PAYER, PayerDirectory, held_name_from_reason
from audits.ingest.readers import RawSheet
from audits.ingest.roster.snapshots import ROSTER_FIELD
from audits.ingest.upload import UploadResult
from audits.store import transaction

Record = tuple[str, int, dict]  # (sheet, row_number, raw_row)


# Rows still held for an unknown payer: not loaded again yet, of an upload that was not undone, and,
# for a roster's rows, of a table no later credentialing upload has replaced since (those rows are
# superseded: the later upload says what the table holds).
HELD_SQL = """
    SELECT r.upload_id, u.kind, u.mapping_json, r.sheet, r.row_number, r.raw_row, r.held_payer, r.reason,
           r.service_date,
           CASE WHEN u.kind = 'roster' THEN json_extract_string(r.raw_row, '$.__roster__.table') END AS roster_table
    FROM rejected_rows r JOIN uploads u ON u.upload_id = r.upload_id
    WHERE r.resolved_by_upload IS NULL AND r.reason LIKE 'unknown payer:%' AND u.status = 'loaded'
"""
assert ROSTER_FIELD == "__roster__" and UNKNOWN_PAYER == "unknown payer"  # noqa: S101 - the SQL above spells them
_NOT_SUPERSEDED = """
    NOT (h.kind = 'roster' AND EXISTS (
        SELECT 1 FROM uploads later JOIN roster_snapshots s ON s.upload_id = later.upload_id
        WHERE later.kind = 'roster' AND later.status = 'loaded' AND later.reload_of IS NULL
          AND later.upload_id > h.upload_id
          AND list_contains(string_split(s.tables_carried, ','), coalesce(h.roster_table, ''))))
"""


def held_rows(con: duckdb.DuckDBPyConnection, columns: str, where: str = "true", params=None,
              tail: str = "") -> list:  # fmt: skip
    """`columns` of the rows held for an unknown payer now (HELD_SQL), as `h`; `tail` (GROUP BY, ORDER BY)."""
    statement = f"WITH h AS ({HELD_SQL}) SELECT {columns} FROM h WHERE {_NOT_SUPERSEDED} AND ({where}) {tail}"  # noqa: S608
    rows = con.execute(statement, params or []).fetchall()
    return rows


def _held_name(held_payer: str | None, reason: str) -> str | None:
    return held_payer if held_payer is not None else held_name_from_reason(reason)


def load_resolvable(
    con: duckdb.DuckDBPyConnection,
    upload_id: int | None = None,
    names: set[str] | None = None,
    notes: list[str] | None = None,
) -> list[UploadResult]:
    """Load again every held row whose payer now resolves (of one upload, or of all; of the payer
    names whose payer_key is in `names`, or of every name): each original upload's rows (per sheet, or
    per roster table) become one new upload. Rows whose payer still resolves to nothing stay held,
    untouched. Returns the new uploads ([] when nothing resolves). A group that cannot be loaded again
    (its saved mapping no longer reads it) stays held, and says why in `notes` when given (else raises)."""
    directory = PayerDirectory(con)
    where, params = "true", []
    if upload_id is not None:
        where, params = "upload_id = ?", [upload_id]
    labels = held_rows(
        con, "DISTINCT held_payer, CASE WHEN held_payer IS NULL THEN reason END", where, params
    )
    wanted = set()
    for held_payer, reason in labels:
        name = _held_name(held_payer, reason or "")
        if names is not None and payer_key(name) not in names:
            continue
        if name is not None and directory.resolve_one(name, name) is not None:
            wanted.add((held_payer, reason))
    if not wanted:
        return []
    held = [
        row
        for row in held_rows(
            con, "upload_id, kind, mapping_json, sheet, row_number, raw_row, held_payer, reason, roster_table",
            where, params, "ORDER BY upload_id, sheet, row_number",
        )
        if (row[6], None if row[6] is not None else row[7]) in wanted
    ]  # fmt: skip
    groups: dict[tuple[int, str], list] = {}
    for row in held:
        groups.setdefault((row[0], row[8] if row[1] == "roster" else row[3]), []).append(row)
    results = []
    for (origin, sheet), rows in groups.items():
        kind, mapping_json = rows[0][1], rows[0][2]
        records = [(r[3], r[4], json.loads(r[5])) for r in rows]
        try:
            if kind == "roster":
                result = _reload_roster(con, directory, origin, sheet, records)
            else:
                result = _reload_group(con, directory, origin, records[0][0], kind, mapping_json, records)
        except InputError as exc:
            if notes is None:
                raise
            notes.append(f"the {len(rows)} held rows of upload {origin} stay held: {exc}")
            continue
        if result is not None:
            results.append(result)
    return results


def reload_rejected(con: duckdb.DuckDBPyConnection, upload_id: int | None = None) -> UploadResult:
    """Load again the rows held for "unknown payer" whose payer now resolves (of one upload, or of all).

    As load_resolvable, but one result: with several uploads involved, the result adds their counts up
    (upload_id is the last new upload; `sheets` lists all of them as 'upload N'). InputError when no
    row is held, or none of the held rows' payers resolves yet."""
    where, params = ("upload_id = ?", [upload_id]) if upload_id is not None else ("true", [])
    count = held_rows(con, "count(*)", where, params)[0][0]
    if not count:
        raise InputError(
            "There are no rows held for an unknown payer" + (f" in upload {upload_id}." if upload_id else ".")
        )
    results = load_resolvable(con, upload_id)
    if not results:
        raise InputError(
            f"None of the {count} held rows' payers resolve yet - confirm which payer each name means first."
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
    total.reloaded = results
    return total


# --------------------------------------------------------------------------------------------
# held payer names (python -m audits payers; the upload page)


@dataclass
class HeldPayer:
    name: str  # the payer as written
    rows: dict[str, int]  # kind (claims | remits | 835 | 837 | roster) -> rows held
    close: list[tuple[str, str, float]]  # close matches: (payer_id, payer_name, score)
    resolves_to: str | None = None  # a payer_id when the name resolves now (its rows load on the next reload)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def held_payers(con: duckdb.DuckDBPyConnection) -> list[HeldPayer]:
    """Every payer name rows are held for, most rows first: rows per kind and close matches. Names that
    differ only in case, punctuation or spacing are one name (payer_key), listed as first written."""
    directory = PayerDirectory(con)
    found: dict[str, HeldPayer] = {}
    # first written = the spelling of the earliest held row (upload, then row): the order of the rows
    # decides the name shown, so it is fixed here, not left to the grouping
    rows = held_rows(
        con, "held_payer, CASE WHEN held_payer IS NULL THEN reason END, kind, count(*), "
        "min(upload_id) AS first_upload, min(row_number) AS first_row",
        tail="GROUP BY ALL ORDER BY first_upload, first_row, held_payer, kind",
    )  # fmt: skip
    for held_payer, reason, kind, count, _upload, _row in rows:
        name = _held_name(held_payer, reason or "") or "(blank)"
        key = payer_key(name) or name
        entry = found.get(key)
        if entry is None:
            entry = found[key] = HeldPayer(
                name, {}, directory.suggest(name), directory.resolve_one(name, name)
            )
        entry.rows[kind] = entry.rows.get(kind, 0) + int(count)
    return sorted(found.values(), key=lambda h: (-h.total, h.name.lower()))


@dataclass
class Confirmed:
    name: str
    payer_id: str
    uploads: list[UploadResult]  # the new uploads that loaded the name's held rows
    still_held: int  # rows of that name still held (e.g. a roster row superseded, or rejected again)

    @property
    def rows_loaded(self) -> int:
        return sum(u.rows_loaded for u in self.uploads)

    def summary(self) -> str:
        if not self.uploads:
            return f"{self.name!r} now means payer {self.payer_id}; no rows were held for it."
        ids = ", ".join(str(u.upload_id) for u in self.uploads)
        return (
            f"{self.name!r} now means payer {self.payer_id}: {self.rows_loaded} held rows loaded again "
            f"(upload{'s' if len(self.uploads) > 1 else ''} {ids})."
        )


def confirm_payer(con: duckdb.DuckDBPyConnection, name: str, payer_id: str) -> Confirmed:
    """Confirm that payer name `name` (as a file writes it) means `payer_id`, then load every row held
    for that name, whatever its kind (claims, remittances, 835, 837, roster rows), as new uploads.
    InputError (nothing changed) when the payer is unknown or the name already means another payer."""
    from audits.ingest.payers import confirm_payer_alias

    key = payer_key(name)
    directory = PayerDirectory(con)
    already = directory.resolve_one(name, name) if key else None
    if already is not None and already != payer_id:
        raise InputError(
            f"{name!r} already means payer {already} ({directory.names.get(already, already)}) - "
            "change the payers sheet if that is wrong."
        )
    if already is None:
        confirm_payer_alias(con, name, payer_id)
    uploads = load_resolvable(con, names={key})
    left = sum(h.total for h in held_payers(con) if payer_key(h.name) == key)
    return Confirmed(name, payer_id, uploads, left)


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


def _reload_roster(
    con, directory, origin: int, table: str | None, records: list[Record]
) -> UploadResult | None:
    """Held rows of a credentialing upload's table whose payer now resolves, added to the table's
    current rows as a new snapshot (a new upload of kind roster)."""
    from audits.ingest.roster.model import COLUMNS
    from audits.ingest.roster.snapshots import add_rows

    taken, rows = [], []
    for sheet, number, raw in records:
        canonical = raw.get(ROSTER_FIELD)
        if not canonical or canonical.get("table") != table or table not in COLUMNS:
            continue  # held before rows kept their canonical cells: the corrected file loads them
        row = dict(canonical["row"])
        payer_id = directory.resolve_one(row.get("payer_id"), row.get("payer_id"))
        if payer_id is None:
            continue
        row["payer_id"] = payer_id
        rows.append(row)
        taken.append((origin, sheet, int(number)))
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=list(COLUMNS[table]))
    for column, sql_type in COLUMNS[table].items():
        if sql_type == "DATE":
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    name = f"held rows of upload {origin}"
    result = UploadResult(None, name, "roster", "loaded", rows_read=len(rows), sha256=_reload_sha(taken))
    with transaction(con):
        result.upload_id = upload.next_upload_id(con)
        result.snapshot_id, added = add_rows(con, table, frame, result.upload_id)
        result.rows_loaded = len(rows)
        result.sheets = [table]
        result.message = f"{len(rows)} of {len(rows)} rows loaded; {added} added to {table} (snapshot {result.snapshot_id})."
        upload.mark_resolved(con, taken, result.upload_id)
        upload.insert_upload(con, result, result.sha256, None, None, origin)
    return result


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
