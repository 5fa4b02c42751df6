"""User text as text (issue 14): provider and payer names with <a href>, <b> or a bare URL are shown as
the characters they are - in plotly labels and hover, in markdown headers and in error messages - by the
pages' one escaping helper (app_pages/_format.py: plain for markdown, chart_text for plotly)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import A, B, build_small_practice

from app_pages._format import chart_text, plain
from audits.store import connect

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_PROVIDER = '<a href="http://evil.example/x">Avery Stone</a>'
HOSTILE_PAYER = "<b>Aetna</b> see www.evil.example or help@evil.example"


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE_PROVIDER,
        HOSTILE_PAYER,
        "https://evil.example/login",
        "# Header",
        "**bold** _x_ `code`",
        "<img src=x>",
    ],
)
def test_plain_leaves_no_markup_or_link(text):
    out = plain(text)
    assert "<" not in out.replace("\\<", "") and ">" not in out.replace("\\>", "")
    assert "://" not in out and "www." not in out.lower() and "@" not in out.replace("\\@", "")
    assert not out.startswith("#")
    assert "**" not in out.replace("\\*", "")


def test_chart_text_has_no_tag_plotly_would_draw():
    out = chart_text(HOSTILE_PROVIDER + " & <br> <b>x</b>")
    assert "<" not in out and ">" not in out
    assert "&lt;a href" in out and "&amp;" in out


def _hostile_practice(path: Path) -> Path:
    build_small_practice(path)
    with connect(path) as con:
        con.execute("UPDATE providers SET provider_name = ? WHERE npi = ?", [HOSTILE_PROVIDER, A])
        con.execute("UPDATE providers SET provider_name = ? WHERE npi = ?", ["Blake <b>Fern</b>", B])
        con.execute("UPDATE payers SET payer_name = ? WHERE payer_id = 'AET'", [HOSTILE_PAYER])
    return path


def _charts(at) -> list[str]:
    return [json.dumps(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]


def test_names_in_charts_and_headers_are_text(monkeypatch, tmp_path):
    monkeypatch.setenv("CLEARTOBILL_DB", str(_hostile_practice(tmp_path / "h.duckdb")))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    specs = _charts(at)
    assert specs, "the audit page draws its heatmap"
    joined = " ".join(specs)
    assert "Fern" in joined and "&lt;b&gt;Fern&lt;/b&gt;" in joined  # the names are there, as text
    for tag in ("<a ", "<b>", "</b>", "</a>"):
        assert tag not in joined
    at.switch_page("app_pages/provider.py")
    at.query_params["npi"] = A
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    headers = [h.value for h in at.header]
    assert headers and all("<a" not in h.replace("\\<a", "") and "://" not in h for h in headers)
    for spec in _charts(at):
        assert "<b>" not in spec and "<a " not in spec
    for shown in [*at.markdown, *at.error, *at.info, *at.warning, *at.caption]:
        value = shown.value
        assert "<a href" not in value.replace("\\<a href", ""), value
        assert "<b>" not in value.replace("\\<b\\>", ""), value
