"""The engine-built pages (audits.profiles) say what the audit says on the same rows (issue 10): the
clearance matrix, the provider's clearance and "who can bill" against the audit's enrollment and blocking
findings; the 90-day action list against CREDENTIAL_EXPIRING / ENROLLMENT_TERMINATING; and provider and
payer names one way in the page, the measures' frame and the workbook. Rows written by hand, with the
spacing and capitals exports have."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from audit_rows import (
    NPI_A,
    NPI_B,
    add_credential,
    add_enrollment,
    add_line,
    add_paid_history,
    add_payer,
    add_provider,
    add_remit,
    fired,
    open_copy,
)

from audits import explore, exposure, lifecycle, measures, profiles, reports
from audits import findings as findings_model
from audits.precheck import check_line
from audits.runner import run_audit

ON = "2026-10-15"
DAY = dt.date(2026, 10, 15)
ENROLLMENT_RULES = ("AFTER_TERMINATION", "BEFORE_EFFECTIVE", "ENROLLMENT_NOT_APPROVED", "NOT_ENROLLED")
WORD = {
    None: "cleared",
    "AFTER_TERMINATION": "terminated",
    "BEFORE_EFFECTIVE": "not yet effective",
    "NOT_ENROLLED": "not enrolled",
}

# (npi, payer, status, effective, termination) - statuses and ids as a roster export may hold them
ROSTER = [
    (NPI_A, "AET", " Enrolled ", "2025-01-01", None),  # spaces and capitals: still enrolled
    (NPI_A, " MCR", "enrolled", "2025-01-01", "2026-09-30"),  # a payer id with a leading space; ended
    (NPI_A, "BCBS", "PENDING", None, None),
    (NPI_B, "AET", "enrolled", "2026-11-01", None),  # not yet effective
    (NPI_B, "MCR", "Terminated", "2024-01-01", "2026-12-31"),  # terminated row still covers
    (NPI_B, "BCBS", "denied", None, None),
]


@pytest.fixture
def pcon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_payer(con, "MCR", "Medicare")
        add_payer(con, "BCBS", "Blue Cross")
        for npi in (NPI_A, NPI_B):
            add_provider(con, npi)
            add_credential(con, "state_license", "TX", "2028-12-31", npi=npi)
        for npi, payer, status, effective, termination in ROSTER:
            add_enrollment(con, npi, payer, status, effective=effective, termination=termination)
        yield con


def _audited_lines(con):
    """One line per (provider, payer) on ON, audited: (npi, payer) -> enrollment finding or None."""
    keys = {}
    for n, (npi, payer) in enumerate(
        (npi, payer) for npi in (NPI_A, NPI_B) for payer in ("AET", "MCR", "BCBS")
    ):
        add_paid_history(con, npi=npi, payer=payer)
        add_line(con, f"C{n}", npi=npi, payer=payer, dos=ON)
        keys[f"C{n}"] = (npi, payer)
    run_audit(con, "2026-10")
    found = {key: None for key in keys.values()}
    for rule_id in ENROLLMENT_RULES:
        for claim_id, _line in fired(con, rule_id):
            found[keys[claim_id]] = rule_id
    return found


def test_the_clearance_matrix_is_the_audits_enrollment_finding(pcon):
    audited = _audited_lines(pcon)
    matrix = profiles.clearance_matrix(pcon, DAY)
    shown = {(r.npi, r.payer_id): r.status for r in matrix.itertuples()}
    assert set(shown) == set(audited)
    for key, finding in audited.items():
        if finding == "ENROLLMENT_NOT_APPROVED":
            assert shown[key] in ("pending", "denied")
        else:
            assert shown[key] == WORD[finding], key
    # the trimming and case folding of line_enrollment, which a second reading of SPEC lacked
    assert shown[(NPI_A, "AET")] == "cleared" and shown[(NPI_A, "MCR")] == "terminated"
    assert shown[(NPI_A, "BCBS")] == "pending" and shown[(NPI_B, "BCBS")] == "denied"
    assert shown[(NPI_B, "MCR")] == "cleared" and shown[(NPI_B, "AET")] == "not yet effective"


def test_the_provider_profile_shows_the_same_clearance(pcon):
    audited = _audited_lines(pcon)
    own = profiles.provider_clearance(pcon, NPI_A, DAY)
    assert {(NPI_A, r.payer_id): r.status for r in own.itertuples()} == {
        k: profiles.clearance_matrix(pcon, DAY).set_index(["npi", "payer_id"]).loc[k, "status"]
        for k in audited
        if k[0] == NPI_A
    }


def test_who_can_bill_is_the_pre_check_on_the_cleared_providers(pcon):
    judged = profiles.who_can_bill(pcon, "99213", "MCR", DAY)
    assert judged["npi"].tolist() == [NPI_B]  # A's Medicare enrollment ended
    for npi in (NPI_A, NPI_B):
        verdict = check_line(pcon, npi, "MCR", "99213", ON)
        assert verdict.cleared == (npi in set(judged.loc[judged["cleared"], "npi"]))


def test_the_action_list_is_what_the_audit_warns_about(pcon):
    pcon.execute("DELETE FROM credentials")
    add_credential(pcon, "state_license", "TX", "2026-12-15", npi=NPI_A, number="L-1")
    add_credential(
        pcon, "state_license", "TX", None, issue="2026-12-01", npi=NPI_A, number="L-2"
    )  # open-ended renewal
    add_credential(pcon, "state_license", "OK", "2026-12-20", npi=NPI_B, number="L-3")  # no renewal
    add_credential(pcon, "dea", None, "2027-01-10", npi=NPI_B, number="D-1")
    # A's " Enrolled " Aetna row ends in the window, with nothing after it; B's "Terminated" Medicare row
    # says it ends already (the rule looks at enrolled rows only)
    pcon.execute(
        "UPDATE enrollments SET termination_date = DATE '2026-12-31' WHERE npi = ? AND payer_id = 'AET'",
        [NPI_A],
    )
    add_line(pcon, "C1", dos=ON)
    run_audit(pcon, "2026-10")
    items = profiles.action_items(pcon, dt.date(2026, 10, 31))
    credentials = items[items["item"] == "credential expires"]
    assert sorted(zip(credentials["npi"], credentials["due_date"].astype(str), strict=True)) == sorted(
        (r.rendering_npi, r.detail.split(" expires ")[1][:10])
        for r in findings_model.findings(pcon, "2026-10", rule_ids=["CREDENTIAL_EXPIRING"]).itertuples()
    )
    assert NPI_A not in set(credentials["npi"])  # the drift case: an open-ended renewal is on file
    assert sorted(credentials["what"]) == ["dea", "state_license OK"]
    ending = items[items["item"] == "enrollment terminates"]
    assert sorted(zip(ending["npi"], ending["what"], strict=True)) == sorted(
        (npi, "Aetna" if payer == "AET" else payer) for npi, payer in fired(pcon, "ENROLLMENT_TERMINATING")
    )
    assert sorted(zip(ending["npi"], ending["what"], ending["days_left"], strict=True)) == [
        (NPI_A, "Aetna", 61)
    ]


def test_names_are_one_way_everywhere(pcon):
    # the roster holds the provider twice under two spellings, the payer twice too; the findings read
    # model's one rule (the smallest trimmed name) gives "Test Provider" and "Aetna" - a reader with its
    # own copy of the names (max, untrimmed) shows "Zed Provider" / "Aetna Health" and fails here
    pcon.execute(
        "INSERT INTO providers (npi, provider_name, status) VALUES (?, 'Zed Provider', 'active')", [NPI_A]
    )
    pcon.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AET', 'Aetna Health')")
    add_credential(pcon, "dea", None, "2026-12-01", npi=NPI_A, number="D-9")  # CREDENTIAL_EXPIRING
    pcon.execute(  # ENROLLMENT_TERMINATING with Aetna
        "UPDATE enrollments SET termination_date = DATE '2026-12-31' WHERE npi = ? AND payer_id = 'AET'",
        [NPI_A],
    )
    add_line(pcon, "C1", payer="BCBS", dos=ON)  # ENROLLMENT_NOT_APPROVED: pending with BCBS
    add_line(pcon, "C2", dos=ON)
    pcon.execute("UPDATE claim_lines SET procedure_code = 'BAD' WHERE claim_id = 'C2'")  # a finding with AET
    add_remit(pcon, "C2", 1, payer="AET", status="4", billed=100, paid=0, adjustments=[("CO", "16", 100)])
    run_audit(pcon, "2026-10")
    page = findings_model.findings(pcon, "2026-10")
    one = findings_model.finding_record(
        pcon, page.loc[page["payer_id"] == "AET", "finding_id"].iloc[0], "2026-10"
    )
    readers = {
        "page": page,
        "workbook": reports.collect_workbook_data(pcon, "2026-10").detail,
        "by provider": measures.breakdown(pcon, "2026-10", "provider"),
        "by payer": measures.breakdown(pcon, "2026-10", "payer"),
        "queue": lifecycle.queue(pcon, "2026-10"),
        "exposure": exposure.exposure(pcon, "2026-10"),
        "payers": explore.payers(pcon),
        "enrollments": explore.provider_enrollments(pcon, NPI_A).assign(rendering_npi=NPI_A),
        "finding record": one["enrollments"].assign(rendering_npi=NPI_A),
        "finding": pd.DataFrame([one["finding"]]),
        "clearance": profiles.clearance_matrix(pcon, DAY).rename(columns={"npi": "rendering_npi"}),
        "actions": profiles.action_items(pcon, DAY).rename(columns={"npi": "rendering_npi"}),
    }
    tops = explore.top_denials(pcon, "2026-10", 10)
    readers["top providers"] = tops["provider"].rename(columns={"name": "provider_name"})
    readers["top payers"] = tops["payer"].rename(columns={"name": "payer_name"})
    seen = set()
    for reader, names in readers.items():
        if "provider_name" in names.columns and "rendering_npi" in names.columns:
            by_npi = dict(zip(names["rendering_npi"], names["provider_name"], strict=True))
            assert by_npi[NPI_A] == "Test Provider", reader  # min: the same one in every reader
            seen.add((reader, "provider"))
        if "payer_name" in names.columns and "payer_id" in names.columns:
            by_payer = dict(zip(names["payer_id"], names["payer_name"], strict=True))
            assert by_payer["AET"] == "Aetna", reader
            seen.add((reader, "payer"))
    assert len(seen) >= 20  # every reader named above was looked at


def test_the_licence_column_is_the_audits_licence_rule(template, tmp_path):
    """The clearance matrix's licence column is LICENSE_INVALID on the same rows: the licence rows carry
    the spaces and capitals of an export (which a second reading of SPEC - exact 'active', untrimmed
    NPIs and states - got wrong), a licence not yet issued, one ending the day before."""
    npi_c = "1111111112"
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_provider(con, NPI_A)
        add_provider(con, NPI_B, status=" Active ")  # active by the rules' definition
        add_provider(con, npi_c)
        for npi in (NPI_A, NPI_B, npi_c):
            add_enrollment(con, npi, "AET", "enrolled", effective="2020-01-01")
            add_paid_history(con, npi=npi)
        add_credential(con, "state_license", " tx ", "2026-12-31", npi=f" {NPI_A} ")  # covers, untidy
        add_credential(
            con, "state_license", "OK", "2026-10-14", npi=NPI_A, number="L-2"
        )  # ended the day before
        add_credential(con, "state_license", "TX", None, issue="2026-10-16", npi=NPI_B)  # not issued yet
        add_credential(con, "board_certification", None, "2030-01-01", npi=npi_c)  # not a licence
        status = profiles.licence_status(con, DAY).set_index("npi")
        # the audit on lines of the same date: no service state, then each licence's state
        lines = {}
        for n, (npi, state) in enumerate(
            [(NPI_A, None), (NPI_B, None), (npi_c, None), (NPI_A, "TX"), (NPI_A, "OK"), (NPI_B, "TX")]
        ):
            add_line(con, f"L{n}", npi=npi, dos=ON, state=state)
            lines[f"L{n}"] = (npi, state)
        run_audit(con, "2026-10")
        invalid = {lines[c] for c, _l in fired(con, "LICENSE_INVALID")}
    for npi in (NPI_A, NPI_B, npi_c):
        assert (status.loc[npi, "licence"] == "valid") == ((npi, None) not in invalid), npi
    assert status["licence"].to_dict() == {NPI_A: "valid", NPI_B: "expired", npi_c: "none"}
    covered = {n: s for n, s in lines.values() if s and (n, s) not in invalid}
    assert covered == {NPI_A: "TX"} and status.loc[NPI_A, "licence_states"] == "TX"
    assert pd.isna(status.loc[NPI_B, "licence_states"])
    assert status.loc[NPI_A, "licence_expires"] == dt.date(2026, 12, 31)
