"""Every page speaks plain words (issue 15): rule names and actions from the rule headers with the id on
hover, domain values in words, blanks as blanks, no internal id, JSON or hash on a page; the links between
pages; the defaults; charts sorted and labelled with their table one click away; the pre-check's verdict
with what to do. Real Streamlit sessions (AppTest) on small hand-written databases."""

from __future__ import annotations

import base64
import json
import math
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest
from test_app_pages import ROOT, A, B, build_small_practice, no_exception, open_app

from app_pages import _words as words
from audits.rules import all_rules
from audits.store import connect

PAGES = ["audit", "upload", "provider", "clearance", "trends"]
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def build_worded_practice(path: Path) -> Path:
    """The small practice plus what used to reach the pages raw: a scope row for every payer (`*`), a
    remittance with 835 claim status 4, credentials of each type, a rejected row with a hashed patient cell,
    a provider without specialty (a blank), numeric payer ids."""
    build_small_practice(path)
    with connect(path) as con:
        con.execute(
            "INSERT INTO service_scope (npi, payer_id, code_from, code_to, approved) VALUES"
            " (?, '*', '99201', '99499', true), (?, 'AET', '99281', '99285', false)",
            [A, A],
        )
        con.execute(
            "INSERT INTO credentials (npi, credential_type, state, issue_date, expiration_date) VALUES"
            " (?, 'board_certification', NULL, '2020-01-01', '2030-01-01'), (?, 'dea', 'TX', '2020-01-01', NULL)",
            [A, A],
        )
        con.execute(
            "INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, rendering_npi,"
            " adjudication_date, billed_amount, paid_amount, source) VALUES"
            " (nextval('remit_line_id_seq'), 'AET', 'C2', 1, '4', ?, '2026-10-20', 200, 0, 'TRN1')",
            [B],
        )
        con.execute(
            "INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount)"
            " VALUES (1, 1, 'line', 'CO', '16', 200)"
        )
        raw = {"Claim #": "N9", "Patient Name": "hmac:" + "ab" * 32, "Payer": "Aetna Choice", "Charges": "$5"}
        con.execute(
            "INSERT INTO rejected_rows (upload_id, row_number, sheet, raw_row, column_name, reason) VALUES"
            " (2, 7, 'claims', ?, 'payer', 'unknown payer: Aetna Choice')",
            [json.dumps(raw)],
        )
        con.execute("UPDATE providers SET specialty = NULL WHERE npi = ?", [B])
    return path


@pytest.fixture
def worded_db(tmp_path):
    return build_worded_practice(tmp_path / "worded.duckdb")


def frames(at):
    return [d.value for d in at.dataframe]


def frame_with(at, *columns):
    found = [f for f in frames(at) if all(c in f.columns for c in columns)]
    assert found, f"no table with {columns}: {[list(f.columns) for f in frames(at)]}"
    return found[0]


def texts(at) -> list[str]:
    out = []
    for kind in (
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "title",
        "header",
        "subheader",
    ):
        out.extend(str(e.value) for e in at.get(kind))
    return out


# ------------------------------------------------------------------------------------------- words


def test_rule_titles_come_from_the_rule_headers():
    """Every rule has a plain-words name (its header's title, else its id in words), never the raw id."""
    for rule in all_rules():
        title = words.rule_title(rule.rule_id)
        assert title and title != rule.rule_id and "_" not in title
        assert words.rule_action(rule.rule_id) == rule.action
    assert words.rule_title("ENROLLMENT_NOT_APPROVED") == (
        getattr(next(r for r in all_rules() if r.rule_id == "ENROLLMENT_NOT_APPROVED"), "title", None)
        or "Enrollment not approved"
    )


