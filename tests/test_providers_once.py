"""One provider, however often the roster lists it (sql/staging/stg_providers.sql): the rules' "active
provider", the pages' provider lists, the clearance matrix and the profile all read one row per NPI.
Hand-written rows, month 2026-10 (month_end 2026-10-31, + 90 days = 2027-01-29)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from audit_rows import NPI_A, NPI_B, add_credential, add_enrollment, add_payer, fired, open_copy

from audits import explore, profiles
from audits.runner import run_audit

DAY = dt.date(2026, 10, 15)


def _listing(con, npi, name, status, specialty="Cardiology"):
    con.execute(
        "INSERT INTO providers (npi, provider_name, specialty, status) VALUES (?, ?, ?, ?)",
        [npi, name, specialty, status],
    )


@pytest.fixture
def pcon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_payer(con, "BCBS", "Blue Cross")
        # A listed twice: a second sheet says ' Active ' with no name; B is inactive (two listings)
        _listing(con, NPI_A, "Dana Reyes", "inactive")
        _listing(con, f" {NPI_A}", "  ", " Active ", specialty=None)
        _listing(con, NPI_B, "Lee Park", "inactive")
        _listing(con, NPI_B, "Lee Park", "INACTIVE")
        for npi in (NPI_A, NPI_B):
            add_credential(con, "state_license", "TX", "2026-12-15", npi=npi)  # expires in the window
            add_enrollment(con, npi, "AET", "enrolled", effective="2024-01-01", termination="2026-12-01")
        yield con


def test_the_rules_see_one_active_provider(pcon):
    # SPEC 4: only active providers get the forward alerts; A is active (one of its rows says so), B not
    run_audit(pcon, "2026-10")
    assert fired(pcon, "CREDENTIAL_EXPIRING") == [(NPI_A, None)]
    assert fired(pcon, "ENROLLMENT_TERMINATING") == [(NPI_A, "AET")]


def test_the_provider_lists_have_one_row_per_provider(pcon):
    everyone = explore.providers(pcon)
    assert sorted(everyone["npi"]) == [NPI_A, NPI_B]
    row = everyone.set_index("npi").loc[NPI_A]
    assert (row["provider_name"], row["specialty"], row["status"]) == ("Dana Reyes", "Cardiology", "active")
    assert explore.providers(pcon, active_only=True)["npi"].tolist() == [NPI_A]
    assert explore.search_providers(pcon, "dana")["npi"].tolist() == [NPI_A]
    assert explore.provider(pcon, NPI_A)["provider_name"] == "Dana Reyes"


def test_the_clearance_matrix_lists_each_active_provider_once(pcon):
    matrix = profiles.clearance_matrix(pcon, DAY)
    assert sorted(zip(matrix["npi"], matrix["payer_id"], strict=True)) == [(NPI_A, "AET"), (NPI_A, "BCBS")]
    assert matrix.set_index("payer_id").loc["AET", "status"] == "cleared"
    # the page's list of active providers is the matrix's
    assert set(explore.providers(pcon, active_only=True)["npi"]) == set(matrix["npi"])


@pytest.mark.parametrize(
    "statuses", list(itertools.product(["active", " Active", "inactive", "TERMINATED ", ""], repeat=2))
)
def test_active_is_any_listing_saying_active_or_nothing(template, tmp_path, statuses):
    """The class: any two listings of one provider; active exactly when one says active (any case and
    spaces); the page list, the matrix and the rules agree."""
    expected = any(s.strip().lower() == "active" for s in statuses)
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        for status in statuses:
            con.execute(
                "INSERT INTO providers (npi, provider_name, status) VALUES (?, 'Dana Reyes', ?)",
                [NPI_A, status],
            )
        add_credential(con, "state_license", "TX", "2026-12-15", npi=NPI_A)
        run_audit(con, "2026-10")
        listed = explore.providers(con, active_only=True)["npi"].tolist()
        matrix = profiles.clearance_matrix(con, DAY)["npi"].tolist()
        alerted = fired(con, "CREDENTIAL_EXPIRING")
    assert listed == ([NPI_A] if expected else [])
    assert matrix == ([NPI_A] if expected else [])
    assert alerted == ([(NPI_A, None)] if expected else [])
