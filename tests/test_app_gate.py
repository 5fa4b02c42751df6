"""The gate on the Clearance & pre-check page under AppTest: drop a batch, see held and clean claims, both
downloads, the held list, and a release once the roster clears the held claim."""

from __future__ import annotations

from pathlib import Path

from audit_rows import add_credentialed_provider, add_enrollment, add_provider, with_reference
from streamlit.testing.v1 import AppTest
from x12_batches import NPI_A, NPI_B, billing, claim, header, join, subscriber, with_envelope

from audits.ingest.x12_837 import parse_837
from audits.store import connect

ROOT = Path(__file__).resolve().parent.parent


def practice(path: Path) -> Path:
    with connect(path) as con:
        with_reference(con)
        add_credentialed_provider(con, NPI_A, "AET", "Aetna")
        add_provider(con, NPI_B, "Second Provider")
    return path


def batch() -> bytes:
    body = header("0001") + billing("1", NPI_A) + subscriber("2", "1", "M1", "AET")
    body += claim("C1", [("99213", 100.0, "20261015")], NPI_A) + claim(
        "C2", [("99214", 80.0, "20261016")], NPI_B
    )
    return join(with_envelope([body])).encode()


def open_gate(monkeypatch, db: Path) -> AppTest:
    monkeypatch.setenv("CLEARTOBILL_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.switch_page("app_pages/clearance.py")
    at.run()
    return at


def texts(at: AppTest) -> str:
    """The page's markdown and captions as a reader sees them (bold and escapes dropped)."""
    shown = "\n".join(m.value for m in at.markdown) + "\n" + "\n".join(c.value for c in at.caption)
    return shown.replace("**", "").replace("\\$", "$")


def test_gate_a_batch_on_the_page_and_release_it_later(monkeypatch, tmp_path):
    db = practice(tmp_path / "practice.duckdb")
    at = open_gate(monkeypatch, db)
    assert not at.exception
    at.file_uploader(key="gate_file").set_value(("october.837", batch(), "application/octet-stream")).run()
    at.button(key="gate_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "2 claims (2 lines) checked: 1 clean, 1 held ($80.00)." in texts(at)
    result = at.session_state["gate_result"]
    assert list(result["held"]["claim_id"]) == ["C2"]
    name, clean = result["clean_file"]
    assert name == "clean-october.837"
    assert [c.claim_id for c in parse_837(clean, keep_segments=True).batch.claims] == ["C1"]
    held_table = [d for d in at.dataframe if "what_to_fix" in d.value.columns]
    assert held_table and list(held_table[0].value["claim_id"]) == ["C2"]
    assert "1 claims held; 0 ready to release" in texts(at)
    assert not [b for b in at.button if b.key and b.key.startswith("gate_release_")]

    with connect(db) as con:  # a later roster upload: the Aetna enrollment of NPI_B
        add_enrollment(con, NPI_B, "AET", "enrolled", effective="2026-01-01")
        con.execute(
            "INSERT INTO credentials (npi, credential_type, number, state, expiration_date) "
            "VALUES (?, 'state_license', 'L9', 'TX', DATE '2028-12-31')",
            [NPI_B],
        )
    at.run()
    assert "1 claims held; 1 ready to release" in texts(at)
    at.button(key="gate_release_837").click().run()
    assert not at.exception, [e.value for e in at.exception]
    name, content, summary = at.session_state["gate_release"]
    assert summary.startswith("1 claims released")
    released = parse_837(content, keep_segments=True)
    assert released.envelope_problems == [] and [c.claim_id for c in released.batch.claims] == ["C2"]
    assert "No claim is waiting." in texts(at)


def test_the_provider_profile_shows_the_last_screening(monkeypatch, tmp_path):
    from audits.exclusions import load_list
    from audits.ingest.exclusions import LEIE_COLUMNS

    db = practice(tmp_path / "practice.duckdb")
    listed = tmp_path / "2611EXCL.csv"
    row = dict.fromkeys(LEIE_COLUMNS, "")
    row.update(
        {"LASTNAME": "ANYONE", "FIRSTNAME": "X", "NPI": NPI_B, "EXCLTYPE": "1128b4", "EXCLDATE": "20260315"}
    )
    listed.write_text(",".join(LEIE_COLUMNS) + "\n" + ",".join(row[c] for c in LEIE_COLUMNS) + "\n")
    with connect(db) as con:
        load_list(con, listed, loaded_by="olga")
    monkeypatch.setenv("CLEARTOBILL_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.switch_page("app_pages/provider.py")
    at.run()
    at.selectbox(key="provider_npi").set_value(NPI_B).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "by olga against LEIE 2611EXCL.csv dated 2026-11-30" in texts(at)
    assert any("On an exclusion list" in e.value for e in at.error)
    at.selectbox(key="provider_npi").set_value(NPI_A).run()
    assert any("Not on any loaded exclusion list." in s.value for s in at.success)
