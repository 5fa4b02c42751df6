"""Claims from a plain CSV, set-based: the rows stay in DuckDB (docs/ARCHITECTURE.md "Two claims paths").

The general path (claims.claims_from_sheet + normalise_claims, then the loader) holds every cell in
pandas. For a CSV that DuckDB reads cell for cell as pandas would (readers.DuckCsv), `stage` gives the
same canonical rows, rejections and reasons while Python touches only distinct cells:

- the file goes once into a TEMP table (`_claims_raw`; rowid = the record's position in the file);
- the distinct cells of each mapped column go through the same normalize.py function as the general
  path and come back as a small map table; a column that function leaves as it is (plain codes, ISO
  dates, plain amounts) is cast in SQL instead of joined;
- the rejection reason is one CASE in normalise_claims' order; line positions and duplicates are
  window functions and a GROUP BY;
- the accepted rows are the TEMP VIEW `_claims_new`, which the loader upserts like any other.

tests/test_ingest_claims_set.py loads files full of odd cells both ways and compares every table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audits.ingest import claims as claims_mod
from audits.ingest import labels as labels_mod
from audits.ingest import normalize as nz
from audits.ingest.mapping import Mapping
from audits.ingest.payers import PayerDirectory
from audits.ingest.readers import DuckCsv

RAW = "_claims_raw"
_BODY = "_claims_body"
_FINAL = "_claims_final"
_DUPS = "_claims_dups"
NEW = "_claims_new"  # the accepted rows, typed as claim_lines (the loader's upsert reads it)

_BLANK_WORDS = ", ".join(f"'{w}'" for w in sorted(nz._BLANK_TEXT) if w)  # cells that mean nothing
# Shapes whose SQL cast gives exactly what the Python parser gives.
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_AMOUNT = re.compile(r"-?\d{1,12}(\.\d{1,2})?")
_PLAIN_LINE = re.compile(r"[1-9]\d{0,8}")
_INLINE_ROWS = 64  # a map of at most this many rows becomes a CASE
_MAX_LISTED = 5000  # suspect cells listed in SQL; beyond that every row is looked at
_SQL_TYPES = {"string": "VARCHAR", "bool": "BOOLEAN", "double": "DOUBLE", "timestamp[us]": "TIMESTAMP"}


def _literal(value: object) -> str:
    """A SQL literal for a map table's value (text, flag, number or timestamp)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return "'" + str(value).replace("'", "''") + "'"


def _literals(values: list) -> str:
    return ", ".join(_literal(v) for v in values)


# A row's first failing check gives its reason and column, in claims.normalise_claims' order (the
# duplicate and unknown-payer checks come after these: see `final` in _stage).
_CHECKS = [
    ("is_total", "claim_id", "'totals row, not a claim line'"),
    ("is_shifted", "claim_id", f"'{claims_mod.SHIFTED_REASON}'"),
    ("claim_id IS NULL", "claim_id", "'missing claim_id'"),
    ("rendering_npi IS NULL", "rendering_npi", "'missing rendering_npi'"),
    ("payer_missing", "payer", "'missing payer'"),
    ("dos_error IS NOT NULL", "date_of_service", "'date_of_service ' || dos_error"),
    ("date_of_service IS NULL", "date_of_service", "'missing date_of_service'"),
    ("procedure_code IS NULL", "procedure_code", "'missing procedure_code'"),
    ("billed_error IS NOT NULL", "billed_amount", "'billed_amount ' || billed_error"),
    ("billed_amount IS NULL", "billed_amount", "'missing billed_amount'"),
    ("submitted_error IS NOT NULL", "submitted_date", "'submitted_date ' || submitted_error"),
    ("units_error IS NOT NULL", "units", "'units ' || units_error"),
]
_LINE_CHECKS = [  # only when the file has line numbers (else a line is its position in the claim)
    ("line_bad", "line_no", "'line_no is not a whole number above 0'"),
    ("line_no IS NULL", "line_no", "'missing line_no'"),
]


class NotPlain(Exception):
    """DuckDB's strict reader refused the whole file (its head was fine): load it the general way."""


@dataclass
class Staged:
    rows_read: int
    accepted: int
    rejected: pd.DataFrame  # source_row, column, reason, patient_key, birth_year, label, cells c0..
    temp: list[str] = field(default_factory=list)  # registered map tables, to unregister


def cleanup(con: duckdb.DuckDBPyConnection, staged: Staged | None = None) -> None:
    """Drop what `load_raw` and `stage` made (the connection is the caller's and stays open)."""
    for view in (NEW, _FINAL, _BODY):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    for table in (_DUPS, RAW):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    for name in staged.temp if staged is not None else ():
        con.unregister(name)


