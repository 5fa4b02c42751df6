"""The seven credentialing rules as the one plain DuckDB query a data engineer would write (see
bench/baselines/__init__.py): line-level joins and GROUP BYs, DuckDB's own regexp and list functions."""

from __future__ import annotations

import calendar
import datetime as dt
import sys

import duckdb

QUERY = """
WITH
lines AS (
    SELECT claim_id, line_no, trim(rendering_npi) AS npi, trim(payer_id) AS payer_id, date_of_service AS dos,
           upper(trim(procedure_code)) AS code, lpad(nullif(trim(pos), ''), 2, '0') AS pos,
           nullif(upper(trim(service_state)), '') AS service_state
    FROM claim_lines
    WHERE date_of_service BETWEEN $start AND $end
      AND trim(rendering_npi) IN (SELECT trim(npi) FROM providers)
),
enrollment AS (
    SELECT l.claim_id, l.line_no, any_value(l.pos) AS pos,
           count(e.npi) > 0 AS has_rows,
           bool_or(e.status IN ('enrolled', 'terminated') AND e.effective_date <= l.dos
                   AND (e.termination_date IS NULL OR l.dos <= e.termination_date)) AS covered,
           bool_or(e.status IN ('enrolled', 'terminated') AND e.effective_date <= l.dos
                   AND (e.termination_date IS NULL OR l.dos <= e.termination_date)
                   AND (coalesce(e.allowed_pos, '') = ''
                        OR list_contains(string_split(replace(e.allowed_pos, ' ', ''), ','), l.pos))) AS pos_ok,
           bool_or(e.status IN ('enrolled', 'terminated') AND e.termination_date < l.dos) AS terminated,
           bool_or(e.status IN ('enrolled', 'terminated') AND e.effective_date > l.dos) AS not_effective,
           bool_or(e.status IN ('pending', 'denied')) AS unapproved
    FROM lines AS l
    LEFT JOIN enrollments AS e ON trim(e.npi) = l.npi AND trim(e.payer_id) = l.payer_id
    GROUP BY l.claim_id, l.line_no
),
classed AS (
    SELECT *, CASE WHEN regexp_full_match(code, '[0-9]{5}') THEN 'CPT_I' WHEN regexp_full_match(code, '[0-9]{4}F') THEN 'CPT_II' WHEN regexp_full_match(code, '[0-9]{4}T') THEN 'CPT_III' WHEN regexp_full_match(code, '[0-9]{4}U') THEN 'PLA' WHEN regexp_full_match(code, '[A-Z][0-9]{4}') THEN 'HCPCS_II' END AS code_class FROM lines
),
ranges AS (
    SELECT trim(npi) AS npi, trim(payer_id) AS payer_id, upper(trim(code_from)) AS code_from,
           upper(trim(code_to)) AS code_to, approved
    FROM service_scope
),
classed_ranges AS (
    SELECT *, CASE WHEN regexp_full_match(code_from, '[0-9]{5}') THEN 'CPT_I' WHEN regexp_full_match(code_from, '[0-9]{4}F') THEN 'CPT_II' WHEN regexp_full_match(code_from, '[0-9]{4}T') THEN 'CPT_III' WHEN regexp_full_match(code_from, '[0-9]{4}U') THEN 'PLA' WHEN regexp_full_match(code_from, '[A-Z][0-9]{4}') THEN 'HCPCS_II' END AS class_from, CASE WHEN regexp_full_match(code_to, '[0-9]{5}') THEN 'CPT_I' WHEN regexp_full_match(code_to, '[0-9]{4}F') THEN 'CPT_II' WHEN regexp_full_match(code_to, '[0-9]{4}T') THEN 'CPT_III' WHEN regexp_full_match(code_to, '[0-9]{4}U') THEN 'PLA' WHEN regexp_full_match(code_to, '[A-Z][0-9]{4}') THEN 'HCPCS_II' END AS class_to FROM ranges
),
scope AS (
    SELECT l.claim_id, l.line_no,
           bool_or(s.approved) AS has_approved,
           bool_or(s.approved AND s.class_from = l.code_class AND s.class_to = l.code_class
                   AND l.code BETWEEN s.code_from AND s.code_to) AS in_approved,
           bool_or(NOT s.approved AND s.class_from = l.code_class AND s.class_to = l.code_class
                   AND l.code BETWEEN s.code_from AND s.code_to) AS in_excluded
    FROM classed AS l
    JOIN classed_ranges AS s ON s.npi = l.npi AND s.payer_id IN (l.payer_id, '*')
    WHERE l.code_class IS NOT NULL
    GROUP BY l.claim_id, l.line_no
),
licensed AS (
    SELECT DISTINCT l.claim_id, l.line_no
    FROM lines AS l
    JOIN credentials AS c ON trim(c.npi) = l.npi AND c.credential_type = 'state_license'
    WHERE (c.issue_date IS NULL OR c.issue_date <= l.dos)
      AND (c.expiration_date IS NULL OR l.dos <= c.expiration_date)
      AND (l.service_state IS NULL OR upper(trim(coalesce(c.state, ''))) = l.service_state)
)
SELECT CASE WHEN NOT has_rows THEN 'NOT_ENROLLED' WHEN terminated THEN 'AFTER_TERMINATION'
            WHEN not_effective THEN 'BEFORE_EFFECTIVE' ELSE 'ENROLLMENT_NOT_APPROVED' END AS rule_id,
       claim_id, line_no
FROM enrollment WHERE NOT has_rows OR (NOT covered AND (terminated OR not_effective OR unapproved))
UNION ALL
SELECT 'POS_NOT_ENROLLED', claim_id, line_no FROM enrollment WHERE covered AND pos IS NOT NULL AND NOT pos_ok
UNION ALL
SELECT 'OUT_OF_SCOPE', claim_id, line_no FROM scope WHERE in_excluded OR (has_approved AND NOT in_approved)
UNION ALL
SELECT 'LICENSE_INVALID', l.claim_id, l.line_no
FROM lines AS l ANTI JOIN licensed AS c ON c.claim_id = l.claim_id AND c.line_no = l.line_no
"""


def main(db: str, month: str, out: str) -> None:
    year, number = map(int, month.split("-"))
    start = dt.date(year, number, 1)
    end = dt.date(year, number, calendar.monthrange(year, number)[1])
    con = duckdb.connect(db, read_only=True)
    con.execute("SET enable_progress_bar = false")
    target = out.replace("'", "''")
    con.execute(f"COPY ({QUERY}) TO '{target}' (FORMAT parquet)", {"start": start, "end": end})  # noqa: S608


if __name__ == "__main__":
    main(*sys.argv[1:4])
