"""The X12 835 parser: public fixture files and small inline 835s written by hand.

Counts per fixture were taken with grep over the files (segments CLP, SVC, CAS, LQ, MOA), not from the
parser: e.g. `tr '~' '\\n' < FILE | sed 's/^ *//' | grep -c '^SVC\\*'`. CAS triplets were counted by hand
(one CAS segment in the UHC file and one in the Medicaid file carry several).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd
import pytest

from audits.errors import InputError
from audits.ingest.x12 import detect_x12
from audits.ingest.x12_835 import parse_835

FIXTURES = Path(__file__).parent / "fixtures" / "x12"
CANONICAL_LINE_COLUMNS = [
    "line_ref",
    "payer_id",
    "payer_name",
    "claim_id",
    "line_no",
    "ref_6r",
    "line_position",
    "claim_status",
    "rendering_npi",
    "adjudication_date",
    "procedure_code",
    "billed_amount",
    "paid_amount",
    "remit_claim_key",
    "source",
    "source_row",
]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


MALFORMED_FIXTURES = {
    # a public sample with an SVC of ten elements and SE01 one more than its segments (pyx12 refuses it too)
    "835_edi835parser_bcbsnc_no_isa.txt": "SE (segment 32): SE01 says 33 segments",
    # de-identified: the amounts were changed, so 51 of its 56 claims no longer balance
    "835_oopfactory_medicaid_deident_56claims.txt": "the money of the claim at segment 18 does not balance",
}


def parse_fixture(name: str):
    """What the parser reads from a fixture (malformed ones too: strict=False keeps their refusals)."""
    return parse_835(fixture(name), name, strict=False)


def isa(element: str = "*", component: str = ":", terminator: str = "~", control: str = "000000001") -> str:
    fields = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SENDER".ljust(15), "ZZ", "RECEIVER".ljust(15)]
    fields += ["260101", "1200", "^", "00501", control, "0", "P", component]
    return element.join(fields) + terminator


def envelope(body: str, element: str = "*", component: str = ":", terminator: str = "~") -> str:
    """Wrap '~'-terminated, '*'-separated segments in ISA/GS ... GE/IEA with the given separators;
    SE01 is set to the transaction's count of segments."""
    segments = [s for s in body.split("~") if s]
    opened = 0
    for i, segment in enumerate(segments):
        if segment.startswith("ST*"):
            opened = i
        elif segment.startswith("SE*"):
            segments[i] = f"SE*{i - opened + 1}*{segment.split('*')[2]}"
    inner = terminator.join(s.replace("*", element) for s in segments) + terminator
    gs = element.join(["GS", "HP", "SENDER", "RECEIVER", "20260101", "1200", "1", "X", "005010X221A1"])
    tail = element.join(["GE", "1", "1"]) + terminator + element.join(["IEA", "1", "000000001"]) + terminator
    return isa(element, component, terminator) + gs + terminator + inner + tail


HEADER = (
    "ST*835*0001~BPR*I*190*C*ACH*CCP*01*999999999*DA*123456*1999999999**01*999999999*DA*654321*20260115~"
    "TRN*1*TRACE77*1999999999~DTM*405*20260112~N1*PR*ACME HEALTH PLAN*XV*ACME01~N1*PE*SMALL CLINIC*XX*1234567893~"
    "LX*1~"
)


# -- every fixture ---------------------------------------------------------------------------------------------

# file: (claims = CLP count, lines = SVC count + CLPs without SVC, CAS triplets, LQ*HE + MOA/MIA remark codes)
FIXTURE_COUNTS = {
    "835_edi835parser_bcbsnc_no_isa.txt": (1, 3, 3, 0),
    "835_edi835parser_emedny_sample.txt": (3, 10, 4, 2),
    "835_edi835parser_uhc_legacy_sample.txt": (2, 5, 7, 0),
    "835_lfh_cob_contractual_adjustment.835": (1, 1, 2, 0),
    "835_lfh_managed_care.835": (2, 2, 5, 0),
    "835_lfh_medicare_part_a.835": (2, 2, 2, 1),
    "835_lfh_secondary_payment.835": (2, 3, 5, 0),
    "835_oopfactory_medicaid_deident_56claims.txt": (56, 91, 97, 98),
    "835_pyx12_mult_loops_denied_co16.txt": (1, 3, 3, 3),
}


