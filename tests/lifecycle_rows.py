"""The three-month practice of the lifecycle and pack tests (hand-written rows).

Issues across months (issue 11), from hand-written rows over three consecutive months.

The practice, 2026-08 .. 2026-10:
- NPI_A bills Blue Cross with no enrollment at all: NOT_ENROLLED in every month
  (Aug $100; Sep $100 + $50; Oct $120) - new, recurring, recurring; a repeat offender in October.
- NPI_B bills Aetna in August before the enrollment's effective date 2026-09-01: BEFORE_EFFECTIVE
  in August only ($200), resolved in September; NPI_B's September line ($300) is clean.
- NPI_B's Oklahoma licence expires 2026-12-15 with no renewal: CREDENTIAL_EXPIRING from September
  (Sep 30 + 90 days = Dec 29) - new in September, recurring in October. Its dollars are NPI_B's
  billed amount over the 90 days up to month end: $200 + $300 = $500 both months.
- NPI_A's October Aetna line carries modifier 'X' ($80): INVALID_MODIFIER, new in October.
"""

from __future__ import annotations

from audit_rows import (
    NPI_A,
    NPI_B,
    add_credential,
    add_enrollment,
    add_line,
    add_paid_history,
    add_payer,
    add_provider,
)

from audits.runner import run_audit

MONTHS = ("2026-08", "2026-09", "2026-10")


def build_practice(con):
    add_payer(con, "AET", "Aetna")
    add_payer(con, "BCBS", "Blue Cross")
    add_provider(con, NPI_A, "Ann Able")
    add_provider(con, NPI_B, "Ben Baker")
    add_credential(con, "state_license", "TX", "2028-12-31", npi=NPI_A)
    add_credential(con, "state_license", "TX", "2028-12-31", npi=NPI_B)
    add_credential(con, "state_license", "OK", "2026-12-15", npi=NPI_B, number="OK-9")
    add_enrollment(con, NPI_A, "AET", "enrolled", effective="2025-01-01")
    add_enrollment(con, NPI_B, "AET", "enrolled", effective="2026-09-01")
    for npi, payer in ((NPI_A, "BCBS"), (NPI_A, "AET"), (NPI_B, "AET")):
        add_paid_history(con, npi, payer)
    add_line(con, "A8", npi=NPI_A, payer="BCBS", dos="2026-08-10", billed=100)
    add_line(con, "B8", npi=NPI_B, payer="AET", dos="2026-08-15", billed=200)
    add_line(con, "A9", npi=NPI_A, payer="BCBS", dos="2026-09-03", billed=100)
    add_line(con, "A9", line_no=2, npi=NPI_A, payer="BCBS", dos="2026-09-03", billed=50)
    add_line(con, "B9", npi=NPI_B, payer="AET", dos="2026-09-20", billed=300)
    add_line(con, "A10", npi=NPI_A, payer="BCBS", dos="2026-10-07", billed=120)
    add_line(con, "M10", npi=NPI_A, payer="AET", dos="2026-10-09", billed=80, modifiers=("X",))


def audit(con, *months):
    for month in months or MONTHS:
        run_audit(con, month)
