"""Roster snapshots (SPEC 1): a parsed credentialing upload becomes the current rows of the tables it
carries, every snapshot kept in *_history; reading snapshots back (history, diff) and restoring one.

`apply_roster(con, batch, upload_id)` resolves payer names, rejects duplicates within the upload, and
replaces the current rows of the tables the upload carries. The loader calls it inside its transaction
and records the upload and its rejected rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb
import pandas as pd

from audits import audit_log
from audits.errors import NotFound
from audits.ingest import normalize
from audits.ingest.payers import PayerDirectory, every_payer
from audits.ingest.roster.model import COLUMNS, NATURAL_KEYS, TABLES, Rejection, RosterBatch
from audits.ingest.roster.sheets import _keep, _split_aliases

# Looser keys that pair a changed row with its earlier version in snapshot_diff.
_DIFF_KEYS = {
    "providers": ("npi",),
    "credentials": ("npi", "credential_type", "state"),
    "payers": ("payer_id",),
    "enrollments": ("npi", "payer_id"),
    "service_scope": ("npi", "payer_id", "code_from", "code_to"),
}


@dataclass
class RosterResult:
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rejected: list[Rejection]
    snapshot_id: int
    duplicate: bool
    tables: list[str]


# --------------------------------------------------------------------------------------------
# applying a batch as a snapshot


def _cell_key(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# In a held roster row's raw_row: its canonical cells ({"table": ..., "row": {column: text}}), so that
# it can be added to the table once its payer resolves (reload.py), whatever the sheet's layout was.
ROSTER_FIELD = "__roster__"


def _canonical_row(frame: pd.DataFrame, i: int, table: str) -> dict:
    row = {}
    for column, sql_type in COLUMNS[table].items():
        value = frame[column].iloc[i] if column in frame.columns else None
        if column == "payer_id":
            value = frame["payer_name"].iloc[i] if "payer_name" in frame.columns else value
        if value is None or (not isinstance(value, (str, bool)) and pd.isna(value)):
            row[column] = None
        elif sql_type == "DATE":
            row[column] = pd.Timestamp(value).date().isoformat()
        elif sql_type == "BOOLEAN":
            row[column] = bool(value)
        else:
            row[column] = normalize.cell_text(value)
    return row


def add_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame, upload_id: int
) -> tuple[int, int]:
    """The current rows of `table` plus `rows` (held rows whose payer now resolves) as a new snapshot of
    that table (call inside a transaction). Rows already there (same natural key) are not added twice.
    Returns (snapshot_id, rows added)."""
    columns = list(COLUMNS[table])
    current = con.execute(_sql(f"SELECT {', '.join(columns)} FROM {{table}}", table)).df().astype(object)  # noqa: S608
    current = current.where(current.notna(), None)
    keys = list(NATURAL_KEYS[table])
    seen = {tuple(_cell_key(v) for v in r) for r in current[keys].itertuples(index=False, name=None)}
    fresh = []
    rows = rows[columns].astype(object)
    for record in rows.where(rows.notna(), None).to_dict("records"):
        key = tuple(_cell_key(record[k]) for k in keys)
        if key not in seen:
            seen.add(key)
            fresh.append(record)
    combined = pd.concat([current, pd.DataFrame(fresh, columns=columns)], ignore_index=True)
    for column, sql_type in COLUMNS[table].items():
        if sql_type == "DATE":
            combined[column] = pd.to_datetime(combined[column], errors="coerce")
        elif sql_type == "BOOLEAN":
            combined[column] = combined[column].astype("boolean")
    content = _content_hash({table: combined})
    snapshot_id = con.execute("SELECT nextval('snapshot_id_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO roster_snapshots (snapshot_id, upload_id, tables_carried, content_sha256) VALUES (?, ?, ?, ?)",
        [snapshot_id, upload_id, table, content],
    )
    _write_table(con, table, combined, snapshot_id)
    return int(snapshot_id), len(fresh)


def _finalise(
    con: duckdb.DuckDBPyConnection, batch: RosterBatch
) -> tuple[dict[str, pd.DataFrame], list[Rejection]]:
    """Resolve payers and reject in-upload duplicates: the rows each carried table will hold."""
    rejected: list[Rejection] = []
    directory = PayerDirectory(con, batch.frames.get("payers"))
    final: dict[str, pd.DataFrame] = {}
    for table in batch.tables:
        frame = batch.frames[table].reset_index(drop=True).copy()
        keep = [True] * len(frame)
        sheets = frame["source_sheet"].tolist()
        source_rows = [int(r) for r in frame["source_row"].tolist()]
        if table in ("enrollments", "service_scope"):
            ids = []
            resolved: dict[str, str | None] = {}
            for i, written in enumerate(frame["payer_name"].tolist()):
                if written not in resolved:
                    if every_payer(written):  # scope rows only: an enrollment is with one payer
                        resolved[written] = "*" if table == "service_scope" else None
                    else:
                        resolved[written] = directory.resolve_one(written)
                payer_id = resolved[written]
                if payer_id is None:
                    keep[i] = False
                    sheet, row = sheets[i], source_rows[i]
                    raw = dict(batch.raw_row(sheet, row))
                    raw[ROSTER_FIELD] = {"table": table, "row": _canonical_row(frame, i, table)}
                    rejected.append(
                        Rejection(
                            sheet,
                            row,
                            raw,
                            "payer",
                            directory.unknown_reason(written),
                            normalize.cell_text(written),
                        )
                    )
                ids.append(payer_id)
            frame["payer_id"] = ids
        seen: dict[tuple, tuple[str, int]] = {}
        key_columns = NATURAL_KEYS[table]
        for i, values in enumerate(frame[list(key_columns)].itertuples(index=False, name=None)):
            if not keep[i]:
                continue
            key = tuple(_cell_key(v) for v in values)
            sheet, row = sheets[i], source_rows[i]
            if key in seen:
                keep[i] = False
                first_sheet, first_row = seen[key]
                where = f"row {first_row}" if first_sheet == sheet else f"{first_sheet!r} row {first_row}"
                rejected.append(
                    Rejection(
                        sheet,
                        row,
                        batch.raw_row(sheet, row),
                        key_columns[0],
                        f"duplicate of {where} ({', '.join(key_columns)} are the same)",
                    )
                )
            else:
                seen[key] = (sheet, row)
        final[table] = _keep(frame, keep)
    return final, rejected


def _content_hash(final: dict[str, pd.DataFrame]) -> str:
    digest = hashlib.sha256()
    for table in TABLES:
        if table not in final:
            continue
        digest.update(f"[{table}]\n".encode())
        columns = list(COLUMNS[table])
        lines = sorted(
            "\x1f".join(_cell_key(v) for v in row)
            for row in final[table][columns].itertuples(index=False, name=None)
        )
        digest.update("\n".join(lines).encode())
        digest.update(b"\n")
    return digest.hexdigest()


# Table names below come only from TABLES (a constant allow-list), never from input.
def _sql(template: str, table: str) -> str:
    if table not in TABLES:
        raise ValueError(f"not a roster table: {table}")
    return template.replace("{table}", table)


def _write_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, snapshot_id: int) -> None:
    columns = COLUMNS[table]
    rows = frame[list(columns)].copy() if len(frame) else pd.DataFrame({c: [] for c in columns}, dtype=object)
    for column, sql_type in columns.items():
        if sql_type == "VARCHAR":
            rows[column] = rows[column].astype(object)
    select = ", ".join(f"CAST({c} AS {t})" for c, t in columns.items())
    names = ", ".join(columns)
    con.execute(_sql("DELETE FROM {table}", table))
    con.register("_roster_rows", rows)
    try:
        for target in (table, f"{table}_history"):
            statement = f"INSERT INTO {target} ({names}, snapshot_id) SELECT {select}, ? FROM _roster_rows"  # noqa: S608 - names from COLUMNS/TABLES
            con.execute(statement, [snapshot_id])
    finally:
        con.unregister("_roster_rows")
    con.execute("DELETE FROM roster_current WHERE table_name = ?", [table])
    con.execute("INSERT INTO roster_current (table_name, snapshot_id) VALUES (?, ?)", [table, snapshot_id])


def _refresh_roster_aliases(con: duckdb.DuckDBPyConnection, payers: pd.DataFrame) -> None:
    """Payers sheet rows refresh payer_aliases (source 'roster'); analyst-confirmed aliases stay as they are."""
    con.execute("DELETE FROM payer_aliases WHERE source = 'roster'")
    taken = {r[0] for r in con.execute("SELECT alias_norm FROM payer_aliases").fetchall()}
    rows = []
    for payer_id, name, aliases in payers[["payer_id", "payer_name", "aliases"]].itertuples(
        index=False, name=None
    ):
        for spelling in [payer_id, name, *_split_aliases(aliases)]:
            key = normalize.payer_key(spelling)
            if key and key not in taken:
                taken.add(key)
                rows.append((key, spelling, payer_id, "roster"))
    if rows:
        con.executemany(
            "INSERT INTO payer_aliases (alias_norm, alias, payer_id, source) VALUES (?, ?, ?, ?)", rows
        )


def _is_current(con: duckdb.DuckDBPyConnection, tables: list[str], content: str) -> int | None:
    """The current snapshot's id when it carried exactly these tables with this content, else None."""
    current = dict(con.execute("SELECT table_name, snapshot_id FROM roster_current").fetchall())
    ids = {current.get(t) for t in tables}
    if len(ids) != 1 or None in ids:
        return None
    snapshot_id = ids.pop()
    found = con.execute(
        "SELECT tables_carried, content_sha256 FROM roster_snapshots WHERE snapshot_id = ?", [snapshot_id]
    ).fetchall()
    if found and found[0][0] == ",".join(tables) and found[0][1] == content:
        return snapshot_id
    return None


