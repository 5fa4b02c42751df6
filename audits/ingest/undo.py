"""Undo an upload (issue 15): whatever it loaded leaves, what it replaced comes back, and the record
stays (the uploads row is marked undone, its rejected rows are kept).

- claims / 837: its claim lines leave; the earlier versions of lines it corrected come back from
  claim_lines_history. Lines it counted "unchanged" belong to the earlier upload and stay.
- remits / 835: its remitted lines leave, with their adjustments and remarks (lines it found already
  loaded belong to the earlier upload and stay).
- roster: each table it carried shows again the snapshot it replaced (the latest earlier snapshot of
  that table whose upload is not undone), or nothing when it was the first.
- exclusions: its list leaves the lists screened against (earlier screenings keep their record).
- held rows it loaded again (an upload of held rows) are held again.
Then the same file can be loaded again (the duplicate check ignores undone uploads), e.g. with
another mapping.

Refused, with one sentence and nothing changed: an upload that does not exist, was undone already, or
loaded nothing (a duplicate); an upload whose work a later upload builds on (lines it loaded were
corrected since, its held rows were loaded again, or a later credentialing upload replaced a table it
carried): that later upload is undone first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from audits.errors import InputError, NotFound
from audits.ingest.tables import CLAIM_LINE_COLUMNS
from audits.store import transaction


@dataclass
class Undone:
    upload_id: int
    kind: str
    file_name: str
    rows_removed: int = 0  # rows that left their table
    rows_restored: int = 0  # earlier versions of claim lines back, or roster rows of the restored snapshots
    held_again: int = 0  # held rows this upload had loaded again, held again
    snapshots: dict[str, int | None] = field(default_factory=dict)  # roster table -> snapshot it shows now
    message: str = ""


def _refuse_if_built_on(con: duckdb.DuckDBPyConnection, upload_id: int, kind: str, snapshot_id) -> None:
    later = con.execute(
        "SELECT min(resolved_by_upload) FROM rejected_rows r JOIN uploads u ON u.upload_id = r.resolved_by_upload "
        "WHERE r.upload_id = ? AND u.status = 'loaded'",
        [upload_id],
    ).fetchall()[0][0]
    if later is not None:
        raise InputError(
            f"Rows upload {upload_id} held for an unknown payer were loaded again by upload {later} - "
            f"undo upload {later} first."
        )
    if kind in ("claims", "837"):
        later = con.execute(
            "SELECT min(replaced_by_upload) FROM claim_lines_history WHERE upload_id = ?", [upload_id]
        ).fetchall()[0][0]
        if later is not None:
            raise InputError(
                f"Claim lines of upload {upload_id} were corrected by upload {later} since - "
                f"undo upload {later} first."
            )
    if kind == "roster" and snapshot_id is not None:
        carried = _tables_of(con, snapshot_id)
        for table in carried:
            current = con.execute(
                "SELECT c.snapshot_id, s.upload_id FROM roster_current c LEFT JOIN roster_snapshots s "
                "ON s.snapshot_id = c.snapshot_id WHERE c.table_name = ?",
                [table],
            ).fetchall()
            if current and current[0][0] != snapshot_id:
                by = f"upload {current[0][1]}" if current[0][1] is not None else f"snapshot {current[0][0]}"
                raise InputError(
                    f"The {table} of upload {upload_id} were replaced by {by} since - undo that first."
                )


def _tables_of(con, snapshot_id: int) -> list[str]:
    found = con.execute(
        "SELECT tables_carried FROM roster_snapshots WHERE snapshot_id = ?", [snapshot_id]
    ).fetchall()
    return [t for t in (found[0][0].split(",") if found else []) if t]


def undo_upload(con: duckdb.DuckDBPyConnection, upload_id: int, undone_by: str | None = None) -> Undone:
    """Undo one upload (see the module doc); InputError / NotFound (one sentence, nothing changed) when
    that would be wrong."""
    found = con.execute(
        "SELECT kind, status, file_name, snapshot_id, undone_at FROM uploads WHERE upload_id = ?", [upload_id]
    ).fetchall()
    if not found:
        raise NotFound(f"There is no upload {upload_id} - pick one from the list of uploads.")
    kind, status, file_name, snapshot_id, undone_at = found[0]
    if status == "undone":
        when = f" on {undone_at:%Y-%m-%d %H:%M}" if undone_at is not None else ""
        raise InputError(f"Upload {upload_id} ({file_name}) was undone already{when} - nothing to undo.")
    if status != "loaded":
        raise InputError(
            f"Upload {upload_id} ({file_name}) was a {status} and loaded nothing - nothing to undo."
        )
    result = Undone(upload_id, kind, file_name)
    with transaction(con):
        _refuse_if_built_on(con, upload_id, kind, snapshot_id)
        if kind in ("claims", "837"):
            _undo_claims(con, upload_id, result)
        elif kind in ("remits", "835"):
            _undo_remits(con, upload_id, result)
        elif kind == "roster":
            _undo_roster(con, upload_id, snapshot_id, result)
        elif kind == "exclusions":
            _undo_exclusions(con, upload_id, result)
        else:  # pragma: no cover - every kind the loader writes is above
            raise InputError(f"Upload {upload_id} is of kind {kind!r}, which cannot be undone.")
        result.held_again = _count(
            con, "SELECT count(*) FROM rejected_rows WHERE resolved_by_upload = ?", upload_id
        )
        con.execute(
            "UPDATE rejected_rows SET resolved_by_upload = NULL WHERE resolved_by_upload = ?", [upload_id]
        )
        from audits import audit_log

        audit_log.record(con, "undo", f"upload {upload_id} ({kind} {file_name})", rows=result.rows_removed)
        con.execute(
            "UPDATE uploads SET status = 'undone', outcome = 'undone', undone_at = current_timestamp, undone_by = ? "
            "WHERE upload_id = ?",
            [undone_by, upload_id],
        )
    result.message = _message(result)
    return result


def _count(con, statement: str, *params) -> int:
    return int(con.execute(statement, list(params)).fetchall()[0][0])


def _undo_claims(con, upload_id: int, result: Undone) -> None:
    names = ", ".join(n for n, _t in CLAIM_LINE_COLUMNS)
    result.rows_removed = _count(con, "SELECT count(*) FROM claim_lines WHERE upload_id = ?", upload_id)
    con.execute("DELETE FROM claim_lines WHERE upload_id = ?", [upload_id])
    result.rows_restored = _count(
        con, "SELECT count(*) FROM claim_lines_history WHERE replaced_by_upload = ?", upload_id
    )
    con.execute(
        f"INSERT INTO claim_lines ({names}, upload_id, row_sha256, loaded_at) "  # noqa: S608 - our names
        f"SELECT {names}, upload_id, row_sha256, loaded_at FROM claim_lines_history WHERE replaced_by_upload = ?",
        [upload_id],
    )
    con.execute("DELETE FROM claim_lines_history WHERE replaced_by_upload = ?", [upload_id])


def _undo_remits(con, upload_id: int, result: Undone) -> None:
    ids = "SELECT remit_line_id FROM remit_lines WHERE upload_id = ?"
    con.execute(f"DELETE FROM remit_adjustments WHERE remit_line_id IN ({ids})", [upload_id])  # noqa: S608
    con.execute(f"DELETE FROM remit_remarks WHERE remit_line_id IN ({ids})", [upload_id])  # noqa: S608
    result.rows_removed = _count(con, "SELECT count(*) FROM remit_lines WHERE upload_id = ?", upload_id)
    con.execute("DELETE FROM remit_lines WHERE upload_id = ?", [upload_id])


def _undo_roster(con, upload_id: int, snapshot_id, result: Undone) -> None:
    from audits.ingest.roster.model import COLUMNS, TABLES
    from audits.ingest.roster.snapshots import _refresh_roster_aliases, _sql

    if snapshot_id is None:
        return
    for table in _tables_of(con, snapshot_id):
        if table not in TABLES:
            continue
        result.rows_removed += _count(con, _sql("SELECT count(*) FROM {table}", table))
        previous = con.execute(
            "SELECT s.snapshot_id FROM roster_snapshots s LEFT JOIN uploads u ON u.upload_id = s.upload_id "
            "WHERE s.snapshot_id < ? AND list_contains(string_split(s.tables_carried, ','), ?) "
            "AND coalesce(u.status, 'loaded') <> 'undone' ORDER BY s.snapshot_id DESC LIMIT 1",
            [snapshot_id, table],
        ).fetchall()
        columns = ", ".join(COLUMNS[table])
        con.execute(_sql("DELETE FROM {table}", table))
        con.execute("DELETE FROM roster_current WHERE table_name = ?", [table])
        if previous:
            back = int(previous[0][0])
            con.execute(
                _sql(f"INSERT INTO {{table}} ({columns}, snapshot_id) SELECT {columns}, snapshot_id "  # noqa: S608
                     "FROM {table}_history WHERE snapshot_id = ?", table),
                [back],
            )  # fmt: skip
            con.execute("INSERT INTO roster_current (table_name, snapshot_id) VALUES (?, ?)", [table, back])
            result.rows_restored += _count(con, _sql("SELECT count(*) FROM {table}", table))
            result.snapshots[table] = back
        else:
            result.snapshots[table] = None
        if table == "payers":
            _refresh_roster_aliases(con, con.execute("SELECT payer_id, payer_name, aliases FROM payers").df())


def _undo_exclusions(con, upload_id: int, result: Undone) -> None:
    lists = "SELECT list_id FROM exclusion_lists WHERE upload_id = ?"
    statement = f"SELECT count(*) FROM exclusion_entries WHERE list_id IN ({lists})"  # noqa: S608
    result.rows_removed = _count(con, statement, upload_id)
    con.execute(f"DELETE FROM exclusion_entries WHERE list_id IN ({lists})", [upload_id])  # noqa: S608
    con.execute("DELETE FROM exclusion_lists WHERE upload_id = ?", [upload_id])


def _message(result: Undone) -> str:
    what = {"claims": "claim lines", "837": "claim lines", "remits": "remitted lines", "835": "remitted lines",
            "roster": "roster rows", "exclusions": "exclusion list entries"}.get(result.kind, "rows")  # fmt: skip
    parts = [f"Upload {result.upload_id} ({result.file_name}) undone: {result.rows_removed} {what} removed"]
    if result.kind in ("claims", "837") and result.rows_restored:
        parts.append(f"{result.rows_restored} earlier versions of corrected lines back")
    for table, snapshot in result.snapshots.items():
        parts.append(f"{table} as of snapshot {snapshot}" if snapshot is not None else f"{table} empty again")
    if result.held_again:
        parts.append(f"{result.held_again} rows held again for an unknown payer")
    return "; ".join(parts) + "."
