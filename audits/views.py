"""Creates the SQL views the rules and measures read, from the .sql files.

Two kinds (see docs/ARCHITECTURE.md):
- persistent views over the stored tables: audits/sql/staging/stg_*.sql and audits/sql/measures/*.sql,
  created by `ensure_views(con)` with CREATE OR REPLACE VIEW (the runner and write paths call it).
  On a read-only connection (the dashboard) the views stored at the last write are used when they
  are current; when they are missing or older than the files, the same SQL is created as TEMP views
  for that connection (DuckDB allows TEMP objects on a read-only connection, and they shadow main).
- line tables over `audit_lines` (the lines under audit): audits/sql/staging/line_*.sql, created as
  TEMP tables by `prepare_lines(con)`, in LINE_TABLES order, once `audit_lines` exists. The runner
  fills `audit_lines` with the month's claim lines, the pre-check with candidate lines.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parent / "sql"
STAGING_DIR = SQL_DIR / "staging"
MEASURES_DIR = SQL_DIR / "measures"
LINE_TABLES = (
    "line_base",
    "line_enrollment",
    "line_scope",
    "line_credentials",
    "line_facts",
    "line_remit_facts",
)
_META_NAME = "views"


def view_files() -> list[Path]:
    """Persistent view files: staging (stg_*) first, then measures, each sorted by name."""
    return sorted(STAGING_DIR.glob("stg_*.sql")) + sorted(MEASURES_DIR.glob("*.sql"))


def line_files() -> list[Path]:
    return [STAGING_DIR / f"{name}.sql" for name in LINE_TABLES]


def _body(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip().rstrip(";")


def views_version() -> str:
    digest = hashlib.sha256()
    for path in view_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT current_setting('access_mode')").fetchall()[0][0] == "read_only"


def _stored_version(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("SELECT sha256 FROM ref_meta WHERE name = ?", [_META_NAME]).fetchall()
    return rows[0][0] if rows else None


def _existing_views(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    return {r[0] for r in rows}


def _create_all(con: duckdb.DuckDBPyConnection, temp: bool) -> None:
    """CREATE OR REPLACE each view; a view whose dependency comes later is retried in a later pass."""
    kind = "TEMP VIEW" if temp else "VIEW"
    pending = view_files()
    while pending:
        failed: list[tuple[Path, Exception]] = []
        for path in pending:
            try:
                con.execute(f"CREATE OR REPLACE {kind} {path.stem} AS {_body(path)}")  # noqa: S608 - our own file
            except duckdb.CatalogException as exc:
                failed.append((path, exc))
        if len(failed) == len(pending):
            raise failed[0][1]
        pending = [path for path, _exc in failed]


def ensure_views(con: duckdb.DuckDBPyConnection) -> None:
    """Make the staging and measure views current on this connection (cheap when they are)."""
    # DuckDB draws a progress bar on the terminal for long queries: not from a library call.
    # (In a notebook DuckDB refuses to change the setting without ipywidgets: then leave it.)
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    version = views_version()
    names = {path.stem for path in view_files()}
    if is_read_only(con):
        if _stored_version(con) == version and names <= _existing_views(con):
            return
        _create_all(con, temp=True)
        return
    if _stored_version(con) == version and names <= _existing_views(con):
        return
    _create_all(con, temp=False)
    con.execute("DELETE FROM ref_meta WHERE name = ?", [_META_NAME])
    con.execute("INSERT INTO ref_meta (name, sha256) VALUES (?, ?)", [_META_NAME, version])


def prepare_lines(con: duckdb.DuckDBPyConnection, upto: str = LINE_TABLES[-1]) -> None:
    """Build the TEMP line tables from `audit_lines` (which the caller created), in order, up to and
    including `upto` (the pre-check stops at line_facts: it needs no remittances)."""
    for path in line_files()[: LINE_TABLES.index(upto) + 1]:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {path.stem} AS {_body(path)}")  # noqa: S608 - our own file


def drop_lines(con: duckdb.DuckDBPyConnection) -> None:
    for name in (*reversed(LINE_TABLES), "audit_lines"):
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")
