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
SPLIT_STYLES = STYLES  # a one-row tracker's 'Payer Field' headers, camelCase too (split at case changes)


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


# ---------------------------------------------------------------------------------------------
# a sequence (small whole numbers counting from 1) is never money, and a column with fractions is never
# a line number: 'CHARGE_SEQ' is the line, the one money column left is the charge (said: low confidence)


def _cerner_frame(seq_header: str, prices: list[str]) -> pd.DataFrame:
    return _frame(
        ["ENCNTR_ID", seq_header, "PERFORMING_NPI", "HEALTH_PLAN_NAME", "SERVICE_DT_TM", "CPT4_CD",
         "ITEM_QUANTITY", "ITEM_EXTENDED_PRICE"],
        ["E1", "1", NPI_A, "Aetna", "2026-10-02", "99213", "1", prices[0]],
        ["E1", "2", NPI_A, "Aetna", "2026-10-02", "93000", "1", prices[1]],
        ["E2", "1", NPI_B, "Cigna", "2026-10-03", "99214", "2", prices[2]],
        ["E3", "1", NPI_B, "Aetna", "2026-10-04", "99213", "1", prices[3]],
    )  # fmt: skip


def test_a_charge_sequence_is_the_line_number_and_the_price_is_the_charge():
    found = recognise.classify(_cerner_frame("CHARGE_SEQ", ["120.0", "45.5", "250.0", "120.0"]))
    assert found.chosen.kind == "claims"
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert columns["line_no"] == "CHARGE_SEQ"
    assert columns["billed_amount"] == "ITEM_EXTENDED_PRICE"
    assert columns["units"] == "ITEM_QUANTITY"
    assert any(w.startswith("billed_amount read from 'ITEM_EXTENDED_PRICE' with low confidence") for w in
               found.chosen.warnings)  # fmt: skip


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("header", ["Charge Seq", "Charge Sequence", "Charge Counter", "Chg Seq Nbr"])
@pytest.mark.parametrize(
    "prices",
    [
        ["120.0", "45.5", "250.0", "120.0"],
        ["$120.00", "$45.50", "$250.00", "$120.00"],
        ["120", "45.50", "250", "120"],
    ],
)
def test_a_sequence_column_under_a_charge_word_is_never_the_billed_amount(header, prices, style):
    text = _case(header, style)
    found = recognise.classify(_cerner_frame(text, prices))
    assert found.chosen.kind == "claims"
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert columns.get("billed_amount") == "ITEM_EXTENDED_PRICE"
    assert columns.get("line_no") != "ITEM_EXTENDED_PRICE"


@pytest.mark.parametrize(
    ("cells", "counter"),
    [(["1", "2", "1", "1"], True), ([1, 2, 3, 1, 1], True), (["120", "45", "250"], False),
     (["1.00", "2.00", "1.00"], False), (["2", "2", "4"], False), (["1", "1"], False)],
)  # fmt: skip
def test_what_counts_as_a_counter(cells, counter):
    assert recognise.ColumnValues(cells, len(cells)).counter is counter


# ---------------------------------------------------------------------------------------------
# a header that names a column nothing loads (a ZIP code, a tax id, an address) is not read as a
# loaded column by its values; a place's state loses to a plainly named state


def _scope_frame(extra_header: str) -> pd.DataFrame:
    return _frame(
        ["NPI", "Health Plan", "Code From", "Code To", extra_header, "Approved"],
        [NPI_A, "Aetna", "99202", "99215", "78701", "Yes"],
        [NPI_A, "Cigna", "93000", "93010", "75201", "No"],
        [NPI_B, "Aetna", "99213", "99213", "76701", "Yes"],
    )


