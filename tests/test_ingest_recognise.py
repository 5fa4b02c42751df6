"""Recognition by evidence (audits/ingest/recognise.py): header words, values, the database, the kind
checks, the practice's vocabulary file and `ingest --explain`. Rows are written by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audits.cli import main
from audits.ingest import recognise
from audits.ingest.roster.sheets import classify_sheet

NPI_A, NPI_B, NPI_C = "1234567893", "1111111112", "2222222228"


def _frame(*rows) -> pd.DataFrame:
    width = max(len(r) for r in rows)
    return pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("RNDRNG_PRVDR_NPI", ("rendering", "provider", "npi")),
        ("renderingProviderNpi", ("rendering", "provider", "npi")),
        ("PLACEOFSERVICE", ("place", "service")),
        ("Claim #", ("claim", "number")),
        ("Svc Dt", ("service", "date")),
        ("HCPCS_1ST_MDFR_CD", ("procedure", "1", "modifier", "code")),
        ("ACCT_CLASS_C", ("account", "class")),
    ],
)
def test_headers_become_words_whatever_their_case_style(header, words):
    assert recognise.vocabulary().words(header) == words


def test_database_style_columns_map_by_abbreviations_and_values():
    frame = _frame(
        ["ENC_ID", "RNDRNG_PRVDR_NPI", "INS_NM", "SVC_DT", "PROC_CD", "CHRG_AMT", "DX_CD_1"],
        ["E1", NPI_A, "Aetna", "2026-10-05", "99213", "100.00", "I10"],
        ["E2", NPI_B, "Cigna", "10/06/2026", "G0439", "55.10", "E11.9"],
    )
    found = recognise.classify(frame, kinds=("claims", "remits"))
    assert found.chosen.kind == "claims"
    columns = {c: m.source for c, m in found.chosen.columns.items()}
    assert columns == {
        "claim_id": "ENC_ID", "rendering_npi": "RNDRNG_PRVDR_NPI", "payer_name": "INS_NM",
        "date_of_service": "SVC_DT", "procedure_code": "PROC_CD", "billed_amount": "CHRG_AMT",
        "diagnosis_1": "DX_CD_1",
    }  # fmt: skip


def test_a_long_enrollment_sheet_with_an_unlisted_payer_header_is_not_providers():
    frame = _frame(
        ["NPI", "Provider", "Contracted Health Plan Carrier", "Par Status", "Eff Dt"],
        [NPI_A, "Ana", "Aetna", "Participating", "2020-01-01"],
        [NPI_A, "Ana", "Cigna", "Pending", None],
        [NPI_B, "Ben", "Aetna", "Termed", "2019-01-01"],
        [NPI_B, "Ben", "Cigna", "Participating", "2021-01-01"],
    )
    found = classify_sheet(frame)
    assert found.chosen.kind == "enrollments"
    assert found.chosen.columns["payer"].source == "Contracted Health Plan Carrier"
    providers = next(r for r in found.readings if r.kind == "providers")
    assert any("NPIs repeat" in c or "payer column" in c for c in providers.checks)


def test_a_scope_sheet_under_other_words_is_read_as_scope():
    frame = _frame(
        ["Provider NPI", "Applies To", "Range Low", "Range High", "Determination"],
        [NPI_A, "All payers", "99202", "99215", "Allowed"],
        [NPI_A, "Aetna", "93000", "93010", "Not approved"],
    )
    found = classify_sheet(frame)
    assert found.chosen.kind == "service_scope"
    assert {c: m.source for c, m in found.chosen.columns.items()} == {
        "npi": "Provider NPI", "payer": "Applies To", "code_from": "Range Low", "code_to": "Range High",
        "approved": "Determination",
    }  # fmt: skip


def test_claim_ids_already_loaded_decide_a_remittance_claim_column():
    frame = _frame(
        ["Ref A", "Ref B", "Payer", "Paid", "Reason Code"],
        ["X-77", "CL1", "Aetna", "10.00", "45"],
        ["X-78", "CL2", "Aetna", "0", "B7"],
    )
    plain = recognise.read_as(frame, "remits", 0)  # both headers say "reference": the first wins
    assert plain.columns["claim_id"].source == "Ref A"
    knowing = recognise.Knowledge(claim_ids=lambda values: {v for v in values if v.startswith("CL")})
    reading = recognise.read_as(frame, "remits", 0, knowledge=knowing)
    assert reading.columns["claim_id"].source == "Ref B"
    assert any("already loaded" in e for e in reading.columns["claim_id"].evidence)


def test_values_that_do_not_fit_a_mapped_column_are_a_warning():
    frame = _frame(
        ["Claim ID", "Rendering NPI", "Payer", "DOS", "CPT", "Charges"],
        ["C1", "Dr Ana Alvarez", "Aetna", "2026-10-05", "99213", "100"],
        ["C2", "Dr Ben Brooks", "Aetna", "2026-10-06", "99214", "120"],
    )
    reading = recognise.read_as(frame, "claims", 0, override={"rendering_npi": "Rendering NPI"})
    assert any("Rendering NPI" in w and "valid NPIs" in w for w in reading.warnings)


def test_best_assignment_is_exact():
    profit = np.array([[0.9, 0.8], [0.85, 0.1]])  # greedy would give (0,0) + (1,1) = 1.0
    assert recognise.best_assignment(profit) == [(0, 1), (1, 0)]
    assert recognise.best_assignment(np.array([[0.0, 0.0]])) == []


def test_a_practice_vocabulary_file_adds_words(tmp_path, monkeypatch):
    frame = _frame(
        ["Zorg", "Rendering NPI", "Payer", "DOS", "CPT", "Charges"],
        ["C1", NPI_A, "Aetna", "2026-10-05", "99213", "1"],
    )
    assert "claim_id" not in recognise.read_as(frame, "claims", 0).columns
    extra = tmp_path / "vocabulary.toml"
    extra.write_text('[claims.claim_id]\nwords = ["zorg"]\n', encoding="utf-8")
    monkeypatch.setenv(recognise.EXTENSION_ENV, str(extra))
    assert recognise.read_as(frame, "claims", 0).columns["claim_id"].source == "Zorg"


def test_ingest_explain_prints_kind_runner_up_columns_and_loads_nothing(tmp_path, capsys):
    path = tmp_path / "enrollment.csv"
    path.write_text(
        "NPI,Provider,Health Plan,Par Status,Eff Dt\n"
        f"{NPI_A},Ana,Aetna,Participating,2020-01-01\n{NPI_A},Ana,Cigna,Pending,\n{NPI_C},Cara,Aetna,Termed,2019-01-01\n",
        encoding="utf-8",
    )
    db = tmp_path / "x.duckdb"
    assert main(["ingest", "--db", str(db), "--explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "enrollment.csv: roster" in out
    assert "enrollments" in out and "runner-up:" in out
    assert "payer" in out and "'Health Plan'" in out and "confidence" in out
    assert "unused: 'Provider'" in out
    assert not db.exists()


@pytest.mark.parametrize(
    ("label", "status"),
    [("In network", "enrolled"), ("Under review", "pending"), ("In Review - CAQH", "pending"),
     ("Processing", "pending"), ("Submitted 03/01", "pending"), ("Not submitted", "none"), ("Not started", "none")],
)  # fmt: skip
def test_spec_4_enrollment_status_words(label, status):
    from audits.ingest.normalize import enrollment_status

    assert enrollment_status(pd.Series([label], dtype=object)).iloc[0] == status


def test_no_application_rows_are_rejected_with_their_reason():
    from audits.ingest.readers import RawSheet
    from audits.ingest.roster.sheets import parse_roster

    frame = _frame(
        ["NPI", "Payer", "Status", "Effective Date"],
        [NPI_A, "Aetna", "Not submitted", None],
        [NPI_B, "Aetna", "N/A", None],
        [NPI_C, "Aetna", "Participating", "2020-01-01"],
    )
    batch = parse_roster([RawSheet("Enrollment", frame)])
    assert [(r.row_number, r.reason) for r in batch.rejected] == [
        (2, "no enrollment application"),
        (3, "no enrollment application"),
    ]
    assert batch.frames["enrollments"]["npi"].tolist() == [NPI_C]


@pytest.mark.parametrize(
    ("label", "approved"), [("Covered", True), ("Not covered", False), ("Out of scope", False)]
)
def test_scope_words_beyond_approved_and_excluded(label, approved):
    from audits.ingest.normalize import scope_approved

    assert scope_approved(pd.Series([label], dtype=object)).iloc[0] is approved


# --------------------------------------------------------------------------------------------
# held-out layouts (the probe of session 2): evidence from values, structure and the database


def test_effective_and_termination_read_the_wrong_way_round_are_swapped_by_their_values():
    """SPEC 1: an enrollment covers effective_date <= DOS <= termination_date; a column that comes
    after the other on every row is the end, whatever the close header words said."""
    frame = _frame(
        ["NPI", "Payer", "Status", "Par Term Dt", "Par Start"],
        [NPI_A, "Aetna", "Termed", "2026-10-15", "2019-01-01"],
        [NPI_B, "Cigna", "Participating", None, "2021-01-01"],
        [NPI_C, "Aetna", "Termed", "2025-06-30", "2024-01-01"],
    )
    reading = recognise.read_as(frame, "enrollments", 0)
    assert reading.columns["effective_date"].source == "Par Start"
    assert reading.columns["termination_date"].source == "Par Term Dt"


def test_a_scope_code_column_beside_a_range_end_is_the_range_start():
    frame = _frame(
        ["NPI", "Health Plan", "Starting CPT", "CPT Range End", "Privilege"],
        [NPI_A, "Aetna", "99202", "99215", "Covered"],
        [NPI_A, "Cigna", "93000", "93010", "Not covered"],
    )
    reading = recognise.read_as(frame, "service_scope", 0)
    assert (reading.columns["code_from"].source, reading.columns["code_to"].source) == (
        "Starting CPT",
        "CPT Range End",
    )


def test_amounts_are_not_line_numbers():
    frame = _frame(
        ["Encounter", "Charge Seq", "Item Extended Price", "Rendering NPI", "Payer", "DOS", "CPT"],
        ["E1", "1", "120.00", NPI_A, "Aetna", "2026-10-02", "99213"],
        ["E1", "2", "45.50", NPI_A, "Aetna", "2026-10-02", "93000"],
        ["E2", "1", "160.00", NPI_B, "Cigna", "2026-10-03", "99214"],
    )
    reading = recognise.read_as(frame, "claims", 0)
    assert (
        reading.columns.get("line_no") is None or reading.columns["line_no"].source != "Item Extended Price"
    )


def test_a_payer_column_under_an_unknown_header_is_found_by_the_payers_the_database_holds():
    """athenaOne's charge entry calls the payer 'Policy'; its cells are payer names the roster defined."""
    frame = _frame(
        ["Claim #", "Rendering Provider NPI", "Policy", "From", "CPT", "Charge"],
        ["C1", NPI_A, "Aetna", "10/02/2026", "99213", "120.00"],
        ["C2", NPI_B, "BCBS TX", "10/03/2026", "99214", "160.00"],
        ["C3", NPI_C, "Cigna Healthcare", "10/04/2026", "99213", "120.00"],
    )
    from audits.ingest.normalize import payer_key

    knowledge = recognise.Knowledge(
        frozenset(
            payer_key(p) for p in ("AET", "Aetna", "BCBS", "BCBS TX", "CIG", "Cigna", "Cigna Healthcare")
        ),
        frozenset({NPI_A, NPI_B, NPI_C}),
        None,
        frozenset(payer_key(p) for p in ("AET", "BCBS", "CIG")),
    )
    reading = recognise.read_as(frame, "claims", 0, knowledge=knowledge)
    assert reading.columns["payer_name"].source == "Policy"
    assert "payer_id" not in reading.columns  # names are not ids of known payers


