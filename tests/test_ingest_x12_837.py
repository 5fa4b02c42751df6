"""The X12 837P parser: public fixture files and small inline 837Ps written by hand.

Claim and line counts per fixture come from grep over the files (`grep -c '^CLM\\*'`, `'^SV1\\*'` after
splitting on '~'), not from the parser. Patient values in the inline files are made up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from audits.errors import InputError
from audits.ingest.x12 import detect_x12
from audits.ingest.x12_837 import parse_837

FIXTURES = Path(__file__).parent / "fixtures" / "x12"
CANONICAL_COLUMNS = [
    "claim_id",
    "line_no",
    "patient_id",
    "patient_name",
    "patient_dob",
    "rendering_npi",
    "billing_npi",
    "payer_id",
    "payer_name",
    "date_of_service",
    "submitted_date",
    "procedure_code",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    *[f"diagnosis_{i}" for i in range(1, 13)],
    "pos",
    "units",
    "billed_amount",
    "service_state",
    "source_row",
]


def parse_fixture(name: str):
    return parse_837((FIXTURES / name).read_bytes(), name)


def envelope(body: str) -> bytes:
    isa = "*".join(
        ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SENDER".ljust(15), "ZZ", "RECEIVER".ljust(15)]
        + ["260101", "1200", "^", "00501", "000000001", "0", "P", ":"]
    )
    gs = "GS*HC*SENDER*RECEIVER*20260101*1200*1*X*005010X222A1"
    return (isa + "~" + gs + "~" + body + "GE*1*1~IEA*1*000000001~").encode()


# Billing provider in NY; pay-to address in NJ; a dependent patient (HL*23) in CT.
HEAD = (
    "ST*837*0001*005010X222A1~BHT*0019*00*B1*20260105*1200*CH~"
    "NM1*41*2*BILLING SERVICE*****46*S1~NM1*40*2*ACME HEALTH*****46*R1~"
    "HL*1**20*1~NM1*85*2*SMALL CLINIC*****XX*1234567893~N3*1 MAIN ST~N4*ALBANY*NY*12207~"
    "NM1*87*2~N3*PO BOX 1~N4*NEWARK*NJ*07101~"
    "HL*2*1*22*1~SBR*P*18*******CI~NM1*IL*1*SUBLAST*SUBFIRST****MI*MEMBER42~DMG*D8*19700101*F~"
    "NM1*PR*2*ACME HEALTH*****PI*ACME01~"
    "HL*3*2*23*0~PAT*19~NM1*QC*1*KIDLAST*KIDFIRST~N3*2 ELM ST~N4*HARTFORD*CT*06101~DMG*D8*20150606*M~"
)
CLAIM = (
    "CLM*PCN1*180***11:B:1*Y*A*Y*Y~DTP*472*D8*20260102~HI*ABK:I10*ABF:E119*ABF:Z0000~"
    "NM1*82*1*DOE*JAN****XX*1245319599~"
    "SBR*S*01*******CI~NM1*IL*1*OTHERLAST*OTHERFIRST****MI*OTHER9~NM1*PR*2*OTHER PLAN*****PI*OTH1~"
    "NM1*82*1~REF*G2*X~"
    "LX*1~SV1*HC:99214:25:59*120*UN*1***1~"
    "LX*2~SV1*HC:93000*60*UN*2*02**1~DTP*472*D8*20260103~NM1*82*1*ROE*RAY****XX*1003000126~"
)


def inline_claim(claim: str = CLAIM) -> bytes:
    return envelope(HEAD + claim + "SE*30*0001~")


# -- every fixture ---------------------------------------------------------------------------------------------

FIXTURE_COUNTS = {  # file: (claims = CLM count, lines = SV1 count)
    "837p_imsweb_complex_6claims.txt": (6, 10),
    "837p_lfh_anesthesia_pos22.837": (1, 1),
    "837p_lfh_autoaccident_rendering.837": (1, 2),
    "837p_lfh_cob_example4_rendering_mod25.837": (1, 1),
    "837p_lfh_tr3_example1.837": (1, 4),
}


def test_every_837_fixture_is_listed():
    assert sorted(FIXTURE_COUNTS) == sorted(p.name for p in FIXTURES.glob("837p_*"))


@pytest.mark.parametrize("name", sorted(FIXTURE_COUNTS))
def test_fixture_counts(name):
    claims, lines = FIXTURE_COUNTS[name]
    parsed = parse_fixture(name)
    assert len(parsed.claims) == claims
    assert len(parsed.lines) == lines
    assert list(parsed.lines.columns[: len(CANONICAL_COLUMNS)]) == CANONICAL_COLUMNS
    assert parsed.lines["procedure_code"].notna().all()
    assert (FIXTURES / name).read_bytes() and detect_x12((FIXTURES / name).read_bytes()) == "837"


def test_tr3_example_lines_pos_and_billing_provider_as_rendering():
    parsed = parse_fixture("837p_lfh_tr3_example1.837")
    lines = parsed.lines
    assert lines["claim_id"].unique().tolist() == ["26463774"]
    assert lines["line_no"].tolist() == [1, 2, 3, 4]
    assert lines["procedure_code"].tolist() == ["99213", "87070", "99214", "86663"]
    assert lines["billed_amount"].tolist() == [40.0, 15.0, 35.0, 10.0]
    assert lines["pos"].unique().tolist() == ["11"]  # SV105 empty: CLM05-1
    assert lines["date_of_service"].tolist() == [dt.date(2006, 10, 3)] * 2 + [dt.date(2006, 10, 10)] * 2
    assert lines["submitted_date"].unique().tolist() == [dt.date(2006, 10, 15)]
    assert lines["source_row"].tolist() == [31, 34, 37, 40]
    assert lines[["diagnosis_1", "diagnosis_2"]].values.tolist() == [["0340", "V7389"]] * 4
    assert lines["diagnosis_3"].isna().all()
    assert lines["diagnosis_code_set"].unique().tolist() == ["ICD-9-CM"]
    assert lines["payer_name"].unique().tolist() == ["KEY INSURANCE COMPANY"]
    assert lines["payer_id"].unique().tolist() == ["999996666"]
    assert lines["billing_npi"].unique().tolist() == ["1912301953"]
    # no NM1*82: the billing provider rendered the service (TR3 2310B usage note)
    assert lines["rendering_npi"].unique().tolist() == ["1912301953"]
    assert lines["rendering_source"].unique().tolist() == ["billing"]
    assert lines["service_state"].unique().tolist() == ["FL"]
    assert parsed.problems == []


def test_claim_level_rendering_and_other_payer_loops_are_skipped():
    lines = parse_fixture("837p_lfh_cob_example4_rendering_mod25.837").lines
    row = lines.iloc[0]
    assert row["rendering_npi"] == "9090909090"
    assert row["rendering_source"] == "claim"
    assert (row["procedure_code"], row["modifier_1"]) == ("99203", "25")
    assert pd.isna(row["modifier_2"])
    # 2330B NM1*PR*2*COMMERCE (the other payer) must not replace the destination payer
    assert (row["payer_name"], row["payer_id"]) == ("MEDICARE", "10234")
    assert (row["diagnosis_1"], row["diagnosis_2"]) == ("71516", "71906")


def test_anesthesia_file_with_greater_than_composites():
    # ISA16 is ':' but CLM05 is '22>B>1', HI 'BK>36616' and SV101 'HC>00142>QK>QS>P1'
    row = parse_fixture("837p_lfh_anesthesia_pos22.837").lines.iloc[0]
    assert row["pos"] == "22"
    assert row["procedure_code"] == "00142"
    assert [row["modifier_1"], row["modifier_2"], row["modifier_3"]] == ["QK", "QS", "P1"]
    assert row["diagnosis_1"] == "36616"
    assert row["rendering_npi"] == "5678912345"
    assert row["units"] == 61.0
    assert row["service_state"] == "TN"


def test_imsweb_line_level_rendering_defects_and_claim_balance():
    parsed = parse_fixture("837p_imsweb_complex_6claims.txt")
    lines = parsed.lines
    first = lines.iloc[:5]
    # A37YH556: NM1*82 qualifier 'X' (not XX) -> no NPI; A37YH667 line 3: 2420A NM1*82 XX 303304
    assert first["rendering_npi"].isna().tolist() == [True, True, False, True, True]
    assert lines["rendering_npi"].iloc[2] == "303304"
    assert lines["rendering_source"].iloc[2] == "line"
    assert first["claim_id"].tolist() == ["A37YH556", "A37YH556", "A37YH667", "A37YH668", "A37YH668"]
    assert first["line_no"].tolist() == [1, 2, 3, 4, 5]
    # HI*BK*8901*BF*87200*BF:5559: qualifier and code in separate elements, then a proper composite
    assert lines.loc[0, ["diagnosis_1", "diagnosis_2", "diagnosis_3"]].tolist() == ["8901", "87200", "5559"]
    assert (
        first["payer_name"].tolist()
        == ["HEALTH INSURANCE COMPANY"] * 2 + ["HEALTH INSURANCE COMPANY TWO"] * 3
    )
    # CLM02 is 500 on every claim; the lines add up to 12.25 + 13.26. CLM is segment 27 (counted by hand).
    assert parsed.problems[0] == "CLM claim A37YH556 (segment 27): CLM02 500.00 != sum of SV102 = 25.51."
    assert len(parsed.problems) == 6
    assert not parsed.claims["balanced"].any()


def test_autoaccident_claim_rendering_on_both_lines():
    lines = parse_fixture("837p_lfh_autoaccident_rendering.837").lines
    assert lines["rendering_npi"].tolist() == ["2366552595", "2366552595"]
    assert lines["procedure_code"].tolist() == ["99201", "26010"]
    assert lines["billing_npi"].unique().tolist() == ["1253695747"]
    assert lines["service_state"].unique().tolist() == ["CA"]


# -- inline 837Ps ----------------------------------------------------------------------------------------------


def test_inline_claim_every_field():
    parsed = parse_837(inline_claim(), "inline.837")
    lines = parsed.lines
    assert parsed.problems == []
    assert lines["claim_id"].tolist() == ["PCN1", "PCN1"]
    assert lines["line_no"].tolist() == [1, 2]
    # the dependent is the patient: name and birth date from 2010CA, member id from 2010BA
    assert lines["patient_name"].unique().tolist() == ["KIDLAST, KIDFIRST"]
    assert lines["patient_dob"].unique().tolist() == ["20150606"]
    assert lines["patient_id"].unique().tolist() == ["MEMBER42"]
    # claim NM1*82 on line 1; 2420A on line 2 overrides; the 2330D NM1*82 (other payer) is ignored
    assert lines["rendering_npi"].tolist() == ["1245319599", "1003000126"]
    assert lines["billing_npi"].unique().tolist() == ["1234567893"]
    assert (lines["payer_id"].iloc[0], lines["payer_name"].iloc[0]) == ("ACME01", "ACME HEALTH")
    assert lines["service_state"].unique().tolist() == ["NY"]  # billing provider N4, not pay-to or patient
    assert lines["date_of_service"].tolist() == [dt.date(2026, 1, 2), dt.date(2026, 1, 3)]  # claim, then line
    assert lines["pos"].tolist() == ["11", "02"]  # CLM05-1, then SV105
    assert lines[["modifier_1", "modifier_2"]].values.tolist()[0] == ["25", "59"]
    assert lines["units"].tolist() == [1.0, 2.0]
    assert lines["billed_amount"].tolist() == [120.0, 60.0]
    assert lines[["diagnosis_1", "diagnosis_2", "diagnosis_3"]].values.tolist()[0] == ["I10", "E119", "Z0000"]
    assert lines["diagnosis_code_set"].unique().tolist() == ["ICD-10-CM"]
    assert lines["claim_frequency"].unique().tolist() == ["1"]
    assert parsed.claims[["claim_id", "billed_amount", "service_lines", "balanced"]].values.tolist() == [
        ["PCN1", 180.0, 2, True]
    ]


def test_subscriber_is_the_patient_without_a_patient_loop():
    head = HEAD.replace("HL*2*1*22*1~", "HL*2*1*22*0~").split("HL*3*2*23*0~")[0]
    parsed = parse_837(envelope(head + CLAIM + "SE*20*0001~"))
    lines = parsed.lines
    assert lines["patient_name"].unique().tolist() == ["SUBLAST, SUBFIRST"]
    assert lines["patient_dob"].unique().tolist() == ["19700101"]


def test_more_than_twelve_diagnoses_and_no_patient_data_in_problems():
    codes = "*".join(["ABK:A000"] + [f"ABF:B{n:03d}" for n in range(12)])
    claim = CLAIM.replace("HI*ABK:I10*ABF:E119*ABF:Z0000~", f"HI*{codes}~").replace("*180***", "*999***")
    parsed = parse_837(inline_claim(claim))
    lines = parsed.lines
    assert lines["diagnosis_1"].iloc[0] == "A000"
    assert lines["diagnosis_12"].iloc[0] == "B010"
    assert any("more than 12 diagnoses" in p for p in parsed.problems)
    assert any("CLM02 999.00 != sum of SV102 = 180.00" in p for p in parsed.problems)
    text = " ".join(parsed.problems)
    for secret in ("KIDLAST", "SUBLAST", "MEMBER42", "20150606", "19700101"):
        assert secret not in text


def test_mixed_icd9_and_icd10_qualifiers_are_recorded():
    claim = CLAIM.replace("HI*ABK:I10*ABF:E119*ABF:Z0000~", "HI*ABK:I10*BF:4019~")
    lines = parse_837(inline_claim(claim)).lines
    assert lines["diagnosis_code_set"].unique().tolist() == ["mixed"]
    assert lines[["diagnosis_1", "diagnosis_2"]].values.tolist()[0] == ["I10", "4019"]


# -- hostile input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", bytes(range(256)) * 8, b"ISA*00*", b"<html><body>not a claim</body></html>"],
    ids=["empty", "binary", "cut-isa", "html"],
)
def test_unreadable_bytes_raise_one_sentence(data):
    with pytest.raises(InputError) as info:
        parse_837(data, "claims.837")
    message = str(info.value)
    assert message.endswith(".") and "\n" not in message


def test_truncated_837_is_reported():
    data = (FIXTURES / "837p_lfh_autoaccident_rendering.837").read_bytes()
    with pytest.raises(InputError, match="truncated"):
        parse_837(data[: len(data) - 60], "auto.837")


def test_every_truncation_raises_only_input_error():
    data = inline_claim()
    for cut in range(0, len(data) - 30, 7):  # the last 30 bytes are GE/IEA
        with pytest.raises(InputError):
            parse_837(data[:cut])


def test_an_835_is_not_an_837():
    with pytest.raises(InputError, match="835"):
        parse_837((FIXTURES / "835_lfh_managed_care.835").read_bytes())


def test_service_line_before_any_claim():
    head = HEAD + "LX*1~SV1*HC:99213*10*UN*1***1~SE*9*0001~"
    with pytest.raises(InputError, match="outside any claim"):
        parse_837(envelope(head))