def test_every_835_fixture_is_listed():
    assert sorted(FIXTURE_COUNTS) == sorted(p.name for p in FIXTURES.glob("835_*"))


@pytest.mark.parametrize("name", sorted(FIXTURE_COUNTS))
def test_fixture_counts(name):
    claims, lines, adjustments, remarks = FIXTURE_COUNTS[name]
    parsed = parse_fixture(name)
    assert len(parsed.claims) == claims
    assert len(parsed.lines) == lines
    assert len(parsed.adjustments) == adjustments
    assert len(parsed.remarks) == remarks
    assert list(parsed.lines.columns[: len(CANONICAL_LINE_COLUMNS)]) == CANONICAL_LINE_COLUMNS
    assert parsed.lines["line_ref"].is_unique
    assert parsed.lines["line_no"].isna().all()
    assert set(parsed.adjustments["line_ref"]) <= set(parsed.lines["line_ref"])
    assert set(parsed.remarks["line_ref"]) <= set(parsed.lines["line_ref"])
    assert detect_x12(fixture(name)) == "835"


@pytest.mark.parametrize(
    "name",
    [
        "835_edi835parser_bcbsnc_no_isa.txt",
        "835_edi835parser_emedny_sample.txt",
        "835_edi835parser_uhc_legacy_sample.txt",
        "835_lfh_cob_contractual_adjustment.835",
        "835_lfh_managed_care.835",
        "835_lfh_medicare_part_a.835",
        "835_lfh_secondary_payment.835",
        "835_pyx12_mult_loops_denied_co16.txt",
    ],
)
def test_balance_holds_where_the_file_balances(name):
    parsed = parse_fixture(name)
    assert parsed.claims["balanced"].all()
    assert not [p for p in parsed.problems if "CAS" in p]


def test_balance_failure_names_the_segment():
    # Medicaid file, first claim: CLP03 999.99, CLP04 0, line CAS 999.99 + 99.99 -> 999.99 - 1099.98 = -99.99.
    # Segment 18 = ISA, GS, ST, BPR, TRN, DTM, N1, N3, N4, PER x3, N1, N3, N4, REF, LX, then CLP.
    parsed = parse_fixture("835_oopfactory_medicaid_deident_56claims.txt")
    assert parsed.problems[0] == "CLP claim 9999999999-999 (segment 18): CLP04 0.00 != CLP03 - CAS = -99.99."
    assert not parsed.claims["balanced"].iloc[0]


@pytest.mark.parametrize("name", sorted(FIXTURE_COUNTS))
def test_a_well_formed_fixture_loads_and_a_malformed_one_is_refused_naming_the_segment(name):
    if name not in MALFORMED_FIXTURES:
        assert parse_835(fixture(name), name).refusals == []
        return
    with pytest.raises(InputError) as info:
        parse_835(fixture(name), name)
    assert_one_sentence(info.value)
    assert f"File '{name}' is a malformed 835: {MALFORMED_FIXTURES[name]}" in str(info.value)
    assert "nothing was loaded" in str(info.value)


def test_medicaid_file_with_bom_three_interchanges_and_repeated_claim_ids():
    parsed = parse_fixture("835_oopfactory_medicaid_deident_56claims.txt")
    assert parsed.transactions == 3
    assert parsed.claims["claim_id"].nunique() < 56  # placeholder ids repeat; every CLP still counts
    keys = parsed.claims["remit_claim_key"]
    assert keys.is_unique
    assert keys.iloc[0] == "999999999:1:1"
    assert keys.str.endswith(":2:1").sum() == 1
    # NM1*82 with qualifier XX on 23 claims (placeholder NPI 9999999999); FI on the others is not an NPI
    with_npi = parsed.lines.loc[parsed.lines["rendering_npi"].notna()]
    assert set(with_npi["rendering_npi"]) == {"9999999999"}
    assert with_npi["remit_claim_key"].nunique() == 23
    # the three-triplet CAS: CAS*CO*23*999.99*0*29*999.99*0*45*-999.99*0
    triple = parsed.adjustments.loc[parsed.adjustments["carc"].isin(["23", "29", "45"])]
    grouped = triple.groupby("source_row")["carc"].apply(list)
    assert ["23", "29", "45"] in grouped.tolist()


