"""What the audit cannot judge (audits/quality.py): hand-written rows on the measures' practice month."""

from __future__ import annotations

import pandas as pd
import pytest
from audit_rows import NPI_A, add_credentialed_provider, add_line, add_remit, open_copy, with_reference
from test_measures import practice  # the practice month of the measures' tests

from audits.quality import roster_problems, unknown_carcs, unmatched_remits
from audits.store import connect


@pytest.fixture
def qcon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        yield practice(con)


def test_unmatched_remits(qcon):
    add_remit(qcon, "GHOST", 1, paid=10)
    add_remit(qcon, "GHOST2", None, paid=10)
    add_remit(qcon, "C6", 2, paid=10)  # the claim exists, line 2 does not
    add_remit(qcon, "C6", None, paid=0, payer="BCBS")  # claim exists: a claim payment is matched
    frame = unmatched_remits(qcon)
    got = [(c, None if pd.isna(n) else int(n)) for c, n in zip(frame.claim_id, frame.line_no, strict=True)]
    assert sorted(got, key=str) == [("C6", 2), ("GHOST", 1), ("GHOST2", None)]


def test_roster_problems_and_unknown_carcs(qcon):
    qcon.execute("INSERT INTO enrollments (npi, payer_id, status) VALUES ('1234567893', 'BCBS', 'pending')")
    assert roster_problems(qcon).payer_id.tolist() == ["BCBS"]
    assert unknown_carcs(qcon).carc.tolist() == ["ZZ9"]


def test_a_provider_listed_twice_has_one_roster_problem_row_per_enrollment(qcon):
    qcon.execute(
        "INSERT INTO providers (npi, provider_name, status) VALUES (?, '  ', 'active')", [f" {NPI_A}"]
    )
    qcon.execute("INSERT INTO enrollments (npi, payer_id, status) VALUES (?, ' BCBS', ' Pending ')", [NPI_A])
    frame = roster_problems(qcon)
    assert list(zip(frame.npi, frame.payer_id, strict=True)) == [(NPI_A, "BCBS")]
    assert frame.provider_name.tolist() == ["Test Provider"]


def test_unmatched_remits_on_a_read_only_connection_without_stored_views(tmp_path):
    path = tmp_path / "plain.duckdb"
    with connect(path) as con:  # a database whose views were never created
        with_reference(con)
        add_credentialed_provider(con)
        add_line(con, "C1", billed=100)
        con.execute("DELETE FROM ref_meta WHERE name = 'views'")
    with connect(path, read_only=True) as ro:
        assert unmatched_remits(ro).empty
