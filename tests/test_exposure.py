"""Exposure of forward alerts (issue 11): trailing 90-day billed and paid dollars under the credential or
enrollment, by payer. Hand-written rows, month 2026-10: month_end 2026-10-31, the window is dates of
service in (2026-08-02, 2026-10-31]."""

from __future__ import annotations

import pytest
from audit_rows import (
    NPI_A,
    NPI_B,
    add_credential,
    add_enrollment,
    add_line,
    add_payer,
    add_provider,
    add_remit,
    open_copy,
)

from audits.exposure import exposure
from audits.runner import run_audit


@pytest.fixture
def econ(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_payer(con, "BCBS", "Blue Cross")
        add_provider(con, NPI_A, "Ann Able")
        add_provider(con, NPI_B, "Ben Baker")
        add_credential(con, "state_license", "TX", "2028-12-31", npi=NPI_A)
        # NPI_A's Aetna enrollment ends 2026-12-15 with nothing after: ENROLLMENT_TERMINATING (A, AET)
        add_enrollment(con, NPI_A, "AET", "enrolled", effective="2024-01-01", termination="2026-12-15")
        add_enrollment(con, NPI_A, "BCBS", "enrolled", effective="2024-01-01")
        # NPI_B's only licence expires 2026-12-01: CREDENTIAL_EXPIRING
        add_credential(con, "state_license", "TX", "2026-12-01", npi=NPI_B)
        add_enrollment(con, NPI_B, "AET", "enrolled", effective="2024-01-01")
        add_enrollment(con, NPI_B, "BCBS", "enrolled", effective="2024-01-01")
        add_line(con, "A0", npi=NPI_A, payer="AET", dos="2026-08-02", billed=1000)  # day 90 back: outside
        add_line(con, "A1", npi=NPI_A, payer="AET", dos="2026-08-03", billed=100)
        add_remit(con, "A1", payer="AET", paid=80, source="T1")
        add_line(con, "A2", npi=NPI_A, payer="AET", dos="2026-10-20", billed=50)
        add_remit(con, "A2", payer="BCBS", paid=50, source="T2")  # another payer's remittance: not paid
        add_line(con, "A3", npi=NPI_A, payer="BCBS", dos="2026-09-10", billed=70)  # another enrollment
        add_remit(con, "A3", payer="BCBS", paid=70, source="T3")
        add_line(con, "B1", npi=NPI_B, payer="AET", dos="2026-09-01", billed=200)
        add_remit(con, "B1", payer="AET", paid=150, source="T4")
        add_line(con, "B2", npi=NPI_B, payer="BCBS", dos="2026-10-02", billed=40)
        add_line(con, "B3", npi=NPI_B, payer="BCBS", dos="2026-11-02", billed=999)  # after month end
        run_audit(con, "2026-10")
        yield con


def test_exposure_by_payer(econ):
    frame = exposure(econ, "2026-10")
    got = [
        (r.rule_id, r.rendering_npi, r.payer_id, r.lines, r.billed_90d, r.paid_90d)
        for r in frame.itertuples(index=False)
    ]
    assert got == [
        ("CREDENTIAL_EXPIRING", NPI_B, "AET", 1, 200.0, 150.0),
        ("CREDENTIAL_EXPIRING", NPI_B, "BCBS", 1, 40.0, 0.0),
        ("ENROLLMENT_TERMINATING", NPI_A, "AET", 2, 150.0, 80.0),
    ]
    assert frame["payer_name"].tolist() == ["Aetna", "Blue Cross", "Aetna"]
    assert "2026-12-15" in frame["alert"].iloc[2]


def test_exposure_of_one_provider(econ):
    assert exposure(econ, "2026-10", npi=NPI_A)["rule_id"].tolist() == ["ENROLLMENT_TERMINATING"]


def test_alert_without_lines_has_zero_exposure(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_provider(con, NPI_A)
        add_enrollment(con, NPI_A, "AET", "pending", submitted="2026-01-05")  # pending > 90 days
        run_audit(con, "2026-10")
        frame = exposure(con, "2026-10")
        assert [(r.rule_id, r.payer_id, r.lines, r.billed_90d) for r in frame.itertuples(index=False)] == [
            ("ENROLLMENT_PENDING_LONG", "AET", 0, 0.0)
        ]
