"""Writing canonical rows into their tables (SPEC 1): claim lines upserted (an earlier version of a
corrected line kept in claim_lines_history), remitted lines inserted as events, and the claim line a
remitted line belongs to (835: REF*6R or position; exports: the procedure code).

Decisions:
- Claim lines: a (claim_id, line_no) already loaded with other content (any column differing) is
  replaced, its old version moving to claim_lines_history; with the same content it is counted loaded
  and left untouched. The comparison is column by column, so row_sha256 is not filled.
- Remit lines are events: a line whose natural key (payer, claim, line, adjudication date, status,
  paid) is already stored is counted loaded and not added again.
- Export rows without a line number: a remittance row takes the claim line with the same procedure
  code when exactly one has it, else line_no stays empty (a claim-level payment, spread by staging).
  835 lines: REF*6R when that is a line_no of the claim in claim_lines, else the service line's position.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

CLAIM_LINE_COLUMNS = [
    ("claim_id", "VARCHAR"),
    ("line_no", "INTEGER"),
    ("patient_key", "VARCHAR"),
    ("patient_birth_year", "INTEGER"),
    ("rendering_npi", "VARCHAR"),
    ("billing_npi", "VARCHAR"),
    ("payer_id", "VARCHAR"),
    ("date_of_service", "DATE"),
    ("submitted_date", "DATE"),
    ("procedure_code", "VARCHAR"),
    *[(f"modifier_{n}", "VARCHAR") for n in range(1, 5)],
    *[(f"diagnosis_{n}", "VARCHAR") for n in range(1, 13)],
    ("pos", "VARCHAR"),
    ("units", "DOUBLE"),
    ("billed_amount", "DECIMAL(14,2)"),
    ("service_state", "VARCHAR"),
]
REMIT_LINE_COLUMNS = [
    ("payer_id", "VARCHAR"),
    ("claim_id", "VARCHAR"),
    ("line_no", "INTEGER"),
    ("claim_status", "VARCHAR"),
    ("rendering_npi", "VARCHAR"),
    ("adjudication_date", "DATE"),
    ("procedure_code", "VARCHAR"),
    ("billed_amount", "DECIMAL(14,2)"),
    ("paid_amount", "DECIMAL(14,2)"),
    ("remit_claim_key", "VARCHAR"),
    ("source", "VARCHAR"),
]


def select_casts(columns: list[tuple[str, str]], source_alias: str = "") -> str:
    prefix = f"{source_alias}." if source_alias else ""
    return ", ".join(f"CAST({prefix}{name} AS {sql_type}) AS {name}" for name, sql_type in columns)


def prepare_frame(frame: pd.DataFrame, columns: list[tuple[str, str]]) -> pd.DataFrame:
    """Column types DuckDB reads predictably from pandas (text as object, dates as datetime64)."""
    out = pd.DataFrame(index=frame.index)
    for name, sql_type in columns:
        values = frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        if sql_type == "VARCHAR":
            if values.dtype != object:
                values = values.astype(object).where(values.notna(), None)
        elif sql_type == "DATE":
            if not pd.api.types.is_datetime64_any_dtype(values):
                values = pd.to_datetime(values.astype(object), errors="coerce")
        else:
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        out[name] = values
    return out.reset_index(drop=True)


def dictionary_columns(codes: dict[str, tuple[np.ndarray, list]], keep: np.ndarray) -> dict[str, object]:
    """Arrow dictionary arrays of the kept rows of columns built per distinct value (NormalisedClaims.codes):
    the codes are taken, the million text objects they stand for are never visited. Columns whose
    values are not all text (or None) are left out (the caller converts them as usual)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow comes with streamlit
        return {}
    out = {}
    kept = int(keep.sum())
    every = kept == len(keep)  # no row rejected: the codes as they are
    for name, (row_codes, values) in codes.items():
        if len(row_codes) != len(keep):
            continue
        if len(values) == 1 and values[0] is None:  # a column the file does not have
            out[name] = pa.nulls(kept, type=pa.string())
            continue
        try:
            dictionary = pa.array(values, type=pa.string())  # refuses anything but text and None
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue
        indices = (row_codes if every else row_codes[keep]).astype(np.int32)
        null_values = dictionary.is_null().to_numpy(zero_copy_only=False)
        if null_values[:-1].any() or not null_values[-1] or (indices < 0).all():
            indices[indices < 0] = len(values) - 1  # values[-1] stands for code -1
            missing = null_values[indices]
            indices[missing] = 0
        else:  # None only for code -1 (a blank cell)
            missing = indices < 0
            if missing.any():
                indices[missing] = 0
            else:
                missing = None
        out[name] = pa.DictionaryArray.from_arrays(pa.array(indices, mask=missing), dictionary)
    return out