def test_no_isa_file_uses_default_separators():
    parsed = parse_fixture("835_edi835parser_bcbsnc_no_isa.txt")
    lines = parsed.lines
    assert lines["payer_name"].iloc[0] == "BLUE CROSS AND BLUE SHIELD OF NORTH CAROLINA"
    assert lines["source"].iloc[0] == "02790758"
    assert lines["procedure_code"].tolist() == ["59430", "59440", "59426"]
    assert lines["ref_6r"].tolist() == ["0001", "0002", "0003"]
    assert lines["line_position"].tolist() == [1, 2, 3]
    assert lines["billed_amount"].iloc[0] == 1210.0
    assert lines["paid_amount"].iloc[1] == 865.0


@pytest.mark.parametrize(
    ("name", "codes", "modifier"),
    [
        ("835_lfh_secondary_payment.835", ["12345", "66543"], "26"),
        ("835_lfh_cob_contractual_adjustment.835", ["55669"], None),
    ],
)
def test_composite_separator_defect(name, codes, modifier):
    # ISA16 is ':' but the SVC composites are written 'HC>12345>26'
    lines = parse_fixture(name).lines
    with_code = lines.loc[lines["procedure_code"].notna()]
    assert with_code["procedure_code"].tolist() == codes
    if modifier:
        assert (with_code["modifier_1"] == modifier).all()
    else:
        assert with_code["modifier_1"].isna().all()


def test_secondary_payment_claim_without_service_lines_and_source_rows():
    parsed = parse_fixture("835_lfh_secondary_payment.835")
    lines = parsed.lines
    first = lines.iloc[0]  # CLP*L0004828311*2*10323.64*912.00 has no SVC
    assert first["claim_id"] == "L0004828311"
    assert pd.isna(first["line_position"])
    assert (first["billed_amount"], first["paid_amount"]) == (10323.64, 912.0)
    assert first["source_row"] == 16
    assert lines["source_row"].tolist() == [16, 29, 34]
    assert lines["claim_status"].tolist() == ["2", "2", "2"]
    assert lines["remit_claim_key"].tolist() == ["0012524965:1:1", "0012524965:1:2", "0012524965:1:2"]
    assert lines["rendering_npi"].isna().all()  # NM1*82 qualifiers BD and BS are not NPIs
    adj = parsed.adjustments
    assert adj.loc[adj["line_ref"] == first["line_ref"], "level"].tolist() == ["claim"]


def test_claim_level_and_line_level_cas():
    parsed = parse_fixture("835_lfh_managed_care.835")
    adj = parsed.adjustments
    lines = parsed.lines
    first_claim_ref = lines.loc[lines["claim_id"] == "5554555444", "line_ref"].iloc[0]
    rows = adj.loc[adj["line_ref"] == first_claim_ref]
    assert rows[["position", "level", "group_code", "carc", "amount"]].values.tolist() == [
        [1, "claim", "CO", "A2", 50.0],
        [2, "line", "PR", "1", 300.0],
    ]
    # DTM*150 under the SVC gives the service date; DTM*405 the adjudication date
    assert lines["date_of_service"].tolist() == [dt.date(2002, 3, 1), dt.date(2002, 3, 10)]
    assert lines["adjudication_date"].tolist() == [dt.date(2002, 3, 14)] * 2


def test_cas_with_several_triplets():
    parsed = parse_fixture("835_edi835parser_uhc_legacy_sample.txt")
    adj = parsed.adjustments
    # CAS*PR*2*5.13**1*110 under the third line of claim 001-18604-358
    rows = adj.loc[adj["amount"].isin([5.13, 110.0])]
    assert rows[["group_code", "carc", "amount"]].values.tolist() == [["PR", "2", 5.13], ["PR", "1", 110.0]]
    assert rows["position"].tolist() == [1, 2]
    assert rows["line_ref"].nunique() == 1
    assert parsed.lines["payer_id"].unique().tolist() == ["87726"]
    assert parsed.lines["ref_6r"].iloc[0] == "800941258001"


