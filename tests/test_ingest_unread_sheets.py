"""A credentialing sheet is never dropped without a word (issue 9, "say so when it is unsure"), found by a
fresh probe: an enrollments sheet whose status column holds the practice's own words was read as no table
at all, and the month's enrollments vanished with the CLI printing "loaded". Rows written by hand (SPEC 2, 4)."""

from __future__ import annotations

import pytest
from test_ingest_recognise_classes import _frame
from test_ingest_roster import write_xlsx

from audits.ingest import ingest_file
from audits.ingest.roster.sheets import classify_sheet

NPI_A, NPI_B = "1234567893", "1111111112"
PAYERS = [["Payer ID", "Payer Name"], ["AET", "Aetna"], ["CIG", "Cigna"]]
PROVIDERS = [["NPI", "Provider Name"], [NPI_A, "Ana Alvarez"], [NPI_B, "Ben Brooks"]]
HEADER = ["NPI", "Payer", "Status", "Effective Date", "Termination Date"]


def _enrollments(words):
    # one row in a word of SPEC 4 ('Participating' -> enrolled), the others in the practice's own words
    pairs = [(npi, payer) for npi in (NPI_A, NPI_B) for payer in ("Cigna", "Aetna")] * 2
    return [
        HEADER,
        [NPI_A, "Aetna", "Participating", "01/01/2020", None],
        *(
            [npi, payer, word, f"0{i + 1}/01/202{i % 4}", None]
            for i, ((npi, payer), word) in enumerate(zip(pairs, words, strict=False))
        ),
    ]


@pytest.mark.parametrize(
    "words",
    [
        ("Contracted", "Accepted", "Credentialed"),
        ("Approved by plan", "Loaded", "Go live"),
        ("OK to bill", "Signed", "Complete"),
        (
            "Contracted",
            "Accepted",
            "Credentialed",
            "Loaded",
        ),  # one known word in five: read as no table before
    ],
)
def test_an_enrollments_sheet_in_the_practices_own_status_words_loads_and_says_so(con, tmp_path, words):
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        {"Payers": PAYERS, "Providers": PROVIDERS, "Enrollments": _enrollments(words)},
    )
    result = ingest_file(con, path)
    enrolled = con.execute("SELECT npi, payer_id, status FROM enrollments").fetchall()
    assert enrolled == [(NPI_A, "AET", "enrolled")]
    reasons = [r[0] for r in con.execute("SELECT reason FROM rejected_rows ORDER BY row_number").fetchall()]
    assert len(reasons) == len(words) and all("status" in r.lower() for r in reasons)
    said = " ".join(result.warnings)
    assert "'Status'" in said and "enrollment status words" in said


def test_a_sheet_that_reads_as_no_table_is_named_with_its_closest_reading(con, tmp_path):
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        {
            "Payers": PAYERS,
            "Providers": PROVIDERS,
            "Follow-ups": [
                ["Who", "What", "When"],
                ["Ana", "call Cigna rep", "11/02/2026"],
                ["Ben", "fax W-9", ""],
            ],
        },
    )
    result = ingest_file(con, path)
    assert con.execute("SELECT count(*) FROM providers").fetchone()[0] == 2
    unread = [w for w in result.warnings if "Follow-ups" in w]
    assert (
        unread
        and "was read as no credentialing table" in unread[0]
        and "none of its rows loaded" in unread[0]
    )


def test_a_whole_enrollments_reading_with_unknown_status_words_is_chosen_with_a_warning(con, tmp_path):
    # six rows, one status in SPEC 4's words: the veto on "few status words" read it as no table before
    sheet = [
        ["NPI", "Payer", "Status", "Submitted", "Effective Date", "Termination Date", "Allowed POS"],
        [NPI_A, "Aetna", "Participating", None, "01/01/2020", None, None],
        [NPI_A, "Cigna", "Contracted", None, "01/01/2019", "10/15/2026", None],
        [NPI_B, "Aetna", "Accepted", None, "10/20/2026", None, None],
        [NPI_B, "Cigna", "Credentialed", "05/01/2026", None, None, None],
        [NPI_A, "Aetna Health", "Loaded", None, "01/01/2021", None, "11,22"],
        [NPI_B, "Cigna", "Signed", "12/01/2025", None, None, None],
    ]
    found = classify_sheet(_frame(*sheet))
    assert found.chosen is not None and found.chosen.kind == "enrollments"
    assert any("holds few of the known enrollment status words" in w for w in found.chosen.warnings)
    path = write_xlsx(
        tmp_path / "roster.xlsx", {"Payers": PAYERS, "Providers": PROVIDERS, "Enrollments": sheet}
    )
    result = ingest_file(con, path)
    assert con.execute("SELECT npi, payer_id, status FROM enrollments").fetchall() == [
        (NPI_A, "AET", "enrolled")
    ]
    assert con.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 5
    assert any("were held or rejected" in w for w in result.warnings)  # the plausibility guard