def apply_roster(con: duckdb.DuckDBPyConnection, batch: RosterBatch, upload_id: int | None) -> RosterResult:
    """Load a parsed roster as the new current snapshot of the tables it carries (call inside a transaction).

    An upload whose content equals the current snapshot's is a duplicate: nothing changes and the result
    says so (snapshot_id is then the current snapshot). Rejected rows (from parsing, unknown payers and
    duplicates within the upload) are returned for the loader to record; they do not stop the load."""
    final, more_rejected = _finalise(con, batch)
    rejected = [*batch.rejected, *more_rejected]
    tables = [t for t in TABLES if t in final]
    rows_loaded = sum(len(f) for f in final.values())
    content = _content_hash(final)
    current = _is_current(con, tables, content)
    if current is not None:
        return RosterResult(batch.rows_read, rows_loaded, len(rejected), rejected, current, True, tables)
    snapshot_id = con.execute("SELECT nextval('snapshot_id_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO roster_snapshots (snapshot_id, upload_id, tables_carried, content_sha256) VALUES (?, ?, ?, ?)",
        [snapshot_id, upload_id, ",".join(tables), content],
    )
    for table in tables:
        _write_table(con, table, final[table], snapshot_id)
    if "payers" in final:
        _refresh_roster_aliases(con, final["payers"])
    return RosterResult(batch.rows_read, rows_loaded, len(rejected), rejected, snapshot_id, False, tables)