def test_line_remarks_and_dtm405_over_bpr16():
    parsed = parse_fixture("835_pyx12_mult_loops_denied_co16.txt")
    assert parsed.remarks[["level", "rarc"]].values.tolist() == [["line", "N14"]] * 3
    assert parsed.remarks["line_ref"].tolist() == parsed.lines["line_ref"].tolist()
    # DTM*405 20130901 wins over BPR16 20041028
    assert parsed.lines["adjudication_date"].unique().tolist() == [dt.date(2013, 9, 1)]
    assert parsed.lines["rendering_npi"].isna().all()  # NM1*82 qualifier MC
    assert parsed.adjustments[["group_code", "carc"]].values.tolist() == [
        ["CO", "16"],
        ["OA", "A7"],
        ["OA", "A7"],
    ]


def test_moa_remark_goes_on_the_claim_line():
    parsed = parse_fixture("835_lfh_medicare_part_a.835")
    remark = parsed.remarks.iloc[0]
    line = parsed.lines.set_index("line_ref").loc[remark["line_ref"]]
    assert (remark["level"], remark["rarc"]) == ("claim", "MA02")
    assert line["claim_id"] == "777777"
    assert parsed.lines["payer_id"].unique().tolist() == ["999"]  # from REF*2U
    assert parsed.lines["date_of_service"].tolist() == [dt.date(2002, 8, 16), dt.date(2002, 5, 12)]


# -- inline 835s -----------------------------------------------------------------------------------------------

REVERSAL = HEADER + (
    "CLP*C100*22*-150*-100**12*ICN1~NM1*QC*1*PATIENTLAST*PATIENTFIRST****MI*MEMBER123~"
    "NM1*82*1*DOE*JAN****XX*1234567893~"
    "SVC*HC:99213:25*-150*-100**1~DTM*472*20251201~CAS*CO*45*-50~REF*6R*2~"
    "CLP*C100*1*150*90**12*ICN2~NM1*QC*1*PATIENTLAST*PATIENTFIRST****MI*MEMBER123~"
    "SVC*HC:99213:25*150*90**1~DTM*472*20251201~CAS*CO*45*50~CAS*PR*1*10~REF*6R*2~LQ*HE*N130~"
    "SE*19*0001~"
)


def test_reversal_keeps_negative_amounts_and_balances():
    parsed = parse_835(envelope(REVERSAL).encode())
    lines = parsed.lines
    assert lines["claim_status"].tolist() == ["22", "1"]
    assert lines["billed_amount"].tolist() == [-150.0, 150.0]
    assert lines["paid_amount"].tolist() == [-100.0, 90.0]
    assert parsed.adjustments["amount"].tolist() == [-50.0, 50.0, 10.0]
    assert parsed.problems == []
    assert lines["procedure_code"].tolist() == ["99213", "99213"]
    assert lines["modifier_1"].tolist() == ["25", "25"]
    assert lines["ref_6r"].tolist() == ["2", "2"]
    assert lines["rendering_npi"].iloc[0] == "1234567893"
    assert pd.isna(lines["rendering_npi"].iloc[1])  # the second claim has no NM1*82
    assert lines["payer_id"].iloc[0] == "ACME01"
    assert lines["payer_name"].iloc[0] == "ACME HEALTH PLAN"
    assert lines["remit_claim_key"].tolist() == ["TRACE77:1:1", "TRACE77:1:2"]
    assert lines["date_of_service"].tolist() == [dt.date(2025, 12, 1)] * 2
    assert lines["units"].tolist() == [1.0, 1.0]


def test_no_patient_data_in_any_output():
    parsed = parse_835(envelope(REVERSAL).encode())
    frames = [parsed.lines, parsed.adjustments, parsed.remarks, parsed.claims]
    text = " ".join(frame.to_csv() for frame in frames) + " ".join(parsed.problems)
    for secret in ("PATIENTLAST", "PATIENTFIRST", "MEMBER123"):
        assert secret not in text