def test_a_remittance_payer_column_of_names_is_the_payer_name_not_the_id():
    frame = _frame(
        ["Claim No", "Payer", "Check Date", "CPT", "Paid", "Adj Code"],
        ["C1", "Aetna", "2026-10-20", "99213", "96.00", "45"],
        ["C2", "Cigna", "2026-10-21", "99214", "0.00", "16"],
    )
    reading = recognise.read_as(frame, "remits", 0)
    assert reading.columns["payer_name"].source == "Payer"


def test_a_constant_column_is_not_the_claim_id_when_another_tells_the_claims_apart():
    rows = [["Tax ID", "Charge Ticket", "Rendering NPI", "Payer", "DOS", "CPT", "Charges"]]
    rows += [
        ["74-1234567", f"V-{1000 + i}", NPI_A, "Aetna", "2026-10-02", "99213", "120.00"] for i in range(10)
    ]
    reading = recognise.read_as(_frame(*rows), "claims", 0, eliminate=True)
    assert reading.columns["claim_id"].source == "Charge Ticket"


def test_values_that_do_not_fit_say_how_many():
    """'text in an amount' warns with the count of cells that are not amounts (none is shown)."""
    rows = [["Claim ID", "Rendering NPI", "Payer", "DOS", "CPT", "Charges"]]
    rows += [[f"C{i}", NPI_A, "Aetna", "2026-10-02", "99213", "120.00"] for i in range(8)]
    rows += [
        ["C8", NPI_A, "Aetna", "2026-10-02", "99213", "see note"],
        ["C9", NPI_A, "Aetna", "2026-10-02", "99213", "TBD"],
    ]
    reading = recognise.read_as(_frame(*rows), "claims", 0)
    assert reading.columns["billed_amount"].source == "Charges"
    assert any(w.startswith("2 of 10 values in column 'Charges'") for w in reading.warnings), reading.warnings


