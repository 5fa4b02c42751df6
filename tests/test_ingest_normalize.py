"""Value normalisers (SPEC 2 inputs, SPEC 4 labels): expectations written from SPEC, a few values each."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audits.ingest import normalize as nz


def _s(*values) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_dates_in_mixed_forms_in_one_column():
    values, reasons = nz.dates(
        _s(
            "2024-01-05",
            "01/05/2024",
            "1/5/24",
            45296,
            45296.0,
            "45296",
            dt.date(2024, 1, 5),
            dt.datetime(2024, 1, 5, 14, 30),
            "2024-01-05 00:00:00",
            "20240105",
        )  # fmt: skip
    )
    assert [v.date() for v in values] == [dt.date(2024, 1, 5)] * 10
    assert reasons.isna().all()


def test_bad_and_blank_dates_get_nat_and_a_reason_only_when_bad():
    values, reasons = nz.dates(_s("13/45/2024", "next tuesday", None, "", float("nan")))
    assert values.isna().all()
    assert "13/45/2024" in reasons[0]
    assert "next tuesday" in reasons[1]
    assert reasons[2:].isna().all()


def test_two_digit_years_pivot():
    values, _ = nz.dates(_s("3/4/68", "3/4/69"))
    assert [v.year for v in values] == [2068, 1969]


def test_npi_from_an_excel_number_is_text_of_digits():
    assert nz.npi(_s(1234567893.0, 1234567893, "1234567893", " 1234-567893 ", None)).tolist() == [
        "1234567893", "1234567893", "1234567893", "1234567893", None,
    ]  # fmt: skip


def test_npi_that_is_not_digits_is_kept_for_the_invalid_npi_rule():
    assert nz.npi(_s("12345ABC")).tolist() == ["12345ABC"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0001U", "0001U"), ("g0439", "G0439"), (99213.0, "99213"), (99213, "99213"), ("99213.0", "99213"),
     (100, "00100"), ("0528F", "0528F")],
)  # fmt: skip
def test_procedure_codes_stay_text(raw, expected):
    assert nz.procedure_code(_s(raw)).tolist() == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"), [(2, "02"), ("2", "02"), (2.0, "02"), ("11", "11"), (None, None)]
)
def test_pos_two_characters(raw, expected):
    assert nz.pos(_s(raw)).tolist() == [expected]


def test_money_forms():
    values, reasons = nz.money(_s("$1,234.00", "(12.00)", "1234", 5.5, "-$3.10", "", "abc"))
    assert values[:5].tolist() == [1234.0, -12.0, 1234.0, 5.5, -3.1]
    assert pd.isna(values[5]) and pd.isna(values[6])
    assert reasons[:6].isna().all()
    assert "abc" in reasons[6]


def test_diagnosis_stored_without_its_dot_upper_case():
    assert nz.diagnosis(_s("e11.9", "I10", "Z00.00", "I1.0")).tolist() == ["E119", "I10", "Z0000", "I1.0"]


def test_lists_in_one_cell():
    spread = nz.split_list(_s("26,59", "I10; E11.9", None), 4)
    assert spread.loc[0].tolist() == ["26", "59", None, None]
    assert spread.loc[1].tolist() == ["I10", "E11.9", None, None]
    assert spread.loc[2].tolist() == [None] * 4


def test_835_composite_procedure():
    frame = nz.composite_procedure(_s("HC:99213:25", "HC:0001U", "G0439"))
    assert frame["procedure_code"].tolist() == ["99213", "0001U", "G0439"]
    assert frame["modifier_1"].tolist() == ["25", None, None]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("CO", "CO"), ("Contractual Obligation", "CO"), ("Patient Responsibility", "PR"), ("Other Adjustment", "OA"),
     ("Payor Initiated", "PI"), ("Payer Initiated", "PI"), ("Correction and Reversal", "CR"), ("pr", "PR"),
     ("Something", None)],
)  # fmt: skip
def test_group_codes(raw, expected):
    assert nz.group_code(_s(raw)).tolist() == [expected]


def test_group_and_reason_in_one_cell():
    items = nz.adjustment_items(_s("CO-B7", "CO-45, PR-2", "45", "Patient Responsibility-1", "xx-yy-zz"))
    assert items[0] == (("CO", "B7"),)
    assert items[1] == (("CO", "45"), ("PR", "2"))
    assert items[2] == ((None, "45"),)
    assert items[3] == (("PR", "1"),)
    assert items[4] is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [("Enrolled", "enrolled"), ("ACTIVE", "enrolled"), ("Approved", "enrolled"), ("Par", "enrolled"),
     ("Participating", "enrolled"), ("Pending", "pending"), ("Submitted", "pending"), ("In process", "pending"),
     ("In Progress - Hold Claims", "pending"), ("Applied", "pending"), ("Denied", "denied"),
     ("Rejected", "denied"), ("Declined", "denied"), ("Terminated", "terminated"), ("Termed", "terminated"),
     ("Inactive", "terminated"), ("On hold", None), (None, None)],
)  # fmt: skip
def test_enrollment_status_labels(label, expected):
    assert nz.enrollment_status(_s(label)).tolist() == [expected]


def test_enrollment_status_extended_by_the_analyst():
    assert nz.enrollment_status(_s("Credentialed"), extra={"credentialed": "enrolled"}).tolist() == [
        "enrolled"
    ]


@pytest.mark.parametrize(
    ("label", "expected"),
    [("State License", "state_license"), ("Medical Licence", "state_license"), ("DEA License", "dea"),
     ("DEA", "dea"), ("Board Certification", "board_certification"), ("Malpractice", "malpractice"),
     ("General Liability", "malpractice"), ("COI", "malpractice"), ("CPR card", "other")],
)  # fmt: skip
def test_credential_type_labels(label, expected):
    assert nz.credential_type(_s(label)).tolist() == [expected]


@pytest.mark.parametrize(
    ("label", "expected"),
    [("Approved", True), ("allowed", True), ("Yes", True), ("Excluded", False), ("Not approved", False),
     ("No", False), ("maybe", None)],
)  # fmt: skip
def test_scope_labels(label, expected):
    assert nz.scope_approved(_s(label)).tolist() == [expected]


@pytest.mark.parametrize(
    ("label", "expected"),
    [("Active", "active"), ("Y", "active"), ("yes", "active"), (None, "active"), ("Inactive", "inactive"),
     ("N", "inactive"), ("No", "inactive"), ("Terminated", "inactive"), ("On leave", None)],
)  # fmt: skip
def test_provider_status_labels(label, expected):
    assert nz.provider_status(_s(label)).tolist() == [expected]


def test_headers_and_payer_keys():
    assert nz.normalise_header("Claim #") == "claim no"
    assert nz.normalise_header(" CPT/HCPCS ") == "cpt hcpcs"
    assert nz.payer_key("Blue Cross, Inc.") == "BLUECROSSINC"
    assert nz.payer_key("blue  cross inc") == "BLUECROSSINC"


def test_money_with_a_decimal_comma_and_us_thousands():
    values, reasons = nz.money(_s("1,50", "1.234,56", "1,500", "12,345.60"))
    assert values.tolist() == [1.5, 1234.56, 1500.0, 12345.6]
    assert reasons.isna().all()


def test_a_bare_year_in_text_is_not_an_excel_serial():
    values, reasons = nz.dates(_s("2024", "45296"))
    assert pd.isna(values[0]) and "2024" in reasons[0]
    assert values[1].date() == dt.date(2024, 1, 5)
