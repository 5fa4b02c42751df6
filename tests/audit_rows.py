"""Hand-written rows for the audit-engine tests (rules, runner, measures, pre-check).

Each helper inserts one row straight into a canonical table of a fresh test database. The NPIs are
synthetic numbers that pass the NPI check digit (1234567893 is CMS's own example); no patient data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from audits.reference import load_carc, load_pos
from audits.store import connect
from audits.views import ensure_views

NPI_A = "1234567893"
NPI_B = "9876543213"
NPI_C = "1111111112"
# A few billable ICD-10-CM codes (checked against the CMS code set), enough for the diagnosis tests.
BILLABLE_ICD10 = ("I10", "E119", "J069", "Z0000", "M545")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def with_reference(con):
    """Give a fresh test database the CARC and POS reference tables and a few ICD-10-CM codes."""
    load_carc(con)
    load_pos(con)
    con.executemany("INSERT INTO ref_icd10cm VALUES (?)", [[c] for c in BILLABLE_ICD10])
    return con


def build_template(path: Path) -> Path:
    """A migrated database with reference tables and views, built once per session and copied per test."""
    with connect(path) as con:
        with_reference(con)
        ensure_views(con)
    return path


@contextlib.contextmanager
def open_copy(template: Path, directory: Path):
    """A fresh copy of the template database, open read-write (a real DuckDB file per test)."""
    path = directory / "audit.duckdb"
    shutil.copyfile(template, path)
    with connect(path) as con:
        yield con


def add_payer(con, payer_id="AET", name="Aetna", aliases=None):
    con.execute(
        "INSERT INTO payers (payer_id, payer_name, aliases) VALUES (?, ?, ?)", [payer_id, name, aliases]
    )


def add_provider(con, npi=NPI_A, name="Test Provider", status="active"):
    con.execute("INSERT INTO providers (npi, provider_name, status) VALUES (?, ?, ?)", [npi, name, status])


def add_enrollment(
    con,
    npi=NPI_A,
    payer="AET",
    status="enrolled",
    effective=None,
    termination=None,
    submitted=None,
    allowed_pos=None,
):
    con.execute(
        "INSERT INTO enrollments (npi, payer_id, status, submitted_date, effective_date, termination_date, "
        "allowed_pos) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            npi,
            payer,
            status,
            submitted and d(submitted),
            effective and d(effective),
            termination and d(termination),
            allowed_pos,
        ],
    )


def add_scope(con, code_from, code_to, approved=True, npi=NPI_A, payer="AET"):
    con.execute(
        "INSERT INTO service_scope (npi, payer_id, code_from, code_to, approved) VALUES (?, ?, ?, ?, ?)",
        [npi, payer, code_from, code_to, approved],
    )


def add_credential(
    con,
    credential_type="state_license",
    state="TX",
    expiration="2027-12-31",
    issue=None,
    npi=NPI_A,
    number="L-1",
):
    con.execute(
        "INSERT INTO credentials (npi, credential_type, number, state, issue_date, expiration_date) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [npi, credential_type, number, state, issue and d(issue), expiration and d(expiration)],
    )


def add_line(
    con,
    claim_id="C1",
    line_no=1,
    npi=NPI_A,
    payer="AET",
    dos="2026-10-15",
    code="99213",
    pos="11",
    billed=100,
    state=None,
    diagnoses=("I10",),
    modifiers=(),
):
    dx = list(diagnoses) + [None] * (12 - len(diagnoses))
    mods = list(modifiers) + [None] * (4 - len(modifiers))
    con.execute(
        "INSERT INTO claim_lines (claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code, "
        "modifier_1, modifier_2, modifier_3, modifier_4, diagnosis_1, diagnosis_2, diagnosis_3, diagnosis_4, "
        "diagnosis_5, diagnosis_6, diagnosis_7, diagnosis_8, diagnosis_9, diagnosis_10, diagnosis_11, "
        "diagnosis_12, pos, units, billed_amount, service_state) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        [claim_id, line_no, npi, payer, d(dos), code, *mods, *dx, pos, billed, state],
    )


def add_credentialed_provider(con, npi=NPI_A, payer="AET", payer_name="Aetna"):
    """A provider with everything in order for payer on 2026-10: lines of theirs must raise no finding."""
    if not con.execute("SELECT count(*) FROM payers WHERE payer_id = ?", [payer]).fetchall()[0][0]:
        add_payer(con, payer, payer_name)
    add_provider(con, npi)
    add_enrollment(con, npi, payer, "enrolled", effective="2025-01-01")
    add_credential(con, "state_license", "TX", "2028-12-31", npi=npi)


def add_paid_history(con, npi=NPI_A, payer="AET", code="99213", dos="2025-01-15"):
    """A line of (npi, payer, code) paid in an earlier month, so FIRST_TIME_COMBINATION stays quiet
    for tests about other rules."""
    claim_id = f"H-{npi}-{payer}-{code}"
    add_line(con, claim_id, npi=npi, payer=payer, code=code, dos=dos, billed=10)
    add_remit(con, claim_id, payer=payer, paid=10, adjudicated=dos, source=f"H-{claim_id}")


def add_remit(
    con,
    claim_id="C1",
    line_no=1,
    payer="AET",
    paid=0,
    adjustments=(),
    remarks=(),
    billed=100,
    adjudicated="2026-11-10",
    status="1",
    claim_key=None,
    source="TRN1",
):
    """One remit line; adjustments are (group, carc, amount[, level]); remarks are (rarc[, level])."""
    remit_id = con.execute("SELECT nextval('remit_line_id_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, adjudication_date, "
        "billed_amount, paid_amount, remit_claim_key, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            remit_id,
            payer,
            claim_id,
            line_no,
            status,
            d(adjudicated),
            billed,
            paid,
            claim_key or f"{source}:{claim_id}",
            source,
        ],
    )
    for position, adjustment in enumerate(adjustments, start=1):
        group, carc, amount, *level = adjustment
        con.execute(
            "INSERT INTO remit_adjustments VALUES (?, ?, ?, ?, ?, ?)",
            [remit_id, position, level[0] if level else "line", group, carc, amount],
        )
    for position, remark in enumerate(remarks, start=1):
        rarc, *level = remark if isinstance(remark, tuple) else (remark,)
        con.execute(
            "INSERT INTO remit_remarks VALUES (?, ?, ?, ?)",
            [remit_id, position, level[0] if level else "line", rarc],
        )
    return remit_id


def findings(con, month="2026-10") -> pd.DataFrame:
    """The month's current findings, sorted."""
    return con.execute(
        "SELECT rule_id, severity, claim_id, line_no, rendering_npi, payer_id, amount_at_risk, detail, finding_id "
        "FROM findings WHERE month = CAST(? AS DATE) ORDER BY rule_id, claim_id, line_no",
        [f"{month}-01"],
    ).df()


def fired(con, rule_id, month="2026-10") -> list:
    """(claim_id, line_no) of the month's findings of one rule; provider findings give (npi, payer)."""
    rows = con.execute(
        "SELECT claim_id, line_no, rendering_npi, payer_id FROM findings "
        "WHERE month = CAST(? AS DATE) AND rule_id = ? ORDER BY claim_id, line_no, rendering_npi, payer_id",
        [f"{month}-01", rule_id],
    ).fetchall()
    return [(r[0], r[1]) if r[0] is not None else (r[2], r[3]) for r in rows]
