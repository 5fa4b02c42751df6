"""The audit trail (issue 14): an append-only audit_event table written by audits/audit_log.py alone.
The core records uploads, duplicate uploads, confirmed aliases, snapshot restores and audit runs with
the actor the edge set; nothing updates or deletes an event."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audits import audit_log
from audits.ingest import ingest_file
from audits.ingest.payers import confirm_payer_alias
from audits.ingest.roster.snapshots import restore_snapshot
from audits.reports import csv_text
from audits.runner import run_audit
from audits.store import transaction

ROOT = Path(__file__).resolve().parent.parent
ROSTER = "NPI,Provider Name,Status\n1234567893,Dr A,Active\n"
ROSTER_2 = "NPI,Provider Name,Status\n1234567893,Dr A,Active\n1987654328,Dr B,Active\n"
CLAIMS = "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\nC1,1234567893,Aetna,2024-01-05,99213,1\n"


def _events(con):
    return con.execute(
        "SELECT event_id, occurred_at, user_name, role, action, object, row_count, file_sha256, via FROM audit_event "
        "ORDER BY event_id"
    ).fetchall()


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_record_keeps_who_what_and_when(con):
    with audit_log.acting_as("dana", "manager", "dashboard"):
        first = audit_log.record(con, "export", "findings 2026-10.csv", rows=12)
    second = audit_log.record(con, "login", "password", actor=audit_log.Actor("eli", "admin", "dashboard"))
    assert second > first
    rows = [r[2:] for r in _events(con)]
    assert rows == [
        ("dana", "manager", "export", "findings 2026-10.csv", 12, None, "dashboard"),
        ("eli", "admin", "login", "password", None, None, "dashboard"),
    ]
    with pytest.raises(ValueError):
        audit_log.record(con, "delete everything")


def test_the_core_records_uploads_aliases_restores_and_runs_with_the_actor(con, tmp_path):
    with audit_log.acting_as("ana", "analyst", "cli"):
        roster = ingest_file(con, _write(tmp_path, "roster.csv", ROSTER))
        ingest_file(con, _write(tmp_path, "roster2.csv", ROSTER_2))
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
        claims_path = _write(tmp_path, "claims.csv", CLAIMS)
        claims = ingest_file(con, claims_path)
        ingest_file(con, claims_path)
        confirm_payer_alias(con, "Aetna Choice", "AETNA")
        with transaction(con):
            restore_snapshot(con, roster.snapshot_id)
        run_audit(con, "2024-01")
    rows = [(r[2], r[3], r[4], r[6], r[7], r[8]) for r in _events(con)]
    actions = [r[2] for r in rows]
    assert actions == [
        "upload", "upload", "upload", "duplicate upload", "alias confirmed", "snapshot restored", "audit run",
    ]  # fmt: skip
    assert {(r[0], r[1], r[5]) for r in rows} == {("ana", "analyst", "cli")}
    assert rows[2][3:5] == (1, claims.sha256) and rows[3][4] == claims.sha256
    objects = [r[5] for r in _events(con)]
    assert "claims.csv" in objects[2] and "Aetna Choice" in objects[4] and "AETNA" in objects[4]
    assert f"snapshot {roster.snapshot_id}" in objects[5] and "2024" in objects[6]


def test_an_upload_that_rolls_back_leaves_no_event(con, tmp_path):
    with pytest.raises(Exception):  # noqa: B017 - any failure inside the transaction
        with transaction(con):
            audit_log.record(con, "upload", "claims.csv", rows=3)
            raise RuntimeError("the load failed")
    assert _events(con) == []


def test_no_code_path_updates_or_deletes_an_event():
    """Scan every module, page and migration: audit_event is written by audit_log.py alone, by INSERT."""
    write = re.compile(
        r"\b(UPDATE|DELETE\s+FROM|DROP\s+TABLE(\s+IF\s+EXISTS)?|TRUNCATE(\s+TABLE)?|ALTER\s+TABLE|INSERT\s+INTO"
        r"|INSERT\s+OR\s+REPLACE\s+INTO|COPY)\s+\"?audit_event\b",
        re.IGNORECASE,
    )
    sources = [*ROOT.glob("audits/**/*.py"), *ROOT.glob("app_pages/*.py"), ROOT / "dashboard.py"]
    sources += list(ROOT.glob("audits/sql/**/*.sql"))
    offenders = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for match in write.finditer(text):
            verb = match.group(1).split()[0].upper()
            if path.name == "audit_log.py" and verb == "INSERT":
                continue
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []
    module = (ROOT / "audits" / "audit_log.py").read_text(encoding="utf-8")
    assert not re.search(r"\b(UPDATE|DELETE|DROP|TRUNCATE|ALTER)\b", module.split('"""', 2)[2])
    # every insert statement in the project that names the table lives in audit_log.py
    assert "INSERT INTO audit_event" in module


def test_the_api_cannot_change_an_event(con):
    """Everything audit_log offers, tried with text built to break out of a statement: events only grow."""
    audit_log.record(con, "login", "password", actor=audit_log.Actor("eli", "admin", "dashboard"))
    before = _events(con)
    hostile = "x', NULL, NULL, 'cli'); DELETE FROM audit_event; --"
    audit_log.record(con, "export", hostile, actor=audit_log.Actor(hostile, hostile, hostile))
    for name in dir(audit_log):
        if name.startswith(("update", "delete", "remove", "clear", "purge", "edit")):
            pytest.fail(f"audit_log offers {name}")
    audit_log.events(con, user=hostile, action=hostile)
    audit_log.export_bytes(con, user=hostile)
    after = _events(con)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert after[-1][5] == hostile and after[-1][2] == hostile


def test_export_is_neutralised_and_filters_work(con):
    audit_log.record(con, "export", '=HYPERLINK("http://x")', actor=audit_log.Actor("dana", "manager", "cli"))
    audit_log.record(con, "login", "password", actor=audit_log.Actor("eli", "admin", "dashboard"))
    frame = audit_log.events(con, user="dana")
    assert frame["action"].tolist() == ["export"]
    assert audit_log.events(con, action="login")["user"].tolist() == ["eli"]
    text = audit_log.export_bytes(con).decode("utf-8")
    assert '"=HYPERLINK' not in text and "'=HYPERLINK" in text
    assert text.splitlines()[0].startswith("event_id,when,user,role,action,object")
    assert csv_text(frame)  # the one writer
