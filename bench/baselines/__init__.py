"""What an analyst or data engineer would write instead of ClearToBill, for the scale bench (#13).

Seven of the audit's rules - the enrollment findings (AFTER_TERMINATION, BEFORE_EFFECTIVE,
ENROLLMENT_NOT_APPROVED, NOT_ENROLLED; first that applies), POS_NOT_ENROLLED, OUT_OF_SCOPE and
LICENSE_INVALID - written three ways on the canonical tables of the same DuckDB file: idiomatic
vectorised pandas (pandas_rules.py), Polars (polars_rules.py), and one plain DuckDB query
(duckdb_rules.py). Each is run as a process, `python -m bench.baselines.NAME DB YYYY-MM OUT.parquet`,
and writes its findings as (rule_id, claim_id, line_no); bench_scale checks they equal the
project's findings for those rules exactly.

Written from SPEC 4 as an analyst would read it: joins and filters, no row-wise apply, no loop over
lines. Like the project, they compare codes and NPIs as trimmed text; the canonical tables hold
normalised statuses (enrolled / pending / denied / terminated) and POS codes, so the scripts rely on
them as stored.
"""

SEVEN_RULES = (
    "AFTER_TERMINATION",
    "BEFORE_EFFECTIVE",
    "ENROLLMENT_NOT_APPROVED",
    "NOT_ENROLLED",
    "POS_NOT_ENROLLED",
    "OUT_OF_SCOPE",
    "LICENSE_INVALID",
)
