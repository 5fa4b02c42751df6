"""PROVIDER_EXCLUDED (SPEC 4), from the contract with hand-written rows: a roster provider matched to an
exclusion by NPI, or by a name match a person confirmed, with EXCLDATE <= month_end and no REINDATE <=
month_end; amount at risk = the provider's billed amount from EXCLDATE to month_end; and every line billed
on or after EXCLDATE (before a reinstatement) is blocking: the pre-check says NOT CLEARED, the gate holds it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from audit_rows import NPI_A, NPI_B, add_credentialed_provider, add_line, d, findings, fired, open_copy

from audits.precheck import check_line
from audits.runner import run_audit


def add_list(con, list_id=1, source="LEIE", list_date="2026-11-01"):
    con.execute(
        "INSERT INTO exclusion_lists (list_id, source, file_name, sha256, list_date, list_date_basis, rows_read, "
        "rows_loaded, rows_rejected) VALUES (?, ?, ?, 'x', ?, 'given', 1, 1, 0)",
        [list_id, source, f"list{list_id}.csv", d(list_date)],
    )


def add_exclusion(
    con, key, npi=None, excl="2026-10-15", rein=None, list_id=1, row=1, last="SYNTH", first="PAT"
):
    con.execute(
        "INSERT INTO exclusion_entries (list_id, row_number, source, entity_key, last_name, first_name, npi, "
        "excl_type, excl_date, rein_date) VALUES (?, ?, 'LEIE', ?, ?, ?, ?, '1128b4', ?, ?)",
        [list_id, row, key, last, first, npi, d(excl), rein and d(rein)],
    )


def decide(con, npi, key, decision, when="2026-11-02 09:00", decision_id=1):
    con.execute(
        "INSERT INTO exclusion_decisions (decision_id, npi, entity_key, decision, decided_by, decided_at) "
        "VALUES (?, ?, ?, ?, 'tester', CAST(? AS TIMESTAMP))",
        [decision_id, npi, key, decision, when],
    )


@pytest.fixture
def xcon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con, NPI_A, "AET", "Aetna")
        add_credentialed_provider(con, NPI_B, "AET", "Aetna")
        add_list(con)
        yield con


def test_fires_from_the_month_of_the_exclusion_date_by_npi(xcon):
    add_exclusion(xcon, "k1", npi=NPI_A, excl="2026-10-15")
    add_line(xcon, "C1", dos="2026-10-10", billed=100)  # before EXCLDATE: not at risk
    add_line(xcon, "C2", dos="2026-10-15", billed=40)
    add_line(xcon, "C3", dos="2026-10-31", billed=60)
    add_line(xcon, "C9", dos="2026-09-20", billed=500)
    run_audit(xcon, "2026-09")
    assert fired(xcon, "PROVIDER_EXCLUDED", "2026-09") == []
    run_audit(xcon, "2026-10")
    assert fired(xcon, "PROVIDER_EXCLUDED") == [(NPI_A, None)]
    row = findings(xcon).query("rule_id == 'PROVIDER_EXCLUDED'").iloc[0]
    assert float(row.amount_at_risk) == 100.0  # C2 + C3: billed from 2026-10-15 to 2026-10-31
    assert row.severity == "error"
    assert "OIG exclusion list (LEIE) since 2026-10-15" in row.detail and "matched by NPI" in row.detail


def test_a_reinstatement_on_or_before_month_end_ends_it(xcon):
    add_exclusion(xcon, "k1", npi=NPI_A, excl="2026-03-01", rein="2026-10-31")
    run_audit(xcon, "2026-09")
    assert fired(xcon, "PROVIDER_EXCLUDED", "2026-09") == [(NPI_A, None)]
    run_audit(xcon, "2026-10")
    assert fired(xcon, "PROVIDER_EXCLUDED") == []


def test_a_reinstatement_on_a_later_list_counts(xcon):
    add_exclusion(xcon, "k1", npi=NPI_A, excl="2026-03-01")
    add_list(xcon, 2, list_date="2026-12-01")
    add_exclusion(xcon, "k1", npi=NPI_A, excl="2026-03-01", rein="2026-11-20", list_id=2)
    run_audit(xcon, "2026-11")
    assert fired(xcon, "PROVIDER_EXCLUDED", "2026-11") == []
    run_audit(xcon, "2026-10")
    assert fired(xcon, "PROVIDER_EXCLUDED") == [(NPI_A, None)]


@pytest.mark.parametrize(("decision", "fires"), [(None, False), ("dismissed", False), ("confirmed", True)])
def test_a_name_match_counts_only_when_confirmed(xcon, decision, fires):
    add_exclusion(xcon, "k2", npi=None, excl="2026-01-10")
    if decision:
        decide(xcon, NPI_B, "k2", decision)
    run_audit(xcon, "2026-10")
    assert fired(xcon, "PROVIDER_EXCLUDED") == ([(NPI_B, None)] if fires else [])


def test_the_latest_decision_wins(xcon):
    add_exclusion(xcon, "k2", npi=None, excl="2026-01-10")
    decide(xcon, NPI_B, "k2", "confirmed", "2026-11-02 09:00", 1)
    decide(xcon, NPI_B, "k2", "dismissed", "2026-11-03 09:00", 2)
    run_audit(xcon, "2026-10")
    assert fired(xcon, "PROVIDER_EXCLUDED") == []


def test_an_inactive_provider_gets_no_provider_finding(xcon):
    add_exclusion(xcon, "k1", npi=NPI_A, excl="2026-01-01")
    xcon.execute("UPDATE providers SET status = 'inactive' WHERE npi = ?", [NPI_A])
    run_audit(xcon, "2026-10")
    assert fired(xcon, "PROVIDER_EXCLUDED") == []


@pytest.mark.parametrize(
    ("dos", "cleared"),
    [("2026-10-14", True), ("2026-10-15", False), ("2026-11-19", False), ("2026-11-20", True)],
)
def test_the_pre_check_blocks_lines_from_the_exclusion_date_until_reinstatement(xcon, dos, cleared):
    add_exclusion(xcon, "k1", npi=NPI_A, excl="2026-10-15", rein="2026-11-20")
    result = check_line(xcon, NPI_A, "AET", "99213", dos)
    assert result.cleared is cleared
    if not cleared:
        assert result.findings == ["PROVIDER_EXCLUDED"]
        assert result.reasons[0].startswith(
            "The provider is on the OIG exclusion list (LEIE) since 2026-10-15"
        )


def test_excluded_lines_are_blocking_in_the_audit_too(xcon):
    """DENIAL_EXPLAINED needs a blocking finding: a credentialing denial of an excluded provider's line has one."""
    from audit_rows import add_remit

    add_exclusion(xcon, "k1", npi=NPI_A, excl="2026-10-01")
    add_line(xcon, "C1", dos="2026-10-15", billed=100)
    add_remit(xcon, "C1", paid=0, adjustments=[("CO", "B7", 100)])
    run_audit(xcon, "2026-10")
    assert ("C1", 1) in fired(xcon, "DENIAL_EXPLAINED")
    assert fired(xcon, "DENIAL_UNEXPLAINED") == []


def test_the_gate_holds_an_excluded_providers_claim(xcon, tmp_path):
    from x12_batches import billing, claim, header, join, subscriber, with_envelope

    from audits.gate import gate_file

    add_exclusion(xcon, "k1", npi=NPI_A, excl="2026-10-15")
    body = header("0001") + billing("1", NPI_B) + subscriber("2", "1", "M1", "AET")
    body += claim("E1", [("99213", 10.0, "20261016")], NPI_A) + claim(
        "E2", [("99213", 10.0, "20261014")], NPI_A
    )
    path = tmp_path / "b.837"
    path.write_text(join(with_envelope([body])))
    result = gate_file(xcon, path, tmp_path / "c.837", tmp_path / "h.csv")
    assert [(c.claim_id, c.rule_ids) for c in result.held] == [("E1", ["PROVIDER_EXCLUDED"])]
    assert [c.claim_id for c in result.clean] == ["E2"]
    assert dt.date(2026, 10, 16) == result.held[0].first_dos
