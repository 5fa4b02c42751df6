"""Header mapping: synonyms, title rows, confidence, required columns, overrides, profiles, preview."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from audits.errors import InputError
from audits.ingest import load_mapping_profile, preview, save_mapping_profile
from audits.ingest.mapping import check_required, detect_kind, map_columns


def _frame(*rows) -> pd.DataFrame:
    width = max(len(r) for r in rows)
    return pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)


CLAIM_HEADERS = {
    "Claim #": "claim_id", "Claim ID": "claim_id", "Claim Number": "claim_id", "Line #": "line_no",
    "Line": "line_no", "Line No": "line_no", "Patient Name": "patient_name", "Member ID": "patient_id",
    "Patient DOB": "patient_dob", "Rendering Provider NPI": "rendering_npi", "Rendering NPI": "rendering_npi",
    "Prov NPI": "rendering_npi", "Billing NPI": "billing_npi", "Primary Insurance": "payer_name",
    "Payer": "payer_name", "Payer Name": "payer_name", "Payer ID": "payer_id", "Date of Service": "date_of_service",
    "DOS": "date_of_service", "Svc Date": "date_of_service", "Service Date": "date_of_service",
    "Submitted Date": "submitted_date", "CPT/HCPCS": "procedure_code", "CPT": "procedure_code",
    "HCPCS": "procedure_code", "Proc Code": "procedure_code", "Mod 1": "modifier_1", "Mod 4": "modifier_4",
    "Modifiers": "modifiers", "Dx 1": "diagnosis_1", "Dx 12": "diagnosis_12", "Diagnosis Codes": "diagnoses",
    "POS": "pos", "Place of Service": "pos", "Units": "units", "Charges": "billed_amount",
    "Billed Amount": "billed_amount", "Service State": "service_state",
}  # fmt: skip

REMIT_HEADERS = {
    "Claim Number": "claim_id", "Claim ID": "claim_id", "Line": "line_no", "Line No": "line_no",
    "Payer": "payer_name", "Payer Name": "payer_name", "Payer ID": "payer_id", "Check Date": "adjudication_date",
    "Adjudication Date": "adjudication_date", "Paid Date": "adjudication_date", "Procedure": "procedure_code",
    "CPT": "procedure_code", "Rendering NPI": "rendering_npi", "Billed": "billed_amount",
    "Billed Amount": "billed_amount", "Paid": "paid_amount", "Paid Amount": "paid_amount",
    "Claim Status": "claim_status", "Status": "claim_status", "Group Code": "group_code", "Reason Code": "carc",
    "CARC": "carc", "Adjustment Amount": "adjustment_amount", "Adj Amount": "adjustment_amount",
    "Remark Codes": "rarcs", "RARC": "rarcs", "CARC 1": "carc_1", "CARC 4": "carc_4", "Adj Amt 1": "adj_amount_1",
    "Adj Amt 4": "adj_amount_4", "RARC 1": "rarc_1", "RARC 4": "rarc_4",
}  # fmt: skip


@pytest.mark.parametrize(("header", "canonical"), sorted(CLAIM_HEADERS.items()))
def test_claims_header_synonyms(header, canonical):
    companions = [h for h in ("Units", "POS", "Payer ID") if CLAIM_HEADERS[h] != canonical][:2]
    mapping = map_columns(_frame(["Notes", header, *companions]), "claims")
    assert mapping.columns[canonical].source == header
    assert mapping.columns[canonical].confidence == 1.0


@pytest.mark.parametrize(("header", "canonical"), sorted(REMIT_HEADERS.items()))
def test_remits_header_synonyms(header, canonical):
    companions = [h for h in ("Status", "Billed", "Payer ID") if REMIT_HEADERS[h] != canonical][:2]
    mapping = map_columns(_frame(["Notes", header, *companions]), "remits")
    assert mapping.columns[canonical].source == header


def test_title_rows_above_the_header_are_skipped():
    frame = _frame(
        ["Acme Medical Group - Claims"],
        ["Exported on 02/01/2024 by billing"],
        [None],
        ["Claim #", "Rendering NPI", "Payer", "DOS", "CPT", "Charges"],
        ["C1", "1234567893", "Acme", "2024-01-05", "99213", "100"],
    )
    mapping = map_columns(frame, "claims")
    assert mapping.header_row == 3
    check_required(mapping, "claims.csv")  # nothing missing


def test_close_spelling_maps_with_lower_confidence():
    mapping = map_columns(_frame(["Claim ID", "Rendring NPI", "Payer"]), "claims")
    assert mapping.columns["rendering_npi"].source == "Rendring NPI"
    assert 0.5 < mapping.columns["rendering_npi"].confidence < 1.0


def test_numbered_headers_never_match_fuzzily():
    mapping = map_columns(_frame(["Claim ID", "Payer", "Dx 13"]), "claims")
    assert "diagnosis_1" not in mapping.columns


def test_missing_required_columns_is_one_sentence_naming_them_and_the_headers():
    mapping = map_columns(_frame(["Claim ID", "Payer", "Notes"]), "claims")
    with pytest.raises(InputError) as info:
        check_required(mapping, "claims.csv")
    text = str(info.value)
    for word in ("rendering_npi", "date_of_service", "procedure_code", "billed_amount", "Claim ID", "Notes"):
        assert word in text
    assert "payer_id or payer_name" not in text and "\n" not in text


def test_override_wins_and_unknown_header_is_refused():
    frame = _frame(["Encounter", "Doc", "Plan", "Seen", "Code", "Amt"])
    mapping = map_columns(
        frame,
        "claims",
        {"claim_id": "Encounter", "rendering_npi": "Doc", "payer_name": "Plan", "date_of_service": "Seen",
         "procedure_code": "Code", "billed_amount": "Amt"},
    )  # fmt: skip
    assert mapping.columns["claim_id"].source == "Encounter"
    with pytest.raises(InputError, match="not in the file's headers"):
        map_columns(frame, "claims", {"claim_id": "Ticket", "rendering_npi": "Doc"})


def test_kind_is_detected_from_headers():
    claims = _frame(["Claim ID", "Rendering NPI", "Payer", "DOS", "CPT", "Charges", "Dx 1"])
    remits = _frame(["Claim Number", "Payer", "Check Date", "CPT", "Billed", "Paid", "Reason Code"])
    assert detect_kind(claims)[0] == "claims"
    assert detect_kind(remits)[0] == "remits"


def test_mapping_profiles_round_trip(con):
    save_mapping_profile(con, "vendor-x", "claims", {"claim_id": "Encounter"})
    loaded = load_mapping_profile(con, "vendor-x")
    assert loaded.kind == "claims"
    assert loaded.columns == {"claim_id": "Encounter"}
    with pytest.raises(InputError, match="vendor-x"):
        load_mapping_profile(con, "vendor-y")


def test_mapping_file_object_form_with_labels(tmp_path, con):
    from audits.ingest.loader import resolve_mapping

    path = tmp_path / "map.json"
    path.write_text(
        json.dumps({"kind": "remits", "columns": {"claim_id": "Ref"}, "labels": {"claim_status": {}}})
    )
    override = resolve_mapping(con, str(path))
    assert override.kind == "remits" and override.columns == {"claim_id": "Ref"}
    path.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        resolve_mapping(con, str(path))


def test_preview_proposes_a_mapping_and_masks_patients(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(
        "Claims export\nClaim #,Patient Name,Rendering NPI,Payer,DOS,CPT,Charges\n"
        "C1,Doe Jane,1234567893,Acme,2024-01-05,99213,100\n",
        encoding="utf-8",
    )
    shown = preview(path)
    assert shown.kind == "claims"
    assert shown.header_row == 2
    assert shown.mapping["claim_id"] == ("Claim #", 1.0)
    assert shown.missing == []
    assert "Doe Jane" not in shown.sample.to_string()
    assert shown.sample.loc[0, "CPT"] == "99213"


def test_preview_offers_missing_required_columns_empty(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(
        "Claim ID,Doc,Payer,DOS,CPT,Charges\nC1,Dr Smith,Acme,2024-01-05,99213,100\n", encoding="utf-8"
    )
    shown = preview(path, kind="claims")
    assert shown.mapping["rendering_npi"] == (None, 0.0)
    assert shown.missing == ["rendering_npi"]
    assert "Doc" in shown.headers


def test_values_alone_propose_a_column_with_low_confidence_and_a_warning():
    frame = _frame(
        ["Claim ID", "Doc", "Payer", "DOS", "CPT", "Charges"],
        ["C1", "1234567893", "Acme", "2024-01-05", "99213", "100"],
        ["C2", "1111111112", "Acme", "2024-01-06", "99214", "120"],
    )
    mapping = map_columns(frame, "claims")
    match = mapping.columns["rendering_npi"]
    assert match.source == "Doc"
    assert match.confidence < 0.5
    assert any("valid NPIs" in e for e in match.evidence)
    assert any("rendering_npi" in w and "low confidence" in w for w in mapping.warnings)


def test_a_column_set_to_not_mapped_stays_empty():
    # the analyst's "not mapped" ({canonical: ""}) is kept: recognition does not fill that column again
    frame = pd.DataFrame(
        [
            [
                "Claim #",
                "Line #",
                "Rendering Provider NPI",
                "Payer",
                "Date of Service",
                "CPT",
                "POS",
                "Charges",
            ],
            ["C1", "1", "1234567893", "Aetna", "2026-10-05", "99213", "11", "120.00"],
        ]
    )
    assert map_columns(frame, "claims").as_dict()["pos"] == "POS"
    kept = map_columns(frame, "claims", {"columns": {"pos": ""}}).as_dict()
    assert "pos" not in kept and kept["procedure_code"] == "CPT"
