"""The dashboard under streamlit's AppTest: every page on an empty database and on a small hand-written one,
and the interactions each page exists for (month change, filter, drill-down, pre-check, busy database)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audits.store import connect

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["audit", "upload", "provider", "clearance", "trends"]
A, B = "1234567893", "1987654328"


def open_app(monkeypatch, db: Path, page: str | None = None) -> AppTest:
    monkeypatch.setenv("CLEARTOBILL_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def build_small_practice(path: Path, *, demo: bool = False, audited: bool = True) -> Path:
    """Two providers, two payers, claims in 2026-09 and 2026-10, one finished run for 2026-10."""
    with connect(path) as con:
        con.execute(
            "INSERT INTO uploads (upload_id, file_name, sha256, kind, status, rows_read, rows_loaded, rows_rejected,"
            " uploaded_by, uploaded_at) VALUES"
            " (nextval('upload_id_seq'), 'roster.xlsx', 'r', 'roster', 'loaded', 9, 9, 0, ?, '2026-11-02 08:00'),"
            " (nextval('upload_id_seq'), 'claims-2026-10.csv', 'c', 'claims', 'loaded', 5, 4, 1, 'analyst',"
            " '2026-11-02 08:05')",
            ["demo" if demo else "analyst"],
        )
        con.execute(
            "INSERT INTO rejected_rows (upload_id, row_number, sheet, raw_row, column_name, reason) VALUES"
            " (2, 6, 'claims', '{\"Primary Insurance\": \"Aetna Choice\"}', 'payer', 'unknown payer: Aetna Choice')"
        )
        con.execute(
            "INSERT INTO providers (npi, provider_name, specialty, taxonomy_code, primary_state, status) VALUES"
            " (?, 'Avery Stone', 'Cardiology', '207RC0000X', 'TX', 'active'),"
            " (?, 'Blake Fern', 'Dermatology', '207N00000X', 'TX', 'active')",
            [A, B],
        )
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna'), ('MCR', 'Medicare')")
        con.execute(
            "INSERT INTO enrollments (npi, payer_id, status, submitted_date, effective_date, termination_date) VALUES"
            " (?, 'AET', 'enrolled', NULL, '2025-01-01', NULL),"
            " (?, 'MCR', 'pending', '2026-05-01', NULL, NULL),"
            " (?, 'AET', 'terminated', NULL, '2024-01-01', '2026-09-30')",
            [A, A, B],
        )
        con.execute(
            "INSERT INTO credentials (npi, credential_type, state, issue_date, expiration_date) VALUES"
            " (?, 'state_license', 'TX', '2020-01-01', '2028-01-01'), (?, 'state_license', 'TX', '2020-01-01',"
            " '2027-01-15')",
            [A, B],
        )
        con.execute(
            "INSERT INTO claim_lines (claim_id, line_no, patient_key, rendering_npi, payer_id, date_of_service,"
            " procedure_code, pos, billed_amount) VALUES"
            " ('C1', 1, 'k1', ?, 'AET', '2026-10-05', '99213', '11', 120),"
            " ('C2', 1, 'k2', ?, 'AET', '2026-10-06', '11102', '11', 200),"
            " ('C3', 1, 'k3', ?, 'MCR', '2026-10-07', '93000', '11', 80),"
            " ('C4', 1, 'k4', ?, 'AET', '2026-09-07', '99214', '11', 150)",
            [A, B, A, A],
        )
        if audited:
            con.execute(
                "INSERT INTO audit_runs (run_id, month, started_at, finished_at, snapshot_id, status, findings)"
                " VALUES (nextval('run_id_seq'), '2026-10-01', '2026-11-03 09:00', '2026-11-03 09:01', 1, 'done', 2)"
            )
            con.execute(
                "INSERT INTO findings (run_id, finding_id, month, rule_id, severity, claim_id, line_no, rendering_npi,"
                " payer_id, procedure_code, date_of_service, amount_at_risk, detail) VALUES"
                " (1, 'f-term', '2026-10-01', 'AFTER_TERMINATION', 'error', 'C2', 1, ?, 'AET', '11102', '2026-10-06',"
                "  200, 'Aetna enrollment terminated 2026-09-30; date of service is 2026-10-06'),"
                " (1, 'f-pend', '2026-10-01', 'ENROLLMENT_NOT_APPROVED', 'error', 'C3', 1, ?, 'MCR', '93000',"
                "  '2026-10-07', 80, 'Medicare application pending since 2026-05-01')",
                [B, A],
            )
    return path


@pytest.fixture
def small_db(tmp_path):
    return build_small_practice(tmp_path / "small.duckdb")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_launches_on_an_empty_database(monkeypatch, tmp_path, page):
    at = open_app(monkeypatch, tmp_path / "empty.duckdb", page)
    no_exception(at)
    assert not at.error
    guidance = " ".join(i.value for i in at.info)
    assert "Upload" in guidance or "upload" in guidance.lower()  # the empty state says what to upload
    assert not any("demo data" in i.value for i in at.info)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_launches_on_a_small_practice(monkeypatch, small_db, page):
    at = open_app(monkeypatch, small_db, page)
    no_exception(at)
    assert not at.error
    assert at.sidebar.selectbox[0].value == "2026-10"  # the latest audited month
    assert at.title[0].value


def test_month_defaults_to_latest_audited_and_can_change(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "s.duckdb")
    with connect(db) as con:  # audit only September: the default follows the audited month
        con.execute("UPDATE audit_runs SET month = '2026-09-01'")
    at = open_app(monkeypatch, db, "audit")
    assert at.sidebar.selectbox[0].value == "2026-09"
    assert at.sidebar.selectbox[0].options == ["2026-10", "2026-09"]
    at.sidebar.selectbox[0].set_value("2026-10").run()
    no_exception(at)
    assert at.title[0].value == "Monthly audit 2026-10"
    assert any("has not been audited yet" in w.value for w in at.warning)


def test_demo_banner_only_for_demo_uploads(monkeypatch, tmp_path):
    demo = build_small_practice(tmp_path / "demo.duckdb", demo=True)
    assert any("You are looking at demo data" in i.value for i in open_app(monkeypatch, demo).info)
    real = build_small_practice(tmp_path / "real.duckdb")
    assert not any("demo data" in i.value for i in open_app(monkeypatch, real).info)


def test_sidebar_shows_freshness_per_kind(monkeypatch, small_db):
    at = open_app(monkeypatch, small_db)
    captions = [c.value for c in at.sidebar.caption]
    assert "Claims export: 2026-11-02 08:05" in captions
    assert "Credentialing workbook: 2026-11-02 08:00" in captions


def test_findings_filter_and_drill_down(monkeypatch, small_db):
    at = open_app(monkeypatch, small_db, "audit")
    findings = [d for d in at.dataframe if "Claim" in d.value.columns and "Rule id" in d.value.columns][0]
    assert sorted(findings.value["Rule id"]) == ["AFTER_TERMINATION", "ENROLLMENT_NOT_APPROVED"]

    at.multiselect(key="filter_rule").set_value(["AFTER_TERMINATION"]).run()
    no_exception(at)
    findings = [d for d in at.dataframe if "Claim" in d.value.columns and "Rule id" in d.value.columns][0]
    assert list(findings.value["Claim"]) == ["C2"]

    at.selectbox(key="finding_pick").set_value("f-term").run()
    no_exception(at)
    assert any(w.value.startswith("What to do:") and "reinstate" in w.value for w in at.warning)
    enrollments = [d.value for d in at.dataframe if "Status" in d.value.columns and "Effective" in d.value]
    assert list(enrollments[0]["Status"]) == ["Terminated"]  # the record behind the finding
    claim = [d.value for d in at.dataframe if "Billed" in d.value.columns and "Claim" in d.value]
    assert list(claim[0]["Claim"]) == ["C2"] and "patient_key" not in claim[0].columns


def test_code_filter_narrows_findings(monkeypatch, small_db):
    at = open_app(monkeypatch, small_db, "audit")
    at.text_input(key="filter_code").set_value("930").run()
    findings = [d for d in at.dataframe if "Claim" in d.value.columns and "Rule id" in d.value.columns][0]
    assert list(findings.value["Code"]) == ["93000"]


def test_provider_search_by_npi(monkeypatch, small_db):
    at = open_app(monkeypatch, small_db, "provider")
    at.text_input(key="provider_query").set_value(B[-4:]).run()
    no_exception(at)
    assert at.header[0].value == "Blake Fern"
    assert at.selectbox(key="provider_npi").value == B
    at.text_input(key="provider_query").set_value("nobody-like-this").run()
    assert any("No provider matches" in w.value for w in at.warning)


def test_clearance_matrix_colours_status(monkeypatch, small_db):
    at = open_app(monkeypatch, small_db, "clearance")
    at.text_input(key="matrix_date").set_value("10/06/2026").run()  # Enter applies a typed date
    no_exception(at)
    grid = at.dataframe[0].value.set_index("NPI")
    assert grid.loc[B, "Aetna"] == "Terminated"
    assert grid.loc[A, "Aetna"] == "Cleared" and grid.loc[A, "Medicare"] == "Pending"
    assert grid.loc[B, "Licence"] == "Valid"


def test_upload_page_lists_history_held_payers_and_rejected_rows(monkeypatch, small_db):
    at = open_app(monkeypatch, small_db, "upload")
    no_exception(at)
    assert any(m.value.startswith("**Aetna Choice**") for m in at.markdown)
    history = [d.value for d in at.dataframe if "Uploaded" in d.value.columns][0]
    assert list(history["Upload no."]) == [2, 1]
    assert list(history["Status"]) == ["loaded with rows held", "loaded"]  # 4 of 5 rows loaded, 1 held
    rejected = [d.value for d in at.dataframe if "Reason" in d.value.columns][0]
    assert list(rejected["Reason"]) == ["unknown payer: Aetna Choice"]
    assert list(rejected["› Primary Insurance"]) == ["Aetna Choice"]  # the row as the file had it


def test_busy_database_is_one_sentence(monkeypatch, small_db):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(small_db)!r})
                print("locked", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("CLEARTOBILL_LOCK_TIMEOUT", "0.3")
        at = open_app(monkeypatch, small_db)
        no_exception(at)
        assert len(at.error) == 1 and "busy" in at.error[0].value
    finally:
        holder.communicate("\n", timeout=10)


def test_upload_a_claims_file_shows_loaded_and_held_rows(monkeypatch, small_db):
    csv = (
        "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,Charges\n"
        f"N1,1,{A},Aetna,10/20/2026,99213,$120.00\n"
        f"N2,1,{A},Zeta Health Plan,10/21/2026,99214,$150.00\n"
    ).encode()
    at = open_app(monkeypatch, small_db, "upload")
    at.file_uploader[0].set_value(("claims-late.csv", csv, "text/csv")).run()
    no_exception(at)
    assert (
        at.selectbox(key=[k for k in at.session_state.to_dict() if str(k).startswith("kind_")][0]).value
        == "detect"
    )
    at.button(key="load_files").click().run()
    no_exception(at)
    loads = [d.value for d in at.dataframe if "Rows loaded" in d.value.columns][0]
    assert list(loads.columns) == [
        "File", "Kind", "Status", "Rows read", "Rows loaded", "Rows held or rejected", "What happened"
    ]  # in words, no internal header  # fmt: skip
    assert list(
        zip(
            loads["Status"],
            loads["Rows read"],
            loads["Rows loaded"],
            loads["Rows held or rejected"],
            strict=True,
        )
    ) == [("loaded with rows held", 2, 1, 1)]
    assert loads["Kind"].tolist() == ["Claims export"]
    # the held payer name is offered for confirmation, and the new upload is in the history
    assert any(m.value.startswith("**Zeta Health Plan**") for m in at.markdown)
    history = [d.value for d in at.dataframe if "Uploaded" in d.value.columns][0]
    assert history["File"].iloc[0] == "claims-late.csv"


def test_unreadable_upload_is_one_sentence(monkeypatch, small_db):
    at = open_app(monkeypatch, small_db, "upload")
    at.file_uploader[0].set_value(
        ("claims.xlsx", b"this is not a workbook", "application/octet-stream")
    ).run()
    no_exception(at)
    at.button(key="load_files").click().run()
    no_exception(at)
    assert at.error and all("\n" not in e.value and "Traceback" not in e.value for e in at.error)
    with connect(small_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM claim_lines").fetchall()[0][0] == 4  # nothing changed


@pytest.mark.parametrize(
    "npi, payer, dos, cleared",
    [(A, "AET", dt.date(2026, 10, 5), True), (B, "AET", dt.date(2026, 10, 6), False)],
)
def test_precheck_form(monkeypatch, small_db, npi, payer, dos, cleared):
    at = open_app(monkeypatch, small_db, "clearance")
    at.selectbox(key="check_npi").set_value(npi)
    at.selectbox(key="check_payer").set_value(payer)
    at.text_input(key="check_code").set_value("99213")
    at.text_input(key="check_dos").set_value(dos.isoformat())
    at.button(key="check_submit").click().run()
    no_exception(at)
    if cleared:
        assert at.success and at.success[0].value.startswith("CLEARED: Avery Stone can bill 99213 with Aetna")
    else:
        assert [e.value for e in at.error] == ["NOT CLEARED"]
        assert any("2026-09-30" in m.value for m in at.markdown)  # the reason names the termination date


def test_precheck_warns_of_an_invalid_code_even_when_cleared(monkeypatch, small_db):
    # SPEC 4: INVALID_PROCEDURE_CODE does not block; the coder is cleared and told what is wrong with the line
    at = open_app(monkeypatch, small_db, "clearance")
    at.selectbox(key="check_npi").set_value(A)
    at.selectbox(key="check_payer").set_value("AET")
    at.text_input(key="check_code").set_value("ABC")
    at.text_input(key="check_dos").set_value(dt.date(2026, 10, 5).isoformat())
    at.button(key="check_submit").click().run()
    no_exception(at)
    assert at.success and at.success[0].value.startswith("CLEARED: ")
    warned = [w.value for w in at.warning if "ABC" in w.value]
    assert (
        warned
        and warned[0].startswith("Invalid procedure code: ")
        and "Correct the procedure code" in warned[0]
    )


def test_precheck_warns_of_a_bad_modifier_diagnosis_and_place_of_service_even_when_cleared(
    monkeypatch, small_db
):
    # SPEC 4: invalid modifier, diagnosis and POS do not block; the coder is cleared and told each problem
    from audits.reference import ensure_reference

    with connect(small_db) as con:
        ensure_reference(con)  # the ICD-10-CM code set and the POS codes the rules judge against
    at = open_app(monkeypatch, small_db, "clearance")
    at.selectbox(key="check_npi").set_value(A)
    at.selectbox(key="check_payer").set_value("AET")
    at.text_input(key="check_code").set_value("99213")
    at.text_input(key="check_dos").set_value(dt.date(2026, 10, 5).isoformat())
    at.text_input(key="check_pos").set_value("98")  # not a CMS place of service code
    at.text_input(key="check_modifiers").set_value("25, Z!")  # 25 is fine, Z! is not two letters/digits
    at.text_input(key="check_diagnoses").set_value("I10, E11")  # I10 billable; E11 is a category only
    at.button(key="check_submit").click().run()
    no_exception(at)
    assert at.success and at.success[0].value.startswith("CLEARED: ")
    warned = {w.value.split(":")[0]: w.value for w in at.warning}
    assert set(warned) == {"Invalid modifier", "Invalid diagnosis code", "Invalid place of service"}, warned
    assert "Z!" in warned["Invalid modifier"] and "25" not in warned["Invalid modifier"].split(":")[1]
    assert "E11" in warned["Invalid diagnosis code"] and "I10" not in warned["Invalid diagnosis code"]
    assert "98" in warned["Invalid place of service"]
    # the same line with good codes: cleared, nothing to warn of
    at.text_input(key="check_pos").set_value("11")
    at.text_input(key="check_modifiers").set_value("25")
    at.text_input(key="check_diagnoses").set_value("I10")
    at.button(key="check_submit").click().run()
    assert at.success and not at.warning


def test_confirm_a_payer_alias_reloads_the_held_rows(monkeypatch, small_db):
    csv = (
        "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,Charges\n"
        f"N2,1,{A},Zeta Health Plan,10/21/2026,99214,$150.00\n"
    ).encode()
    at = open_app(monkeypatch, small_db, "upload")
    at.file_uploader[0].set_value(("claims-zeta.csv", csv, "text/csv")).run()
    at.button(key="load_files").click().run()
    no_exception(at)
    at.selectbox(key="alias_Zeta Health Plan").set_value("AET")
    at.button(key="confirm_Zeta Health Plan").click().run()
    no_exception(at)
    assert not any(m.value.startswith("**Zeta Health Plan**") for m in at.markdown)
    with connect(small_db, read_only=True) as con:
        rows = con.execute("SELECT payer_id, billed_amount FROM claim_lines WHERE claim_id = 'N2'").fetchall()
    assert [(p, float(b)) for p, b in rows] == [("AET", 150.0)]


def test_batch_precheck_annotates_the_file(monkeypatch, small_db):
    csv = (
        "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,Charges\n"
        f"P1,1,{A},Aetna,10/05/2026,99213,$120.00\n"  # enrolled, licensed: cleared
        f"P2,1,{B},Aetna,10/06/2026,99213,$120.00\n"  # terminated 2026-09-30: not cleared
    ).encode()
    at = open_app(monkeypatch, small_db, "clearance")
    at.file_uploader(key="batch_file").set_value(("to-check.csv", csv, "text/csv")).run()
    at.button(key="batch_run").click().run()
    no_exception(at)
    assert any(m.value == "**1** of 2 lines are NOT CLEARED." for m in at.markdown)
    download = at.get("download_button")[0]
    assert download.proto.label == "Download the annotated file"


def test_run_the_audit_from_the_page(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "run.duckdb", audited=False)
    at = open_app(monkeypatch, db, "audit")
    assert any("has not been audited yet" in w.value for w in at.warning)
    at.button[0].click().run()
    no_exception(at)
    assert any(s.value.startswith("Audit of 2026-10 finished: 3 lines audited") for s in at.success)
    with connect(db, read_only=True) as con:
        rules = {r[0] for r in con.execute("SELECT rule_id FROM findings").fetchall()}
    # Blake Fern billed Aetna after the 2026-09-30 termination (SPEC 4): the run found it
    assert "AFTER_TERMINATION" in rules
    findings = [d for d in at.dataframe if "Claim" in d.value.columns and "Rule id" in d.value.columns][0]
    assert "AFTER_TERMINATION" in set(findings.value["Rule id"])


def test_roster_snapshot_diff_and_undo(monkeypatch, tmp_path, db_path):
    from audits.ingest import ingest_file

    first, second = tmp_path / "roster-1.csv", tmp_path / "roster-2.csv"
    first.write_text(f"NPI,Provider Name,Specialty\n{A},Avery Stone,Cardiology\n{B},Blake Fern,Dermatology\n")
    second.write_text(f"NPI,Provider Name,Specialty\n{A},Avery Stone,Cardiology\n")
    with connect(db_path) as con:
        assert ingest_file(con, first, kind="roster").status == "loaded"
        assert ingest_file(con, second, kind="roster").status == "loaded"
    at = open_app(monkeypatch, db_path, "upload")
    no_exception(at)
    assert at.selectbox(key="snapshot_pick").value == 1
    diff = [d.value for d in at.dataframe if "Change" in d.value.columns][0]
    assert list(zip(diff["Table"], diff["Change"], diff["NPI"], strict=True)) == [("Providers", "Removed", B)]
    assert diff["Before"].iloc[0] == "Provider: Blake Fern; Specialty: Dermatology; Status: Active"
    at.button(key="restore_snapshot").click().run()
    no_exception(at)
    assert any(s.value.startswith("The roster of roster-1.csv, ") for s in at.success)
    with connect(db_path, read_only=True) as con:
        assert sorted(r[0] for r in con.execute("SELECT npi FROM providers").fetchall()) == sorted([A, B])


def test_selecting_a_table_row_opens_its_finding(monkeypatch, small_db):
    at = open_app(monkeypatch, small_db, "audit")
    findings = [d for d in at.dataframe if "Claim" in d.value.columns and "Rule id" in d.value.columns][0]
    assert list(findings.value["Rule id"]) == [
        "AFTER_TERMINATION",
        "ENROLLMENT_NOT_APPROVED",
    ]  # $200, then $80
    at.session_state["findings_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    assert at.selectbox(key="finding_pick").value == "f-pend"  # the selectbox follows the selected row
    assert any(w.value.startswith("What to do:") for w in at.warning)
    enrollments = [d.value for d in at.dataframe if "Status" in d.value.columns and "Submitted" in d.value]
    assert list(enrollments[0]["Status"]) == ["Pending"]


def test_markdown_in_data_is_shown_as_text():
    from app_pages._format import plain

    assert plain("[click](http://example.org)") == "\\[click\\](http\\:\\/\\/example.org)"
    assert plain("**Dr** <b>x</b>") == "\\*\\*Dr\\*\\* \\<b\\>x\\</b\\>"
    assert plain("# big") == "\\# big" and plain("Avery Stone") == "Avery Stone" and plain(None) == ""


def test_loading_files_brings_the_reference_codes(monkeypatch, db_path):
    """A fresh database loaded from the dashboard knows the CARC table at once: a CO-45 adjustment is not
    listed as an unknown reason code (SPEC 3)."""
    csv = (
        "Claim Number,Line,Payer,Check Date,Rendering NPI,Billed,Paid,Group Code,Reason Code,Adjustment Amount\n"
        f"R1,1,AET,11/02/2026,{A},100.00,80.00,CO,45,20.00\n"
        f"R1,2,AET,11/02/2026,{A},50.00,50.00,CO,ZZ9,0.00\n"
    ).encode()
    with connect(db_path) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna')")
    at = open_app(monkeypatch, db_path, "upload")
    at.file_uploader[0].set_value(("remits.csv", csv, "text/csv")).run()
    at.button(key="load_files").click().run()
    no_exception(at)
    carcs = [d.value for d in at.dataframe if "Reason code" in d.value.columns and "Adjustments" in d.value]
    assert list(carcs[0]["Reason code"]) == ["ZZ9"]