# --------------------------------------------------------------------------------------------
# reading snapshots back (dashboard)


def list_snapshots(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every snapshot, newest first: snapshot_id, created_at, upload_id, file_name, tables_carried,
    current_for (the tables that show it now, comma-separated)."""
    frame = con.execute(
        """
        SELECT s.snapshot_id, s.created_at, s.upload_id, u.file_name, s.tables_carried
        FROM roster_snapshots s
        LEFT JOIN uploads u ON u.upload_id = s.upload_id
        ORDER BY s.snapshot_id DESC
        """
    ).df()
    current: dict[int, list[str]] = {}
    for table, snapshot_id in con.execute(
        "SELECT table_name, snapshot_id FROM roster_current ORDER BY table_name"
    ).fetchall():
        current.setdefault(snapshot_id, []).append(table)
    frame["current_for"] = [",".join(current.get(int(sid), [])) or None for sid in frame["snapshot_id"]]
    return frame


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise NotFound(f"{table!r} is not a roster table - use one of {', '.join(TABLES)}.")


def roster_history(con: duckdb.DuckDBPyConnection, table: str, npi: str | None = None) -> pd.DataFrame:
    """Every snapshot's rows of a roster table (optionally one provider's), oldest snapshot first,
    with the snapshot's created_at and file name."""
    _check_table(table)
    columns = ", ".join(f"h.{c}" for c in COLUMNS[table])
    order = ", ".join(f"h.{c}" for c in NATURAL_KEYS[table])
    statement = _sql(
        f"""
        SELECT h.snapshot_id, s.created_at, u.file_name, {columns}
        FROM {{table}}_history h
        JOIN roster_snapshots s ON s.snapshot_id = h.snapshot_id
        LEFT JOIN uploads u ON u.upload_id = s.upload_id
        WHERE h.npi = coalesce($npi, h.npi)
        ORDER BY h.snapshot_id, {order}
        """,  # noqa: S608 - column names from COLUMNS, table from TABLES
        table,
    )
    if table == "payers":
        statement = statement.replace("WHERE h.npi = coalesce($npi, h.npi)", "")
        return con.execute(statement).df()
    return con.execute(statement, {"npi": npi}).df()