class _Sql:
    """What the SELECT of the rows needs besides the body: its joins, the map tables registered for
    them, and the predicates that find the rows some check may reject."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.joins: list[str] = []
        self.temp: list[str] = []
        # Predicates on raw cells that hold for every row some check may reject (a superset): the
        # rejected rows are looked for among those rows only.
        self.suspect: list[str] = []

    def suspect_cells(self, ref: str | None, values: list, missing: bool = True) -> None:
        """Rows whose cell is one of `values` (or missing, when a missing cell is rejected) are suspect."""
        if ref is None:
            self.suspect.append("true")
            return
        if missing:
            self.suspect.append(f"b.{ref} IS NULL")
        if len(values) > _MAX_LISTED:
            self.suspect.append("true")
        elif values:
            self.suspect.append(f"b.{ref} IN ({_literals(values)})")

    def register(self, name: str, table: pa.Table) -> str:
        self.con.register(name, table)
        self.temp.append(name)
        return name

    def lookup(
        self, table: pa.Table, on: list[tuple[str, str]], complete: bool = False
    ) -> Callable[[str], str]:
        """column -> expression of a map table's column for each row, matched on raw cells (NULL matches
        NULL; no match gives NULL): a CASE for a small map (cheaper than a join), a LEFT JOIN otherwise.
        `complete`: every row matches some key, so a column with one value throughout is that value."""
        if complete and table.num_rows <= _INLINE_ROWS:
            rows = table.to_pylist()
            inline = self.lookup(table, on)

            def constant_or_case(column: str) -> str:
                values = {repr(row[column]) for row in rows}
                if len(values) == 1 and rows:
                    sql_type = _SQL_TYPES[str(table.schema.field(column).type)]
                    value = rows[0][column]
                    return f"CAST({'NULL' if value is None else _literal(value)} AS {sql_type})"
                return inline(column)

            return constant_or_case
        if table.num_rows > _INLINE_ROWS:
            alias = f"m{len(self.joins)}"
            self.register(f"_claims_map_{alias}", table)
            condition = " AND ".join(f"{alias}.{key} IS NOT DISTINCT FROM b.{ref}" for key, ref in on)
            self.joins.append(f"LEFT JOIN _claims_map_{alias} {alias} ON {condition}")
            return lambda column: f"{alias}.{column}"
        rows = table.to_pylist()
        conditions = [
            " AND ".join(
                f"b.{ref} IS NULL" if row[key] is None else f"b.{ref} = {_literal(row[key])}"
                for key, ref in on
            )
            for row in rows
        ]

        def expression(column: str) -> str:
            sql_type = _SQL_TYPES[str(table.schema.field(column).type)]
            whens = [f"WHEN {c} THEN {_literal(row[column])}" for c, row in zip(conditions, rows, strict=True)
                     if row[column] is not None]  # fmt: skip
            return f"CAST(CASE {' '.join(whens)} END AS {sql_type})" if whens else f"CAST(NULL AS {sql_type})"

        return expression


def _strings(values: list) -> pa.Array:
    return pa.array(values, type=pa.string())


def _text_column(sql: _Sql, ref: str | None, values: list, function: Callable, required: bool = False) -> str:
    """Value expression of a text column normalised by `function` (one of normalize.py's); a required
    column's missing values make the row suspect."""
    if ref is None:
        if required:
            sql.suspect_cells(None, [])
        return "CAST(NULL AS VARCHAR)"
    converted = function(pd.Series(values, dtype=object)).tolist() if values else []
    if required:
        sql.suspect_cells(ref, [v for v, c in zip(values, converted, strict=True) if c is None])
    if all(c == v for v, c in zip(values, converted, strict=True)):
        return f"b.{ref}"
    return sql.lookup(pa.table({"raw": _strings(values), "value": _strings(converted)}), [("raw", ref)])(
        "value"
    )


def _parsed_column(
    sql: _Sql, ref: str | None, values: list, kind: str, required: bool = False
) -> tuple[str, str]:
    """(value, error) expressions of a column a parser reads: 'date' or 'number' (money grammar). Cells
    that fail (and, in a required column, missing ones) make the row suspect."""
    if ref is None:
        if required:
            sql.suspect_cells(None, [])
        return ("CAST(NULL AS DATE)" if kind == "date" else "CAST(NULL AS DOUBLE)"), "CAST(NULL AS VARCHAR)"
    series = pd.Series(values, dtype=object)
    parsed, errors = nz.dates(series) if kind == "date" else nz.money(series)
    failing = errors.notna() | (parsed.isna() if required else False)
    sql.suspect_cells(
        ref, [v for v, bad in zip(values, failing.tolist(), strict=True) if bad], missing=required
    )
    shape = _ISO_DAY if kind == "date" else _PLAIN_AMOUNT
    if errors.isna().all() and all(shape.fullmatch(v) for v in values):
        cast = "DATE" if kind == "date" else "DOUBLE"
        return f"CAST(b.{ref} AS {cast})", "CAST(NULL AS VARCHAR)"
    if kind == "date":
        typed = pa.array(parsed.to_numpy(), type=pa.timestamp("us"), from_pandas=True)
    else:
        typed = pa.array(parsed.to_numpy(), type=pa.float64(), from_pandas=True)
    table = pa.table({"raw": _strings(values), "value": typed, "error": _strings(errors.tolist())})
    column = sql.lookup(table, [("raw", ref)])
    value = f"CAST({column('value')} AS DATE)" if kind == "date" else column("value")
    return value, column("error")


def _list_columns(sql: _Sql, ref: str, values: list, names: list[str], function: Callable) -> dict[str, str]:
    """A one-cell list ('26,59') spread over the numbered columns, each slot normalised by `function`."""
    spread, _width = nz.split_list_counted(pd.Series(values, dtype=object), len(names), convert=lambda v: v)
    columns = {"raw": _strings(values)}
    for i in spread.columns:
        columns[f"s{i}"] = _strings(function(spread[i]).tolist())
    column = sql.lookup(pa.table(columns), [("raw", ref)])
    return {
        name: (column(f"s{i}") if f"s{i}" in columns else "CAST(NULL AS VARCHAR)")
        for i, name in enumerate(names, start=1)
    }


def _distinct(
    con: duckdb.DuckDBPyConnection, refs: list[str], claim_ref: str | None
) -> tuple[dict[str, list], list, int]:
    """In one pass: the distinct non-missing cells of each column, the claim id cells Python must see
    (`_claim_column`) and the number of rows."""
    lists = [f"list(DISTINCT {ref}) FILTER (WHERE {ref} IS NOT NULL)" for ref in refs]
    if claim_ref is not None:
        lists.append(f"list(DISTINCT {claim_ref}) FILTER (WHERE {_odd_claim(claim_ref)})")
    row = con.execute(f"SELECT count(*), {', '.join(lists) or 'NULL'} FROM {_BODY}").fetchall()[0]  # noqa: S608
    distinct = {ref: sorted(values or []) for ref, values in zip(refs, row[1:], strict=False)}
    odd = sorted(row[-1] or []) if claim_ref is not None else []
    return distinct, odd, int(row[0])


def _odd_claim(ref: str) -> str:
    """Claim id cells `_text_cell` may change, or that may be a totals label (a superset: cheap string
    tests, no regular expression): not ASCII, a blank or control character at either end, a dot
    ('12.0'), a blank word ('N/A'), or starting like a total row's words ('Total', 'Grand', 'Sub') and
    saying one of them ('total': the vocabulary's total_rows)."""
    labels = labels_mod.current()
    initials = ", ".join(str(ord(c)) for c in labels.total_initials) or "-1"
    return (
        f"{ref} IS NOT NULL AND (strlen({ref}) <> length({ref}) OR ascii({ref}) <= 32 OR "
        f"ascii(right({ref}, 1)) <= 32 OR contains({ref}, '.') OR (length({ref}) <= 4 AND lower({ref}) IN "
        f"({_BLANK_WORDS})) OR (ascii({ref}) IN ({initials}) AND ({_mentions_total(ref, labels)})))"
    )


def _mentions_total(ref: str, labels) -> str:
    """SQL: the cell holds one of the total rows' words (labels.total_terms: letters and digits only)."""
    return " OR ".join(f"{ref} ILIKE '%{term}%'" for term in labels.total_terms) or "false"


def _distinct_rows(con: duckdb.DuckDBPyConnection, refs: list[str]) -> list[tuple]:
    columns = ", ".join(refs)
    return con.execute(f"SELECT DISTINCT {columns} FROM {_BODY}").fetchall()  # noqa: S608


def load_raw(con: duckdb.DuckDBPyConnection, source: DuckCsv) -> None:
    """Read the whole file into the TEMP table `_claims_raw` (rowid = the record's position). Raises
    NotPlain when DuckDB refuses it; call `cleanup` afterwards in any case."""
    con.execute("SET preserve_insertion_order = true")  # rowid = position in the file
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS {source.query}", [str(source.path)])  # noqa: S608
    except duckdb.Error as exc:
        raise NotPlain(str(exc)) from exc


def stage(
    con: duckdb.DuckDBPyConnection,
    source: DuckCsv,
    mapped: Mapping,
    directory: PayerDirectory,
    patients: Callable[[pd.DataFrame], tuple[pd.Series, pd.Series]],
) -> Staged:
    """Build `_claims_new` and the rejected rows from `_claims_raw` (see the module doc; `load_raw`
    first). `patients` gives (patient_key, birth year) for a frame of raw patient columns: the
    loader's `_patient_columns`; it runs in a thread while DuckDB looks for the distinct cells."""
    sql = _Sql(con)
    try:
        return _stage(sql, source, mapped, directory, patients)
    except BaseException:
        for name in sql.temp:  # staged never came back: cleanup cannot see these
            con.unregister(name)
        raise


def _stage(
    sql: _Sql, source: DuckCsv, mapped: Mapping, directory: PayerDirectory, patients: Callable
) -> Staged:
    """The work of `stage`, with the map tables registered through `sql`."""
    con = sql.con
    cells = [f"c{i}" for i in range(source.width)]
    # Rows of empty cells are no rows (read_csv drops them): deleted here, so no query of the body
    # reads every column to skip them (rowid, the position in the file, stays as it was).
    con.execute(f"DELETE FROM {RAW} WHERE {' AND '.join(f'{c} IS NULL' for c in cells)}")  # noqa: S608
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {_BODY} AS SELECT rowid AS r, * FROM {RAW} "  # noqa: S608
        f"WHERE rowid > {int(mapped.header_row)}"
    )

    def ref(canonical: str) -> str | None:
        match = mapped.columns.get(canonical)
        return f"c{int(match.position)}" if match is not None else None

    shifted = _shifted(con, cells, int(mapped.header_row))
    sql.suspect.append(shifted)

    numbered_modifiers = any(ref(n) for n in claims_mod.MODIFIERS)
    numbered_diagnoses = any(ref(n) for n in claims_mod.DIAGNOSES)
    simple = ["rendering_npi", "billing_npi", "procedure_code", "pos", "service_state", "line_no",
              "date_of_service", "submitted_date", "billed_amount", "units"]  # fmt: skip
    simple += claims_mod.MODIFIERS if numbered_modifiers else ["modifiers"]
    simple += claims_mod.DIAGNOSES if numbered_diagnoses else ["diagnoses"]
    wanted = [r for r in dict.fromkeys(ref(c) for c in simple) if r is not None]
    with ThreadPoolExecutor(1) as pool:
        patient_table = _patient_table(con, mapped, ref, patients, pool)
        distinct, odd_claims, rows_read = _distinct(con, wanted, ref("claim_id"))
        patient_key, birth_year = _patient_columns(sql, patient_table.result())

    def values(canonical: str) -> list:
        return distinct.get(ref(canonical), [])

    expr: dict[str, str] = {}
    for name, function in [("rendering_npi", nz.npi), ("billing_npi", nz.npi),
                           ("procedure_code", nz.procedure_code), ("pos", nz.pos), ("service_state", nz.state)]:  # fmt: skip
        required = name in ("rendering_npi", "procedure_code")
        expr[name] = _text_column(sql, ref(name), values(name), function, required)
    for names, list_name, function, numbered in [
        (claims_mod.MODIFIERS, "modifiers", nz.code, numbered_modifiers),
        (claims_mod.DIAGNOSES, "diagnoses", nz.diagnosis, numbered_diagnoses),
    ]:
        if numbered or ref(list_name) is None:
            for name in names:
                expr[name] = _text_column(sql, ref(name), values(name), function)
        else:
            expr.update(_list_columns(sql, ref(list_name), values(list_name), names, function))
    expr["date_of_service"], dos_error = _parsed_column(
        sql, ref("date_of_service"), values("date_of_service"), "date", required=True
    )
    expr["submitted_date"], submitted_error = _parsed_column(
        sql, ref("submitted_date"), values("submitted_date"), "date"
    )
    expr["billed_amount"], billed_error = _parsed_column(
        sql, ref("billed_amount"), values("billed_amount"), "number", required=True
    )
    expr["units"], units_error = _parsed_column(sql, ref("units"), values("units"), "number")
    line_values = values("line_no")
    line_column = bool(line_values)  # as normalise_claims: the column counts when some cell is filled
    line_bad = "false"
    if line_column:
        expr["line_no"], line_bad = _line_column(sql, ref("line_no"), line_values)
    claim_value, claim_total = _claim_column(sql, ref("claim_id"), odd_claims)
    body_totals = _body_totals(con, ref("claim_id"), cells)
    sql.suspect.append(body_totals)
    payer = _payer_columns(con, sql, ref("payer_id"), ref("payer_name"), directory)

    select = ["b.r", "b.r + 1 AS source_row", f"{claim_value} AS claim_id",
              f"{claim_total} OR {body_totals} AS is_total", f"{shifted} AS is_shifted",
              f"{patient_key} AS patient_key", f"{birth_year} AS patient_birth_year",
              f"{payer['missing']} AS payer_missing", f"{payer['resolved']} AS payer_id",
              f"{payer['reason']} AS payer_reason", f"{payer['label']} AS payer_label",
              f"{dos_error} AS dos_error", f"{submitted_error} AS submitted_error",
              f"{billed_error} AS billed_error", f"{units_error} AS units_error", f"{line_bad} AS line_bad"]  # fmt: skip
    select += [f"{value} AS {name}" for name, value in expr.items()]
    if line_column:
        line = "line_no"
    else:  # the row's position within its claim, counting every row of the file
        line = "CASE WHEN claim_id IS NOT NULL THEN row_number() OVER (PARTITION BY claim_id ORDER BY r) END"
    checks = _CHECKS + (_LINE_CHECKS if line_column else [])
    column_case = "CASE " + " ".join(f"WHEN {c} THEN '{col}'" for c, col, _r in checks) + " END"
    reason_case = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, _col, r in checks) + " END"
    kept = [n for n in expr if n != "line_no"]

    def checked(source: str) -> str:
        """SQL of the rows of `source` (a view, or a subquery of _claims_body) with their values and
        their first reason (before duplicates and payers)."""
        values = f"(SELECT {', '.join(select)} FROM {source} b {' '.join(sql.joins)})"  # noqa: S608
        return (
            f"(SELECT r, source_row, claim_id, {line} AS line_no, patient_key, patient_birth_year, payer_id, "  # noqa: S608
            f"payer_reason, payer_label, {', '.join(kept)}, {column_case} AS reason_column, "
            f"{reason_case} AS reason FROM {values})"
        )

    def final(rows: str) -> str:
        """SQL of `rows` (checked) with the reason a row is rejected for, if any (final_reason)."""
        return (
            f"(SELECT c.*, coalesce(c.reason, {dup_reason}, c.payer_reason) AS final_reason, "  # noqa: S608
            f"CASE WHEN c.reason IS NOT NULL THEN c.reason_column WHEN ({dup_reason}) IS NOT NULL "
            f"THEN 'claim_id' WHEN c.payer_reason IS NOT NULL THEN 'payer' END AS final_column "
            f"FROM {rows} c {dup_join})"
        )

    # Claim ids and line numbers that are their own cells: the file order of the cells tells.
    plain_keys = (
        claim_value == f"b.{ref('claim_id')}" and expr.get("line_no") == f"CAST(b.{ref('line_no')} AS DOUBLE)"
    )
    duplicates = line_column and not (plain_keys and _ascending(con, ref("claim_id"), ref("line_no")))
    duplicates = duplicates and _find_duplicates(con, checked(_BODY))
    if duplicates:
        dup_join = f"LEFT JOIN {_DUPS} d ON d.r = c.r"
        dup_reason = (
            "CASE WHEN d.r IS NOT NULL THEN 'duplicate of row ' || d.first_row || ' in the same file' END"
        )
        sql.suspect.append(f"b.r IN (SELECT r FROM {_DUPS})")  # noqa: S608
    else:
        dup_join, dup_reason = "", "CAST(NULL AS VARCHAR)"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {_FINAL} AS SELECT * FROM {final(checked(_BODY))}")  # noqa: S608
    looked_at = _FINAL
    if line_column:  # no window over the rows: the rejected ones are among the suspect ones
        suspect = " OR ".join(dict.fromkeys(p for p in sql.suspect if p != "false")) or "false"
        looked_at = final(checked(f"(SELECT * FROM {_BODY} b WHERE {suspect})"))  # noqa: S608
    rejected = con.execute(
        f"SELECT f.source_row, f.final_column AS column, f.final_reason AS reason, f.patient_key, "  # noqa: S608
        f"f.patient_birth_year AS birth_year, f.date_of_service AS service_date, "
        f"CASE WHEN f.reason IS NULL AND f.payer_reason IS NOT NULL "
        f"THEN f.payer_label END AS label, {', '.join('raw.' + c for c in cells)} FROM {looked_at} f "
        f"JOIN {RAW} raw ON raw.rowid = f.r WHERE f.final_reason IS NOT NULL ORDER BY f.r"
    ).df()
    return Staged(rows_read, rows_read - len(rejected), rejected, sql.temp)


