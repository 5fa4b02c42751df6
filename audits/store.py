"""The one way to open the ClearToBill database.

DuckDB lets one process open a file read-write, and then refuses every other
process, read-only opens included (SPEC section 6). So nothing keeps the file
open between operations: each CLI command, dashboard script run or action opens
a connection with `connect()`, uses it, and closes it. Opening costs ~25 ms.

Rules that follow from DuckDB 2.0 as it behaves here:
- a connection is not shared between threads: use `con.cursor()` per thread;
- every result is consumed (`fetchall()`, `df()`) before the next statement;
- on the file-lock error we retry for a bounded time, then raise DatabaseBusy.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from audits.config import db_path
from audits.errors import DatabaseBusy, NotADatabase

MIGRATIONS_DIR = Path(__file__).resolve().parent / "sql" / "migrations"
BUSY_MESSAGE = "The database is busy (another ClearToBill process is writing) - try again in a moment."
_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "lock on file")


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return any(marker in text for marker in _LOCK_MARKERS)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.removeprefix("IO Error: ").rstrip("!.")


def migrations() -> list[tuple[int, Path]]:
    """Numbered migration files, in order: NNN_name.sql."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        found.append((int(path.name.split("_", 1)[0]), path))
    return found


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The migration numbers this database has applied."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return set()
    return {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return max(applied_versions(con), default=0)


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[tuple[int, Path]]:
    """Migrations this database lacks, in number order. Numbers are applied by membership, not by
    "greater than the newest", so a migration numbered below one already applied still runs."""
    applied = applied_versions(con)
    return [(version, path) for version, path in migrations() if version not in applied]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations the database lacks, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
        "name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    for version, path in pending_migrations(con):
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, path.name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return schema_version(con)


def _open(path: Path, read_only: bool, timeout_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise NotADatabase(
                    f"{path} cannot be opened as a ClearToBill database ({_first_line(exc)})"
                ) from None
            if time.monotonic() >= deadline:
                raise DatabaseBusy(BUSY_MESSAGE) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextlib.contextmanager
def connect(
    path: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    timeout_s: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database for one operation and close it afterwards.

    A writable open creates the file and applies pending migrations. A read-only
    open of a file that does not exist yet, or whose schema is behind, first does
    one short writable open to create or migrate it.
    """
    target = db_path(path)
    if timeout_s is None:
        timeout_s = float(os.environ.get("CLEARTOBILL_LOCK_TIMEOUT", "10"))
    private_files()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    owner_only(target)
    if read_only:
        needs_migration = not target.exists()
        if not needs_migration:
            con = _open(target, True, timeout_s)
            try:
                needs_migration = bool(pending_migrations(con))
            finally:
                con.close()
        if needs_migration:
            with connect(target, read_only=False, timeout_s=timeout_s):
                pass
    con = _open(target, read_only, timeout_s)
    try:
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()


def private_files() -> None:
    """From now on this process creates files and folders for their owner only (umask 077): the
    database, its WAL, exports and temporary copies hold protected health information (SPEC 7)."""
    current = os.umask(0o077)
    os.umask(current | 0o077)


def owner_only(target: Path) -> None:
    """A database file (and its WAL) that others can read is made owner-only, when it is ours."""
    for path in (target, target.with_name(target.name + ".wal")):
        try:
            info = path.stat()
        except OSError:
            continue
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            try:
                os.chmod(path, 0o600)
            except OSError:  # pragma: no cover - a file system without modes
                pass


def transaction(con: duckdb.DuckDBPyConnection):
    """`with transaction(con):` - all or nothing."""
    return _Transaction(con)


class _Transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.con.execute("COMMIT")
        else:
            self.con.execute("ROLLBACK")
        return False