def test_bpr16_when_no_dtm405():
    parsed = parse_835(envelope(REVERSAL.replace("DTM*405*20260112~", "")).encode())
    assert parsed.lines["adjudication_date"].unique().tolist() == [dt.date(2026, 1, 15)]


def test_unbalanced_service_line_names_the_segment():
    body = HEADER + "CLP*C7*1*100*70**12*ICN~SVC*HC:99213*100*70**1~CAS*CO*45*20~SE*5*0001~"
    with pytest.raises(InputError, match="service line at segment 11 does not balance"):
        parse_835(envelope(body).encode())
    parsed = parse_835(envelope(body).encode(), strict=False)
    # ISA 1, GS 2, ST 3, BPR 4, TRN 5, DTM 6, N1 7, N1 8, LX 9, CLP 10, SVC 11
    assert parsed.problems == [
        "SVC line 1 of claim C7 (segment 11): SVC03 70.00 != SVC02 - CAS = 80.00.",
        "CLP claim C7 (segment 10): CLP04 70.00 != CLP03 - CAS = 80.00.",
    ]
    assert parsed.claims["balanced"].tolist() == [False]


def test_six_triplets_in_one_cas():
    body = (
        HEADER
        + "CLP*C8*1*100*40**12*ICN~SVC*HC:99214*100*40**1~CAS*CO*45*10*1*97*10**253*10*2*59*10**4*10**B7*10~SE*5*0001~"
    )
    parsed = parse_835(envelope(body).encode())
    adj = parsed.adjustments
    assert adj["carc"].tolist() == ["45", "97", "253", "59", "4", "B7"]
    assert adj["position"].tolist() == [1, 2, 3, 4, 5, 6]
    assert adj["quantity"].iloc[0] == 1.0
    assert adj["quantity"].iloc[2] == 2.0
    assert (adj["group_code"] == "CO").all()
    assert parsed.problems == []


def test_crlf_bom_and_plb_do_not_disturb():
    body = (
        HEADER + "CLP*C9*1*100*100**12*ICN~SVC*HC:99212*100*100**1~PLB*1999999999*20261231*WO:X*-5~SE*6*0001~"
    )
    data = b"\xef\xbb\xbf" + envelope(body, terminator="~\r\n").encode()
    parsed = parse_835(data)
    assert parsed.lines["procedure_code"].tolist() == ["99212"]
    assert parsed.problems == []


def test_newline_terminator_other_separators_and_declared_component():
    body = HEADER + "CLP*C9*1*100*100**12*ICN~SVC*HC>99212>59*100*100**1~SE*5*0001~"
    data = envelope(body, element="|", component=">", terminator="\n").encode()
    parsed = parse_835(data)
    assert parsed.lines[["procedure_code", "modifier_1"]].values.tolist() == [["99212", "59"]]


def test_two_interchanges_with_different_separators_in_one_file():
    first = HEADER + "CLP*A1*1*10*10**12*ICN~SVC*HC:99211*10*10**1~SE*5*0001~"
    second = HEADER.replace("TRACE77", "TRACE88") + "CLP*B1*1*20*20**12*ICN~SVC*HC>99212*20*20**1~SE*5*0001~"
    data = envelope(first) + "\n" + envelope(second, element="|", component=">", terminator="\n")
    parsed = parse_835(data.encode())
    assert parsed.lines["claim_id"].tolist() == ["A1", "B1"]
    assert parsed.lines["procedure_code"].tolist() == ["99211", "99212"]
    assert parsed.lines["remit_claim_key"].tolist() == ["TRACE77:1:1", "TRACE88:2:1"]
    assert parsed.transactions == 2


def test_line_rendering_ref_hpi_overrides_claim_nm1_82():
    body = (
        HEADER + "CLP*D1*1*30*30**12*ICN~NM1*82*1*DOE*JAN****XX*1234567893~"
        "SVC*HC:99211*10*10**1~SVC*HC:99212*20*20**1~REF*HPI*1245319599~SE*7*0001~"
    )
    lines = parse_835(envelope(body).encode()).lines
    assert lines["rendering_npi"].tolist() == ["1234567893", "1245319599"]


# -- hostile input ---------------------------------------------------------------------------------------------