def accepted_view(con: duckdb.DuckDBPyConnection, columns: list[tuple[str, str]]) -> None:
    """`_claims_new`: the accepted rows with claim_lines' columns and types."""
    casts = ", ".join(f"CAST({name} AS {sql_type}) AS {name}" for name, sql_type in columns)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {NEW} AS SELECT {casts} FROM {_FINAL} WHERE final_reason IS NULL"  # noqa: S608
    )


def _line_column(sql: _Sql, ref: str, values: list) -> tuple[str, str]:
    """(value, bad) expressions of the line number column, as normalise_claims reads it."""
    if all(_PLAIN_LINE.fullmatch(v) for v in values):
        sql.suspect_cells(ref, [])
        return f"CAST(b.{ref} AS DOUBLE)", "false"
    number, errors = nz.number(pd.Series(values, dtype=object))
    bad = errors.notna() | (number.notna() & ((number % 1 != 0) | (number <= 0)))
    value = number.where(~bad & number.notna(), np.nan)
    sql.suspect_cells(ref, [v for v, ok in zip(values, value.notna().tolist(), strict=True) if not ok])
    table = pa.table(
        {
            "raw": _strings(values),
            "value": pa.array(value.to_numpy(), type=pa.float64(), from_pandas=True),
            "bad": pa.array(bad.to_numpy(), type=pa.bool_()),
        }
    )
    column = sql.lookup(table, [("raw", ref)])
    return column("value"), f"coalesce({column('bad')}, false)"