def test_findings_show_rule_names_with_the_id_on_hover(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "audit")
    table = frame_with(at, "Claim", "Rule")
    assert set(table["Rule"]) == {
        words.rule_title("AFTER_TERMINATION"),
        words.rule_title("ENROLLMENT_NOT_APPROVED"),
    }
    assert set(table["Severity"]) == {"✖ Error"}  # a shape and a word, not a colour
    assert set(table["Payer"]) == {"Aetna", "Medicare"}  # payer by name, one column
    at.selectbox(key="finding_pick").set_value("f-term").run()
    no_exception(at)
    card = [m for m in at.markdown if m.value.startswith(f"**{words.rule_title('AFTER_TERMINATION')}**")]
    assert card and "AFTER_TERMINATION" in card[0].proto.help  # the id on hover
    action = next(r.action for r in all_rules() if r.rule_id == "AFTER_TERMINATION")
    assert any(w.value == f"What to do: {action}" for w in at.warning)
    remits = frame_with(at, "Claim status", "Group")
    assert list(remits["Claim status"]) == ["Denied"] and list(remits["Group"]) == ["Contractual obligation"]


def test_domain_values_in_words_on_the_provider_page(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "provider")
    at.selectbox(key="provider_npi").set_value(A).run()
    no_exception(at)
    credentials = frame_with(at, "Credential", "Expires")
    assert set(credentials["Credential"]) == {"State licence", "Board certification", "DEA registration"}
    scope = frame_with(at, "From code", "Scope")
    assert list(zip(scope["Payer"], scope["Scope"], strict=True)) == [
        ("All payers", "Approved"),
        ("AET", "Excluded"),
    ]
    enrollments = frame_with(at, "Status", "Effective")
    assert set(enrollments["Status"]) == {"Enrolled", "Pending"}
    assert "**Status** Active" in at.markdown[0].value or any(
        "**Status** Active" in m.value for m in at.markdown
    )


def test_blank_facts_are_left_out(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "provider")
    at.selectbox(key="provider_npi").set_value(B).run()
    facts = [m.value for m in at.markdown if m.value.startswith("**NPI**")][0]
    assert "Specialty" not in facts and "None" not in facts and "—" not in facts


@pytest.mark.parametrize("page", PAGES)
def test_no_raw_internals_on_any_page(monkeypatch, worded_db, page):
    """No snake_case column, no internal id column, no JSON or hash in a cell, no `None` text, and every
    table shows a missing value as an empty cell."""
    at = open_app(monkeypatch, worded_db, page)
    no_exception(at)
    if page == "audit":
        at.selectbox(key="finding_pick").set_value("f-term").run()
    for frame, element in zip(frames(at), at.dataframe, strict=True):
        assert element.proto.placeholder == "", list(frame.columns)
        for column in frame.columns:
            assert not SNAKE.match(str(column)), f"{page}: column {column}"
            assert column not in ("finding_id", "upload_id", "remit_line_id", "run_id", "snapshot_id")
        for value in frame.to_numpy().ravel():
            if not isinstance(value, str):
                continue
            assert not value.startswith("hmac:") and not value.startswith("{"), f"{page}: {value}"
            assert not re.fullmatch(r"(?=.*[a-f])[0-9a-f]{10,64}", value), (
                f"{page}: a hash in a cell: {value}"
            )
            assert value not in ("state_license", "*", "None"), f"{page}: {value}"
    for text in texts(at):
        assert "None" not in re.sub(r"\bNone of\b", "", text), f"{page}: {text}"
        assert not re.search(r"\b[A-Z]+_[A-Z_]+\b", text), f"{page}: a rule id in text: {text}"


def test_an_issue_is_named_by_its_rule_provider_and_payer_never_its_id(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "audit")
    pick = at.selectbox(key="queue_history_pick")
    assert set(pick.options) == {  # the options as the page words them
        f"{words.rule_title('AFTER_TERMINATION')} · Blake Fern · Aetna",
        f"{words.rule_title('ENROLLMENT_NOT_APPROVED')} · Avery Stone · Medicare",
    }
    queue = frame_with(at, "Issue status")
    assert "Issue" not in queue.columns and "issue_id" not in queue.columns


