"""One vocabulary for every kind (issue 9): status labels (SPEC 4), adjustment group words and the words
of a sheet's layout (total rows, a tracker's sub-headers) are data in vocabulary/words.toml, and a
practice's vocabulary file adds to them - through the same loads a file goes through."""

from __future__ import annotations

import random
import string

import pandas as pd
import pytest
from openpyxl import Workbook

from audits.errors import InputError
from audits.ingest import ingest_file, labels, recognise
from audits.ingest import normalize as nz

A = "1234567893"


@pytest.fixture
def practice(tmp_path, monkeypatch):
    """Write the practice's vocabulary file (TOML text) and put it in force; the shipped words again after."""
    path = tmp_path / "vocabulary.toml"

    def write(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv(recognise.EXTENSION_ENV, str(path))
        recognise.vocabulary()

    yield write
    monkeypatch.delenv(recognise.EXTENSION_ENV, raising=False)
    recognise.vocabulary()


def _series(*cells):
    return pd.Series(list(cells), dtype=object)


def test_the_shipped_labels_are_the_vocabularys():
    shipped = recognise.load_vocabulary().labels
    assert (
        shipped.enrollment["participating"] == "enrolled" and shipped.enrollment["no application"] == "none"
    )
    assert shipped.scope["not covered"] is False and shipped.claim["recoupment"] == "reversed"
    assert shipped.group["PATIENTRESPONSIBILITY"] == "PR"
    assert "exp" in shipped.sheet["subheaders"] and shipped.total_row.match("Grand Total")


def test_a_practice_file_adds_an_enrollment_status_word(practice):
    assert nz.enrollment_status(_series("Credentialed", "Par")).tolist() == [None, "enrolled"]
    practice('[labels.enrollment_status]\nenrolled = ["Credentialed"]\npending = ["With Payer"]\n')
    assert nz.enrollment_status(_series("credentialed", "CREDENTIALED!", "With-Payer", "Par")).tolist() == [
        "enrolled", "enrolled", "pending", "enrolled"
    ]  # fmt: skip


def test_a_practice_status_word_loads_an_enrollment_row_it_otherwise_rejects(practice, tmp_path, con):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Enrollments"
    for row in [["NPI", "Payer", "Status", "Effective Date"], [A, "Aetna", "Credentialed", "2024-01-01"],
                [A, "Cigna", "Par", "2024-02-01"]]:  # fmt: skip
        sheet.append(row)
    path = tmp_path / "enrollments.xlsx"
    workbook.save(path)
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna'), ('CIG', 'Cigna')")
    practice('[labels.enrollment_status]\nenrolled = ["credentialed"]\n')
    result = ingest_file(con, path)
    assert result.rows_rejected == 0
    assert con.execute("SELECT payer_id, status FROM enrollments ORDER BY 1").fetchall() == [
        ("AET", "enrolled"), ("CIG", "enrolled")
    ]  # fmt: skip


def test_without_the_practice_word_the_row_is_rejected(tmp_path, con):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Enrollments"
    for row in [["NPI", "Payer", "Status", "Effective Date"], [A, "Aetna", "Credentialed", "2024-01-01"],
                [A, "Aetna", "Par", "2024-02-01"]]:  # fmt: skip
        sheet.append(row)
    workbook.save(tmp_path / "enrollments.xlsx")
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    assert ingest_file(con, tmp_path / "enrollments.xlsx").rows_rejected == 1


def test_a_practice_file_adds_claim_status_scope_provider_and_group_words(practice):
    practice(
        '[labels.claim_status]\nreversed = ["Taken Back"]\n[labels.scope_approved]\nexcluded = ["Carved Out"]\n'
        '[labels.provider_status]\ninactive = ["On Leave"]\n[labels.group_code]\nPR = ["Member Owes"]\n'
    )
    assert nz.claim_status(_series("taken back", "Paid")).tolist() == ["reversed", "paid"]
    assert nz.scope_approved(_series("Carved-Out", "Yes")).tolist() == [False, True]
    assert nz.provider_status(_series("ON LEAVE", "Active")).tolist() == ["inactive", "active"]
    assert nz.group_code(_series("Member Owes", "CO")).tolist() == ["PR", "CO"]
    assert recognise._status_word("Taken Back")  # a status word now: never an identifier or a name


def test_a_practice_total_word_marks_a_totals_row_on_both_claims_paths(practice, tmp_path, con):
    """'Summe' (a German export's total) is a totals row once the practice says so: the set-based CSV
    path and the general (workbook) path both leave it out."""
    practice('[sheet_words]\ntotal_rows = ["summe"]\n')
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    header = ["Claim ID", "Line", "Rendering NPI", "Payer", "DOS", "CPT", "Charges"]
    rows = [["C1", "1", A, "Aetna", "2024-01-05", "99213", "100"], ["Summe:", "", "", "", "", "", "100"]]
    csv = tmp_path / "claims.csv"
    csv.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    result = ingest_file(con, csv)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    reasons = con.execute("SELECT reason FROM rejected_rows").fetchall()
    assert reasons == [("totals row, not a claim line",)]
    workbook = Workbook()
    for row in [
        header,
        ["C2", 1, A, "Aetna", "2024-01-06", "99213", 90],
        ["SUMME", None, None, None, None, None, 90],
    ]:
        workbook.active.append(row)
    workbook.save(tmp_path / "claims.xlsx")
    result = ingest_file(con, tmp_path / "claims.xlsx")
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)


