"""The analyst's rescue path in a real browser (issue 15): a month whose files are misread - a claims export
that reads as a providers roster (its kind must change, and its claim id column has a header nobody knows),
a credentialing workbook whose board-certification sheet reads as enrollments (its table must change) - is
dropped at once, put right through the upload page alone, loaded, and audited. The findings are checked
against expectations written by hand from SPEC 4 for these few rows.
"""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import expect
from test_dashboard_browser import IDLE, _dashboard, _open, _settled, browser_page  # noqa: F401

from audits.store import connect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

WAIT = 180_000  # a ceiling, not a wait (the machine may be busy)
A, B = "1234567893", "1987654328"  # valid NPIs (check digit)


def _month_files(folder):
    folder.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    team = book.active
    team.title = "Team"
    team.append(["NPI", "Provider Name", "Specialty", "State"])
    team.append([A, "Avery Stone", "Cardiology", "TX"])
    team.append([B, "Blake Fern", "Dermatology", "TX"])
    plans = book.create_sheet("Plans")
    plans.append(["Payer ID", "Payer Name"])
    plans.append(["AET", "Aetna"])
    plans.append(["MCR", "Medicare"])
    lic = book.create_sheet("Lic")
    lic.append(["NPI", "Type", "Number", "State", "Issued", "Expires"])
    lic.append([A, "State License", "TX1", "TX", "2020-01-01", "2028-01-01"])
    lic.append([B, "State License", "TX2", "TX", "2020-01-01", "2028-01-01"])
    par = book.create_sheet("Par")
    par.append(["NPI", "Plan", "Par Status", "Submitted", "Start", "End"])
    par.append([A, "Aetna", "Par", None, "2025-01-01", None])
    par.append([B, "Aetna", "Termed", None, "2024-01-01", "2026-09-30"])
    par.append([A, "Medicare", "In process", "2026-09-01", None, None])
    # board certifications, read as enrollments (the board as a payer): the analyst sets its table
    certs = book.create_sheet("Boards")
    certs.append(["NPI", "Type", "Carrier", "Status", "Start", "End"])
    certs.append([A, "Board Certification", "ABIM", "Active", "2018-01-01", "2028-01-01"])
    certs.append([B, "Board Certification", "AAD", "Active", "2016-09-01", "2026-09-01"])
    roster = folder / "credentialing.xlsx"
    book.save(roster)
    claims = folder / "charges-2026-10.csv"
    claims.write_text(
        "Zork,Seq,Doctor,Doctor NPI,Plan,DOS,CPT,POS,Amount\n"
        f"Z1,1,Avery Stone,{A},Aetna,10/20/2026,99213,11,$120.00\n"
        f"Z2,1,Avery Stone,{A},Aetna,10/21/2026,99214,11,$150.00\n"
        f"Z3,1,Blake Fern,{B},Aetna,10/22/2026,11102,11,$90.00\n"
        f"Z4,1,Avery Stone,{A},Medicare,10/23/2026,93000,11,$80.00\n"
    )
    return [roster, claims]


# SPEC 4, by hand, for the rows above (month 2026-10, month end 2026-10-31):
EXPECTED = {
    ("AFTER_TERMINATION", "Z3"),  # Blake Fern's Aetna row terminated 2026-09-30, DOS 2026-10-22
    ("BOARD_CERT_EXPIRED", "Z3"),  # Blake Fern's only board certification ended 2026-09-01
    ("ENROLLMENT_NOT_APPROVED", "Z4"),  # Avery Stone's Medicare row is pending (submitted 2026-09-01)
    # first (provider, payer, code) of each line: nothing was paid in an earlier month
    ("FIRST_TIME_COMBINATION", "Z1"),
    ("FIRST_TIME_COMBINATION", "Z2"),
    ("FIRST_TIME_COMBINATION", "Z3"),
    ("FIRST_TIME_COMBINATION", "Z4"),
}


def _choose(page, label: str, option: str) -> None:
    """Pick an option of the selectbox with this label (exact); wait until the box shows it and the rerun
    it starts has finished (a busy machine: never assert on the page as it was before the rerun)."""
    box = (
        page.locator('[data-testid="stSelectbox"]')
        .filter(has=page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True))
        .first
    )
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    box.locator("input").press("ArrowDown")  # a click alone leaves a list with a value closed here
    page.get_by_role("option", name=option, exact=True).first.click()
    expect(box.locator("input")).to_have_value(option, timeout=WAIT)
    page.wait_for_selector(IDLE)


def test_a_misread_month_is_rescued_through_the_page(tmp_path, browser_page):  # noqa: F811 - the fixture
    files = _month_files(tmp_path / "month")
    db = tmp_path / "rescue.duckdb"
    page = browser_page
    with _dashboard(db) as url:
        _open(page, url, "upload")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            [str(f) for f in files]
        )
        _settled(page, "Check or change the kind and column mapping of")

        # the charges export: read as a roster; its kind changes to claims, its claim id is mapped
        _choose(page, "Check or change the kind and column mapping of", "charges-2026-10.csv")
        _choose(page, "Kind", "Claims export")
        _settled(page, "Required and not mapped: Claim id")
        _choose(page, "✱ Claim id", "Zork")
        page.get_by_text("The first rows as they would load with this mapping").wait_for()
        expect(page.get_by_text("Required and not mapped")).to_have_count(0, timeout=WAIT)

        # the workbook: the Boards sheet goes to the credentials table; the page confirms the choice (a
        # line drawn only by a run that has stored it) before the analyst moves on
        _choose(page, "Check or change the kind and column mapping of", "credentialing.xlsx")
        _choose(page, "Sheet “Boards”", "Credentials")
        expect(page.get_by_text("Your choice: sheet “Boards” loads as Credentials.")).to_be_visible(
            timeout=WAIT
        )
        # back to the charges export: the kind and the mapping were kept
        _choose(page, "Check or change the kind and column mapping of", "charges-2026-10.csv")
        page.get_by_text("The first rows as they would load with this mapping").wait_for()
        expect(page.get_by_text("Required and not mapped")).to_have_count(0, timeout=WAIT)

        page.get_by_role("button", name="Load 2 files").click()
        _settled(page, "This session's loads")
        assert page.locator('[data-testid="stException"]').count() == 0

        _open(page, url)
        page.get_by_role("button", name="Run the audit for").click()
        _settled(page, "Findings by rule")
        assert page.locator('[data-testid="stException"]').count() == 0

    with connect(db, read_only=True) as con:
        found = set(
            con.execute(
                "SELECT rule_id, claim_id FROM findings WHERE run_id = (SELECT max(run_id) FROM audit_runs)"
            ).fetchall()
        )
        held = con.execute("SELECT count(*) FROM rejected_rows WHERE resolved_by_upload IS NULL").fetchone()[
            0
        ]
    assert found == EXPECTED
    assert held == 0  # nothing left held: every row of the month went where it belongs