def _claim_column(sql: _Sql, ref: str | None, odd: list) -> tuple[str, str]:
    """(value, is_total) expressions of the claim id. Clean cells are their own text and no totals
    label; the odd ones (`_odd_claim`) go through Python."""
    if ref is None:
        sql.suspect_cells(None, [])
        return "CAST(NULL AS VARCHAR)", "false"
    sql.suspect_cells(ref, odd)
    if not odd:
        return f"b.{ref}", "false"
    text = nz.text(pd.Series(odd, dtype=object)).tolist()
    table = pa.table(
        {
            "raw": _strings(odd),
            "value": _strings(text),
            "total": pa.array([claims_mod._is_total(t) for t in text], type=pa.bool_()),
            "matched": pa.array([True] * len(odd), type=pa.bool_()),
        }
    )
    column = sql.lookup(table, [("raw", ref)])
    return (
        f"CASE WHEN {column('matched')} THEN {column('value')} ELSE b.{ref} END",
        f"coalesce({column('total')}, false)",
    )


def _shifted(con: duckdb.DuckDBPyConnection, cells: list[str], header_row: int) -> str:
    """Predicate of the rows with a cell past the header that only some rows fill (claims.shifted_columns)."""
    header = con.execute(f"SELECT {', '.join(cells)} FROM {RAW} WHERE rowid = {header_row}").fetchall()  # noqa: S608
    header_cells = list(header[0]) if header else [None] * len(cells)
    if nz.cell_text(header_cells[-1]) is not None:
        return "false"
    unnamed = [i for i, cell in enumerate(header_cells) if nz.cell_text(cell) is None]
    counts = con.execute(
        f"SELECT count(*), {', '.join(f'count(nullif(trim({cells[i]}), {chr(39) * 2}))' for i in unnamed)} "  # noqa: S608
        f"FROM {_BODY}"
    ).fetchall()[0]
    filled = [0] * len(cells)
    for i, n in zip(unnamed, counts[1:], strict=True):
        filled[i] = int(n)
    past = claims_mod.shifted_columns(header_cells, filled, int(counts[0]))
    if not past:
        return "false"
    return "(" + " OR ".join(f"nullif(trim(b.{cells[i]}), '') IS NOT NULL" for i in past) + ")"


