"""Retro-billing (issue 11): a roster upload moving an effective date back over lines denied for
credentialing makes them recoverable, with the payer's filing limit and the days left; a line leaves
once a later remittance pays it. Hand-written rows; `as_of` 2026-12-01.

Snapshot 1 (2026-10-05): NPI_A enrolled with Aetna from 2026-09-01, pending with Medicare (MCR).
Snapshot 2 (2026-11-02): Aetna moved back to 2026-08-01; Medicare enrolled from 2026-09-01 (Medicare
bills back 30 days before the effective date, 42 CFR 424.521: from 2026-08-02).
"""

from __future__ import annotations

import datetime as dt

import pytest
from audit_rows import NPI_A, add_line, add_payer, add_provider, add_remit, d, open_copy

from audits import retro
from audits.cli import main
from audits.errors import InputError

AS_OF = dt.date(2026, 12, 1)
B7 = (("CO", "B7", 100),)  # credentialing: provider not certified on the date of service
CODING = (("CO", "4", 100),)  # coding: not a credentialing denial


def snapshot(con, snapshot_id, created, rows):
    """A roster snapshot carrying enrollments: history kept, current rows replaced (SPEC 1)."""
    con.execute(
        "INSERT INTO roster_snapshots (snapshot_id, created_at, tables_carried, content_sha256) VALUES (?, ?, ?, ?)",
        [snapshot_id, dt.datetime.fromisoformat(created), "enrollments", f"sha{snapshot_id}"],
    )
    con.execute("DELETE FROM enrollments")
    for npi, payer, status, effective, submitted in rows:
        for table in ("enrollments", "enrollments_history"):
            con.execute(
                f"INSERT INTO {table} (npi, payer_id, status, effective_date, submitted_date, snapshot_id) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?)",
                [npi, payer, status, effective and d(effective), submitted and d(submitted), snapshot_id],
            )
    con.execute("DELETE FROM roster_current WHERE table_name = 'enrollments'")
    con.execute("INSERT INTO roster_current VALUES ('enrollments', ?)", [snapshot_id])


def denied_line(con, claim_id, payer, dos, billed, adjustments=B7):
    add_line(con, claim_id, npi=NPI_A, payer=payer, dos=dos, billed=billed)
    add_remit(
        con,
        claim_id,
        payer=payer,
        paid=0,
        adjustments=adjustments,
        adjudicated="2026-10-01",
        source=f"D-{claim_id}",
    )


@pytest.fixture
def rcon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_payer(con, "MCR", "Medicare")
        add_provider(con, NPI_A, "Ann Able")
        snapshot(
            con,
            1,
            "2026-10-05 09:00",
            [(NPI_A, "AET", "enrolled", "2026-09-01", None), (NPI_A, "MCR", "pending", None, "2026-08-20")],
        )
        denied_line(con, "L1", "AET", "2026-08-10", 100)  # covered by the correction
        denied_line(con, "L2", "AET", "2026-07-15", 60)  # before the new effective date
        denied_line(con, "L3", "AET", "2026-08-20", 80, CODING)  # not a credentialing denial
        denied_line(con, "L5", "MCR", "2026-08-05", 200)  # inside Medicare's 30 days
        denied_line(con, "L6", "MCR", "2026-07-30", 50)  # 33 days before: outside
        denied_line(con, "L7", "AET", "2026-09-15", 70)  # covered all along: no correction made it billable
        snapshot(
            con,
            2,
            "2026-11-02 10:00",
            [
                (NPI_A, "AET", "enrolled", "2026-08-01", None),
                (NPI_A, "MCR", "enrolled", "2026-09-01", "2026-08-20"),
            ],
        )
        yield con


def listed(frame):
    return [(r.claim_id, r.payer_id, r.deadline, r.days_left, r.state) for r in frame.itertuples(index=False)]


