"""The dashboard on the demo practice (audits.demo.build_demo, 3,000 lines, built once per session):
every page launches, shows the demo banner, and its main interaction works."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audits import demo
from audits import findings as findings_model
from audits.store import connect

pytestmark = pytest.mark.xdist_group("demo")
ROOT = Path(__file__).resolve().parent.parent
PAGES = ["audit", "upload", "provider", "clearance", "trends"]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard-demo")
    key = folder / "hmac.key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLEARTOBILL_KEY_FILE", str(key))
        demo.build_demo(folder / "demo.duckdb", seed=7, lines=3000, out_dir=folder / "files")
    return folder / "demo.duckdb"


def open_app(monkeypatch, db: Path, page: str | None = None) -> AppTest:
    monkeypatch.setenv("CLEARTOBILL_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_launches_on_the_demo(monkeypatch, demo_db, page):
    at = open_app(monkeypatch, demo_db, page)
    assert not at.error
    assert any(i.value.startswith("You are looking at demo data") for i in at.info)
    with connect(demo_db, read_only=True) as con:
        latest = con.execute(
            "SELECT strftime(max(month), '%Y-%m') FROM audit_runs WHERE status = 'done'"
        ).fetchall()
    assert at.sidebar.selectbox[0].value == latest[0][0]


def test_audit_tiles_and_month_change(monkeypatch, demo_db):
    at = open_app(monkeypatch, demo_db, "audit")
    labels = [m.label for m in at.metric]
    assert labels[:5] == ["Claim lines", "Billed", "Denied dollars", "Preventable dollars", "Findings"]
    assert at.metric[1].value.startswith("$") and "," in at.metric[0].value or int(at.metric[0].value) > 0
    months = at.sidebar.selectbox[0].options
    at.sidebar.selectbox[0].set_value(months[1]).run()
    assert not at.exception
    assert at.title[0].value == f"Monthly audit {months[1]}"


def test_drill_down_on_the_demo(monkeypatch, demo_db):
    at = open_app(monkeypatch, demo_db, "audit")
    pick = at.selectbox(key="finding_pick")
    assert pick.options, "the demo month has findings"
    with connect(demo_db, read_only=True) as con:
        first = findings_model.findings(con, at.sidebar.selectbox[0].value)["finding_id"].iloc[0]
    pick.set_value(first).run()
    assert not at.exception
    assert any(w.value.startswith("What to do:") for w in at.warning)


def test_who_can_bill_on_the_demo(monkeypatch, demo_db):
    at = open_app(monkeypatch, demo_db, "clearance")
    at.text_input(key="who_code").set_value("99213")
    at.text_input(key="who_date").set_value(dt.date.today().isoformat())
    at.button(key="who_submit").click().run()
    assert not at.exception
    assert any(" active providers can bill **99213**" in m.value for m in at.markdown)


def test_trends_show_root_causes(monkeypatch, demo_db):
    at = open_app(monkeypatch, demo_db, "trends")
    assert [m.label for m in at.metric][:2] == ["Denied dollars (12 months)", "Credentialing-related share"]
    assert at.metric[1].value.endswith("%")