def _body_totals(con: duckdb.DuckDBPyConnection, ref: str | None, cells: list[str]) -> str:
    """Predicate of the rows with no claim id where some cell says 'Total' (claims.totals_in_body)."""
    blank = f"{ref} IS NULL" if ref is not None else "true"
    labels = labels_mod.current()
    mention = " OR ".join(_mentions_total(c, labels) for c in cells)
    rows = con.execute(
        f"SELECT r, {', '.join(cells)} FROM {_BODY} WHERE {blank} AND ({mention})"  # noqa: S608
    ).fetchall()
    hits = [
        str(int(row[0]))
        for row in rows
        if any(isinstance(v, str) and labels.total_row.match(v) for v in row[1:])
    ]
    return f"b.r IN ({', '.join(hits)})" if hits else "false"


def _payer_columns(
    con: duckdb.DuckDBPyConnection,
    sql: _Sql,
    id_ref: str | None,
    name_ref: str | None,
    directory: PayerDirectory,
) -> dict[str, str]:
    """Expressions of the resolved payer_id, 'missing payer', the unknown-payer reason and its label,
    from each distinct (payer id, payer name) pair of the file."""
    refs = [r for r in (id_ref, name_ref) if r is not None]
    if not refs:
        sql.suspect.append("true")
        return {"missing": "true", "resolved": "CAST(NULL AS VARCHAR)", "reason": "CAST(NULL AS VARCHAR)",
                "label": "CAST(NULL AS VARCHAR)"}  # fmt: skip
    pairs = _distinct_rows(con, refs)
    columns = list(zip(*pairs, strict=True)) if pairs else [() for _ in refs]
    raw = dict(zip(refs, columns, strict=True))
    none = [None] * len(pairs)
    ids = nz.text(pd.Series(list(raw.get(id_ref, none)) if id_ref else none, dtype=object))
    names = nz.text(pd.Series(list(raw.get(name_ref, none)) if name_ref else none, dtype=object))
    resolved, label = directory.resolve(ids, names)
    missing = (ids.isna() & names.isna()).tolist()
    reasons = [
        directory.unknown_reason(lab) if res is None and not miss else None
        for res, lab, miss in zip(resolved.tolist(), label.tolist(), missing, strict=True)
    ]
    failing = [i for i, (miss, why) in enumerate(zip(missing, reasons, strict=True)) if miss or why]
    if failing:  # rows whose cells are among the failing pairs' (a superset of the failing pairs)
        parts = []
        for r in refs:
            cells = {raw[r][i] for i in failing}
            listed = [c for c in cells if c is not None]
            part = [f"b.{r} IN ({_literals(listed)})"] if listed else []
            part += [f"b.{r} IS NULL"] if None in cells else []
            parts.append("(" + " OR ".join(part) + ")" if len(listed) <= _MAX_LISTED else "true")
        sql.suspect.append("(" + " AND ".join(parts) + ")")
    table = {f"k{i}": _strings(list(raw[r])) for i, r in enumerate(refs)}
    table.update(
        resolved=_strings(resolved.tolist()),
        missing=pa.array(missing, type=pa.bool_()),
        reason=_strings(reasons),
        label=_strings(label.tolist()),
    )
    column = sql.lookup(pa.table(table), [(f"k{i}", r) for i, r in enumerate(refs)], complete=True)
    return {
        "missing": f"coalesce({column('missing')}, true)",
        "resolved": column("resolved"),
        "reason": column("reason"),
        "label": column("label"),
    }