def _rows_as_of(con: duckdb.DuckDBPyConnection, table: str, snapshot_id: int) -> pd.DataFrame | None:
    """The rows a table showed right after a snapshot: those of the latest snapshot <= it that carried it."""
    carried = con.execute(
        "SELECT snapshot_id, tables_carried FROM roster_snapshots WHERE snapshot_id <= ? ORDER BY snapshot_id DESC",
        [snapshot_id],
    ).fetchall()
    source = next((sid for sid, tables in carried if table in tables.split(",")), None)
    if source is None:
        return None
    columns = ", ".join(COLUMNS[table])
    statement = _sql(f"SELECT {columns} FROM {{table}}_history WHERE snapshot_id = ?", table)  # noqa: S608
    frame = con.execute(statement, [source]).df().astype(object)
    return frame.where(frame.notna(), None)


def _display(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def snapshot_diff(con: duckdb.DuckDBPyConnection, old_id: int, new_id: int) -> pd.DataFrame:
    """What changed in the roster between two snapshots, one row per change:
    table, change (added | removed | changed), npi, key, column, old_value, new_value.
    A changed row (a moved effective date, a renewed licence) is paired with its earlier version by
    (npi, payer) for enrollments, (npi, type, state) for credentials, npi for providers."""
    known = {r[0] for r in con.execute("SELECT snapshot_id FROM roster_snapshots").fetchall()}
    for sid in (old_id, new_id):
        if sid not in known:
            raise NotFound(f"There is no roster snapshot {sid} - pick one from the list of snapshots.")
    out: list[dict] = []
    for table in TABLES:
        old, new = _rows_as_of(con, table, old_id), _rows_as_of(con, table, new_id)
        if old is None and new is None:
            continue
        columns = list(COLUMNS[table])
        old_rows = (
            []
            if old is None
            else [tuple(_display(v) for v in r) for r in old[columns].itertuples(index=False)]
        )
        new_rows = (
            []
            if new is None
            else [tuple(_display(v) for v in r) for r in new[columns].itertuples(index=False)]
        )
        common = set(old_rows) & set(new_rows)
        old_left = [r for r in old_rows if r not in common]
        new_left = [r for r in new_rows if r not in common]
        loose = [columns.index(c) for c in _DIFF_KEYS[table]]

        def key_of(row, loose=loose):
            return tuple(row[i] for i in loose)

        old_by = {}
        for row in old_left:
            old_by.setdefault(key_of(row), []).append(row)
        new_by = {}
        for row in new_left:
            new_by.setdefault(key_of(row), []).append(row)
        npi_at = columns.index("npi") if "npi" in columns else None

        def emit(
            change, row, column=None, old_value=None, new_value=None, loose=loose, npi_at=npi_at, table=table
        ):
            out.append(
                {
                    "table": table,
                    "change": change,
                    "npi": row[npi_at] if npi_at is not None else None,
                    "key": " / ".join(v or "" for v in (row[i] for i in loose)),
                    "column": column,
                    "old_value": old_value,
                    "new_value": new_value,
                }
            )

        for key in sorted(set(old_by) | set(new_by), key=lambda k: tuple(v or "" for v in k)):
            olds, news = old_by.get(key, []), new_by.get(key, [])
            if len(olds) == 1 and len(news) == 1:
                for position, column in enumerate(columns):
                    if olds[0][position] != news[0][position]:
                        emit("changed", news[0], column, olds[0][position], news[0][position])
                continue
            for row in olds:
                emit("removed", row, old_value=json.dumps(dict(zip(columns, row, strict=True))))
            for row in news:
                emit("added", row, new_value=json.dumps(dict(zip(columns, row, strict=True))))
    return pd.DataFrame(out, columns=["table", "change", "npi", "key", "column", "old_value", "new_value"])


def restore_snapshot(con: duckdb.DuckDBPyConnection, snapshot_id: int, upload_id: int | None = None) -> int:
    """Make an earlier snapshot's rows current again, as a new snapshot (the undo of a roster upload,
    without the file). Returns the new snapshot id. Call inside a transaction."""
    found = con.execute(
        "SELECT tables_carried, content_sha256 FROM roster_snapshots WHERE snapshot_id = ?", [snapshot_id]
    ).fetchall()
    if not found:
        raise NotFound(f"There is no roster snapshot {snapshot_id} - pick one from the list of snapshots.")
    tables, content = found[0][0].split(","), found[0][1]
    new_id = con.execute("SELECT nextval('snapshot_id_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO roster_snapshots (snapshot_id, upload_id, tables_carried, content_sha256) VALUES (?, ?, ?, ?)",
        [new_id, upload_id, ",".join(tables), content],
    )
    for table in tables:
        rows = _rows_as_of(con, table, snapshot_id)
        _write_table(con, table, rows, new_id)
        if table == "payers":
            _refresh_roster_aliases(con, rows)
    audit_log.record(con, "snapshot restored", f"snapshot {snapshot_id} (now snapshot {new_id})")
    return new_id
