"""Each sheet is classified once on the load path (STYLE 13 "read a file once"): the classification that
told a file's kind (and a batch's order) is the one the load uses; a sheet is classified again only when
the database it was read against has changed since (an earlier file of the batch loaded), because
what the database holds is evidence (recognise.Knowledge).

The counter wraps the real recognise.classify (every reading still happens): nothing is mocked."""

from __future__ import annotations

from collections import Counter

import pytest

from audits.ingest import ingest_file, ingest_files, recognise
from tests.test_ingest_order import month_files, roster_xlsx


@pytest.fixture
def classified(monkeypatch):
    """Counter of recognise.classify calls per sheet, a sheet named by its first row's cells."""
    calls: Counter = Counter()
    real = recognise.classify

    def counting(frame, **kwargs):
        first = frame.dropna(how="all").iloc[0] if len(frame) else []
        calls[tuple(str(v) for v in first if v == v and v is not None)] += 1
        return real(frame, **kwargs)

    monkeypatch.setattr(recognise, "classify", counting)
    return calls


PROVIDERS = ("NPI", "Provider Name", "Status")
ENROLLMENTS = ("NPI", "Payer", "Status", "Effective Date", "Termination Date")
PAYERS = ("Payer ID", "Payer Name", "Aliases")
CLAIMS = ("Claim ID", "Line", "Rendering NPI", "Payer", "DOS", "CPT", "Charges")
REMITS = ("Claim ID", "Line", "Payer", "Check Date", "CPT", "Billed", "Paid", "Group Code", "Reason Code",
          "Adj Amount")  # fmt: skip


def test_a_roster_workbook_loaded_alone_classifies_each_sheet_once(con, tmp_path, classified):
    result = ingest_file(con, roster_xlsx(tmp_path / "roster.xlsx"))
    assert result.status == "loaded" and result.kind == "roster"
    assert classified == {PROVIDERS: 1, ENROLLMENTS: 1, PAYERS: 1}


@pytest.mark.parametrize("order", [("remits", "claims", "roster"), ("claims", "roster", "remits")])
def test_a_batch_classifies_each_sheet_once_for_its_order_and_its_load(con, tmp_path, classified, order):
    files = month_files(tmp_path)
    results = ingest_files(con, [files[k] for k in order])
    assert [r.kind for r in results] == ["roster", "claims", "remits"]
    assert all(r.status == "loaded" for r in results)
    assert classified == {PROVIDERS: 1, ENROLLMENTS: 1, PAYERS: 1, CLAIMS: 1, REMITS: 1}
    assert con.execute("SELECT count(*) FROM claim_lines").fetchone() == (4,)


def test_a_sheet_is_classified_again_when_an_earlier_file_changed_the_database(con, tmp_path, classified):
    """Two rosters in one batch: the second was read for the order before the first loaded its payers and
    providers, so its load reads it again against what the database now holds."""
    first = roster_xlsx(tmp_path / "a.xlsx")
    second = roster_xlsx(tmp_path / "b.xlsx", payers=False)
    results = ingest_files(con, [first, second])
    assert [r.status for r in results] == ["loaded", "loaded"]
    # Providers and Enrollments: once each per file for the order, once more for the second file's load
    assert classified == {PROVIDERS: 3, ENROLLMENTS: 3, PAYERS: 1}
