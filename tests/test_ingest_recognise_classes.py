"""Classes of misreading found by the held-out probe (bench/layouts_heldout.py), each fixed for the class:
a hand-written case written from SPEC 2 / 4, and generated variations (header spellings, case styles,
value shapes) that must read the same. Rows are written by hand; nothing is taken from the code under test."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from audits.ingest import recognise
from audits.ingest.readers import RawSheet
from audits.ingest.roster.sheets import classify_sheet, parse_roster

NPI_A, NPI_B, NPI_C = "1234567893", "1111111112", "2222222228"


def _frame(*rows) -> pd.DataFrame:
    width = max(len(r) for r in rows)
    return pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)


def _case(text: str, style: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    return {
        "title": " ".join(w[:1].upper() + w[1:] for w in words),
        "upper_snake": "_".join(w.upper() for w in words),
        "lower_snake": "_".join(w.lower() for w in words),
        "camel": words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:]),
        "pascal": "".join(w[:1].upper() + w[1:].lower() for w in words),
        "kebab": "-".join(w.lower() for w in words),
    }[style]


STYLES = ("title", "upper_snake", "lower_snake", "camel", "pascal", "kebab")
SPLIT_STYLES = ("title", "upper_snake", "lower_snake", "kebab")  # a one-row tracker's 'Payer Field' headers


# ---------------------------------------------------------------------------------------------
# a one-row providers sheet: a lone 'X Status' is not a payer group without payer evidence, and a
# credential-looking column of words ('Board Specialty': Cardiology) is not a credential number


def test_a_providers_sheet_with_a_roster_status_and_a_board_specialty_is_not_a_tracker():
    frame = _frame(
        ["NPI", "Provider Name", "Board Specialty", "Roster Status"],
        [NPI_A, "Ana Alvarez", "Family Medicine", "Active"],
        [NPI_B, "Ben Brooks", "Cardiology", "Active"],
        [NPI_C, "Cara Chen", "Pediatrics", "Inactive"],
    )
    found = classify_sheet(frame)
    assert found.chosen.kind == "providers"
    assert not any("wide tracker" in r for r in found.reasons)
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert columns["specialty"] == "Board Specialty" and columns["status"] == "Roster Status"
    # unsure: it says that the column could have been a payer's
    assert any(
        "'Roster Status' could be the enrollment status of a payer" in w for w in found.chosen.warnings
    )
    batch = parse_roster([RawSheet("Providers", frame)])
    assert set(batch.frames) == {"providers"}
    rows = batch.frames["providers"][["npi", "specialty", "status"]].values.tolist()
    assert rows == [
        [NPI_A, "Family Medicine", "active"],
        [NPI_B, "Cardiology", "active"],
        [NPI_C, "Pediatrics", "inactive"],
    ]
    assert any("could be the enrollment status" in w for w in batch.warnings)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("prefix", ["Roster", "Record", "Staff", "Directory", "Onboarding", "HR"])
def test_a_lone_status_column_under_any_non_payer_word_is_the_providers_status(prefix, style):
    frame = _frame(
        [_case("NPI", "upper_snake"), _case("Provider Name", style), _case(f"{prefix} Status", style)],
        [NPI_A, "Ana Alvarez", "Active"],
        [NPI_B, "Ben Brooks", "Inactive"],
    )
    found = classify_sheet(frame)
    assert found.chosen.kind == "providers"
    assert not any("wide tracker" in r for r in found.reasons), found.reasons
    batch = parse_roster([RawSheet("P", frame)])
    assert set(batch.frames) == {"providers"}


@pytest.mark.parametrize("style", SPLIT_STYLES)
@pytest.mark.parametrize(
    ("header", "cells"),
    [
        ("Zenith Status", ["Participating", "Pending"]),  # enrollment words that are not a provider's
        ("Prairie Health Status", ["Active", "Active"]),  # a payer word
        ("Acme Status", ["Active", "Inactive"]),  # beside another field of the same payer (below)
    ],
)
def test_a_status_column_with_payer_evidence_stays_a_payer_group(header, cells, style):
    head = [_case("NPI", "upper_snake"), _case("Provider Name", style), _case(header, style)]
    rows = [[NPI_A, "Ana Alvarez", cells[0]], [NPI_B, "Ben Brooks", cells[1]]]
    if header.startswith("Acme"):
        head.append(_case("Acme Eff Date", style))
        rows = [r + ["2020-01-01"] for r in rows]
    batch = parse_roster([RawSheet("Tracker", _frame(head, *rows))])
    # one enrollment row per provider, loaded or rejected by SPEC 4 (an enrolled row needs its dates)
    loaded = len(batch.frames.get("enrollments", []))
    rejected = sum(1 for r in batch.rejected if "[" in r.sheet)
    assert loaded + rejected == 2


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("header", "cells", "credential"),
    [
        ("Board Specialty", ["Cardiology", "Family Medicine"], False),
        ("Malpractice Carrier", ["The Doctors Company", "MedPro Group"], False),
        ("DEA", ["AB1234563", "BB7654321"], True),  # a number: a credential column
        ("License No", ["TX-1001", "TX-2002"], True),
    ],
)
def test_a_credential_labelled_column_of_words_is_not_a_credential_number(header, cells, credential, style):
    frame = _frame(
        [_case("NPI", "upper_snake"), _case("Provider Name", style), _case(header, style)],
        [NPI_A, "Ana Alvarez", cells[0]],
        [NPI_B, "Ben Brooks", cells[1]],
    )
    found = classify_sheet(frame)
    assert found.chosen.kind == "providers"
    assert any("wide tracker" in r for r in found.reasons) == credential, found.reasons


def test_a_lone_status_column_set_as_a_tracker_by_the_analyst_is_a_payer_group():
    frame = _frame(
        ["NPI", "Provider Name", "Roster Status"],
        [NPI_A, "Ana Alvarez", "Active"],
    )
    batch = parse_roster([RawSheet("P", frame)], {"sheets": {"P": "tracker"}})
    # an enrollment row for payer 'Roster' (rejected by SPEC 4: an enrolled row needs its effective date)
    assert [(r.sheet, r.reason) for r in batch.rejected] == [
        ("P [Roster]", "enrolled enrollment has no effective date")
    ]


# ---------------------------------------------------------------------------------------------
# a status word (paid, denied, participating, active, approved) never makes a payer id, a payer name,
# an identifier or a person's name: a 'Payer Determination' column is the claim's status


def _remit_frame(status_header: str, words: tuple[str, str]) -> pd.DataFrame:
    return _frame(
        ["Claim Number", "Payer Name", status_header, "Paid Amount"],
        ["CL1", "Aetna", words[0], "96.00"],
        ["CL2", "Cigna", words[1], "0.00"],
        ["CL3", "Aetna", words[0], "50.00"],
    )


def test_a_payer_determination_column_is_the_claim_status_not_the_payer_id():
    found = recognise.classify(_remit_frame("Payer Determination", ("Paid", "Denied")), kinds=("remits",))
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert columns["payer_name"] == "Payer Name"
    assert columns["claim_status"] == "Payer Determination"
    assert "payer_id" not in columns
    # read from its values alone: it says so
    assert any(w.startswith("claim_status read from 'Payer Determination' with low confidence") for w in
               found.chosen.warnings)  # fmt: skip


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "header", ["Payer Determination", "Payer Decision", "Insurance Outcome", "Plan Response", "Payor Result"]
)
@pytest.mark.parametrize(
    "words",
    [("Paid", "Denied"), ("PAID", "DENIED"), ("Processed as Primary", "Rejected"), ("Approved", "Denied")],
)
def test_status_words_under_a_payer_header_are_never_the_payer(header, words, style):
    frame = _remit_frame(_case(header, style), words)
    found = recognise.classify(frame, kinds=("remits",))
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert columns.get("payer_name") == "Payer Name"
    status = _case(header, style)
    assert status not in {columns.get(c) for c in ("payer_id", "payer_name", "claim_id", "patient_id",
                                                    "patient_name")}  # fmt: skip
    if columns.get("claim_status") == status and found.chosen.columns["claim_status"].confidence < 0.5:
        assert any("claim_status read from" in w for w in found.chosen.warnings)


@pytest.mark.parametrize("cell", ["Paid", "denied", "Participating", "Pending - hold claims", "Active",
                                  "Approved", "Not Approved", "Termed"])  # fmt: skip
def test_a_status_word_is_not_an_identifier_nor_a_payer(cell):
    for test in ("identifier", "payer_id", "payer", "person_name"):
        assert recognise.VALUE_TESTS[test][0](cell) == 0.0, (test, cell)


@pytest.mark.parametrize("cell", ["AET", "60054", "CL1001", "BCBS-TX", "PR", "1"])
def test_ids_that_look_like_codes_stay_identifiers(cell):
    assert recognise.VALUE_TESTS["identifier"][0](cell) == 1.0
    assert recognise.VALUE_TESTS["payer_id"][0](cell) == 1.0


# ---------------------------------------------------------------------------------------------
# a reading that fits many more columns but misses one identifier is read again with that column
# filled by elimination, before a weak but whole reading (a claims export is not a scope sheet)


def _claims_frame(claim_header: str) -> pd.DataFrame:
    return _frame(
        [claim_header, "Rendering NPI", "Payer", "Date of Service", "CPT", "Modifier", "POS", "Charges"],
        ["V-1001", NPI_A, "Aetna", "10/02/2026", "99213", "25", "11", "120.00"],
        ["V-1001", NPI_A, "Aetna", "10/02/2026", "93000", None, "11", "45.50"],
        ["V-1002", NPI_B, "Cigna", "10/03/2026", "99214", None, "11", "180.00"],
        ["V-1003", NPI_B, "Aetna", "10/04/2026", "99213", None, "02", "120.00"],
    )


def test_a_claims_export_whose_claim_id_header_is_unknown_is_claims_not_scope():
    found = recognise.classify(_claims_frame("Voucher"))
    assert found.chosen.kind == "claims"
    assert found.chosen.columns["claim_id"].source == "Voucher"
    assert any(
        w.startswith("claim_id read from 'Voucher' with low confidence") for w in found.chosen.warnings
    )
    scope = next(r for r in found.readings if r.kind == "service_scope")
    assert scope.score < found.chosen.score


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("header", ["Voucher", "Slip Nbr", "Docket", "Folio", "Tkt"])
def test_an_unknown_claim_id_header_in_any_case_style_is_filled_by_elimination(header, style):
    text = _case(header, style)
    found = classify_sheet(_claims_frame(text))
    assert found.chosen.kind == "claims", found.reasons
    assert found.chosen.columns["claim_id"].source == text
    assert found.chosen.columns["claim_id"].confidence < 0.5  # said: low confidence
