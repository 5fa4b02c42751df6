"""The audit on Spark finds exactly what the DuckDB audit finds (issue 13), on one fixture that makes
every rule fire: the tables are exported with export-parquet, the month audited by audits.spark in
PySpark local mode, and the two sets of findings (every column, finding ids included) compared.

Marker `spark`: run in its own environment (`make test-spark`: .venv-spark from requirements-spark.txt,
Java 17). In the main environment pyspark is absent and the test is skipped, unless
CLEARTOBILL_SPARK_REQUIRED=1 (as make test-spark sets it), when its absence fails.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from audits.rules import all_rules
from audits.runner import run_audit
from audits.spark import FINDINGS_COLUMNS, export_parquet, run_spark, to_spark
from tests.audit_rows import (
    NPI_A,
    NPI_B,
    add_credential,
    add_enrollment,
    add_line,
    add_payer,
    add_provider,
    add_remit,
    add_scope,
    open_copy,
)

pytestmark = pytest.mark.spark

if os.environ.get("CLEARTOBILL_SPARK_REQUIRED") == "1":
    import pyspark  # noqa: F401 - must be there: fail, do not skip
else:
    pytest.importorskip("pyspark")

NPI_NEW = "1003000126"  # valid check digit, not in the roster: UNKNOWN_PROVIDER
NPI_LAPSED = "1497758544"


def _fixture(con) -> None:
    """A few hand-written rows per rule of SPEC 4, for 2026-10 (and one earlier paid line)."""
    add_payer(con, "AET", "Aetna")
    add_payer(con, "BCBS", "Blue Cross")
    add_payer(con, "UHC", "United")
    for npi in (NPI_A, NPI_B, NPI_LAPSED):
        add_provider(con, npi)
    # NPI_A: Aetna enrolled (POS 11 and 22 only), BCBS terminated mid-month, UHC pending, none with MCR.
    add_enrollment(con, NPI_A, "AET", "enrolled", effective="2024-01-01", allowed_pos="11, 22")
    add_enrollment(con, NPI_A, "BCBS", "terminated", effective="2024-01-01", termination="2026-10-10")
    add_enrollment(con, NPI_A, "UHC", "pending", submitted="2026-05-01")
    add_enrollment(
        con, NPI_A, "AET", "enrolled", effective="2026-01-01", termination="2026-12-20", allowed_pos="11"
    )
    # NPI_B: Aetna effective only from 2026-10-20; BCBS denied.
    add_enrollment(con, NPI_B, "AET", "enrolled", effective="2026-10-20")
    add_enrollment(con, NPI_B, "BCBS", "denied", submitted="2026-03-01")
    add_enrollment(con, NPI_LAPSED, "AET", "enrolled", effective="2020-01-01", termination="2026-12-15")
    # Scope: NPI_A approved for E/M and one HCPCS code with every payer, 99215 excluded with Aetna.
    add_scope(con, "99202", "99215", True, NPI_A, "*")
    add_scope(con, "G0008", "G0008", True, NPI_A, "*")
    add_scope(con, "99215", "99215", False, NPI_A, "AET")
    # Licences: NPI_A TX until 2028 (and a board certification that lapsed), NPI_B TX expiring soon,
    # NPI_LAPSED's licence lapsed on 2026-10-05.
    add_credential(con, "state_license", "TX", "2028-12-31", npi=NPI_A)
    add_credential(con, "board_certification", "", "2026-09-30", npi=NPI_A, number="B-1")
    add_credential(con, "state_license", "TX", "2026-11-30", npi=NPI_B, number="L-2")
    add_credential(con, "state_license", "TX", "2026-10-05", npi=NPI_LAPSED, number="L-3")

    add_line(con, "C1", 1, NPI_A, "AET", "2026-10-01", "99213", "11", 100, "TX")  # clean but board cert
    add_line(con, "C1", 2, NPI_A, "AET", "2026-10-01", "99215", "11", 250, "TX")  # OUT_OF_SCOPE (excluded)
    add_line(con, "C2", 1, NPI_A, "AET", "2026-10-02", "93000", "21", 80, "TX")  # POS_NOT_ENROLLED, outside
    add_line(con, "C3", 1, NPI_A, "BCBS", "2026-10-12", "99213", "11", 100, "TX")  # AFTER_TERMINATION
    add_line(con, "C3", 2, NPI_A, "BCBS", "2026-10-09", "99214", "11", 150, "TX")  # covered
    add_line(con, "C4", 1, NPI_B, "AET", "2026-10-15", "99213", "11", 100, "TX")  # BEFORE_EFFECTIVE
    add_line(con, "C5", 1, NPI_B, "BCBS", "2026-10-15", "99213", "11", 100, "TX")  # ENROLLMENT_NOT_APPROVED
    add_line(con, "C6", 1, NPI_A, "UHC", "2026-10-16", "99213", "11", 100, "TX")  # ENROLLMENT_NOT_APPROVED
    add_line(con, "C7", 1, NPI_A, "MCR", "2026-10-16", "99213", "11", 100, "TX")  # NOT_ENROLLED
    add_line(con, "C8", 1, NPI_A, "AET", "2026-10-17", "99213", "11", 100, "CA")  # LICENSE_INVALID (state)
    add_line(con, "C9", 1, NPI_LAPSED, "AET", "2026-10-20", "99213", "11", 100, "TX")  # LICENSE_INVALID
    add_line(con, "C10", 1, "123456789", "AET", "2026-10-20", "99213", "11", 100, "TX")  # INVALID_NPI
    add_line(con, "C10", 2, "1234567890", "AET", "2026-10-20", "99213", "11", 100, "TX")  # check digit
    add_line(con, "C11", 1, NPI_NEW, "AET", "2026-10-21", "99213", "11", 100, "TX")  # UNKNOWN_PROVIDER
    add_line(con, "C12", 1, NPI_A, "AET", "2026-10-22", "9921", "11", 100, "TX")  # INVALID_PROCEDURE_CODE
    add_line(con, "C12", 2, NPI_A, "AET", "2026-10-22", "g0008", "2", 40, None)  # lower case, POS 2 -> 02
    add_line(
        con, "C13", 1, NPI_A, "AET", "2026-10-23", "99213", "11", 100, "TX", diagnoses=("E11", "I10", "Z99X")
    )
    add_line(con, "C13", 2, NPI_A, "AET", "2026-10-23", "99213", "11", 100, "TX", modifiers=("25", "X"))
    add_line(con, "C14", 1, NPI_A, "AET", "2026-10-24", "99213", "", 100, "TX")  # INVALID_POS (empty)
    add_line(con, "C14", 2, NPI_A, "AET", "2026-10-24", "99213", "77", 100, "TX")  # INVALID_POS (unknown)
    add_line(con, "C0", 1, NPI_A, "AET", "2026-09-10", "99213", "11", 100, "TX")  # last month, paid
    # Remittances: denials for credentialing (explained / unexplained), payments despite findings.
    add_remit(con, "C3", 1, "BCBS", 0, [("CO", "B7", 100)])  # DENIAL_EXPLAINED
    add_remit(con, "C1", 1, "AET", 0, [("CO", "16", 100)], ["N290"])  # DENIAL_UNEXPLAINED
    add_remit(con, "C4", 1, "AET", 60, [("CO", "45", 40)], billed=100)  # PAID_DESPITE_FINDING
    add_remit(con, "C1", 2, "AET", 0, [("CO", "16", 125, "claim")], ["N290"], billed=250, claim_key="K1")
    add_remit(con, "C0", 1, "AET", 70, [("CO", "45", 30)], adjudicated="2026-10-01")
    # Exclusions: NPI_B on the LEIE by NPI from 2026-10-12 (PROVIDER_EXCLUDED, its lines blocked from then);
    # NPI_LAPSED matched by name and confirmed by a person, then reinstated before month end (no finding).
    con.execute(
        "INSERT INTO exclusion_lists (list_id, source, file_name, sha256, list_date, list_date_basis, rows_read, "
        "rows_loaded, rows_rejected) VALUES (1, 'LEIE', 'leie.csv', 'x', DATE '2026-11-01', 'given', 2, 2, 0)"
    )
    con.execute(
        "INSERT INTO exclusion_entries (list_id, row_number, source, entity_key, last_name, first_name, npi, "
        "excl_type, excl_date, rein_date) VALUES "
        f"(1, 1, 'LEIE', 'k1', 'SYNTH', 'ONE', '{NPI_B}', '1128b4', DATE '2026-10-12', NULL), "
        "(1, 2, 'LEIE', 'k2', 'SYNTH', 'TWO', NULL, '1128a1', DATE '2026-01-05', DATE '2026-10-20')"
    )
    con.execute(
        "INSERT INTO exclusion_decisions (decision_id, npi, entity_key, decision, decided_by, decided_at) "
        f"VALUES (1, '{NPI_LAPSED}', 'k2', 'confirmed', 'tester', TIMESTAMP '2026-11-02 09:00:00')"
    )


@pytest.fixture(scope="module")
def spark():
    from audits.spark import session

    spark = session("cleartobill-parity", master="local[2]")
    yield spark
    spark.stop()


def _records(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _rows(frame) -> set[tuple]:
    out = set()
    for record in frame:
        row = tuple(record[c] for c in FINDINGS_COLUMNS if c != "run_id")
        out.add(tuple(float(v) if isinstance(v, Decimal) else v for v in row))
    return out


def _plain(record: dict) -> tuple:
    return tuple(
        (k, round(float(v), 6) if isinstance(v, (Decimal, float)) else v) for k, v in sorted(record.items())
    )


@pytest.fixture(scope="module")
def both(template, tmp_path_factory, spark):
    """The fixture audited by DuckDB (findings and measures read back) and by Spark, once."""
    tmp = tmp_path_factory.mktemp("parity")
    with open_copy(template, tmp) as con:
        _fixture(con)
        audited = run_audit(con, "2026-10")
        duck = {
            "lines": audited.lines_audited,
            "findings": _rows(_records(con, "SELECT * FROM findings")),
            "measures": {_plain(r) for r in _records(con, "SELECT * FROM msr_claim_line")},
        }
        export_parquet(con, tmp / "lake")
    result = run_spark(spark, tmp / "lake", "2026-10", tmp / "out")
    on_spark = {
        "findings": _rows(r.asDict() for r in spark.read.parquet(str(tmp / "out" / "findings")).collect()),
        "measures": {
            _plain(r.asDict()) for r in spark.read.parquet(str(tmp / "out" / "msr_claim_line")).collect()
        },
        "result": result,
    }
    return duck, on_spark


def test_every_rule_finds_the_same_on_spark_as_on_duckdb(both):
    duck, on_spark = both
    fired = {row[2] for row in duck["findings"]}
    assert fired == {rule.rule_id for rule in all_rules()}, "the fixture must make every rule fire"
    assert on_spark["findings"] == duck["findings"]
    assert on_spark["result"].findings == len(duck["findings"])
    assert on_spark["result"].lines_audited == duck["lines"] == 20


def test_measures_read_the_spark_findings(both):
    duck, on_spark = both
    assert on_spark["measures"] == duck["measures"]
    assert len(duck["measures"]) == 21  # every claim line of any month: 20 of 2026-10 and one of 2026-09


def test_the_spark_sql_is_the_duckdb_sql_transpiled():
    spark_sql = to_spark("SELECT concat(a, 'x'), sha256(b) FROM t WHERE d <= $month_end")
    assert "COALESCE(a, '')" in spark_sql and "SHA2(b, 256)" in spark_sql and ":month_end" in spark_sql