def test_a_zip_code_column_is_never_a_scope_code():
    found = recognise.classify(_scope_frame("Postal Code"), kinds=("service_scope",))
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert columns == {"npi": "NPI", "payer": "Health Plan", "code_from": "Code From", "code_to": "Code To",
                       "approved": "Approved"}  # fmt: skip
    assert "Postal Code" in found.chosen.unused


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "header",
    ["ZIP", "Zip Code", "Postal Code", "Provider Zip", "Location Zip Code", "Practice ZIP", "Postcode"],
)
@pytest.mark.parametrize("drop", [None, "Code To"])
def test_a_zip_column_in_any_spelling_takes_no_code_column(header, style, drop):
    frame = _scope_frame(_case(header, style))
    if drop is not None:  # with one code column only, the ZIP still is not the other end
        frame = frame.drop(columns=[3]).T.reset_index(drop=True).T
    found = recognise.classify(frame, kinds=("service_scope",))
    used = {m.source for m in found.chosen.columns.values()}
    assert _case(header, style) not in used


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "place", ["Location State", "Facility State", "Practice Location State", "Mailing State"]
)
@pytest.mark.parametrize("order", ["place first", "plain first"])
def test_a_place_state_loses_to_a_licence_state(place, style, order):
    place_h, plain_h = _case(place, style), _case("Issuing State", style)
    head = [place_h, plain_h] if order == "place first" else [plain_h, place_h]
    frame = _frame(
        ["NPI", "Credential Type", "Number", *head, "Expiration Date"],
        [NPI_A, "State License", "TX-1", "TX", "TX", "2027-12-31"],
        [NPI_B, "State License", "OK-2", "OK", "TX", "2027-06-30"],
    )
    found = recognise.classify(frame, kinds=("credentials",))
    assert found.chosen.columns["state"].source == plain_h


def test_a_tax_id_is_never_the_claim_id_by_elimination():
    frame = _frame(
        ["Tax ID", "Rendering NPI", "Payer", "Date of Service", "CPT", "Charges"],
        ["74-1234567", NPI_A, "Aetna", "10/02/2026", "99213", "120.00"],
        ["74-7654321", NPI_B, "Cigna", "10/03/2026", "99214", "180.00"],
    )
    found = recognise.classify(frame, kinds=("claims",))
    assert (
        found.chosen is None
        or found.chosen.columns.get("claim_id") is None
        or (found.chosen.columns["claim_id"].source != "Tax ID")
    )


# ---------------------------------------------------------------------------------------------
# a one-row tracker header splits into the payer as written and its field; a payer's own word
# ('Health', 'Plan', 'Blue') stays with the payer


@pytest.mark.parametrize(
    ("header", "split"),
    [("Aetna - App Sent", ("Aetna", "submitted_date")), ("Prairie Health Status", ("Prairie Health", "status")),
     ("Blue Plan Eff Date", ("Blue Plan", "effective_date")), ("Cigna Term", ("Cigna", "termination_date")),
     ("BCBS TX - Par Status", ("BCBS TX", "status"))],
)  # fmt: skip
def test_a_one_row_tracker_header_splits_into_payer_and_field(header, split):
    from audits.ingest import normalize
    from audits.ingest.roster.sheets import _split_payer_header

    assert _split_payer_header(header, normalize.normalise_header(header)) == split


# ---------------------------------------------------------------------------------------------
# a weak whole reading (two columns of a payers sheet) is not chosen beside a reading that fits a
# dozen columns and misses one: the sheet is left unread, with the reason, never loaded as payers


def test_a_remittance_missing_its_claim_id_is_not_read_as_a_payers_sheet():
    frame = _frame(
        ["Plan Code", "Carrier Name", "Remit Dt", "Billing CPT", "Orig Chg Amt", "Ins Pd Amt", "CAS Grp Cd",
         "CAS Rsn Cd", "Adj Amt", "Rmk Cd", "Line"],
        ["AET", "Aetna", "2026-10-20", "99213", "120.00", "96.00", "CO", "45", "24.00", "N130", "1"],
        ["CIG", "Cigna", "2026-10-22", "99214", "250.00", "0.00", "CO", "B7", "250.00", "", "1"],
    )  # fmt: skip
    found = recognise.classify(frame)
    payers = next(r for r in found.readings if r.kind == "payers")
    if found.chosen is not None:
        assert found.chosen.kind != "payers"
    assert payers.valid is False or found.chosen is not payers


# ---------------------------------------------------------------------------------------------
# session 4 classes (held-out probe leftovers). Each: the class in words, a hand-written case, generated
# variations. Header words are written here, not taken from the probe.