def test_rejected_rows_show_their_source_columns_and_hide_hashes(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "upload")
    rejected = frame_with(at, "Reason", "› Claim #")
    row = rejected[rejected["› Claim #"] == "N9"].iloc[0]
    assert row["› Patient Name"] == "(patient data, not shown)" and row["› Charges"] == "$5"
    assert "raw_row" not in rejected.columns


def test_deploy_button_and_developer_menu_are_hidden():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "viewer"  # no Deploy, Rerun, Clear cache (streamlit docs)


# ------------------------------------------------------------------------------------------- links


def _link(at, page: str) -> dict:
    found = [link for link in at.get("page_link") if link.proto.page == page]
    assert found, [(link.proto.label, link.proto.page) for link in at.get("page_link")]
    return {k: v[0] for k, v in parse_qs(found[0].proto.query_string).items()}


def _follow(at, page: str, params: dict):
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page(f"app_pages/{page}.py").run()
    no_exception(at)
    return at


def test_a_finding_links_to_its_provider_and_to_its_clearance(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "audit")
    at.selectbox(key="finding_pick").set_value("f-term").run()
    assert _link(at, "provider") == {"npi": B}
    clearance = _link(at, "clearance")
    assert clearance == {"npi": B, "payer": "AET", "dos": "2026-10-06"}

    _follow(at, "provider", {"npi": B})
    assert at.header[0].value == "Blake Fern"

    at = open_app(monkeypatch, worded_db)
    _follow(at, "clearance", clearance)
    assert at.selectbox(key="check_npi").value == B and at.selectbox(key="check_payer").value == "AET"
    assert at.text_input(key="check_dos").value == "2026-10-06"
    at.text_input(key="check_code").set_value("99213")
    at.button(key="check_submit").click().run()
    assert [e.value for e in at.error] == ["NOT CLEARED"]


def test_a_provider_links_to_the_audit_filtered_to_them(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "provider")
    at.selectbox(key="provider_npi").set_value(A).run()
    params = _link(at, "")  # the audit is the default page: its url path is ""
    assert params == {"month": "2026-10", "npi": A}
    _follow(at, "audit", params)
    assert at.multiselect(key="filter_provider").value == [A]
    table = frame_with(at, "Claim", "Rule")
    assert set(table["NPI"]) == {A}


def test_a_linked_month_opens_in_the_sidebar(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db)
    _follow(at, "audit", {"month": "2026-09"})
    assert at.sidebar.selectbox[0].value == "2026-09"