def _patient_table(
    con, mapped: Mapping, ref: Callable, patients: Callable, pool: ThreadPoolExecutor
) -> Future:
    """(raw cell columns, map table) of each distinct combination of raw patient cells with its
    patient key and birth year, worked out in `pool`; (None, None) when the file has no patient column."""
    parts = ["patient_id", "patient_name", "patient_last_name", "patient_first_name", "patient_dob"]
    present = [p for p in parts if ref(p) is not None]
    if "patient_name" in present:  # a name column wins over last/first (claims_from_sheet)
        present = [p for p in present if p not in ("patient_last_name", "patient_first_name")]
    refs = list(dict.fromkeys(ref(p) for p in present))
    rows = _distinct_rows(con, refs) if refs else []

    def work() -> tuple[list[str] | None, pa.Table | None]:
        if not refs:
            return None, None
        cells = {r: pd.Series([row[i] for row in rows], dtype=object) for i, r in enumerate(refs)}
        none = pd.Series([None] * len(rows), dtype=object)

        def column(name: str) -> pd.Series:
            return cells[ref(name)] if name in present else none

        frame = pd.DataFrame({"patient_id": column("patient_id"), "patient_dob": column("patient_dob")})
        if "patient_name" in present:
            frame["patient_name"] = column("patient_name")
        else:
            frame["patient_name"] = claims_mod.patient_name(
                column("patient_last_name"), column("patient_first_name")
            )
        frame.attrs["empty"] = {n for n in ("patient_id", "patient_dob") if n not in present}
        keys, years = patients(frame)
        table = {f"k{i}": _strings(cells[r].tolist()) for i, r in enumerate(refs)}
        table.update(
            key=_strings(keys.tolist()), year=pa.array(years.to_numpy(), type=pa.float64(), from_pandas=True)
        )
        return refs, pa.table(table)

    return pool.submit(work)