import random  # noqa: E402


def _export(head, *rows):
    return recognise.classify(_frame(head, *rows), kinds=("claims", "remits"))


# (a) Numbered siblings: columns whose headers are one stem with successive numbers ('Q1', 'Q2') and whose
# values all pass a numbered column's test are that numbered column, by their numbers - never the list
# column for the second one.

_DX_ROWS = [["K-1", "1", NPI_A, "Aetna", "10/02/2026", "99213", "I10", "E11.9", "120.00"],
            ["K-1", "2", NPI_A, "Aetna", "10/02/2026", "93000", "I10", "R07.9", "45.50"],
            ["K-2", "1", NPI_B, "Cigna", "10/03/2026", "99214", "J06.9", "E78.5", "160.00"]]  # fmt: skip


def test_two_numbered_columns_of_icd10_codes_are_diagnosis_1_and_2():
    found = _export(
        ["Claim", "Line", "Rendering NPI", "Payer", "DOS", "CPT", "Q1", "Q2", "Charge"], *_DX_ROWS
    )
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert (columns.get("diagnosis_1"), columns.get("diagnosis_2")) == ("Q1", "Q2")
    assert "diagnoses" not in columns


@pytest.mark.parametrize("seed", range(12))
def test_numbered_siblings_in_generated_spellings(seed):
    rng = random.Random(seed)
    stem = rng.choice(["Q", "Zq", "Col", "Fld", "Xr", "V"])
    sep = rng.choice(["", " ", "_", "-", "."])
    style = rng.choice(["upper", "lower", "title"])
    names = [getattr(str, style)(f"{stem}{sep}{n}") for n in (1, 2)]
    head = ["Claim", "Line", "Rendering NPI", "Payer", "DOS", "CPT", *names, "Charge"]
    order = list(range(len(head)))
    rng.shuffle(order)
    found = _export([head[i] for i in order], *[[r[i] for i in order] for r in _DX_ROWS])
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert (columns.get("diagnosis_1"), columns.get("diagnosis_2")) == tuple(names), columns


def test_numbered_columns_that_do_not_all_hold_codes_stay_as_they_are():
    rows = [r[:7] + ["see note"] + r[8:] for r in _DX_ROWS]  # the second holds text: not a diagnosis
    found = _export(["Claim", "Line", "Rendering NPI", "Payer", "DOS", "CPT", "Q1", "Q2", "Charge"], *rows)
    assert "diagnosis_2" not in found.chosen.columns


# (b) One-letter headers: an unused column under one letter is the one optional column not read yet whose
# one-word spelling starts with that letter, when its values fit (low confidence, said as unsure).

_UNIT_ROWS = [["K-1", "1", NPI_A, "Aetna", "10/02/2026", "99213", "1", "120.00"],
              ["K-1", "2", NPI_A, "Aetna", "10/02/2026", "93000", "2", "45.50"],
              ["K-2", "1", NPI_B, "Cigna", "10/03/2026", "99214", "1", "160.00"]]  # fmt: skip


@pytest.mark.parametrize("letter", ["U", "u"])
def test_a_one_letter_header_of_counts_is_the_units(letter):
    found = _export(["Claim", "Line", "Rendering NPI", "Payer", "DOS", "CPT", letter, "Charge"], *_UNIT_ROWS)
    assert found.chosen.columns["units"].source == letter
    assert found.chosen.columns["units"].confidence < 0.5
    assert any(w.startswith("units read from") for w in found.chosen.warnings)


@pytest.mark.parametrize("letter", ["Z", "K", "7"])
def test_a_one_letter_header_no_column_starts_with_stays_unused(letter):
    found = _export(["Claim", "Line", "Rendering NPI", "Payer", "DOS", "CPT", letter, "Charge"], *_UNIT_ROWS)
    assert letter in found.chosen.unused


# (c) A required claim id nothing names, while the column that holds it was taken on a weak header for an
# optional identifier (a patient id from an abbreviation): it is the claim id when its values are
# identifiers and, with the line numbers, it keys the rows (no claim and line twice).