@pytest.mark.parametrize("seed", range(6))
def test_generated_practice_words_mean_what_the_file_says(practice, seed):
    """Invented labels (random letters, in random case and punctuation) read as the meaning the practice
    file gives them, for every kind of label; the shipped words still read."""
    rng = random.Random(seed)

    def word():
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))

    def styled(text):
        return rng.choice([str.upper, str.title, str.lower])(text).replace(
            " ", rng.choice([" ", "-", "_", " / "])
        )

    enrollment = {status: f"{word()} {word()}" for status in ("enrolled", "pending", "denied", "terminated")}
    claim = {status: word() for status in labels.CLAIM_STATUSES}
    lines = ["[labels.enrollment_status]"] + [f'{s} = ["{w}"]' for s, w in enrollment.items()]
    lines += ["[labels.claim_status]"] + [f'{s} = ["{w}"]' for s, w in claim.items()]
    practice("\n".join(lines) + "\n")
    got = nz.enrollment_status(_series(*(styled(w) for w in enrollment.values()), "Termed")).tolist()
    assert got == [*enrollment, "terminated"]
    assert nz.claim_status(_series(*(styled(w) for w in claim.values()))).tolist() == list(claim)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[labels.enrollment_status]\nenroled = ["x"]\n', "not one of enrolled"),
        ('[labels.claim_status]\npaid = "x"\n', "must be a list"),
        ("[sheet_words]\ntotal_rows = 3\n", "must be a list"),
    ],
)
def test_a_practice_file_the_loader_cannot_read_says_so_in_one_sentence(tmp_path, text, says):
    path = tmp_path / "vocabulary.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=says) as raised:
        recognise.load_vocabulary([path])
    assert "vocabulary.toml" in str(raised.value) and str(raised.value).count(". ") == 0


def test_credential_type_words_are_the_vocabularys_and_a_practice_adds_its_own(practice):
    labels_in = ("State License", "DEA Registration", "Board Cert", "COI", "Coinsurance", "Narcotics Permit")
    assert nz.credential_type(_series(*labels_in)).tolist() == [
        "state_license", "dea", "board_certification", "malpractice", "other", "other"
    ]  # fmt: skip
    practice('[labels.credential_type]\ndea = ["narcotics permit"]\nstate_license = ["medical permit"]\n')
    assert nz.credential_type(_series("Narcotics Permit", "Medical Permit #", "Board Cert")).tolist() == [
        "dea", "state_license", "board_certification"
    ]  # fmt: skip


def test_a_practice_payer_word_makes_a_name_a_payers(practice):
    assert not recognise.payer_word("Zenith Partners") and recognise.payer_word("Prairie Health")
    practice('[sheet_words.payer_name_words]\nwords = ["partners"]\n')
    assert recognise.payer_word("Zenith Partners") and recognise.payer_word("Prairie Health")