def _as_arrow(frame: pd.DataFrame, encoded: dict[str, object] | None = None) -> object:
    """The prepared frame as an Arrow table (DuckDB scans it in parallel, without touching Python
    objects); the frame itself when a text column holds something other than text. `encoded` gives
    ready Arrow arrays for some columns (the same values, dictionary-encoded)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow comes with streamlit
        return frame
    arrays = []
    encoded = encoded or {}
    try:
        for name in frame.columns:
            values = frame[name]
            if name in encoded:
                arrays.append(encoded[name])
            elif values.dtype == object:
                arrays.append(pa.array(values.to_numpy(), type=pa.string(), from_pandas=True))
            else:
                arrays.append(pa.array(values.to_numpy(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return frame
    return pa.Table.from_arrays(arrays, names=[str(n) for n in frame.columns])


def upsert_claim_lines(
    con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame, upload_id: int, encoded: dict | None = None
) -> tuple[int, dict]:
    """Set-based: new lines inserted, changed ones replaced (old version to history), unchanged left.

    "Changed" compares every content column (IS DISTINCT FROM), so no per-row hash is computed on
    the way in; row_sha256 is left empty.
    """
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    if incoming.empty:
        return 0, counts
    frame = prepare_frame(incoming, CLAIM_LINE_COLUMNS)
    con.register("_claims_incoming", _as_arrow(frame, encoded))
    try:
        # A view, not a copy: DuckDB scans the frame where it is needed (the key columns for the match).
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _claims_new AS SELECT {select_casts(CLAIM_LINE_COLUMNS)} "  # noqa: S608
            "FROM _claims_incoming"
        )
        return upsert_new_lines(con, len(frame), upload_id)
    finally:
        con.execute("DROP VIEW IF EXISTS _claims_new")
        con.unregister("_claims_incoming")


def upsert_new_lines(con: duckdb.DuckDBPyConnection, rows: int, upload_id: int) -> tuple[int, dict]:
    """Upsert the `rows` claim lines of the TEMP VIEW _claims_new (claim_lines' columns) into claim_lines."""
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    if rows == 0:
        return 0, counts
    names = [n for n, _t in CLAIM_LINE_COLUMNS]
    column_list = ", ".join(names)
    differs = " OR ".join(f"c.{n} IS DISTINCT FROM n.{n}" for n in names if n not in ("claim_id", "line_no"))
    try:
        return _upsert_from_view(con, names, column_list, differs, rows, counts, upload_id)
    finally:
        con.execute("DROP TABLE IF EXISTS _claims_match")


def _upsert_from_view(con, names, column_list, differs, rows, counts, upload_id) -> tuple[int, dict]:
    if not con.execute("SELECT 1 FROM claim_lines LIMIT 1").fetchall():  # nothing to match: all new
        counts["new"] = rows
        con.execute(
            f"INSERT INTO claim_lines ({column_list}, upload_id) SELECT {column_list}, ? FROM _claims_new",  # noqa: S608
            [upload_id],
        )
        return rows, counts
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _claims_match AS SELECT n.claim_id, n.line_no, "  # noqa: S608
        f"CASE WHEN {differs} THEN 1 ELSE 0 END AS changed FROM _claims_new n "
        "JOIN claim_lines c ON c.claim_id = n.claim_id AND c.line_no = n.line_no"
    )
    matched, changed = con.execute(
        "SELECT count(*), coalesce(sum(changed), 0) FROM _claims_match"
    ).fetchall()[0]
    counts.update(new=rows - int(matched), changed=int(changed), unchanged=int(matched) - int(changed))
    if counts["changed"]:
        con.execute(
            f"INSERT INTO claim_lines_history ({column_list}, upload_id, row_sha256, loaded_at, replaced_at, "  # noqa: S608
            f"replaced_by_upload) SELECT {', '.join('c.' + n for n in names)}, c.upload_id, c.row_sha256, c.loaded_at, "
            "current_timestamp, ? FROM claim_lines c JOIN _claims_match m ON c.claim_id = m.claim_id "
            "AND c.line_no = m.line_no WHERE m.changed = 1",
            [upload_id],
        )
        con.execute(
            "DELETE FROM claim_lines WHERE EXISTS (SELECT 1 FROM _claims_match m WHERE m.changed = 1 "
            "AND m.claim_id = claim_lines.claim_id AND m.line_no = claim_lines.line_no)"
        )
    if matched == 0:
        statement = (
            f"INSERT INTO claim_lines ({column_list}, upload_id) SELECT {column_list}, ? FROM _claims_new"  # noqa: S608
        )
        con.execute(statement, [upload_id])
    elif counts["new"] or counts["changed"]:
        con.execute(
            f"INSERT INTO claim_lines ({column_list}, upload_id) SELECT {', '.join('n.' + x for x in names)}, ? "  # noqa: S608
            "FROM _claims_new n LEFT JOIN _claims_match m ON m.claim_id = n.claim_id AND m.line_no = n.line_no "
            "WHERE m.claim_id IS NULL OR m.changed = 1",
            [upload_id],
        )
    return rows, counts