def test_two_headers_that_fit_one_column_are_a_structured_close_call(tmp_path):
    """Two date columns under 'Service Date' and 'Date of Service': both readings are said, and
    preview exposes them for the page to ask."""
    from audits.ingest.preview import explain_file, format_explanation

    path = tmp_path / "claims.csv"
    path.write_text(
        "Claim ID,Rendering NPI,Payer,Service Date,Date of Service,CPT,Charges\n"
        f"C1,{NPI_A},Aetna,2026-10-02,2026-10-02,99213,120.00\nC2,{NPI_B},Aetna,2026-10-03,2026-10-03,99214,80.00\n",
        encoding="utf-8",
    )
    sheet = explain_file(path).sheets[0]
    calls = {(c.canonical, frozenset((c.chosen, c.alternative))) for c in sheet.column_calls}
    assert ("date_of_service", frozenset({"Service Date", "Date of Service"})) in calls
    call = next(c for c in sheet.column_calls if c.canonical == "date_of_service")
    assert 0 <= call.margin <= 0.05
    text = "\n".join(format_explanation(explain_file(path)))
    assert "CLOSE CALL: date_of_service" in text and "'Service Date'" in text and "'Date of Service'" in text


def test_a_sheet_that_reads_almost_as_two_kinds_is_a_kind_call():
    frame = _frame(
        ["NPI", "Payer", "Status"],
        [NPI_A, "Aetna", "Approved"],
        [NPI_B, "Cigna", "Approved"],
    )
    found = classify_sheet(frame)
    if found.close:
        call = found.kind_call
        assert call.kind == found.chosen.kind and call.runner_up == found.runner_up.kind
        assert 0 <= call.margin <= recognise.CLOSE_MARGIN
    else:
        assert found.kind_call is None