def test_lines_the_correction_covers_with_deadlines(rcon):
    frame = retro.recoverable_lines(rcon, as_of=AS_OF)
    assert listed(frame) == [
        # Aetna: 90 days from the date of service (the default for other payers): 2026-11-08, past
        ("L1", "AET", dt.date(2026, 11, 8), -23, "past limit"),
        # Medicare: 12 months from the date of service (42 CFR 424.44)
        ("L5", "MCR", dt.date(2027, 8, 5), 247, "open"),
    ]
    assert frame["corrected_on"].tolist() == [dt.date(2026, 11, 2)] * 2
    assert frame["denial"].tolist() == ["CO-B7", "CO-B7"]
    assert frame["billed_amount"].tolist() == [100.0, 200.0]


def test_edited_limit_counts_from_the_correction(rcon):
    retro.set_filing_limit(rcon, "AET", 90, basis="correction", by="maria")
    frame = retro.recoverable_lines(rcon, payer_id="AET", as_of=AS_OF)
    assert listed(frame) == [("L1", "AET", dt.date(2027, 1, 31), 61, "open")]
    limits = retro.filing_limits(rcon).set_index("payer_id")
    assert limits.loc["AET", "set_by"] == "maria" and limits.loc["MCR", "set_by"] == "default"
    assert "424.521" in limits.loc["MCR", "source"] and limits.loc["MCR", "retro_window_days"] == 30
    with pytest.raises(InputError):
        retro.set_filing_limit(rcon, "AET", 0, by="maria")


def test_a_later_payment_drops_the_line(rcon):
    add_remit(rcon, "L1", payer="AET", paid=100, adjudicated="2026-11-20", source="PAY-L1")
    assert [r.claim_id for r in retro.recoverable_lines(rcon, as_of=AS_OF).itertuples()] == ["L5"]
    recovered = retro.recovered_by_month(rcon)
    assert recovered.to_dict("records") == [{"month": "2026-08", "lines": 1, "recovered_dollars": 100.0}]


def test_another_payers_payment_does_not_drop_it(rcon):
    add_remit(rcon, "L1", payer="MCR", paid=100, adjudicated="2026-11-20", source="SEC-L1")
    assert [r.claim_id for r in retro.recoverable_lines(rcon, as_of=AS_OF).itertuples()] == ["L1", "L5"]


def test_no_correction_no_lines(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_provider(con, NPI_A)
        snapshot(con, 1, "2026-10-05 09:00", [(NPI_A, "AET", "enrolled", "2026-09-01", None)])
        denied_line(con, "L1", "AET", "2026-08-10", 100)
        snapshot(con, 2, "2026-11-02 10:00", [(NPI_A, "AET", "enrolled", "2026-09-01", None)])
        assert retro.recoverable_lines(con, as_of=AS_OF).empty


def test_payer_kinds():
    assert retro.payer_kind("MCR", "Medicare") == "medicare"
    assert retro.payer_kind("X1", "Novitas Medicare Part B") == "medicare"
    assert retro.payer_kind("HUM", "Humana Medicare Advantage") == "other"
    assert retro.payer_kind("MCD", "Texas Medicaid") == "medicaid"


def test_cli_retro(template, tmp_path, capsys):
    with open_copy(template, tmp_path) as con:
        add_payer(con, "AET", "Aetna")
        add_provider(con, NPI_A)
        snapshot(con, 1, "2026-10-05 09:00", [(NPI_A, "AET", "enrolled", "2026-09-01", None)])
        denied_line(con, "L1", "AET", "2026-08-10", 100)
        snapshot(con, 2, "2026-11-02 10:00", [(NPI_A, "AET", "enrolled", "2026-08-01", None)])
    db = str(tmp_path / "audit.duckdb")
    assert main(["retro", "--payer", "AET", "--set-days", "120", "--basis", "correction", "--db", db]) == 0
    assert "AET: 120 days from the correction" in capsys.readouterr().out
    assert main(["retro", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "L1" in out and "2027-03-02" in out and "1 recoverable lines, $100.00" in out