def match_export_lines(con: duckdb.DuckDBPyConnection, lines: pd.DataFrame) -> None:
    """An export without line numbers: the claim line with the same procedure code, when only one has it."""
    todo = lines["line_no"].isna() & lines["procedure_code"].notna()
    if not todo.any():
        return
    probe = lines.loc[todo, ["claim_id", "procedure_code"]].drop_duplicates().astype(object)
    con.register("_remit_probe", probe)
    try:
        found = con.execute(
            "SELECT p.claim_id, p.procedure_code, min(c.line_no) FROM _remit_probe p JOIN claim_lines c "
            "ON c.claim_id = p.claim_id AND c.procedure_code = p.procedure_code "
            "GROUP BY p.claim_id, p.procedure_code HAVING count(*) = 1"
        ).fetchall()
    finally:
        con.unregister("_remit_probe")
    lookup = {(c, p): n for c, p, n in found}
    matched = [lookup.get((c, p)) for c, p in zip(lines["claim_id"], lines["procedure_code"], strict=True)]
    matched = pd.Series(matched, index=lines.index, dtype="float64")
    lines.loc[todo, "line_no"] = matched[todo]


def insert_remits(con, lines: pd.DataFrame, adjustments: pd.DataFrame, remarks: pd.DataFrame,
                   upload_id: int) -> dict[str, int]:  # fmt: skip
    """Insert the lines whose natural key is new (with their adjustments and remarks)."""
    stats = {"new": 0, "known": 0}
    if lines.empty:
        return stats
    frame = prepare_frame(lines, [("line_ref", "BIGINT"), *REMIT_LINE_COLUMNS])
    con.register("_remit_incoming", frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _remit_new AS SELECT CAST(line_ref AS BIGINT) AS line_ref, "  # noqa: S608
            f"{select_casts(REMIT_LINE_COLUMNS)} FROM _remit_incoming"
        )
    finally:
        con.unregister("_remit_incoming")
    key_match = (
        "r.payer_id = n.payer_id AND r.claim_id = n.claim_id AND r.line_no IS NOT DISTINCT FROM n.line_no "
        "AND r.adjudication_date IS NOT DISTINCT FROM n.adjudication_date "
        "AND r.claim_status IS NOT DISTINCT FROM n.claim_status AND r.paid_amount IS NOT DISTINCT FROM n.paid_amount"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _remit_ids AS SELECT n.line_ref, nextval('remit_line_id_seq') AS remit_line_id "  # noqa: S608
        f"FROM _remit_new n WHERE NOT EXISTS (SELECT 1 FROM remit_lines r WHERE {key_match})"
    )
    new = con.execute("SELECT count(*) FROM _remit_ids").fetchall()[0][0]
    stats.update(new=int(new), known=len(frame) - int(new))
    names = [n for n, _t in REMIT_LINE_COLUMNS]
    con.execute(
        f"INSERT INTO remit_lines (remit_line_id, {', '.join(names)}, upload_id) "  # noqa: S608
        f"SELECT i.remit_line_id, {', '.join('n.' + n for n in names)}, ? FROM _remit_new n "
        "JOIN _remit_ids i ON i.line_ref = n.line_ref",
        [upload_id],
    )
    if not adjustments.empty:
        adj = prepare_frame(
            adjustments,
            [("line_ref", "BIGINT"), ("position", "INTEGER"), ("level", "VARCHAR"), ("group_code", "VARCHAR"),
             ("carc", "VARCHAR"), ("amount", "DECIMAL(14,2)")],
        )  # fmt: skip
        con.register("_adj_incoming", adj)
        try:
            con.execute(
                "INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount) "
                "SELECT i.remit_line_id, CAST(a.position AS INTEGER), CAST(a.level AS VARCHAR), "
                "CAST(a.group_code AS VARCHAR), CAST(a.carc AS VARCHAR), CAST(a.amount AS DECIMAL(14,2)) "
                "FROM _adj_incoming a JOIN _remit_ids i ON i.line_ref = CAST(a.line_ref AS BIGINT)"
            )
        finally:
            con.unregister("_adj_incoming")
    if not remarks.empty:
        rem = prepare_frame(
            remarks,
            [("line_ref", "BIGINT"), ("position", "INTEGER"), ("level", "VARCHAR"), ("rarc", "VARCHAR")],
        )
        con.register("_rem_incoming", rem)
        try:
            con.execute(
                "INSERT INTO remit_remarks (remit_line_id, position, level, rarc) "
                "SELECT i.remit_line_id, CAST(m.position AS INTEGER), CAST(m.level AS VARCHAR), CAST(m.rarc AS VARCHAR) "
                "FROM _rem_incoming m JOIN _remit_ids i ON i.line_ref = CAST(m.line_ref AS BIGINT)"
            )
        finally:
            con.unregister("_rem_incoming")
    con.execute("DROP TABLE IF EXISTS _remit_new")
    con.execute("DROP TABLE IF EXISTS _remit_ids")
    return stats


