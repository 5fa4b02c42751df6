"""Measures of SPEC 5 as functions returning dicts and DataFrames (dashboard, reports, notebooks).

Every number is a sum over the view msr_claim_line (audits/sql/measures/), whose definitions rest on
stg_remit_line_facts (denied, paid, root cause) and the month's current findings. Months are service
months. Functions work on read-only connections: audits.views.ensure_views uses the views stored at
the last write, or creates them for the connection when they are missing or out of date.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import duckdb
import pandas as pd

from audits import reference
from audits.errors import InputError
from audits.findings import CURRENT_FINDINGS_SQL, PAYER_NAMES_SQL, PROVIDER_NAMES_SQL
from audits.months import add_months, month_bounds
from audits.rules import registry_frame
from audits.views import ensure_views, views_version

NUMERIC_KEYS = (
    "lines",
    "billed",
    "remitted_lines",
    "paid",
    "denied_lines",
    "denied_dollars",
    "partially_denied_dollars",
    "denial_rate_lines",
    "denial_rate_dollars",
    "credentialing_denied_dollars",
    "credentialing_share",
    "preventable_dollars",
    "findings",
    "findings_per_1000",
)
_COUNT_KEYS = ("lines", "remitted_lines", "denied_lines", "findings")
BREAKDOWNS = ("provider", "payer", "procedure_code", "root_cause", "rule")
ROOT_CAUSES = (*reference.ROOT_CAUSES, "unknown")  # unknown: a CARC missing from the table (SPEC 3)

_SUMS = """
    count(*) AS lines,
    coalesce(sum(billed_amount), 0) AS billed,
    coalesce(sum(CASE WHEN remitted THEN 1 ELSE 0 END), 0) AS remitted_lines,
    coalesce(sum(remitted_billed), 0) AS remitted_billed,
    coalesce(sum(paid), 0) AS paid,
    coalesce(sum(CASE WHEN denied THEN 1 ELSE 0 END), 0) AS denied_lines,
    coalesce(sum(denied_dollars), 0) AS denied_dollars,
    coalesce(sum(partially_denied_dollars), 0) AS partially_denied_dollars,
    coalesce(sum(credentialing_denied_dollars), 0) AS credentialing_denied_dollars,
    coalesce(sum(preventable_dollars), 0) AS preventable_dollars
"""


def _ratio(numerator, denominator) -> float:
    return float(numerator) / float(denominator) if denominator else 0.0


def _derive(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the rates and shares to a frame of sums (one row per month or group)."""
    frame = frame.copy()
    money = [
        "billed",
        "remitted_billed",
        "paid",
        "denied_dollars",
        "partially_denied_dollars",
        "credentialing_denied_dollars",
        "preventable_dollars",
    ]
    for column in money:
        if column in frame:
            frame[column] = frame[column].astype(float)
    for column in ("lines", "remitted_lines", "denied_lines", "findings"):
        if column in frame:
            frame[column] = frame[column].fillna(0).astype("int64")
    frame["denial_rate_lines"] = [
        _ratio(a, b) for a, b in zip(frame.denied_lines, frame.remitted_lines, strict=True)
    ]
    frame["denial_rate_dollars"] = [
        _ratio(a, b) for a, b in zip(frame.denied_dollars, frame.remitted_billed, strict=True)
    ]
    frame["credentialing_share"] = [
        _ratio(a, b) for a, b in zip(frame.credentialing_denied_dollars, frame.denied_dollars, strict=True)
    ]
    frame["findings_per_1000"] = [
        _ratio(a, b) * 1000 for a, b in zip(frame.findings, frame.lines, strict=True)
    ]
    return frame


_MONEY = (
    "billed",
    "remitted_billed",
    "paid",
    "denied_dollars",
    "partially_denied_dollars",
    "credentialing_denied_dollars",
    "preventable_dollars",
)
_CUBE_KEYS = (
    "service_month",
    "rendering_npi",
    "payer_id",
    "procedure_code",
    "root_cause",
    "remitted",
    "denied",
)
_CUBE_SQL = f"""
SELECT service_month, rendering_npi, payer_id, procedure_code, root_cause, remitted, denied, {_SUMS},
       coalesce(sum(findings), 0) AS line_findings
FROM msr_claim_line
GROUP BY service_month, rendering_npi, payer_id, procedure_code, root_cause, remitted, denied
"""  # noqa: S608 - constant text
_FINGERPRINT_SQL = """
SELECT
    (SELECT max(path) FROM duckdb_databases() WHERE database_name = current_database()),
    (SELECT count(*) FROM claim_lines), (SELECT max(loaded_at) FROM claim_lines),
    (SELECT max(upload_id) FROM claim_lines),
    (SELECT count(*) FROM remit_lines), (SELECT max(remit_line_id) FROM remit_lines),
    (SELECT count(*) FROM remit_adjustments), (SELECT count(*) FROM remit_remarks),
    (SELECT count(*) FROM findings), (SELECT max(run_id) FROM audit_runs),
    (SELECT string_agg(name || ':' || sha256, ',' ORDER BY name) FROM ref_meta)
"""
_CUBES: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_CUBES_KEPT = 2
_CUBES_LOCK = threading.Lock()  # dashboard script runs share the process