def _patient_columns(sql: _Sql, patient_table: tuple) -> tuple[str, str]:
    """(patient_key, birth year) expressions, from the map `_patient_table` made."""
    refs, table = patient_table
    if table is None:
        return "CAST(NULL AS VARCHAR)", "CAST(NULL AS DOUBLE)"
    column = sql.lookup(table, [(f"k{i}", r) for i, r in enumerate(refs)])
    return column("key"), column("year")


def _ascending(con: duckdb.DuckDBPyConnection, claim_ref: str, line_ref: str) -> bool:
    """True when the (claim id, line) cells, where both are filled, strictly ascend in file order (an
    export sorted by claim): then no two rows share them. Only for cells that are their own values."""
    table = con.sql(
        f"SELECT {claim_ref} AS claim, CAST({line_ref} AS BIGINT) AS line FROM {_BODY} "  # noqa: S608
        f"WHERE {claim_ref} IS NOT NULL AND {line_ref} IS NOT NULL"
    ).to_arrow_table()
    if table.num_rows < 2:
        return True
    claim, line = table.column("claim").combine_chunks(), table.column("line").combine_chunks()
    later, earlier = claim.slice(1), claim.slice(0, len(claim) - 1)
    step = pc.or_(
        pc.greater(later, earlier),
        pc.and_(pc.equal(later, earlier), pc.greater(line.slice(1), line.slice(0, len(line) - 1))),
    )
    return bool(pc.all(step).as_py())


