"""Reference code sets: CARC/RARC root causes, CMS place of service, ICD-10-CM.

The CSVs under data/reference/ are the practice's editable copy (sources in
data/reference/SOURCES.md). They are loaded into ref_* tables whenever their
content changes; the ICD-10-CM billable codes come from the simple-icd-10-cm
package (CMS ICD-10-CM) and are loaded once, since importing it takes ~2 s.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pandas as pd

from audits.config import REFERENCE_DIR

ROOT_CAUSES = (
    "credentialing",
    "scope",
    "coding",
    "eligibility",
    "authorization",
    "duplicate",
    "timely_filing",
    "other",
)
_ICD_FORMAT = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _changed(con: duckdb.DuckDBPyConnection, name: str, sha: str) -> bool:
    rows = con.execute("SELECT sha256 FROM ref_meta WHERE name = ?", [name]).fetchall()
    return not rows or rows[0][0] != sha


def _mark(con: duckdb.DuckDBPyConnection, name: str, sha: str) -> None:
    con.execute("DELETE FROM ref_meta WHERE name = ?", [name])
    con.execute("INSERT INTO ref_meta (name, sha256) VALUES (?, ?)", [name, sha])


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Replace a reference table's rows with the frame's (same column order)."""
    con.register("_reference_rows", frame)
    try:
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - table is one of our ref_* names
        con.execute(f"INSERT INTO {table} SELECT * FROM _reference_rows")  # noqa: S608
    finally:
        con.unregister("_reference_rows")


def load_carc(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> None:
    path = path or REFERENCE_DIR / "carc_codes.csv"
    sha = _sha(path)
    if not _changed(con, "carc", sha):
        return
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["code"] = frame["code"].str.strip().str.upper()
    frame["root_cause"] = frame["root_cause"].str.strip().str.lower()
    frame = frame.drop_duplicates("code", keep="last")[["code", "code_type", "description", "root_cause"]]
    _replace(con, "ref_carc", frame)
    _mark(con, "carc", sha)


def load_pos(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> None:
    path = path or REFERENCE_DIR / "pos_codes.csv"
    sha = _sha(path)
    if not _changed(con, "pos", sha):
        return
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["code"] = frame["code"].str.strip().str.zfill(2)
    frame = frame.drop_duplicates("code", keep="last")[["code", "name"]]
    _replace(con, "ref_pos", frame)
    _mark(con, "pos", sha)


def icd10cm_billable_codes() -> list[str]:
    """Billable (leaf) ICD-10-CM codes without the dot, from the CMS code set."""
    import simple_icd_10_cm as cm

    return [c for c in cm.get_all_codes(with_dots=False) if _ICD_FORMAT.match(c) and cm.is_leaf(c)]


def load_icd10cm(con: duckdb.DuckDBPyConnection) -> None:
    from importlib.metadata import version as package_version

    version = f"simple-icd-10-cm {package_version('simple-icd-10-cm')}"
    if not _changed(con, "icd10cm", version):
        return
    _replace(con, "ref_icd10cm", pd.DataFrame({"code": sorted(set(icd10cm_billable_codes()))}))
    _mark(con, "icd10cm", version)


def ensure_reference(con: duckdb.DuckDBPyConnection, *, icd10: bool = True) -> None:
    """Bring every ref_* table up to date with its source (cheap when nothing changed)."""
    load_carc(con)
    load_pos(con)
    if icd10:
        load_icd10cm(con)