def _cube(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every claim line's measures summed per (month, provider, payer, code, root cause, remitted,
    denied): one scan of msr_claim_line serves every measure. Kept in memory for this process until
    the data change (claim lines, remittances, audit runs, reference tables), so a dashboard page that
    asks for a summary, a trend and three breakdowns pays for the scan once."""
    key = (*con.execute(_FINGERPRINT_SQL).fetchall()[0], views_version())
    with _CUBES_LOCK:
        if key in _CUBES:
            _CUBES.move_to_end(key)
            return _CUBES[key]
    frame = con.execute(_CUBE_SQL).df()
    frame["service_month"] = pd.to_datetime(frame["service_month"]).dt.date
    for column in _MONEY:
        frame[column] = frame[column].astype(float)
    for column in ("lines", "remitted_lines", "denied_lines", "line_findings"):
        frame[column] = frame[column].astype("int64")
    with _CUBES_LOCK:
        _CUBES[key] = frame
        while len(_CUBES) > _CUBES_KEPT:
            _CUBES.popitem(last=False)
    return frame


def _sum_by(cube: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    columns = ["lines", "remitted_lines", "denied_lines", *_MONEY, "line_findings"]
    if cube.empty:
        return pd.DataFrame(columns=[*keys, *columns])
    return cube.groupby(keys, dropna=False, as_index=False)[columns].sum()


def _months_values(con: duckdb.DuckDBPyConnection, starts: list[dt.date]) -> dict[dt.date, dict]:
    """The measures of each month in `starts`."""
    first, last = starts[0], month_bounds(starts[-1])[1]
    cube = _cube(con)
    sums = _sum_by(cube[(cube.service_month >= first) & (cube.service_month <= last)], ["service_month"])
    counts = con.execute(
        f"SELECT month AS service_month, count(*) AS findings FROM ({CURRENT_FINDINGS_SQL}) AS f "  # noqa: S608
        "WHERE month BETWEEN $first AND $last GROUP BY month",
        {"first": first, "last": last},
    ).df()
    frame = pd.DataFrame({"service_month": pd.to_datetime(starts)})
    for part in (sums, counts):
        part = part.copy()
        part["service_month"] = pd.to_datetime(part["service_month"])
        frame = frame.merge(part, on="service_month", how="left")
    frame = _derive(frame.fillna(0))
    result = {}
    for start, (_i, row) in zip(starts, frame.iterrows(), strict=True):
        values = {"month": start.strftime("%Y-%m")}
        for key in NUMERIC_KEYS:
            values[key] = int(row[key]) if key in _COUNT_KEYS else float(row[key])
        result[start] = values
    return result


def _previous(month_start: dt.date) -> dt.date:
    return add_months(month_start, -1)


def month_summary(con: duckdb.DuckDBPyConnection, month) -> dict:
    """The month's measures, with "prev" (the previous month's, or None) and "change" (differences)."""
    ensure_views(con)
    month_start, _month_end = month_bounds(month)
    prev_start = _previous(month_start)
    values = _months_values(con, [prev_start, month_start])
    current, prev = values[month_start], values[prev_start]
    if prev["lines"] == 0 and prev["findings"] == 0:
        prev = None
    current["prev"] = prev
    current["change"] = {key: (current[key] - prev[key]) if prev else None for key in NUMERIC_KEYS}
    return current


def _month_range(end_month, months: int) -> tuple[dt.date, dt.date, list[dt.date]]:
    if months < 1:
        raise InputError(f"months must be at least 1, not {months}.")
    end_start, end_end = month_bounds(end_month)
    starts = [end_start]
    for _ in range(months - 1):
        starts.append(_previous(starts[-1]))
    starts.reverse()
    return starts[0], end_end, starts


def monthly_trend(con: duckdb.DuckDBPyConnection, end_month, months: int = 12) -> pd.DataFrame:
    """One row per month (oldest first, months without lines included): month + NUMERIC_KEYS."""
    ensure_views(con)
    _first, _last, starts = _month_range(end_month, months)
    values = _months_values(con, starts)
    return pd.DataFrame([values[start] for start in starts], columns=["month", *NUMERIC_KEYS])


_GROUPS = {
    # by -> (key columns in msr_claim_line, key columns in findings)
    "provider": (("rendering_npi",), ("rendering_npi",)),
    "payer": (("payer_id",), ("payer_id",)),
    "procedure_code": (("procedure_code",), ("procedure_code",)),
    "root_cause": (("root_cause",), None),
}


def breakdown(con: duckdb.DuckDBPyConnection, month, by: str) -> pd.DataFrame:
    """The month's measures per provider, payer, procedure code, root cause (denied lines), or rule."""
    if by not in BREAKDOWNS:
        raise InputError(f"Cannot break down by '{by}' - choose one of {', '.join(BREAKDOWNS)}.")
    ensure_views(con)
    month_start, _month_end = month_bounds(month)
    if by == "rule":
        return _rule_breakdown(con, month_start)
    keys, finding_keys = _GROUPS[by]
    cube = _cube(con)
    cube = cube[cube.service_month == month_start]
    if by == "root_cause":
        cube = cube[cube.denied]
    sums = _sum_by(cube, list(keys))
    if by == "root_cause":
        counts = sums[["root_cause", "line_findings"]].rename(columns={"line_findings": "findings"})
    else:
        counts = con.execute(
            f"SELECT {', '.join(finding_keys)}, count(*) AS findings FROM ({CURRENT_FINDINGS_SQL}) AS f "  # noqa: S608
            f"WHERE month = $month_start GROUP BY {', '.join(finding_keys)}",
            {"month_start": month_start},
        ).df()
    sums = sums.drop(columns=["line_findings"])
    frame = sums.merge(counts, on=list(keys), how="outer")
    frame = _derive(frame.fillna({c: 0 for c in frame.columns if c not in keys}))
    if by == "provider":
        names = con.execute(f"SELECT npi AS rendering_npi, provider_name FROM ({PROVIDER_NAMES_SQL})").df()  # noqa: S608
        frame = frame.merge(names, on="rendering_npi", how="left")
        keys = ("rendering_npi", "provider_name")
    elif by == "payer":
        names = con.execute(PAYER_NAMES_SQL).df()
        frame = frame.merge(names, on="payer_id", how="left")
        keys = ("payer_id", "payer_name")
    columns = [
        *keys,
        "lines",
        "billed",
        "paid",
        "denied_lines",
        "denied_dollars",
        "denial_rate_lines",
        "denial_rate_dollars",
        "credentialing_denied_dollars",
        "preventable_dollars",
        "findings",
        "findings_per_1000",
    ]
    return (
        frame[columns]
        .sort_values(["denied_dollars", "findings", "billed"], ascending=False)
        .reset_index(drop=True)
    )


