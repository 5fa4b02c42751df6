"""Onboarding lag: hire date to first effective enrollment per provider and payer, and the gap's cost.

Hand-written roster and claim rows; expectations worked out by hand from the definitions in
audits/onboarding.py (SPEC 1/4: only enrolled/terminated rows with an effective date count).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audits.onboarding import gap_cost_by_month, lag_by_payer, lag_by_specialty, onboarding_lag

D = dt.date
NEW_HIRE = "1234567893"
VETERAN = "1245319599"
NO_HIRE_DATE = "1003000126"


def add_roster(con):
    con.executemany(
        "INSERT INTO providers (npi, provider_name, specialty, hire_date, status) VALUES (?, ?, ?, ?, 'active')",
        [
            (NEW_HIRE, "New Hire", "Cardiology", D(2026, 1, 10)),
            (VETERAN, "Veteran", "Family Medicine", D(2020, 6, 1)),
            (NO_HIRE_DATE, "No Hire Date", "Cardiology", None),
        ],
    )
    con.executemany(
        "INSERT INTO payers (payer_id, payer_name) VALUES (?, ?)",
        [("AETNA", "Aetna"), ("BCBS", "Blue Cross"), ("MCR", "Medicare"), ("CIGNA", "Cigna")],
    )
    con.executemany(
        "INSERT INTO enrollments (npi, payer_id, status, submitted_date, effective_date, termination_date) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            # 10 days to submit, 40 days at the payer: effective 50 days after hire
            (NEW_HIRE, "AETNA", "enrolled", D(2026, 1, 20), D(2026, 3, 1), None),
            # still pending: the gap is open
            (NEW_HIRE, "BCBS", "pending", D(2026, 2, 1), None, None),
            # multi-period: the first effective date is the terminated row's
            (NEW_HIRE, "MCR", "enrolled", D(2026, 3, 1), D(2026, 5, 1), None),
            (NEW_HIRE, "MCR", "terminated", D(2026, 1, 11), D(2026, 2, 1), D(2026, 2, 15)),
            # enrolled before the hire date: a negative lag, no gap
            (VETERAN, "AETNA", "enrolled", D(2020, 4, 1), D(2020, 5, 15), None),
            (NO_HIRE_DATE, "AETNA", "enrolled", D(2025, 1, 1), D(2025, 2, 1), None),
        ],
    )


def add_lines(con, rows):
    con.executemany(
        "INSERT INTO claim_lines (claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code, "
        "billed_amount) VALUES (?, ?, ?, ?, ?, '99213', ?)",
        rows,
    )


LINES = [
    ("A1", 1, NEW_HIRE, "AETNA", D(2026, 1, 9), 500),  # before the hire date: not a gap line
    ("A2", 1, NEW_HIRE, "AETNA", D(2026, 1, 10), 100),  # on the hire date: gap
    ("A3", 1, NEW_HIRE, "AETNA", D(2026, 2, 28), 150),  # the day before effective: gap
    ("A4", 1, NEW_HIRE, "AETNA", D(2026, 3, 1), 700),  # on the effective date: not a gap line
    ("B1", 1, NEW_HIRE, "BCBS", D(2026, 4, 1), 80),  # pending: gap
    ("C1", 1, NEW_HIRE, "CIGNA", D(2026, 4, 20), 60),  # billed with no enrollment row at all: gap
    ("M1", 1, NEW_HIRE, "MCR", D(2026, 1, 31), 40),  # before the first (terminated) period: gap
    ("M2", 1, NEW_HIRE, "MCR", D(2026, 3, 1), 999),  # after the first effective date: not a gap line
    ("V1", 1, VETERAN, "AETNA", D(2026, 4, 30), 300),
    ("N1", 1, NO_HIRE_DATE, "AETNA", D(2025, 1, 15), 200),  # no hire date: no gap
    ("U1", 1, "1999999992", "AETNA", D(2026, 1, 15), 900),  # not in providers: not onboarding
]


@pytest.fixture
def frame(con):
    add_roster(con)
    add_lines(con, LINES)
    return onboarding_lag(con, as_of="2026-04-30")


def pair(frame, npi, payer):
    rows = frame[(frame["npi"] == npi) & (frame["payer_id"] == payer)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_pairs_come_from_enrollments_and_billing_of_known_providers(frame):
    got = set(zip(frame["npi"], frame["payer_id"], strict=True))
    assert got == {
        (NEW_HIRE, "AETNA"),
        (NEW_HIRE, "BCBS"),
        (NEW_HIRE, "MCR"),
        (NEW_HIRE, "CIGNA"),
        (VETERAN, "AETNA"),
        (NO_HIRE_DATE, "AETNA"),
    }


def test_lag_split_into_practice_and_payer_days(frame):
    row = pair(frame, NEW_HIRE, "AETNA")
    assert row["enrollment_status"] == "effective"
    assert row["lag_days"] == 50 and row["days_to_submit"] == 10 and row["payer_days"] == 40
    assert pd.isna(row["days_waiting"])
    assert row["payer_name"] == "Aetna" and row["provider_name"] == "New Hire"


def test_gap_is_hire_date_inclusive_and_effective_date_exclusive(frame):
    row = pair(frame, NEW_HIRE, "AETNA")
    assert row["gap_lines"] == 2
    assert row["gap_billed"] == pytest.approx(250.0)


def test_first_effective_date_counts_terminated_periods(frame):
    row = pair(frame, NEW_HIRE, "MCR")
    assert row["first_effective_date"] == pd.Timestamp("2026-02-01")
    assert row["lag_days"] == 22
    assert row["gap_lines"] == 1 and row["gap_billed"] == pytest.approx(40.0)


def test_open_pairs_wait_until_as_of(frame):
    pending = pair(frame, NEW_HIRE, "BCBS")
    assert pending["enrollment_status"] == "pending"
    assert pd.isna(pending["lag_days"])
    assert pending["days_waiting"] == (D(2026, 4, 30) - D(2026, 1, 10)).days
    assert pending["gap_lines"] == 1 and pending["gap_billed"] == pytest.approx(80.0)
    never = pair(frame, NEW_HIRE, "CIGNA")
    assert never["enrollment_status"] == "not enrolled"
    assert never["gap_billed"] == pytest.approx(60.0)


def test_enrolled_before_hire_has_negative_lag_and_no_gap(frame):
    row = pair(frame, VETERAN, "AETNA")
    assert row["lag_days"] == -17
    assert row["gap_lines"] == 0 and row["gap_billed"] == 0


def test_no_hire_date_means_no_lag_and_no_gap(frame):
    row = pair(frame, NO_HIRE_DATE, "AETNA")
    assert pd.isna(row["lag_days"]) and pd.isna(row["days_waiting"])
    assert row["gap_lines"] == 0


def test_pending_and_denied_rows_never_make_a_pair_effective(con):
    add_roster(con)
    con.execute(
        "INSERT INTO enrollments (npi, payer_id, status, submitted_date, effective_date) "
        "VALUES (?, 'CIGNA', 'denied', DATE '2026-01-15', DATE '2026-02-01')",
        [NEW_HIRE],
    )
    row = pair(onboarding_lag(con, as_of="2026-03-01"), NEW_HIRE, "CIGNA")
    assert row["enrollment_status"] == "denied"
    assert pd.isna(row["first_effective_date"]) and row["days_waiting"] == 50


def test_summaries_by_payer_and_specialty(frame):
    payers = lag_by_payer(frame).set_index("payer_id")
    aetna = payers.loc["AETNA"]
    assert aetna["payer_name"] == "Aetna"
    assert aetna["pairs"] == 3 and aetna["effective"] == 3
    assert aetna["median_lag_days"] == pytest.approx(16.5)  # lags 50 and -17; no hire date has none
    assert aetna["gap_billed"] == pytest.approx(250.0)
    assert payers.loc["BCBS", "open_pairs"] == 1
    specialties = lag_by_specialty(frame).set_index("specialty")
    assert specialties.loc["Cardiology", "pairs"] == 5
    assert specialties.loc["Cardiology", "gap_lines"] == 5


def test_gap_cost_by_month(con):
    add_roster(con)
    add_lines(con, LINES)
    months = gap_cost_by_month(con).set_index("month")
    assert list(months.index) == ["2026-01", "2026-02", "2026-04"]
    assert months.loc["2026-01", "gap_lines"] == 2  # A2 and M1
    assert months.loc["2026-01", "gap_billed"] == pytest.approx(140.0)
    assert months.loc["2026-04", "gap_billed"] == pytest.approx(140.0)  # B1 and C1


def test_empty_database_gives_empty_frames(con):
    assert onboarding_lag(con).empty
    assert gap_cost_by_month(con).empty


def test_without_the_audit_views_paid_and_denied_are_unknown_not_zero(frame):
    row = pair(frame, NEW_HIRE, "AETNA")
    assert row["gap_billed"] == pytest.approx(250.0)
    assert pd.isna(row["gap_denied_dollars"]) and pd.isna(row["gap_paid"])


def test_gap_paid_and_denied_come_from_the_audit_engines_remit_facts(con):
    from audits import views
    from audits.reference import ensure_reference

    ensure_reference(con, icd10=False)
    add_roster(con)
    add_lines(con, LINES)
    # A2 (gap, $100) denied CO-B7; A3 (gap, $150) paid $120 with CO-45 $30; A4 (not gap) denied.
    con.executemany(
        "INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, adjudication_date, "
        "billed_amount, paid_amount, source) VALUES (?, 'AETNA', ?, 1, ?, DATE '2026-04-01', ?, ?, 'upload:1')",
        [(1, "A2", "denied", 100, 0), (2, "A3", "paid", 150, 120), (3, "A4", "denied", 700, 0)],
    )
    con.executemany(
        "INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount) "
        "VALUES (?, 1, 'line', 'CO', ?, ?)",
        [(1, "B7", 100), (2, "45", 30), (3, "B7", 700)],
    )
    views.ensure_views(con)
    row = pair(onboarding_lag(con, as_of="2026-04-30"), NEW_HIRE, "AETNA")
    assert row["gap_lines"] == 2
    assert row["gap_denied_lines"] == 1
    assert row["gap_denied_dollars"] == pytest.approx(100.0)
    assert row["gap_paid"] == pytest.approx(120.0)
    january = gap_cost_by_month(con).set_index("month").loc["2026-01"]
    assert january["gap_denied_dollars"] == pytest.approx(100.0)


# --------------------------------------------------------------------------- a provider listed twice


def test_a_provider_listed_twice_is_one_provider(con):
    """Two roster rows for NEW_HIRE (a second sheet: a later re-hire date, no name, no specialty,
    inactive): still one row per pair, the earliest hire date, the gap lines counted once."""
    add_roster(con)
    con.execute(
        "INSERT INTO providers (npi, provider_name, specialty, hire_date, status) VALUES (?, '  ', NULL, ?, 'inactive')",
        [NEW_HIRE, D(2026, 2, 1)],
    )
    add_lines(con, LINES)
    frame = onboarding_lag(con, as_of="2026-04-30")
    assert len(frame) == 6
    row = pair(frame, NEW_HIRE, "AETNA")
    assert row["hire_date"] == pd.Timestamp("2026-01-10") and row["lag_days"] == 50
    assert row["provider_name"] == "New Hire" and row["specialty"] == "Cardiology"
    assert row["provider_status"] == "active"
    assert row["gap_lines"] == 2 and row["gap_billed"] == pytest.approx(250.0)  # A2 + A3, once each
    months = gap_cost_by_month(con)
    assert months["gap_lines"].sum() == 5  # A2, A3, B1, C1, M1
    assert months["gap_billed"].sum() == pytest.approx(430.0)


@pytest.mark.parametrize("copies", [2, 3])
def test_any_number_of_identical_listings_changes_nothing(con, copies):
    """The class: listing every provider `copies` times (in any order) gives the single listing's frame."""
    add_roster(con)
    add_lines(con, LINES)
    once = onboarding_lag(con, as_of="2026-04-30")
    once_months = gap_cost_by_month(con)
    rows = con.execute("SELECT * FROM providers").fetchall()
    for _ in range(copies - 1):
        con.executemany(f"INSERT INTO providers VALUES ({', '.join('?' for _ in rows[0])})", rows[::-1])
    pd.testing.assert_frame_equal(onboarding_lag(con, as_of="2026-04-30"), once)
    pd.testing.assert_frame_equal(gap_cost_by_month(con), once_months)
