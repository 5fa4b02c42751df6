"""The coder's pre-check: same rule SQL as the audit, blocking findings only, read-only connections."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from audit_rows import (
    NPI_A,
    NPI_B,
    add_credential,
    add_credentialed_provider,
    add_enrollment,
    add_line,
    add_payer,
    add_provider,
    add_scope,
    findings,
    open_copy,
)

from audits.errors import InputError
from audits.precheck import check_file, check_line
from audits.runner import run_audit
from audits.store import connect


def roster(con):
    add_credentialed_provider(con, NPI_A, "AET", "Aetna")  # enrolled from 2025-01-01, TX licence
    add_payer(con, "BCBS", "Blue Cross Blue Shield", "BCBS of Texas")
    add_enrollment(con, NPI_A, "BCBS", "enrolled", effective="2026-10-10", allowed_pos="11,22")
    add_scope(con, "99201", "99499", payer="*")
    add_scope(con, "99281", "99285", approved=False, payer="BCBS")
    con.execute(
        "INSERT INTO payer_aliases (alias_norm, alias, payer_id, source) VALUES ('BLUECROSS', 'Blue Cross', 'BCBS', 'analyst')"
    )
    return con


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        yield roster(con)


@pytest.fixture
def ro(template, tmp_path):
    """A read-only connection to the roster database (as the dashboard opens it)."""
    with open_copy(template, tmp_path) as con:
        roster(con)
    with connect(tmp_path / "audit.duckdb", read_only=True) as con:
        yield con


def test_cleared(ro):
    result = check_line(ro, NPI_A, "AET", "99213", "2026-10-15")
    assert result.cleared and result.reasons == [] and result.verdict == "CLEARED"


@pytest.mark.parametrize(("dos", "cleared"), [("2026-10-09", False), ("2026-10-10", True)])
def test_effective_date_boundary(ro, dos, cleared):
    result = check_line(ro, NPI_A, "BCBS", "99213", dos)
    assert result.cleared is cleared
    if not cleared:
        assert result.findings == ["BEFORE_EFFECTIVE"]
        assert result.reasons == [
            f"Blue Cross Blue Shield enrollment effective 2026-10-10; date of service is {dos}"
        ]


@pytest.mark.parametrize(
    "payer",
    ["BCBS", "bcbs", "Blue Cross Blue Shield", "blue-cross  blue shield", "BCBS of Texas", "Blue Cross"],
)
def test_payer_by_id_name_or_alias(ro, payer):
    assert check_line(ro, NPI_A, payer, "99283", "2026-10-15").findings == ["OUT_OF_SCOPE"]


def test_unknown_payer_is_one_sentence(ro):
    with pytest.raises(InputError, match="Unknown payer: Acme Health"):
        check_line(ro, NPI_A, "Acme Health", "99213", "2026-10-15")


def test_bad_date_is_one_sentence(ro):
    with pytest.raises(InputError, match="is not a date of service"):
        check_line(ro, NPI_A, "AET", "99213", "2026-02-30")


def test_pos_judged_only_when_given(ro):
    assert check_line(ro, NPI_A, "BCBS", "99213", "2026-10-15").cleared
    assert check_line(ro, NPI_A, "BCBS", "99213", "2026-10-15", pos="22").cleared
    result = check_line(ro, NPI_A, "BCBS", "99213", "2026-10-15", pos="2")
    assert result.findings == ["POS_NOT_ENROLLED"]


def test_state_judged_only_when_given(ro):
    assert check_line(ro, NPI_A, "AET", "99213", "2026-10-15").cleared
    assert check_line(ro, NPI_A, "AET", "99213", "2026-10-15", state="tx").cleared
    result = check_line(ro, NPI_A, "AET", "99213", "2026-10-15", state="CA")
    assert result.findings == ["LICENSE_INVALID"]
    assert result.reasons == ["No CA state licence covers the date of service 2026-10-15"]


def test_without_state_a_licence_in_force_anywhere_clears(acon):
    # NPI_A's only licence is TX, in force to 2028-12-31: cleared with no state given.
    assert check_line(acon, NPI_A, "AET", "99213", "2026-10-15").cleared
    # A provider whose only licence lapsed on 2026-10-14 is not cleared on 2026-10-15 in any state.
    add_provider(acon, "1111111112")
    add_enrollment(acon, "1111111112", "AET", "enrolled", effective="2025-01-01")
    add_credential(acon, "state_license", "NM", "2026-10-14", npi="1111111112", number="L-9")
    assert check_line(acon, "1111111112", "AET", "99213", "2026-10-14").cleared
    result = check_line(acon, "1111111112", "AET", "99213", "2026-10-15")
    assert result.findings == ["LICENSE_INVALID"]


def test_identity_findings(ro):
    assert check_line(ro, "123", "AET", "99213", "2026-10-15").findings == ["INVALID_NPI"]
    assert check_line(ro, NPI_B, "AET", "99213", "2026-10-15").findings == ["UNKNOWN_PROVIDER"]


def test_warnings_and_coding_rules_do_not_block(ro):
    # an invalid code is not a blocking finding (and is not judged for scope)
    assert check_line(ro, NPI_A, "AET", "XYZ", "2026-10-15").cleared


def test_several_reasons_each_in_plain_words(ro):
    result = check_line(ro, NPI_A, "BCBS", "99283", "2026-10-01", pos="02", state="CA")
    assert result.findings == ["BEFORE_EFFECTIVE", "OUT_OF_SCOPE", "LICENSE_INVALID"]
    assert len(result.reasons) == 3 and all(r[0].isupper() for r in result.reasons)


def test_precheck_agrees_with_the_audit(acon):
    add_provider(acon, "1111111112")
    add_credential(acon, "state_license", "TX", "2026-10-20", npi="1111111112")
    cases = [
        ("C1", NPI_A, "AET", "99213", "2026-10-15", "11", "TX"),
        ("C2", NPI_A, "BCBS", "99283", "2026-10-15", "11", "TX"),
        ("C3", NPI_A, "BCBS", "99213", "2026-10-05", "02", "TX"),
        ("C4", "1111111112", "AET", "99213", "2026-10-25", "11", "TX"),
        ("C5", NPI_B, "AET", "99213", "2026-10-15", "11", "TX"),
        ("C6", NPI_A, "BCBS", "99213", "2026-10-15", "21", "CA"),
    ]
    for claim, npi, payer, code, dos, pos, state in cases:
        add_line(acon, claim, npi=npi, payer=payer, code=code, dos=dos, pos=pos, state=state)
    run_audit(acon, "2026-10")
    frame = findings(acon)
    blocking = {
        "INVALID_NPI", "UNKNOWN_PROVIDER", "AFTER_TERMINATION", "BEFORE_EFFECTIVE", "ENROLLMENT_NOT_APPROVED",
        "NOT_ENROLLED", "POS_NOT_ENROLLED", "OUT_OF_SCOPE", "LICENSE_INVALID",
    }  # fmt: skip
    for claim, npi, payer, code, dos, pos, state in cases:
        audited = sorted(frame[(frame.claim_id == claim) & frame.rule_id.isin(blocking)].rule_id)
        checked = sorted(check_line(acon, npi, payer, code, dos, pos=pos, state=state).findings)
        assert checked == audited, claim
    assert (
        acon.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'audit_lines'"
        ).fetchall()[0][0]
        == 0
    )


CSV = (
    "Claims export,,,,,\n"
    "Claim ID,Rendering Provider NPI,Payer,Service Date,Proc Code,POS\n"
    "X1,1234567893,Aetna,10/15/2026,99213,11\n"
    "X2,1234567893,BCBS,2026-10-05,99213,11\n"
    ",,,,,\n"
    "X3,1234567893,Acme Health,2026-10-15,99213,11\n"
    "X4,=HYPERLINK(1),AET,2026-10-15,99213,11\n"
    "X5,1234567893,{=1+1},2026-10-15,99213,11\n"
)


def test_check_file_csv(ro, tmp_path):
    source = tmp_path / "claims.csv"
    source.write_text(CSV, encoding="utf-8")
    out = check_file(ro, source, tmp_path / "checked.csv")
    assert out.verdict.tolist() == ["CLEARED", "NOT CLEARED", "NOT CLEARED", "NOT CLEARED", "NOT CLEARED"]
    assert (
        out.reasons.iloc[1]
        == "Blue Cross Blue Shield enrollment effective 2026-10-10; date of service is 2026-10-05"
    )
    assert out.reasons.iloc[2].startswith("unknown payer: Acme Health")
    written = pd.read_csv(tmp_path / "checked.csv", dtype=str, keep_default_na=False)
    assert list(written.columns) == [
        "Claim ID",
        "Rendering Provider NPI",
        "Payer",
        "Service Date",
        "Proc Code",
        "POS",
        "verdict",
        "reasons",
        "warnings",
    ]
    assert written["Claim ID"].tolist() == ["X1", "X2", "X3", "X4", "X5"]
    assert written["Rendering Provider NPI"].iloc[3] == "'=HYPERLINK(1)"  # neutralised (SPEC 7)
    assert written["Payer"].iloc[4] == "'{=1+1}"


def test_check_file_xlsx(ro, tmp_path):
    source = tmp_path / "claims.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Claim ID", "Rendering NPI", "Payer", "DOS", "CPT", "Place of Service", "Service State"])
    sheet.append(["X1", 1234567893, "AET", "2026-10-15", 99213, 11, "TX"])
    sheet.append(["X2", 1234567893, "AET", "2026-10-15", 99213, 11, "CA"])
    book.save(source)
    out = check_file(ro, source, tmp_path / "checked.xlsx")
    assert out.verdict.tolist() == ["CLEARED", "NOT CLEARED"]
    written = pd.read_excel(tmp_path / "checked.xlsx", engine="calamine")
    assert written.reasons.fillna("").tolist() == [
        "",
        "No CA state licence covers the date of service 2026-10-15",
    ]


def test_check_file_without_required_columns(ro, tmp_path):
    source = tmp_path / "claims.csv"
    source.write_text(
        "Claim ID,Rendering NPI,Payer,DOS,Billed\nX1,1234567893,AET,2026-10-15,10\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="procedure"):
        check_file(ro, source, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_check_file_missing_input(ro, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        check_file(ro, tmp_path / "nope.csv", tmp_path / "out.csv")


def test_cli_check_line(template, tmp_path, capsys):
    from audits.cli import main

    with open_copy(template, tmp_path) as con:
        roster(con)
    db = str(tmp_path / "audit.duckdb")
    assert (
        main(
            [
                "check",
                "--db",
                db,
                "--npi",
                NPI_A,
                "--payer",
                "Aetna",
                "--code",
                "99213",
                "--dos",
                "2026-10-15",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == "CLEARED\n"
    args = ["check", "--db", db, "--npi", NPI_A, "--payer", "BCBS", "--code", "99283", "--dos", "2026-10-01"]
    assert main([*args, "--pos", "02", "--state", "CA"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "NOT CLEARED" and len(lines) == 4
    assert (
        lines[1] == "- Blue Cross Blue Shield enrollment effective 2026-10-10; date of service is 2026-10-01"
    )
    code_args = [
        "check",
        "--db",
        db,
        "--npi",
        NPI_A,
        "--payer",
        "AET",
        "--code",
        "ABC",
        "--dos",
        "2026-10-15",
    ]
    assert main(code_args) == 0
    assert capsys.readouterr().out.splitlines() == [
        "CLEARED",
        "warning: Procedure code 'ABC' is not a CPT, PLA or HCPCS Level II code",
    ]


def test_cli_check_needs_all_line_options(template, tmp_path, capsys):
    from audits.cli import main

    with open_copy(template, tmp_path):
        pass
    assert main(["check", "--db", str(tmp_path / "audit.duckdb"), "--npi", NPI_A]) == 1
    assert capsys.readouterr().err.startswith("Error: check needs --payer, --code, --dos")


def test_cli_check_file(template, tmp_path, capsys):
    from audits.cli import main

    with open_copy(template, tmp_path) as con:
        roster(con)
    source = tmp_path / "claims.csv"
    source.write_text(CSV, encoding="utf-8")
    db = str(tmp_path / "audit.duckdb")
    assert main(["check", "--db", db, "--file", str(source), "--out", str(tmp_path / "out.xlsx")]) == 0
    assert "5 lines checked: 1 CLEARED, 4 NOT CLEARED" in capsys.readouterr().out
    assert (tmp_path / "out.xlsx").exists()


def test_other_problems_of_the_line_are_warnings_cleared_or_not(ro):
    # SPEC 4: an invalid procedure code is a coding finding, not blocking: the coder is cleared and warned
    result = check_line(ro, NPI_A, "AET", "ABC", "2026-10-15", pos="11")
    assert result.cleared
    assert [r for r, _d in result.warnings] == ["INVALID_PROCEDURE_CODE"]
    assert "ABC" in result.warnings[0][1]
    # an unknown POS warns, and the blocking reason still blocks
    blocked = check_line(ro, NPI_A, "AET", "99213", "2026-10-15", pos="77")
    assert [r for r, _d in blocked.warnings] == ["INVALID_POS"]
    # a clean line has no warning; POS left out is not judged (SPEC 6), so no INVALID_POS either
    assert check_line(ro, NPI_A, "AET", "99213", "2026-10-15", pos="11").warnings == []
    assert check_line(ro, NPI_A, "AET", "99213", "2026-10-15").warnings == []


def test_a_checked_file_says_each_lines_warnings(ro, tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(
        "Claim,Line,Rendering NPI,Payer,DOS,CPT,Mod 1,Dx 1,POS\n"
        f"K1,1,{NPI_A},AET,2026-10-15,99213,25,E11.9,11\n"
        f"K2,1,{NPI_A},AET,2026-10-15,99213,ZZZ,E11.9,11\n"
        f"K3,1,{NPI_A},AET,2026-10-15,99213,25,Q99999,11\n"
        f"K4,1,{NPI_A},AET,2026-10-15,ABC,25,E11.9,11\n"
    )
    out = check_file(ro, path, tmp_path / "checked.csv")
    assert list(out["verdict"]) == ["CLEARED"] * 4
    assert out["warnings"].iloc[0] == ""
    assert "ZZZ" in out["warnings"].iloc[1]
    assert "Q99999" in out["warnings"].iloc[2]
    assert "ABC" in out["warnings"].iloc[3]