@pytest.mark.parametrize(
    ("subheader", "field"),
    [("Network Status", "status"), ("App Sent", "submitted_date"), ("Locations", "allowed_pos"),
     ("Date Submitted", "submitted_date"), ("Eff", "effective_date"), ("Termed", "termination_date")],
)  # fmt: skip
def test_tracker_sub_headers_are_read_through_the_vocabulary(subheader, field):
    from audits.ingest import normalize
    from audits.ingest.roster.sheets import _enrollment_subfield

    assert _enrollment_subfield(normalize.normalise_header(subheader)) == field


def test_a_one_row_tracker_with_abbreviated_licence_columns_loads_them(con, tmp_path):
    from openpyxl import Workbook

    from audits.ingest import ingest_file

    con.execute("INSERT INTO payers (payer_id, payer_name, aliases) VALUES ('AET', 'Aetna', NULL)")
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["NPI #", "Clinician", "Lic No", "Lic St", "Lic Expires", "Aetna - Par Status", "Aetna - Eff"]
    )
    sheet.append([NPI_A, "Ana Alvarez", "TX-1001", "TX", "12/31/2027", "Participating", "01/01/2020"])
    path = tmp_path / "tracker.xlsx"
    book.save(path)
    ingest_file(con, path)
    assert con.execute(
        "SELECT npi, credential_type, number, state, expiration_date::VARCHAR FROM credentials"
    ).fetchall() == [(NPI_A, "state_license", "TX-1001", "TX", "2027-12-31")]
    assert con.execute(
        "SELECT npi, payer_id, status, effective_date::VARCHAR FROM enrollments"
    ).fetchall() == [(NPI_A, "AET", "enrolled", "2020-01-01")]


def test_a_status_column_named_by_another_word_is_not_a_payer_group():
    """symplr-style 'Appointment Status' beside NPI and names is the provider's status, not a payer."""
    frame = _frame(
        ["Practitioner ID", "NPI #", "Last Name", "First Name", "Primary Specialty", "Appointment Status"],
        ["P1", NPI_A, "Alvarez", "Ana", "Family Medicine", "Active"],
        ["P2", NPI_B, "Brooks", "Ben", "Cardiology", "Active"],
    )
    found = classify_sheet(frame)
    assert found.chosen.kind == "providers"
    assert not any("wide tracker" in r for r in found.reasons)