def _rule_breakdown(con: duckdb.DuckDBPyConnection, month_start: dt.date) -> pd.DataFrame:
    counts = con.execute(
        "SELECT rule_id, count(*) AS findings, coalesce(sum(amount_at_risk), 0) AS amount_at_risk "  # noqa: S608
        f"FROM ({CURRENT_FINDINGS_SQL}) AS f WHERE month = ? GROUP BY rule_id",
        [month_start],
    ).df()
    registry = registry_frame(con)[["rule_id", "severity", "description", "action"]]
    frame = registry.merge(counts, on="rule_id", how="inner")
    frame["findings"] = frame.findings.astype("int64")
    frame["amount_at_risk"] = frame.amount_at_risk.astype(float)
    columns = ["rule_id", "severity", "findings", "amount_at_risk", "description", "action"]
    return frame[columns].sort_values(["amount_at_risk", "findings"], ascending=False).reset_index(drop=True)


def denied_by_root_cause(con: duckdb.DuckDBPyConnection, end_month, months: int = 12) -> pd.DataFrame:
    """Denied lines and dollars per service month and root cause (months with denials only)."""
    ensure_views(con)
    first, last, _starts = _month_range(end_month, months)
    cube = _cube(con)
    cube = cube[(cube.service_month >= first) & (cube.service_month <= last) & cube.denied]
    sums = _sum_by(cube, ["service_month", "root_cause"]).sort_values(["service_month", "root_cause"])
    frame = pd.DataFrame(
        {
            "month": [m.strftime("%Y-%m") for m in sums.service_month],
            "root_cause": sums.root_cause.tolist(),
            "denied_lines": sums.denied_lines.astype("int64").tolist(),
            "denied_dollars": sums.denied_dollars.astype(float).tolist(),
        }
    )
    frame["denied_lines"] = frame.denied_lines.astype("int64")
    frame["denied_dollars"] = frame.denied_dollars.astype(float)
    return frame.reset_index(drop=True)