def assert_one_sentence(exc: InputError) -> None:
    message = str(exc)
    assert message.endswith(".")
    assert "\n" not in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n",
        b"\xef\xbb\xbf",
        bytes(random.Random(7).randrange(256) for _ in range(4000)),
        b"claim_id,npi\n1,1234567893\n",
        b"ISA*00*  ",
    ],
    ids=["empty", "blank", "bom-only", "random-binary", "csv", "cut-isa"],
)
def test_unreadable_bytes_raise_input_error(data):
    with pytest.raises(InputError) as info:
        parse_835(data, "upload.835")
    assert_one_sentence(info.value)
    assert detect_x12(data) is None


def test_truncated_file_is_reported():
    data = fixture("835_edi835parser_uhc_legacy_sample.txt")
    with pytest.raises(InputError, match="truncated") as info:
        parse_835(data[: len(data) // 2], "uhc.835")
    assert_one_sentence(info.value)
    assert "uhc.835" in str(info.value)


def test_every_truncation_raises_only_input_error():
    data = fixture("835_pyx12_mult_loops_denied_co16.txt")
    for cut in range(0, len(data) - 40, 5):  # the last 40 bytes are GE/IEA: cutting inside IEA loses nothing
        with pytest.raises(InputError):
            parse_835(data[:cut])


def test_an_837_is_not_an_835():
    with pytest.raises(InputError, match="837"):
        parse_835(fixture("837p_lfh_tr3_example1.837"), "claims.837")


def test_service_line_outside_a_claim():
    body = HEADER + "SVC*HC:99211*10*10**1~SE*3*0001~"
    with pytest.raises(InputError, match="segment 10"):
        parse_835(envelope(body).encode())


def test_bad_amount_and_date_become_problems():
    body = HEADER.replace("DTM*405*20260112", "DTM*405*20261340") + "CLP*E1*1*1O0*0**12*ICN~SE*3*0001~"
    with pytest.raises(InputError, match=r"CLP \(segment 10\): element 03 is not an amount"):
        parse_835(envelope(body).encode())
    parsed = parse_835(envelope(body).encode(), strict=False)
    assert "DTM*405 (segment 6): the date is not a valid CCYYMMDD date." in parsed.problems
    assert "CLP (segment 10): element 03 is not an amount." in parsed.problems
    assert parsed.lines["adjudication_date"].tolist() == [dt.date(2026, 1, 15)]  # falls back to BPR16


def test_isa_with_a_letter_as_segment_terminator():
    data = envelope(HEADER + "SE*9*0001~").encode()
    broken = data[:105] + b"X" + data[106:]  # the character after ISA16 is the segment terminator
    with pytest.raises(InputError, match="segment terminator"):
        parse_835(broken)


# -- malformed 835s are refused, never loaded in part ---------------------------------------------------------

WELL_FORMED = envelope(REVERSAL)


def _segments(text: str) -> list[str]:
    return [s for s in text.split("~") if s]


def _refused(data: str | bytes, *words: str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InputError) as info:
        parse_835(raw, "era.835")
    assert_one_sentence(info.value)
    text = str(info.value)
    assert text.startswith("File 'era.835' is a malformed 835: ") and "nothing was loaded" in text, text
    for word in words:
        assert word in text, text
    return text


def test_the_well_formed_example_loads():
    assert parse_835(WELL_FORMED.encode()).refusals == []


@pytest.mark.parametrize(
    "source", ["inline", "835_pyx12_mult_loops_denied_co16.txt", "835_lfh_managed_care.835"]
)
def test_any_lost_segment_terminator_inside_a_transaction_is_refused(source):
    """Every place a terminator can go missing: the two segments run together, and the file is refused
    (SE01 no longer matches; often an element count or an amount says so first)."""
    text = WELL_FORMED if source == "inline" else fixture(source).decode()
    terminator = "~"
    segments = text.split(terminator)
    start = next(i for i, s in enumerate(segments) if s.strip().startswith("ST"))
    end = next(i for i, s in enumerate(segments) if s.strip().startswith("SE"))
    for i in range(start, end):
        merged = terminator.join(segments[: i + 1]) + terminator.join(segments[i + 1 :])
        with pytest.raises(InputError) as info:
            parse_835(merged.encode(), "era.835")
        assert "malformed 835" in str(info.value) or "segment" in str(info.value), (i, str(info.value))


def test_an_svc_without_its_terminator_is_refused_naming_the_segment():
    body = HEADER + "CLP*C7*1*100*100**12*ICN~SVC*HC:99213*100*100**1SVC*HC:99214*50*50**1~SE*5*0001~"
    _refused(
        envelope(body.replace("CLP*C7*1*100*100", "CLP*C7*1*150*150")),
        "SVC (segment 11) has 10 elements, more than the 7 an SVC has",
    )


def test_se01_that_disagrees_is_refused_naming_the_se():
    segments = _segments(WELL_FORMED)
    at = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    segments[at] = "SE*18*0001"
    _refused(
        "~".join(segments) + "~", f"SE (segment {at + 1}): SE01 says 18 segments but the transaction holds 23"
    )


def test_a_transaction_repeated_is_refused():
    """A transaction pasted twice (the same remittances counted twice) does not fit its group's GE01."""
    segments = _segments(WELL_FORMED)
    st = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    doubled = segments[: se + 1] + segments[st : se + 1] + segments[se + 1 :]
    text = _refused(
        "~".join(doubled) + "~", "its control number ST02 is used twice in the group", "and 1 more"
    )
    refusals = parse_835(("~".join(doubled) + "~").encode(), strict=False).refusals
    assert any("GE01 says 1 transactions but the group holds 2" in r for r in refusals), text


@pytest.mark.parametrize(
    ("declared", "written", "word"),
    [
        ("\n", "~\n", "ends in '~', which is not the segment terminator the ISA declares"),
        ("!", "~", "is not X12"),  # the ISA says '!': nothing is cut where it should be
        ("~", "\n", "not X12"),
    ],
)
def test_a_segment_terminator_other_than_the_declared_one_is_refused(declared, written, word):
    segments = _segments(WELL_FORMED)
    isa = segments[0] + declared
    data = isa + written.join(segments[1:]) + written
    with pytest.raises(InputError) as info:
        parse_835(data.encode(), "era.835")
    assert_one_sentence(info.value)


def test_a_line_break_inside_a_segment_is_refused():
    segments = _segments(WELL_FORMED)
    at = next(i for i, s in enumerate(segments) if s.startswith("DTM*472"))
    segments[at] = segments[at] + "\n" + segments[at + 1]
    del segments[at + 1]
    _refused("~".join(segments) + "~", f"segment {at + 1} (DTM) holds a line break inside it")


@pytest.mark.parametrize("seed", range(5))
def test_money_that_does_not_balance_is_refused_naming_the_segment(seed):
    rng = random.Random(seed)
    segments = _segments(WELL_FORMED)
    money = [i for i, s in enumerate(segments) if s.startswith(("SVC*", "CLP*", "CAS*"))]
    at = rng.choice(money)
    parts = segments[at].split("*")
    index = {"SVC": 3, "CLP": 4, "CAS": 3}[parts[0]]
    parts[index] = f"{float(parts[index]) + rng.choice([-1, 1]) * rng.randint(1, 500) / 100:.2f}"
    segments[at] = "*".join(parts)
    text = _refused("~".join(segments) + "~", "does not balance")
    assert "segment " in text


def test_a_malformed_835_loads_nothing_and_the_cli_says_so(tmp_path, capsys):
    from audits.cli import main
    from audits.store import connect

    db = tmp_path / "db.duckdb"
    with connect(db) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('ACME01', 'Acme Health Plan')")
    segments = _segments(WELL_FORMED)
    at = next(i for i, s in enumerate(segments) if s.startswith("SVC*"))
    segments[at] = segments[at].replace("*-100*", "*-90*")
    path = tmp_path / "era.835"
    path.write_text("~".join(segments) + "~", encoding="ascii")
    assert main(["ingest", "--db", str(db), str(path)]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("Error:")]
    assert len(err) == 1 and err[0].startswith("Error: File 'era.835' is a malformed 835:")
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM remit_lines").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM uploads").fetchall() == [(0,)]
