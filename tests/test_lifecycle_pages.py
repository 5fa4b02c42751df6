"""The lifecycle sections of the pages under AppTest (issue 11): the monthly audit page shows the same
new / recurring / resolved numbers as the pack's change sheet, its bulk action changes the filtered
issues; the provider page shows exposure and open issues; the trends page the retro-billing section."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from audit_rows import NPI_A, NPI_B, open_copy
from lifecycle_rows import audit, build_practice
from streamlit.testing.v1 import AppTest

from app_pages._format import money
from audits import lifecycle
from audits.pack import write_pack
from audits.store import connect

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def practice_db(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        build_practice(con)
        audit(con)
    return tmp_path / "audit.duckdb"


def open_page(monkeypatch, db: Path, page: str) -> AppTest:
    monkeypatch.setenv("CLEARTOBILL_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_audit_page_change_tiles_match_the_pack(monkeypatch, practice_db, tmp_path):
    out = tmp_path / "pack.xlsx"
    with connect(practice_db) as con:
        write_pack(con, "2026-10", out)
    sheet = openpyxl.load_workbook(out)["Changes"]
    pack = {r[0]: (r[1], r[2]) for r in sheet.iter_rows(min_row=5, max_row=7, values_only=True)}
    at = open_page(monkeypatch, practice_db, "audit")
    tiles = {m.label: m.value for m in at.metric if m.label.endswith(" issues")}
    assert tiles == {f"{c.capitalize()} issues": f"{pack[c][0]:,}" for c in ("new", "recurring", "resolved")}
    captions = [c.value for c in at.caption]
    for change in ("new", "recurring", "resolved"):
        assert money(pack[change][1]) in captions  # the page formats money as every page does
    assert pack["recurring"] == (2, 620.0)  # by hand: NOT_ENROLLED $120 + CREDENTIAL_EXPIRING $500


def test_bulk_action_on_the_filtered_queue(monkeypatch, practice_db):
    at = open_page(monkeypatch, practice_db, "audit")
    at.selectbox(key="queue_change").set_value("recurring").run()
    at.text_input(key="queue_owner").set_value("credentialing")
    at.selectbox(key="queue_new_status").set_value("in_progress")
    at.button[[b.label for b in at.button].index("Apply to the issues shown")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    with connect(practice_db, read_only=True) as con:
        queue = lifecycle.queue(con, "2026-10")
    owned = queue.set_index("rule_id")[["assignee", "status"]].to_dict("index")
    assert owned["NOT_ENROLLED"] == {"assignee": "credentialing", "status": "in_progress"}
    assert owned["CREDENTIAL_EXPIRING"] == {"assignee": "credentialing", "status": "in_progress"}
    assert owned["INVALID_MODIFIER"]["assignee"] is None  # new, not in the filtered set


def test_provider_page_shows_exposure_and_open_issues(monkeypatch, practice_db):
    at = open_page(monkeypatch, practice_db, "provider")
    at.selectbox(key="provider_npi").set_value(NPI_B).run()
    assert not at.exception
    headers = [s.value for s in at.subheader]
    assert "Exposure: dollars under the alerts" in headers and "Open issues in 2026-10" in headers
    assert any("$500.00" in c.value or "paid" in c.value for c in at.caption)
    at.selectbox(key="provider_npi").set_value(NPI_A).run()
    assert not at.exception


def test_trends_page_has_the_retro_section(monkeypatch, practice_db):
    at = open_page(monkeypatch, practice_db, "trends")
    headers = [s.value for s in at.subheader]
    assert "Recovered and resolved" in headers
    assert "Retro-billing: lines a roster correction made billable" in headers
