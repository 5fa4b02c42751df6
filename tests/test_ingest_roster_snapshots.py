"""Roster snapshots (SPEC 1): replace the tables carried, keep history, duplicates, undo, diff.

Tiny hand-written workbooks (openpyxl, tmp_path) loaded with parse_roster + apply_roster on a real
DuckDB file, each load in its own transaction as the loader does it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from audits.errors import NotFound
from audits.ingest.readers import read_tables
from audits.ingest.roster import (
    apply_roster,
    list_snapshots,
    parse_roster,
    restore_snapshot,
    roster_history,
    snapshot_diff,
)
from audits.store import transaction

NPI_A = "1234567893"
NPI_B = "1111111112"
D = dt.date

PAYERS = [
    ["Payer ID", "Payer Name", "Aliases"],
    ["AETNA", "Aetna", "Aetna Health"],
    ["BCBS", "Blue Cross", None],
]
PROVIDERS = [["NPI", "Provider Name"], [NPI_A, "Test Provider A"], [NPI_B, "Test Provider B"]]


def enrollments(effective_a="2024-03-01"):
    return [
        ["NPI", "Payer", "Status", "Effective Date"],
        [NPI_A, "Aetna", "Participating", effective_a],
        [NPI_B, "Blue Cross", "Pending", None],
    ]


def write_xlsx(path, sheets):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, sheet_rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in sheet_rows:
            sheet.append(row)
    workbook.save(path)
    return path


def load(con, path):
    upload_id = con.execute("SELECT coalesce(max(upload_id), 0) + 1 FROM uploads").fetchall()[0][0]
    with transaction(con):
        con.execute(
            "INSERT INTO uploads (upload_id, file_name, sha256, kind, status) VALUES (?, ?, 'x', 'roster', 'loaded')",
            [upload_id, path.name],
        )
        return apply_roster(con, parse_roster(read_tables(path)), upload_id)


def rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def current(con):
    return dict(rows(con, "SELECT table_name, snapshot_id FROM roster_current"))


def test_an_upload_replaces_the_tables_it_carries_and_keeps_the_others(con, tmp_path):
    full = write_xlsx(
        tmp_path / "full.xlsx", {"Payers": PAYERS, "Providers": PROVIDERS, "Enrollments": enrollments()}
    )
    first = load(con, full)
    assert (first.duplicate, first.tables) == (False, ["providers", "payers", "enrollments"])
    assert current(con) == {
        "providers": first.snapshot_id,
        "payers": first.snapshot_id,
        "enrollments": first.snapshot_id,
    }

    # A file with only an enrollments sheet: enrollments replaced, providers and payers left alone.
    only_enrollments = write_xlsx(
        tmp_path / "enrollments.xlsx", {"E": [enrollments()[0], [NPI_A, "BCBS", "Active", "2025-01-01"]]}
    )
    second = load(con, only_enrollments)
    assert second.tables == ["enrollments"]
    assert second.snapshot_id > first.snapshot_id
    assert rows(con, "SELECT npi, payer_id, status, snapshot_id FROM enrollments") == [
        (NPI_A, "BCBS", "enrolled", second.snapshot_id)
    ]
    assert rows(con, "SELECT count(*) FROM providers WHERE snapshot_id = ?", [first.snapshot_id]) == [(2,)]
    assert rows(con, "SELECT count(*) FROM payers") == [(2,)]
    assert current(con) == {
        "providers": first.snapshot_id,
        "payers": first.snapshot_id,
        "enrollments": second.snapshot_id,
    }
    # Both snapshots are kept.
    assert rows(con, "SELECT snapshot_id, count(*) FROM enrollments_history GROUP BY 1 ORDER BY 1") == [
        (first.snapshot_id, 2),
        (second.snapshot_id, 1),
    ]
    assert rows(con, "SELECT snapshot_id, upload_id, tables_carried FROM roster_snapshots ORDER BY 1") == [
        (first.snapshot_id, 1, "providers,payers,enrollments"),
        (second.snapshot_id, 2, "enrollments"),
    ]


def test_same_upload_twice_is_a_duplicate_and_an_older_file_again_undoes(con, tmp_path):
    old = write_xlsx(tmp_path / "old.xlsx", {"Payers": PAYERS, "Enrollments": enrollments("2024-03-01")})
    new = write_xlsx(tmp_path / "new.xlsx", {"Payers": PAYERS, "Enrollments": enrollments("2023-09-01")})
    first = load(con, old)
    again = load(con, old)
    assert (again.duplicate, again.snapshot_id) == (True, first.snapshot_id)
    assert (again.rows_read, again.rows_loaded, again.rows_rejected) == (4, 4, 0)
    assert rows(con, "SELECT count(*) FROM roster_snapshots") == [(1,)]

    moved = load(con, new)
    assert moved.duplicate is False
    assert rows(con, "SELECT effective_date FROM enrollments WHERE npi = ?", [NPI_A]) == [(D(2023, 9, 1),)]

    # Loading the old file again is not a duplicate (the current snapshot differs): it undoes the change.
    undo = load(con, old)
    assert undo.duplicate is False
    assert undo.snapshot_id > moved.snapshot_id
    assert rows(con, "SELECT effective_date FROM enrollments WHERE npi = ?", [NPI_A]) == [(D(2024, 3, 1),)]
    assert rows(con, "SELECT count(*) FROM roster_snapshots") == [(3,)]


def test_snapshot_diff_shows_an_effective_date_moved_back(con, tmp_path):
    first = load(
        con, write_xlsx(tmp_path / "a.xlsx", {"Payers": PAYERS, "Enrollments": enrollments("2024-03-01")})
    )
    second_book = {
        "Payers": PAYERS,
        "Enrollments": [*enrollments("2023-09-01")[:2], [NPI_B, "Aetna", "Denied", None]],
    }
    second = load(con, write_xlsx(tmp_path / "b.xlsx", second_book))
    diff = snapshot_diff(con, first.snapshot_id, second.snapshot_id)
    changes = diff[["table", "change", "npi", "key", "column", "old_value", "new_value"]].values.tolist()
    assert [
        "enrollments",
        "changed",
        NPI_A,
        f"{NPI_A} / AETNA",
        "effective_date",
        "2024-03-01",
        "2023-09-01",
    ] in changes
    kinds = sorted((c[0], c[1], c[2]) for c in changes if c[1] != "changed")
    assert kinds == [("enrollments", "added", NPI_B), ("enrollments", "removed", NPI_B)]
    assert snapshot_diff(con, first.snapshot_id, first.snapshot_id).empty
    with pytest.raises(NotFound):
        snapshot_diff(con, first.snapshot_id, 999)


def test_history_and_restore(con, tmp_path):
    first = load(
        con, write_xlsx(tmp_path / "a.xlsx", {"Payers": PAYERS, "Enrollments": enrollments("2024-03-01")})
    )
    second = load(
        con, write_xlsx(tmp_path / "b.xlsx", {"Payers": PAYERS, "Enrollments": enrollments("2023-09-01")})
    )
    history = roster_history(con, "enrollments", npi=NPI_A)
    assert history[["snapshot_id", "file_name", "payer_id"]].values.tolist() == [
        [first.snapshot_id, "a.xlsx", "AETNA"],
        [second.snapshot_id, "b.xlsx", "AETNA"],
    ]
    assert [d.date() for d in history["effective_date"]] == [D(2024, 3, 1), D(2023, 9, 1)]
    assert len(roster_history(con, "payers")) == 4
    with pytest.raises(NotFound):
        roster_history(con, "claim_lines")

    with transaction(con):
        restored = restore_snapshot(con, first.snapshot_id)
    assert restored > second.snapshot_id
    assert rows(con, "SELECT effective_date, snapshot_id FROM enrollments WHERE npi = ?", [NPI_A]) == [
        (D(2024, 3, 1), restored)
    ]
    snapshots = list_snapshots(con)
    assert snapshots["snapshot_id"].tolist() == [restored, second.snapshot_id, first.snapshot_id]
    assert snapshots["current_for"].tolist()[0] == "enrollments,payers"
    # After a restore, the first file is identical to the current snapshot: a duplicate.
    assert load(con, tmp_path / "a.xlsx").duplicate is True


def test_payers_sheet_refreshes_roster_aliases_and_keeps_analyst_ones(con, tmp_path):
    con.execute(
        "INSERT INTO payer_aliases (alias_norm, alias, payer_id, source) VALUES ('AETNAPPO', 'Aetna PPO', 'AETNA', 'analyst')"
    )
    load(con, write_xlsx(tmp_path / "a.xlsx", {"Payers": PAYERS}))
    assert rows(con, "SELECT alias_norm, payer_id, source FROM payer_aliases ORDER BY 1") == [
        ("AETNA", "AETNA", "roster"),
        ("AETNAHEALTH", "AETNA", "roster"),
        ("AETNAPPO", "AETNA", "analyst"),
        ("BCBS", "BCBS", "roster"),
        ("BLUECROSS", "BCBS", "roster"),
    ]
    # A later payers sheet without the alias drops the roster alias, not the analyst's.
    load(con, write_xlsx(tmp_path / "b.xlsx", {"Payers": [PAYERS[0], ["AETNA", "Aetna", None]]}))
    assert rows(con, "SELECT alias_norm, source FROM payer_aliases ORDER BY 1") == [
        ("AETNA", "roster"),
        ("AETNAPPO", "analyst"),
    ]
    # The analyst's alias resolves in a later enrollments sheet.
    result = load(
        con,
        write_xlsx(tmp_path / "c.xlsx", {"E": [enrollments()[0], [NPI_A, "Aetna PPO", "Par", "2024-01-01"]]}),
    )
    assert result.rows_rejected == 0
    assert rows(con, "SELECT payer_id FROM enrollments") == [("AETNA",)]


def test_payers_in_the_database_resolve_when_the_upload_has_no_payers_sheet(con, tmp_path):
    load(con, write_xlsx(tmp_path / "p.xlsx", {"Payers": PAYERS}))
    result = load(con, write_xlsx(tmp_path / "e.xlsx", {"E": enrollments()}))
    assert result.rows_rejected == 0
    assert rows(con, "SELECT npi, payer_id FROM enrollments ORDER BY npi") == [
        (NPI_B, "BCBS"),
        (NPI_A, "AETNA"),
    ]


def test_a_failed_transaction_leaves_the_previous_snapshot_current(con, tmp_path):
    first = load(con, write_xlsx(tmp_path / "a.xlsx", {"Payers": PAYERS, "Enrollments": enrollments()}))
    batch = parse_roster(read_tables(write_xlsx(tmp_path / "b.xlsx", {"Payers": PAYERS[:2]})))
    with pytest.raises(RuntimeError), transaction(con):
        apply_roster(con, batch, None)
        raise RuntimeError("the loader failed after apply_roster")
    assert current(con) == {"payers": first.snapshot_id, "enrollments": first.snapshot_id}
    assert rows(con, "SELECT count(*) FROM payers") == [(2,)]


def test_snapshot_diff_shows_a_renewed_licence(con, tmp_path):
    header = ["NPI", "Credential Type", "Number", "State", "Expiration Date"]
    first = load(
        con, write_xlsx(tmp_path / "a.xlsx", {"L": [header, [NPI_A, "License", "M1", "TX", "2025-12-31"]]})
    )
    second = load(
        con, write_xlsx(tmp_path / "b.xlsx", {"L": [header, [NPI_A, "License", "M1", "TX", "2027-12-31"]]})
    )
    diff = snapshot_diff(con, first.snapshot_id, second.snapshot_id)
    assert diff[["table", "change", "column", "old_value", "new_value"]].values.tolist() == [
        ["credentials", "changed", "expiration_date", "2025-12-31", "2027-12-31"]
    ]