def _weak_patient_claims(header: str, ids: list[str]) -> pd.DataFrame:
    return _frame(
        [header, "Line", "Rendering NPI", "Payer", "DOS", "CPT", "Charges"],
        [ids[0], "1", NPI_A, "Aetna", "10/02/2026", "99213", "120.00"],
        [ids[1], "2", NPI_A, "Aetna", "10/02/2026", "93000", "45.50"],
        [ids[2], "1", NPI_B, "Cigna", "10/03/2026", "99214", "160.00"],
        [ids[3], "1", NPI_B, "Aetna", "10/04/2026", "99213", "120.00"],
    )


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("header", ["Pt Voucher Ref", "Patient Folio Key", "Pt Folio Key"])
def test_a_weak_patient_header_keying_the_lines_is_the_claim_id(header, style):
    text = _case(header, style)
    found = classify_sheet(_weak_patient_claims(text, ["F-10", "F-10", "F-11", "F-12"]))
    assert found.chosen is not None and found.chosen.kind == "claims", found.reasons
    assert found.chosen.columns["claim_id"].source == text
    assert "patient_id" not in found.chosen.columns
    assert found.chosen.columns["claim_id"].confidence < 0.5


def test_a_patient_column_that_repeats_a_line_is_never_the_claim_id():
    """A patient seen on two claims has line 1 twice: the column does not key the rows."""
    found = recognise.read_as(
        _weak_patient_claims("Pt Folio Key", ["P-1", "P-1", "P-1", "P-2"]), "claims", 0, eliminate=True
    )
    assert "claim_id" not in found.columns


# (d) A line sequence nothing names: small whole numbers counting from 1 that number the lines of each
# claim are the line number, unused or read on a weak header as an optional identifier.


def _remits_with(header: str, lines: list[str]) -> pd.DataFrame:
    return _frame(
        ["Claim Number", header, "Payer", "Paid Date", "CPT", "Billed", "Paid", "Group", "CARC"],
        ["R-1", lines[0], "Aetna", "2026-10-20", "99213", "120.00", "96.00", "CO", "45"],
        ["R-1", lines[1], "Aetna", "2026-10-20", "93000", "45.50", "40.00", "CO", "45"],
        ["R-2", lines[2], "Cigna", "2026-10-21", "99214", "160.00", "0.00", "CO", "16"],
        ["R-3", lines[3], "Aetna", "2026-10-22", "99213", "120.00", "100.00", "CO", "45"],
    )


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("header", ["Detail ID", "Entry Key", "Item Ref", "Segment Id"])
def test_a_counter_numbering_each_claims_lines_is_the_line_number(header, style):
    text = _case(header, style)
    found = classify_sheet(_remits_with(text, ["1", "2", "1", "1"]))
    assert found.chosen.kind == "remits"
    assert found.chosen.columns["line_no"].source == text
    assert not any(c.source == text for n, c in found.chosen.columns.items() if n != "line_no")


def test_a_counter_that_runs_across_claims_is_not_the_line_number():
    found = classify_sheet(_remits_with("Entry Key", ["1", "2", "3", "4"]))  # claim R-2's lowest is 3
    assert "line_no" not in found.chosen.columns or found.chosen.columns["line_no"].source != "Entry Key"


# (e) Two headers that fit one column equally: the one whose extra word is a word of another spelling of
# that column (a licence's 'License' of 'License State') wins over one whose extra word is unknown.


@pytest.mark.parametrize("seed", range(10))
def test_an_extra_word_of_the_columns_own_spellings_breaks_a_tie(seed):
    rng = random.Random(seed)
    style = rng.choice(STYLES)
    place = _case(rng.choice(["Branch State", "Annex State", "Campus State"]), style)
    licence = _case(rng.choice(["License Jurisdiction", "Issuing Jurisdiction"]), style)
    head = ["NPI", "Credential Type", "Number", place, licence, "Expiration Date"]
    rows = [[NPI_A, "State License", "TX-1001", "TX", "TX", "2027-12-31"],
            [NPI_B, "State License", "TX-2002", "TX", "TX", "2027-06-30"],
            [NPI_C, "DEA", "AB1234563", "TX", "TX", "2026-11-30"]]  # fmt: skip
    order = list(range(len(head)))
    rng.shuffle(order)
    found = classify_sheet(_frame([head[i] for i in order], *[[r[i] for i in order] for r in rows]))
    assert found.chosen.kind == "credentials"
    assert found.chosen.columns["state"].source == licence