def match_835_lines(con: duckdb.DuckDBPyConnection, lines: pd.DataFrame) -> None:
    """line_no = REF*6R when that is a line_no of the claim in claim_lines, else the line's position."""
    ref = pd.to_numeric(lines["ref_6r"].astype(object), errors="coerce")
    position = pd.to_numeric(lines["line_position"].astype(object), errors="coerce")
    known: set[tuple[str, int]] = set()
    probe = pd.DataFrame({"claim_id": lines["claim_id"].astype(object), "ref": ref}).dropna()
    if not probe.empty:
        probe = probe.assign(ref=probe["ref"].astype("int64")).drop_duplicates()
        con.register("_ref_probe", probe)
        try:
            found = con.execute(
                "SELECT p.claim_id, p.ref FROM _ref_probe p JOIN claim_lines c "
                "ON c.claim_id = p.claim_id AND c.line_no = p.ref"
            ).fetchall()
        finally:
            con.unregister("_ref_probe")
        known = {(c, int(r)) for c, r in found}
    chosen = []
    for claim, r, p in zip(lines["claim_id"], ref, position, strict=True):
        if r == r and (claim, int(r)) in known:
            chosen.append(float(r))
        else:
            chosen.append(float(p) if p == p else np.nan)
    lines["line_no"] = pd.Series(chosen, index=lines.index, dtype="float64")