def _find_duplicates(con: duckdb.DuckDBPyConnection, checked: str) -> bool:
    """`_claims_dups` (r, first_row): rows, among those with no reason so far (`checked`: their SQL),
    whose (claim_id, line_no) an earlier one had. False (and no table) when there are none."""
    keys = con.execute(
        f"SELECT claim_id, line_no FROM {checked} WHERE reason IS NULL GROUP BY ALL HAVING count(*) > 1 LIMIT 1"  # noqa: S608
    ).fetchall()
    if not keys:
        return False
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_DUPS} AS SELECT r, first_row FROM (SELECT r, source_row, "  # noqa: S608
        "min(source_row) OVER (PARTITION BY claim_id, line_no) AS first_row FROM "
        f"(SELECT c.r, c.source_row, c.claim_id, c.line_no FROM {checked} c JOIN (SELECT claim_id, line_no "
        f"FROM {checked} WHERE reason IS NULL GROUP BY ALL HAVING count(*) > 1) k "
        "ON k.claim_id = c.claim_id AND k.line_no = c.line_no WHERE c.reason IS NULL)) WHERE source_row > first_row"
    )
    return True


# --------------------------------------------------------------------------------------------
# the whole set-based load of one file


def _hash_and_check(source: DuckCsv) -> tuple[str, bool]:
    """(sha256, plain) of the file: its hash, and whether DuckDB reads it as pandas would."""
    import hashlib

    data = source.path.read_bytes()
    return hashlib.sha256(data).hexdigest(), source.plain(data)


def load_file(con: duckdb.DuckDBPyConnection, source: DuckCsv, head, mapped: Mapping, file_name: str,
              uploaded_by: str | None, progress=None):  # fmt: skip
    """(result, sha256) of a claims CSV that DuckDB reads as pandas would, staged here and written by the
    upload transaction (upload.load_claims) with the same result as the general path; (None, sha256 or
    None) when the file is not plain: the caller reads it the general way. The file's hash and plainness
    are worked out in a thread while DuckDB reads the file; a file loaded before is recorded as a
    duplicate. `head` is the RawSheet of its first records that `mapped` was read from."""
    from audits.ingest import batch as batch_mod
    from audits.ingest import upload
    from audits.ingest.patients import patient_columns
    from audits.ingest.tables import CLAIM_LINE_COLUMNS

    staged = None
    try:
        with ThreadPoolExecutor(1) as pool:
            checks = pool.submit(_hash_and_check, source)
            try:
                load_raw(con, source)
            except NotPlain:
                return None, checks.result()[0]
            sha, plain = checks.result()
        if not plain:
            return None, sha
        earlier = upload.earlier_upload(con, sha)
        if earlier:
            return upload.record_duplicate(con, file_name, sha, earlier[1], earlier[0], uploaded_by), sha
        directory = PayerDirectory(con)
        staged = stage(con, source, mapped, directory, patient_columns)
        accepted_view(con, CLAIM_LINE_COLUMNS)
        upload.report(progress, 0.5, f"{file_name}: {staged.rows_read} rows normalised")
        batch = batch_mod.set_claims_batch(staged, source, head, mapped, directory)
        incoming = batch_mod.Incoming(
            file_name, "claims", sha, [batch], mapped.to_json(), mapped.proposal(), uploaded_by=uploaded_by
        )
        incoming.warnings = list(mapped.warnings)
        return upload.load_claims(con, incoming, progress), sha
    finally:
        cleanup(con, staged)