# (f) A header that has only the words a spelling shares with other columns of its kind, and none of the
# words that set it apart, is not that column: 'Clinician Legal Name' is the whole name, not a last name.


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "header", ["Clinician Legal Name", "1 Provider Legal Name", "Practitioner Full Name"]
)
def test_a_whole_name_header_without_a_part_word_is_the_provider_name(header, style):
    text = _case(header, style)
    found = classify_sheet(
        _frame(
            ["NPI", text, "Specialty"],
            [NPI_A, "Ana Alvarez", "Cardiology"],
            [NPI_B, "Ben Brooks", "Pediatrics"],
        )
    )
    assert found.chosen.kind == "providers"
    assert found.chosen.columns["provider_name"].source == text


@pytest.mark.parametrize("style", STYLES)
def test_a_name_part_word_still_decides(style):
    # 'provider name last first' is a whole-name spelling: its words are no part's alone
    first, last = _case("Provider First Name", style), _case("Provider Last Name Legal", style)
    found = classify_sheet(_frame(["NPI", first, last], [NPI_A, "Ana", "Alvarez"], [NPI_B, "Ben", "Brooks"]))
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert (columns.get("first_name"), columns.get("last_name")) == (first, last)


# (g) One date on every row under a header that names no date column (when the file was made or a record
# last touched) is not a row's date by its values; a date that varies still is.


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("header", ["Record Stamp", "Touched", "Synced At"])
def test_one_date_on_every_row_is_no_issue_date(header, style):
    text = _case(header, style)
    rows = [[NPI_A, "State License", "TX-1001", "TX", "2027-12-31", "2026-11-01"],
            [NPI_B, "State License", "TX-2002", "TX", "2027-06-30", "2026-11-01"],
            [NPI_C, "DEA", "AB1234563", "TX", "2026-11-30", "2026-11-01"]]  # fmt: skip
    found = classify_sheet(_frame(["NPI", "Credential Type", "Number", "State", "Expires", text], *rows))
    assert found.chosen.kind == "credentials"
    assert "issue_date" not in found.chosen.columns
    varied = [r[:5] + [d] for r, d in zip(rows, ["2019-03-01", "2020-07-15", "2021-01-04"], strict=True)]
    found = classify_sheet(_frame(["NPI", "Credential Type", "Number", "State", "Expires", text], *varied))
    assert found.chosen.columns["issue_date"].source == text  # values alone, as before


# (h) A wide tracker has one row per provider under its own header: a sheet whose NPIs repeat, or whose
# tracker "header" is a data row, and that reads far better as another kind, is that kind (a credentials
# list with a 'Last ...' column and a licence-state column is not a tracker of one credential group).


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "head",
    [
        ["Cert No", "Cert Type", "Last Synced", "Lic State", "Expires", "NPI"],
        ["Cert No", "Cert Type", "Last Seen", "DEA State", "Expires", "NPI"],
        ["Doc Nbr", "Doc Type", "Last Edit", "Lic State", "Exp Date", "Provider NPI"],
    ],
)
def test_a_credentials_list_whose_npis_repeat_is_not_a_wide_tracker(head, style):
    npis = [NPI_A, NPI_A, NPI_B, NPI_C]
    rows = [[f"X-{i}", "State License" if i % 2 == 0 else "DEA", "11/01/2026", "TX", "12/31/2027", npi]
            for i, npi in enumerate(npis)]  # fmt: skip
    found = classify_sheet(_frame(["Report"], [None], [_case(h, style) for h in head], *rows))
    assert found.chosen.kind == "credentials", found.reasons
    assert not any("wide tracker" in r for r in found.reasons)


