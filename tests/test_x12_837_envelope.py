"""837P structure and subset writing: the counts and HL numbering a clean batch must carry.

Expected HL segments and SE01/GE01/IEA01 values below are worked out by hand from the X12 rules
(SE01 counts ST..SE inclusive; GE01 the transactions; IEA01 the groups; HL01 1, 2, ... per transaction,
HL02 the parent's HL01, HL04 1 when a child HL follows), never taken from the code under test.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from x12_batches import (
    NPI_A,
    NPI_B,
    billing,
    claim,
    generate,
    header,
    join,
    patient,
    subscriber,
    with_envelope,
)

from audits.ingest.x12_837 import parse_837
from audits.ingest.x12_837_envelope import ClaimParts, build_batch, claim_parts

FIXTURES = Path(__file__).parent / "fixtures" / "x12"
PUBLIC_837 = sorted(p.name for p in FIXTURES.glob("837*"))

C1 = claim("C1", [("99213", 100.0, "20261015")], NPI_A)
C2 = claim("C2", [("99214", 150.0, "20261016"), ("87070", 20.0, "20261016")], NPI_A)
C3 = claim("C3", [("99213", 90.0, "20261017")], NPI_B)
C4 = claim("C4", [("99213", 80.0, "20261018")], NPI_B)

# HL1 billing A > HL2 subscriber (patient) with C1; HL3 subscriber > HL4 patient with C2, C3;
# HL5 billing B > HL6 subscriber with C4.
TRANSACTION = (
    header("0001")
    + billing("1", NPI_A)
    + subscriber("2", "1", "M1")
    + C1
    + subscriber("3", "1", "M2", child="1")
    + patient("4", "3", "KID")
    + C2
    + C3
    + billing("5", NPI_B)
    + subscriber("6", "5", "M3")
    + C4
)
FILE = join(with_envelope([TRANSACTION]))


def parsed(text: str):
    return parse_837(text.encode(), "batch.837", keep_segments=True)


def write_without(text: str, *claim_ids: str) -> str:
    batch = parsed(text).batch
    return batch.write(lambda c: c.claim_id not in claim_ids).text


def segments(text: str, tag: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip().startswith(tag + "*")]


def test_the_hand_written_file_is_valid_as_written():
    result = parsed(FILE)
    assert result.envelope_problems == []
    assert [c.claim_id for c in result.batch.claims] == ["C1", "C2", "C3", "C4"]
    assert result.batch.write(lambda c: True).text == FILE


def test_holding_a_subscribers_only_claim_drops_its_level_and_renumbers():
    out = write_without(FILE, "C1")
    assert segments(out, "HL") == ["HL*1**20*1", "HL*2*1*22*1", "HL*3*2*23*0", "HL*4**20*1", "HL*5*4*22*0"]
    # 38 segments in ST..SE before; HL2 with its SBR/NM1*IL/NM1*PR (4) and C1 (6) go
    assert segments(out, "SE") == [f"SE*{len(TRANSACTION) + 1 - 10}*0001"]
    assert segments(out, "GE") == ["GE*1*1"] and segments(out, "IEA") == ["IEA*1*000000001"]
    assert "C1" not in [c.claim_id for c in parsed(out).batch.claims]
    assert parsed(out).envelope_problems == []


def test_a_billing_provider_whose_subscribers_were_all_held_is_left_out():
    out = write_without(FILE, "C4")
    assert segments(out, "HL") == ["HL*1**20*1", "HL*2*1*22*0", "HL*3*1*22*1", "HL*4*3*23*0"]
    assert "NM1*85*2*SYNTH GROUP 213*****XX*" + NPI_B not in out
    assert segments(out, "SE") == [f"SE*{len(TRANSACTION) + 1 - 3 - 4 - 6}*0001"]


def test_a_patient_level_with_every_claim_held_goes_and_its_subscriber_gets_child_code_0():
    out = write_without(FILE, "C2", "C3")
    assert segments(out, "HL") == ["HL*1**20*1", "HL*2*1*22*0", "HL*3**20*1", "HL*4*3*22*0"]
    assert parsed(out).envelope_problems == []


def test_one_claim_of_a_level_held_keeps_the_level_and_the_other_claim_byte_for_byte():
    out = write_without(FILE, "C2")
    assert join(C3) in out and join(C1) in out and join(C4) in out
    assert join(C2) not in out
    assert segments(out, "HL") == [s.split("~")[0] for s in segments(FILE, "HL")]  # numbering unchanged


def test_a_transaction_and_a_group_left_without_claims_go_and_the_counts_follow():
    second = header("0002") + billing("1", NPI_A) + subscriber("2", "1", "M9") + C4
    first = header("0001") + billing("1", NPI_A) + subscriber("2", "1", "M1") + C1
    text = join(with_envelope([first, second]))
    out = write_without(text, "C1")
    assert segments(out, "ST") == ["ST*837*0002*005010X222A1"]
    assert segments(out, "GE") == ["GE*1*1"]
    assert segments(out, "SE") == [f"SE*{len(second) + 1}*0002"]
    assert parsed(out).envelope_problems == []
    # two interchanges, one of them left empty: IEA of the other unchanged, the empty one gone
    two = join(with_envelope([first], "000000001") + with_envelope([second], "000000002"))
    out = write_without(two, "C4")
    assert segments(out, "IEA") == ["IEA*1*000000001"] and "000000002" not in out


def test_every_claim_held_writes_nothing():
    assert write_without(FILE, "C1", "C2", "C3", "C4") == ""


def test_the_check_names_wrong_counts_and_numbering():
    broken = FILE.replace(f"SE*{len(TRANSACTION) + 1}*0001", "SE*12*0001").replace(
        "HL*4*3*23*0", "HL*7*2*23*1"
    )
    broken = broken.replace("GE*1*1", "GE*3*1")
    problems = parsed(broken).envelope_problems
    assert any(f"SE01 does not count the {len(TRANSACTION) + 1} segments" in p for p in problems)
    assert sum("HL (segment" in p for p in problems) == 3  # HL01, HL02 and HL04 of the patient level
    assert any(p.startswith("GE (segment") and "GE01" in p for p in problems)


@pytest.mark.parametrize("name", PUBLIC_837)
def test_public_files_drop_each_claim_and_reread_valid(name):
    original = parse_837((FIXTURES / name).read_bytes(), name, keep_segments=True)
    batch = original.batch
    for dropped in batch.claims:
        out = batch.write(lambda c, d=dropped: c is not d).text
        if not out:
            assert len(batch.claims) == 1
            continue
        again = parsed(out)
        assert again.envelope_problems == []
        kept = [c for c in batch.claims if c is not dropped]
        assert [again.batch.raw(c.seg_no, c.end) for c in again.batch.claims] == [
            batch.raw(c.seg_no, c.end) for c in kept
        ]
        assert len(again.lines) == len(original.lines) - int(
            (original.lines.source_row.between(dropped.seg_no, dropped.end)).sum()
        )


def test_a_public_file_with_a_broken_envelope_is_written_with_the_right_one():
    name = "837p_imsweb_complex_6claims.txt"
    original = parse_837((FIXTURES / name).read_bytes(), name, keep_segments=True)
    assert original.envelope_problems  # its SE01s, GE01 and some HL02 are wrong as published
    out = original.batch.write(lambda c: True).text
    assert parsed(out).envelope_problems == []


@pytest.mark.parametrize("seed", range(25))
def test_generated_batches_with_random_holds(seed):
    generated = generate(seed)
    batch = parsed(generated.text).batch
    rng = random.Random(seed)
    held = {c.claim_id for c in generated.claims if rng.random() < 0.4}
    out = batch.write(lambda c: c.claim_id not in held).text
    kept = [c for c in generated.claims if c.claim_id not in held]
    if not kept:
        assert out == ""
        return
    again = parsed(out)
    assert again.envelope_problems == []
    assert [again.batch.raw(c.seg_no, c.end) for c in again.batch.claims] == [c.text for c in kept]
    assert len(again.lines) == sum(len(c.lines) for c in kept)


def test_claims_kept_from_several_batches_are_written_as_one_valid_new_batch():
    parts = []
    for seed in (3, 4):
        batch = parsed(generate(seed).text).batch
        parts += [ClaimParts.from_json(claim_parts(batch, c).to_json()) for c in batch.claims[:4]]
    name = PUBLIC_837[1]
    public = parse_837((FIXTURES / name).read_bytes(), name, keep_segments=True).batch
    parts += [claim_parts(public, c) for c in public.claims]
    when = dt.datetime(2026, 12, 2, 8, 5)
    text = build_batch(parts, 900000017, when, "R1")
    again = parsed(text)
    assert again.envelope_problems == []
    # every claim once, byte for byte (grouped under shared headers, so not necessarily in input order)
    assert sorted(again.batch.raw(c.seg_no, c.end) for c in again.batch.claims) == sorted(
        p.claim for p in parts
    )
    isas = segments(text.replace("\n", "~"), "ISA")
    assert all(s.split(s[3])[13] in ("900000017", "900000018", "900000019") for s in isas)
    assert all(s.split(s[3])[9] == "261202" for s in isas)
    bhts = [s for s in text.replace("\n", "~").replace("|", "*").split("~") if s.startswith("BHT*")]
    assert bhts and all(s.split("*")[3].startswith("R1-") and s.split("*")[4] == "20261202" for s in bhts)
