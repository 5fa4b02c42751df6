"""The pre-submission gate, from the contract: held vs clean claims, a valid clean batch re-read by our own
837 parser, the hold report in plain words, held claims kept, ready to release after a roster change,
released once.

Roster (hand-written): NPI_A enrolled with AET from 2025-01-01 with a TX licence; NPI_B in the roster,
enrolled with BCBS only (TX licence); NPI_C is not in the roster. Claims are written inline.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from audit_rows import (
    add_credential,
    add_credentialed_provider,
    add_enrollment,
    add_payer,
    add_provider,
    open_copy,
)
from x12_batches import (
    NPI_A,
    NPI_B,
    NPI_C,
    billing,
    claim,
    generate,
    header,
    join,
    patient,
    subscriber,
    with_envelope,
)

from audits.cli import main
from audits.errors import InputError
from audits.gate import gate_file
from audits.held_claims import held_list, ready_to_release, release
from audits.ingest.x12_837 import parse_837
from audits.rules import get_rule

OCT = "20261015"


def roster(con):
    add_credentialed_provider(con, NPI_A, "AET", "Aetna")
    add_payer(con, "BCBS", "Blue Cross")
    add_provider(con, NPI_B, "Second Provider")
    add_enrollment(con, NPI_B, "BCBS", "enrolled", effective="2025-01-01")
    add_credential(con, "state_license", "TX", "2028-12-31", npi=NPI_B)
    return con


@pytest.fixture
def gcon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        yield roster(con)


def batch_file(tmp_path: Path, transactions: list[list[str]], name="batch.837") -> Path:
    path = tmp_path / name
    path.write_text(join(with_envelope(transactions)))
    return path


def one_transaction(*claims: list[str], payer="AET", npi=NPI_A) -> list[str]:
    body = header("0001") + billing("1", npi) + subscriber("2", "1", "M1", payer)
    for segments in claims:
        body += segments
    return body


def claim_ids(path: Path) -> list[str]:
    return [c.claim_id for c in parse_837(path.read_bytes(), keep_segments=True).batch.claims]


def test_held_and_clean_claims(gcon, tmp_path):
    c1 = claim("C1", [("99213", 100.0, OCT)], NPI_A)
    c2 = claim("C2", [("99213", 80.0, OCT)], NPI_B)  # NPI_B is not enrolled with AET
    c3 = claim("C3", [("99213", 60.0, OCT), ("99214", 70.0, OCT)], NPI_A)
    c4 = claim("C4", [("99213", 50.0, OCT)], NPI_C)  # not in the roster
    c5 = claim("C5", [("99213", 40.0, OCT)], "123")  # not an NPI
    path = batch_file(tmp_path, [one_transaction(c1, c2, c3, c4, c5)])
    result = gate_file(gcon, path, tmp_path / "clean.837", tmp_path / "held.csv")
    assert [c.claim_id for c in result.held] == ["C2", "C4", "C5"]
    assert [c.claim_id for c in result.clean] == ["C1", "C3"]
    assert {c.claim_id: c.rule_ids for c in result.held} == {
        "C2": ["NOT_ENROLLED"],
        "C4": ["UNKNOWN_PROVIDER"],
        "C5": ["INVALID_NPI"],
    }
    clean = parse_837((tmp_path / "clean.837").read_bytes(), keep_segments=True)
    assert clean.envelope_problems == [] and [c.claim_id for c in clean.batch.claims] == ["C1", "C3"]
    text = (tmp_path / "clean.837").read_text()
    assert join(c1) in text and join(c3) in text
    assert "SE*28*0001" in text  # ST..NM1*40 (5) + billing (3) + subscriber (4) + C1 (6) + C3 (9) + SE


def test_a_claim_with_one_bad_line_is_held_whole(gcon, tmp_path):
    mixed = claim("M1", [("99213", 60.0, OCT), ("99214", 70.0, "20241015")], NPI_A)  # before 2025-01-01
    path = batch_file(tmp_path, [one_transaction(mixed, claim("OK", [("99213", 10.0, OCT)], NPI_A))])
    result = gate_file(gcon, path, tmp_path / "clean.837", tmp_path / "held.csv")
    (held,) = result.held
    assert held.claim_id == "M1" and held.rule_ids == ["BEFORE_EFFECTIVE"]
    assert held.reason_words.startswith("line 2 (99214, 2024-10-15): ")
    assert claim_ids(tmp_path / "clean.837") == ["OK"]


@pytest.mark.parametrize(("dos", "held"), [("20241231", True), ("20250101", False)])
def test_effective_date_boundary(gcon, tmp_path, dos, held):
    path = batch_file(tmp_path, [one_transaction(claim("B1", [("99213", 10.0, dos)], NPI_A))])
    result = gate_file(gcon, path, tmp_path / "clean.837", tmp_path / "held.csv")
    assert bool(result.held) is held
    assert (tmp_path / "clean.837").exists() is not held


def test_hold_report_says_what_is_wrong_and_what_to_fix_without_patient_data(gcon, tmp_path):
    body = one_transaction(claim("C2", [("99213", 80.0, OCT)], NPI_B))
    body += subscriber("3", "1", "M7", "PAYER NOBODY") + claim("C9", [("99213", 5.0, OCT)], NPI_A)
    path = batch_file(tmp_path, [body])
    gate_file(gcon, path, tmp_path / "clean.837", tmp_path / "held.csv")
    report = pd.read_csv(tmp_path / "held.csv", dtype=str)
    assert list(report.claim_id) == ["C2", "C9"]
    first, second = report.iloc[0], report.iloc[1]
    assert first.rules == "NOT_ENROLLED"
    assert "No Aetna enrollment on file for this provider" in first.reasons
    assert first.what_to_fix == get_rule("NOT_ENROLLED").action
    assert second.reasons.startswith("line 1 (99213, 2026-10-15): unknown payer: PAYER PAYER NOBODY")
    assert "payers" in second.what_to_fix
    assert not (tmp_path / "held.csv").read_text().count("SYNTHLAST")  # no patient names
    assert not (tmp_path / "held.csv").read_text().count("M7")  # no member ids


def test_every_claim_held_writes_no_clean_batch(gcon, tmp_path):
    path = batch_file(tmp_path, [one_transaction(claim("C2", [("99213", 80.0, OCT)], NPI_B))])
    result = gate_file(gcon, path, tmp_path / "clean.837", tmp_path / "held.csv")
    assert result.clean_path is None and not (tmp_path / "clean.837").exists()


def test_held_claims_are_kept_sealed(gcon, tmp_path):
    body = header("0001") + billing("1", NPI_A) + subscriber("2", "1", "MEMBERX9", "AET", child="1")
    body += patient("3", "2", "QUENTINA") + claim("C2", [("99213", 80.0, OCT)], NPI_B)
    result = gate_file(gcon, batch_file(tmp_path, [body]), tmp_path / "c.837", tmp_path / "h.csv")
    assert result.held[0].held_id is not None
    rows = gcon.execute("SELECT claim_id, status, service_lines FROM held_claims").fetchall()
    assert rows == [("C2", "held", 1)]
    gcon.execute("CHECKPOINT")
    stored = (tmp_path / "audit.duckdb").read_bytes()
    assert b"QUENTINA" not in stored and b"MEMBERX9" not in stored


def test_ready_to_release_after_a_roster_change_and_released_once(gcon, tmp_path):
    c2 = claim("C2", [("99213", 80.0, OCT)], NPI_B)
    c3 = claim("C3", [("99213", 20.0, OCT)], NPI_C)
    path = batch_file(tmp_path, [one_transaction(claim("C1", [("99213", 10.0, OCT)], NPI_A), c2, c3)])
    gate_file(gcon, path, tmp_path / "clean.837", tmp_path / "held.csv")
    assert ready_to_release(gcon).empty
    assert release(gcon, tmp_path / "none.837").claims == 0 and not (tmp_path / "none.837").exists()
    # the Aetna enrollment of NPI_B becomes known (a later roster upload)
    add_enrollment(gcon, NPI_B, "AET", "enrolled", effective="2026-10-01")
    held = held_list(gcon)
    assert dict(zip(held.claim_id, held.ready, strict=True)) == {"C2": True, "C3": False}
    assert held.set_index("claim_id").loc["C3", "still_blocking"].startswith("line 1 (99213, 2026-10-15): ")
    first = release(gcon, tmp_path / "release1.837", released_by="ana")
    assert first.claims == 1 and first.claim_ids == ["C2"]
    again = parse_837((tmp_path / "release1.837").read_bytes(), keep_segments=True)
    assert again.envelope_problems == [] and [c.claim_id for c in again.batch.claims] == ["C2"]
    assert join(c2) in (tmp_path / "release1.837").read_text()  # the claim byte for byte
    second = release(gcon, tmp_path / "release2.837")
    assert second.claims == 0 and not (tmp_path / "release2.837").exists()
    status = gcon.execute(
        "SELECT claim_id, status, status_by, release_id FROM held_claims ORDER BY claim_id"
    ).fetchall()
    assert status == [("C2", "released", "ana", first.release_id), ("C3", "held", status[1][2], None)]
    assert gcon.execute("SELECT count(*), sum(claims) FROM gate_releases").fetchall() == [(1, 1)]


def test_a_claim_resubmitted_through_the_gate_replaces_the_held_one(gcon, tmp_path):
    c2 = claim("C2", [("99213", 80.0, OCT)], NPI_B)
    gate_file(
        gcon, batch_file(tmp_path, [one_transaction(c2)], "one.837"), tmp_path / "c1.837", tmp_path / "h1.csv"
    )
    corrected = claim("C2", [("99213", 80.0, OCT)], NPI_A)  # billed under the enrolled provider
    result = gate_file(
        gcon,
        batch_file(tmp_path, [one_transaction(corrected)], "two.837"),
        tmp_path / "c2.837",
        tmp_path / "h2.csv",
    )
    assert result.superseded == 1 and not result.held
    assert held_list(gcon).empty
    add_enrollment(gcon, NPI_B, "AET", "enrolled", effective="2026-01-01")
    assert release(gcon, tmp_path / "r.837").claims == 0  # the old copy is never released


def test_generated_batches_hold_exactly_the_claims_with_an_uncredentialed_line(gcon, tmp_path):
    allowed = {(NPI_A, "AET"), (NPI_B, "BCBS")}  # the roster above; NPI_C is unknown
    for seed in range(6):
        generated = generate(seed, payers=("AET", "BCBS"))
        path = tmp_path / f"g{seed}.837"
        path.write_text(generated.text)
        result = gate_file(
            gcon, path, tmp_path / f"g{seed}.clean.837", tmp_path / f"g{seed}.csv", record=False
        )
        expected = [c.claim_id for c in generated.claims if (c.npi, c.payer) not in allowed]
        assert [c.claim_id for c in result.held] == expected
        kept = [c for c in generated.claims if c.claim_id not in expected]
        if kept:
            clean = parse_837((tmp_path / f"g{seed}.clean.837").read_bytes(), keep_segments=True)
            assert clean.envelope_problems == []
            assert [clean.batch.raw(c.seg_no, c.end) for c in clean.batch.claims] == [c.text for c in kept]


def test_not_an_837_and_bad_paths_say_one_sentence(gcon, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        gate_file(gcon, tmp_path / "missing.837", tmp_path / "c.837", tmp_path / "h.csv")
    path = batch_file(tmp_path, [one_transaction(claim("C1", [("99213", 10.0, OCT)], NPI_A))])
    with pytest.raises(InputError, match="hold report"):
        gate_file(gcon, path, tmp_path / "c.837", tmp_path / "h.txt")
    eight35 = Path(__file__).parent / "fixtures" / "x12" / "835_lfh_managed_care.835"
    with pytest.raises(InputError, match="not an 837P"):
        gate_file(gcon, eight35, tmp_path / "c.837", tmp_path / "h.csv")
    assert gcon.execute("SELECT count(*) FROM gate_runs").fetchall() == [(0,)]


def test_cli_gate_held_and_release(template, tmp_path, capsys):
    with open_copy(template, tmp_path) as con:
        roster(con)
    db = str(tmp_path / "audit.duckdb")
    path = batch_file(
        tmp_path,
        [
            one_transaction(
                claim("C1", [("99213", 10.0, OCT)], NPI_A), claim("C2", [("99213", 80.0, OCT)], NPI_B)
            )
        ],
    )
    code = main(
        [
            "gate",
            str(path),
            "--out-clean",
            str(tmp_path / "clean.837"),
            "--out-held",
            str(tmp_path / "h.csv"),
            "--db",
            db,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "2 claims (2 lines) checked: 1 clean, 1 held ($80.00)." in out
    assert "- C2 (held 1): line 1 (99213, 2026-10-15): No Aetna enrollment" in out
    assert main(["gate", "held", "--db", db]) == 0
    assert "1 claims held; 0 ready to release." in capsys.readouterr().out
    assert main(["gate", "release", "--out", str(tmp_path / "r.837"), "--db", db]) == 0
    assert "nothing was written" in capsys.readouterr().out
    assert main(["gate", str(path), "--db", db]) == 1
    assert "needs --out-clean and --out-held" in capsys.readouterr().err


CSV_HEADER = "Claim ID,Line,Rendering NPI,Payer,DOS,CPT,POS,Charge,Note\r\n"


def csv_rows() -> list[str]:
    return [
        f"C1,1,{NPI_A},Aetna,10/15/2026,99213,11,100.00,plain\r\n",
        f'C1,2,{NPI_A},Aetna,10/15/2026,99214,11,50.00,"two\r\nlines, quoted"\r\n',
        f"C2,1,{NPI_B},Aetna,10/15/2026,99213,11,80.00,not enrolled with Aetna\r\n",
        f"C3,1,{NPI_A},Aetna,10/16/2026,99213,11,70.00,\r\n",
        f"C4,1,{NPI_A},Aetna,10/17/2026,99213,11,20.00,\r\n",
        f"C4,2,{NPI_C},Aetna,10/17/2026,99213,11,20.00,second line by an unknown NPI\r\n",
    ]


def test_a_csv_batch_comes_back_as_the_same_file_without_the_held_rows(gcon, tmp_path):
    rows = csv_rows()
    path = tmp_path / "outgoing.csv"
    path.write_bytes(("Practice export 2026-10-31\r\n" + CSV_HEADER + "".join(rows)).encode("utf-8"))
    result = gate_file(gcon, path, tmp_path / "clean.csv", tmp_path / "held.csv")
    assert [c.claim_id for c in result.held] == ["C2", "C4"]
    assert [c.claim_id for c in result.clean] == ["C1", "C3"]
    expected = "Practice export 2026-10-31\r\n" + CSV_HEADER + rows[0] + rows[1] + rows[3]
    assert (tmp_path / "clean.csv").read_bytes() == expected.encode("utf-8")
    with pytest.raises(InputError, match=r"\.csv file too"):
        gate_file(gcon, path, tmp_path / "clean.837", tmp_path / "held.csv")


def test_a_csv_held_claim_is_released_as_csv_rows(gcon, tmp_path):
    rows = csv_rows()
    path = tmp_path / "outgoing.csv"
    path.write_text(CSV_HEADER + "".join(rows), newline="")
    gate_file(gcon, path, tmp_path / "clean.csv", tmp_path / "held.csv")
    add_enrollment(gcon, NPI_B, "AET", "enrolled", effective="2026-01-01")
    assert release(gcon, tmp_path / "r.837").claims == 0  # nothing of that format is ready
    result = release(gcon, tmp_path / "released.csv")
    assert result.claim_ids == ["C2"]
    assert (tmp_path / "released.csv").read_bytes() == (CSV_HEADER + rows[2]).encode()


def test_an_xlsx_batch_keeps_its_layout_without_the_held_rows(gcon, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["October claims to submit"])
    sheet.append(["Claim ID", "Line", "Rendering NPI", "Payer", "DOS", "CPT", "POS", "Charge"])
    sheet.append(["C1", 1, NPI_A, "Aetna", "2026-10-15", "99213", "11", 100])
    sheet.append(["C2", 1, NPI_B, "Aetna", "2026-10-15", "99213", "11", 80])
    sheet.append(["C3", 1, NPI_A, "Aetna", "2026-10-16", "99213", "11", 70])
    path = tmp_path / "outgoing.xlsx"
    workbook.save(path)
    result = gate_file(gcon, path, tmp_path / "clean.xlsx", tmp_path / "held.xlsx")
    assert [c.claim_id for c in result.held] == ["C2"]
    clean = openpyxl.load_workbook(tmp_path / "clean.xlsx").active
    values = [row for row in clean.iter_rows(values_only=True)]
    assert values[0][0] == "October claims to submit"
    assert [v[0] for v in values[2:]] == ["C1", "C3"]
    report = pd.read_excel(tmp_path / "held.xlsx", dtype=str, engine="openpyxl")
    assert list(report.claim_id) == ["C2"]