# (i) A column of whole names (two words or more on nearly every row) is never a first or a last name,
# whatever part-like spelling its header comes close to; single words under a part header still are.


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("other", ["Clinician Office", "Physician Site", "Practitioner Region"])
@pytest.mark.parametrize("header", ["Provider Legal Name", "Legal Name Last First", "Clinician Name Last"])
def test_whole_names_are_the_provider_name_not_a_part(header, other, style):
    """Beside a column of states under a weak name-like header (which took the whole name's place)."""
    text = _case(header, style)
    found = classify_sheet(
        _frame(
            ["NPI", text, _case(other, style), "Active"],
            [NPI_A, "Ana Alvarez", "TX", "Y"],
            [NPI_B, "Ben Brooks", "TX", "Y"],
            [NPI_C, "Cara Chen", "OK", "N"],
        )
    )
    assert found.chosen.columns["provider_name"].source == text
    assert all(
        found.chosen.columns[p].source != text
        for p in ("first_name", "last_name")
        if p in found.chosen.columns
    )


@pytest.mark.parametrize("style", STYLES)
def test_single_words_under_part_headers_are_the_parts(style):
    first, last = _case("Given Name", style), _case("Surname", style)
    found = classify_sheet(
        _frame(
            ["NPI", first, last], [NPI_A, "Ana", "Alvarez"], [NPI_B, "Ben", "Brooks"], [NPI_C, "Cara", "Chen"]
        )
    )
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert (columns.get("first_name"), columns.get("last_name")) == (first, last)


# (j) A running number (one prefix, each value the one before plus one: ids handed out in turn) is never a
# procedure code column, even when its values are code-shaped (B7000 looks like a HCPCS II code).


@pytest.mark.parametrize("seed", range(8))
def test_a_running_number_is_not_the_procedure_code(seed, con):
    """With the payers known (a running id under a payer-ish header is then no payer id either)."""
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    knowledge = recognise.Knowledge.from_database(con)
    rng = random.Random(seed)
    prefix = rng.choice("ABEGJKL")
    start = rng.randint(1000, 8000)
    noise = _case(
        rng.choice(["Claim Payer Ref", "Claim ID Payer Key", "Payer Posting Ref"]), rng.choice(STYLES)
    )
    codes = ["99213", "93000", "99214", "99213", "90460", "99213"]
    head = ["Claim Number", "Line", noise, "Payer", "Paid Date", "Activity Code", "Billed", "Paid", "CARC"]
    rows = [[f"R-{i // 2}", str(i % 2 + 1), f"{prefix}{start + i}", "Aetna", "2026-10-20", code, "100.00",
             "80.00", "45"] for i, code in enumerate(codes)]  # fmt: skip
    found = classify_sheet(_frame(head, *rows), {}, knowledge)
    assert found.chosen.kind == "remits"
    assert found.chosen.columns["procedure_code"].source == "Activity Code"


@pytest.mark.parametrize(
    ("cells", "running"),
    [(["B7000", "B7001", "B7002", "B7003", "B7004"], True), (["99213", "99214", "99215", "99216", "99217"], True),
     (["99213", "99214", "99213", "99215", "99214"], False), (["B7000", "B7001", "C7002", "B7003", "B7004"], False),
     (["B7000", "B7001", "B7002"], False)],
)  # fmt: skip
def test_what_counts_as_a_running_number(cells, running):
    assert recognise.ColumnValues(cells, len(cells)).running is running


@pytest.mark.parametrize("prefix", ["B", "E", "K", "L"])
def test_a_running_number_is_no_evidence_of_a_procedure_code(prefix):
    vocab = recognise.vocabulary()
    spec = vocab.spec("remits", "procedure_code")
    header = recognise.header_match(vocab, "Claim Payer Code", spec)
    running = recognise.ColumnValues([f"{prefix}{7000 + i}" for i in range(6)], 6)
    pair = recognise.score_pair(vocab, "remits", spec, header, running, None)
    assert pair.fit == 0.0 and "a running number" in pair.evidence
    codes = recognise.ColumnValues(["99213", "93000", "99214", "99213", "90460", "99213"], 6)
    assert recognise.score_pair(vocab, "remits", spec, header, codes, None).fit == 1.0
