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