def test_the_trends_tops_open_the_audit(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "trends")
    top = [f for f in frames(at) if "Provider" in f.columns and "Denied" in f.columns]
    assert top and list(top[0]["Provider"]) == ["Blake Fern"]
    at.session_state["top_provider"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    assert at.title[0].value == "Monthly audit 2026-10"
    assert at.multiselect(key="filter_provider").value == [B]


# ----------------------------------------------------------------------------------------- defaults


def test_the_sidebar_opens_on_the_month_with_most_lines_not_stray_lines(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "s.duckdb", audited=False)
    with connect(db) as con:  # two stray lines dated in December next to October's three
        con.execute(
            "INSERT INTO claim_lines (claim_id, line_no, patient_key, rendering_npi, payer_id, date_of_service,"
            " procedure_code, pos, billed_amount) VALUES ('S1', 1, 'k', ?, 'AET', '2026-12-01', '99213', '11', 1)",
            [A],
        )
    at = open_app(monkeypatch, db)
    assert at.sidebar.selectbox[0].options[0] == "2026-12"
    assert at.sidebar.selectbox[0].value == "2026-10"


@pytest.mark.parametrize("key", ["matrix_date", "who_date", "check_dos"])
def test_clearance_dates_default_to_the_sidebar_month(monkeypatch, worded_db, key):
    at = open_app(monkeypatch, worded_db, "clearance")
    assert at.text_input(key=key).value == "2026-10-31"  # the end of the audited month
    at.sidebar.selectbox[0].set_value("2026-09").run()
    assert at.text_input(key=key).value == "2026-09-30"


# ------------------------------------------------------------------------------------------- charts


def _decoded(value):
    """Plotly 6 writes numeric arrays as {"dtype", "bdata"} (base64): back to a list."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def _spec(at, index: int = 0) -> dict:
    return _decoded(json.loads(at.get("plotly_chart")[index].proto.spec))


def _specs(at) -> list[dict]:
    return [_spec(at, i) for i in range(len(at.get("plotly_chart")))]


def test_findings_by_rule_sorted_by_count_with_severity_as_pattern_and_label(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "c.duckdb")
    with connect(db) as con:  # three warnings and one more error: the warning bar is the longest
        con.execute(
            "INSERT INTO findings (run_id, finding_id, month, rule_id, severity, claim_id, line_no, rendering_npi,"
            " payer_id, amount_at_risk, detail) VALUES"
            " (1, 'w1', '2026-10-01', 'INVALID_MODIFIER', 'warning', 'C1', 1, ?, 'AET', 120, 'modifier ZZZ'),"
            " (1, 'w2', '2026-10-01', 'INVALID_MODIFIER', 'warning', 'C2', 1, ?, 'AET', 200, 'modifier ZZZ'),"
            " (1, 'w3', '2026-10-01', 'INVALID_MODIFIER', 'warning', 'C3', 1, ?, 'MCR', 80, 'modifier ZZZ'),"
            " (1, 'e2', '2026-10-01', 'AFTER_TERMINATION', 'error', 'C4', 1, ?, 'AET', 150, 'terminated')",
            [A, B, A, B],
        )
    at = open_app(monkeypatch, db, "audit")
    spec = _spec(at)
    bars = {}
    for trace in spec["data"]:
        assert trace["marker"]["pattern"]["shape"] in ("", "/", ".")  # severity drawn as a pattern too
        for y, x, text in zip(trace["y"], trace["x"], trace["text"], strict=True):
            bars[y] = (x, text)
    order = spec["layout"]["yaxis"]["categoryarray"]  # bottom to top
    counts = [bars[r][0] for r in order]
    assert counts == sorted(counts)  # sorted by count across severities, the largest on top
    assert order[-1] == words.rule_title("INVALID_MODIFIER")
    assert bars[words.rule_title("INVALID_MODIFIER")][1] == "3 · warning"  # the severity as a word
    patterns = {t["name"]: t["marker"]["pattern"]["shape"] for t in spec["data"]}
    assert patterns["Warning"] != patterns["Error"]
    assert any(e.label == "Findings by rule: as a table" for e in at.expander)  # the text equivalent


def test_heatmap_labels_every_row_and_keeps_numeric_payers_as_categories(monkeypatch, tmp_path):
    db = tmp_path / "h.duckdb"
    names = [f"Provider number {i:02d} with a rather long name" for i in range(30)]
    with connect(db) as con:
        con.execute(
            "INSERT INTO audit_runs (run_id, month, started_at, finished_at, status, findings) VALUES"
            " (1, '2026-10-01', '2026-11-03 09:00', '2026-11-03 09:01', 'done', 60)"
        )
        for i, name in enumerate(names):
            npi = f"{1000000000 + i}"
            con.execute(
                "INSERT INTO providers (npi, provider_name, status) VALUES (?, ?, 'active')", [npi, name]
            )
            for payer in ("60054", "70001"):
                con.execute(
                    "INSERT INTO findings (run_id, finding_id, month, rule_id, severity, claim_id, line_no,"
                    " rendering_npi, payer_id, date_of_service, amount_at_risk, detail) VALUES"
                    " (1, ?, '2026-10-01', 'NOT_ENROLLED', 'error', ?, 1, ?, ?, '2026-10-02', ?, 'not enrolled')",
                    [f"f{i}{payer}", f"C{i}", npi, payer, 100 + i],
                )
        con.execute(
            "INSERT INTO claim_lines (claim_id, line_no, patient_key, rendering_npi, payer_id, date_of_service,"
            " procedure_code, billed_amount) VALUES ('C0', 1, 'k', '1000000000', '60054', '2026-10-02', '99213', 1)"
        )
    at = open_app(monkeypatch, db, "audit")
    heat = next(
        t
        for t in (_spec(at, i)["data"][0] for i in range(len(at.get("plotly_chart"))))
        if t["type"] == "heatmap"
    )
    layout = next(
        s["layout"]
        for s in (_spec(at, i) for i in range(len(at.get("plotly_chart"))))
        if s["data"][0]["type"] == "heatmap"
    )
    assert layout["xaxis"]["type"] == "category" and heat["x"] == ["60054", "70001"]
    assert layout["yaxis"]["dtick"] == 1 and len(heat["y"]) == 25 == len(set(heat["y"]))  # every row labelled
    assert all(len(y) <= 30 for y in heat["y"])  # shortened on the axis
    full = {row[0] for row in heat["customdata"]}
    assert full <= set(names) and len(full) == 25  # the whole name in the hover


def test_gaps_in_the_denial_rate_are_gaps_not_zero(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "trends")
    spec = next(
        s
        for s in (_spec(at, i) for i in range(len(at.get("plotly_chart"))))
        if s["data"][0]["type"] == "scatter"
    )
    rate = next(t for t in spec["data"] if t["name"] == "denial rate (lines)")
    assert all(t["connectgaps"] is False for t in spec["data"])
    values = dict(zip(rate["x"], rate["y"], strict=True))
    assert values["2026-10"] == 1.0  # C2's remittance denied the one remitted line
    assert math.isnan(values["2026-09"]) and math.isnan(values["2026-05"])  # nothing remitted: a gap, not 0%
    assert any(c.value.startswith("11 months with nothing remitted") for c in at.caption)


def test_at_risk_is_split_into_past_lines_and_forward_alerts(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "r.duckdb")
    with connect(db) as con:
        con.execute(
            "INSERT INTO findings (run_id, finding_id, month, rule_id, severity, rendering_npi, amount_at_risk, detail)"
            " VALUES (1, 'x1', '2026-10-01', 'CREDENTIAL_EXPIRING', 'warning', ?, 5000, 'licence expires')",
            [A],
        )
    at = open_app(monkeypatch, db, "audit")
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["At risk on this month's lines"] == "$280"  # the two line findings, 200 + 80
    assert tiles["At risk ahead (forward alerts)"] == "$5,000"
    assert tiles["Forward alerts"] == "1"


# ---------------------------------------------------------------------------------------- pre-check


def test_not_cleared_says_what_to_do(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "clearance")
    at.selectbox(key="check_npi").set_value(B)
    at.selectbox(key="check_payer").set_value("AET")
    at.text_input(key="check_code").set_value("99213")
    at.text_input(key="check_dos").set_value("2026-10-06")
    at.button(key="check_submit").click().run()
    no_exception(at)
    assert [e.value for e in at.error] == ["NOT CLEARED"]
    reason = [m for m in at.markdown if m.value.startswith(f"- **{words.rule_title('AFTER_TERMINATION')}**")]
    assert reason and "2026-09-30" in reason[0].value and "AFTER_TERMINATION" in reason[0].proto.help
    action = next(r.action for r in all_rules() if r.rule_id == "AFTER_TERMINATION")
    assert any(w.value == f"What to do: {action}" for w in at.warning)


BATCH_HEADER = "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,Charges"
P1 = f"P1,1,{A},Aetna,10/05/2026,99213,$120.00"
P2 = f"P2,1,{B},Aetna,10/06/2026,99213,$120.00"
P3 = f"P3,1,{A},Aetna,10/07/2026,99214,$90.00"


def _batch_checked(monkeypatch, db, *rows: str):
    """The Clearance page after pre-checking a claims CSV of `rows` under BATCH_HEADER."""
    csv = "\n".join([BATCH_HEADER, *rows, ""]).encode()
    at = open_app(monkeypatch, db, "clearance")
    at.file_uploader(key="batch_file").set_value(("to-check.csv", csv, "text/csv")).run()
    at.button(key="batch_run").click().run()
    no_exception(at)
    return at


def test_batch_results_are_a_filterable_table_on_the_page(monkeypatch, worded_db):
    at = _batch_checked(monkeypatch, worded_db, P1, P2, P3)
    table = frame_with(at, "Claim #", "verdict")
    assert list(table["Claim #"]) == ["P1", "P2", "P3"]
    at.segmented_control(key="batch_show").set_value("not cleared").run()
    assert list(frame_with(at, "Claim #", "verdict")["Claim #"]) == ["P2"]
    at.segmented_control(key="batch_show").set_value("all lines")
    at.text_input(key="batch_text").set_value("99214").run()
    assert list(frame_with(at, "Claim #", "verdict")["Claim #"]) == ["P3"]
    assert any(c.value == "1 of 3 lines shown." for c in at.caption)


def test_a_typed_date_that_is_not_a_date_is_one_sentence(monkeypatch, worded_db):
    at = open_app(monkeypatch, worded_db, "clearance")
    at.text_input(key="matrix_date").set_value("31/31/2026").run()
    no_exception(at)
    assert [e.value for e in at.error] == [
        "“31/31/2026” is not a date: type it as YYYY-MM-DD, e.g. 2026-10-06."
    ]
    at.text_input(key="matrix_date").set_value("2026-10-06").run()
    assert not at.error and any("pairs on 2026-10-06" in c.value for c in at.caption)


def test_batch_results_leave_out_the_exports_total_rows(monkeypatch, worded_db):
    """An export's Total and subtotal rows are not claim lines: not judged, not counted, not shown."""
    at = _batch_checked(
        monkeypatch, worded_db, P1, P2, "Subtotal Aetna,,,,,,$240.00", P3, ",,,,Grand Total,,$330.00"
    )
    table = frame_with(at, "Claim #", "verdict")
    assert list(table["Claim #"]) == ["P1", "P2", "P3"]
    assert list(table["verdict"]) == ["CLEARED", "NOT CLEARED", "CLEARED"]
    assert any(m.value == "**1** of 3 lines are NOT CLEARED." for m in at.markdown)
    assert any(c.value == "3 of 3 lines shown." for c in at.caption)
    name, content, _checked = at.session_state["batch_result"]
    assert b"Total" not in content  # the annotated file has the lines only


def test_a_remittance_with_no_claim_line_shows_no_loader_marker(monkeypatch, worded_db):
    with connect(worded_db) as con:
        con.execute(
            "INSERT INTO remit_lines (remit_line_id, payer_id, claim_id, line_no, claim_status, rendering_npi,"
            " adjudication_date, billed_amount, paid_amount, source, upload_id) VALUES"
            " (nextval('remit_line_id_seq'), 'AET', 'X9', 1, '1', ?, '2026-10-21', 50, 50, 'upload:2', 2)",
            [A],
        )
    at = open_app(monkeypatch, worded_db, "upload")
    no_exception(at)
    assert "1 remitted line matches no loaded claim line: load the claims export that has them." in [
        c.value for c in at.caption
    ]
    unmatched = frame_with(at, "Claim", "Source")
    row = unmatched[unmatched["Claim"] == "X9"].iloc[0]
    assert row["Source"] is None or row["Source"] != row["Source"]  # blank: the upload column says where
