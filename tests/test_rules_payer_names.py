"""A finding's detail names its payer as every page and export does (issue 10): the smallest non-empty
trimmed name the payers table holds for the id (sql/staging/stg_payer_names.sql), else the id.
ENROLLMENT_TERMINATING, ENROLLMENT_PENDING_LONG and the line rules (line_base's payer_label, here
NOT_ENROLLED) read it; once they took max(payer_name) of their own. Hand-written rows, month 2026-10."""

from __future__ import annotations

import random

import pytest
from audit_rows import NPI_A, add_enrollment, add_line, add_payer, add_provider, findings, open_copy

from audits import findings as read_model
from audits.runner import run_audit


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_provider(con, NPI_A)
        yield con


def _three_findings(con) -> dict[str, str]:
    """A finding of each of the three readers, all with payer AET; rule id -> detail."""
    add_enrollment(con, payer="AET", status="enrolled", effective="2024-01-01", termination="2026-11-20")
    add_enrollment(con, payer="AET", status="pending", submitted="2026-03-01")
    add_line(con, "C1", payer="OTHER")  # keeps the provider billing; NOT_ENROLLED names OTHER
    run_audit(con, "2026-10")
    frame = findings(con)
    return dict(zip(frame.rule_id, frame.detail, strict=False))


def test_tidy_names_read_as_before(acon):
    # one name per payer: the details are exactly the ones the rules wrote with max() before
    add_payer(acon, "AET", "Aetna")
    add_payer(acon, "OTHER", "Other Health")
    details = _three_findings(acon)
    assert details["ENROLLMENT_TERMINATING"] == (
        "Aetna enrollment ends 2026-11-20; no enrollment on file from 2026-11-21"
    )
    assert details["ENROLLMENT_PENDING_LONG"] == (
        "Aetna enrollment pending since 2026-03-01, more than 90 days before month end"
    )
    assert details["NOT_ENROLLED"] == "No Other Health enrollment on file for this provider"


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        (["Aetna Choice", "Aetna"], "Aetna"),  # max() took 'Aetna Choice', the pages 'Aetna'
        (["Aetna", "Aetna Choice"], "Aetna"),
        (["  ", " Aetna "], "Aetna"),  # max() took the blank: ' enrollment ends ...'
        (["", None], "AET"),  # no name at all: the id
    ],
)
def test_a_payer_listed_twice_or_blank_reads_as_the_pages_show_it(acon, names, shown):
    for name in names:
        add_payer(acon, "AET", name)
    add_payer(acon, "OTHER", "Other Health")
    details = _three_findings(acon)
    assert details["ENROLLMENT_TERMINATING"].startswith(f"{shown} enrollment ends 2026-11-20")
    assert details["ENROLLMENT_PENDING_LONG"].startswith(f"{shown} enrollment pending since")
    page = read_model.findings(acon, "2026-10")
    assert set(page.loc[page.payer_id == "AET", "payer_name"].fillna("AET")) == {shown}


def test_a_line_rule_names_the_payer_of_a_padded_id(acon):
    add_payer(acon, " OTHER ", "Other Health ")
    add_payer(acon, "OTHER", "Zeta Other")
    add_payer(acon, "AET", "Aetna")
    details = _three_findings(acon)
    assert details["NOT_ENROLLED"] == "No Other Health enrollment on file for this provider"


@pytest.mark.parametrize("seed", range(6))
def test_generated_name_sets_read_as_the_read_model(template, tmp_path, seed):
    """The class, not the example: any spellings, blanks and order; the detail names what the page does."""
    rng = random.Random(seed)
    pool = ["Aetna", "aetna", "Aetna Choice", " Aetna", "", "   ", None, "Zeta", "Acme Health"]
    names = [rng.choice(pool) for _ in range(rng.randint(1, 4))]
    rng.shuffle(names)
    with open_copy(template, tmp_path) as con:
        add_provider(con, NPI_A)
        for name in names:
            add_payer(con, "AET", name)
        add_payer(con, "OTHER", "Other Health")
        details = _three_findings(con)
        page = read_model.findings(con, "2026-10")
    cleaned = sorted(n.strip() for n in names if n is not None and n.strip())
    shown = cleaned[0] if cleaned else "AET"
    assert details["ENROLLMENT_TERMINATING"].startswith(f"{shown} enrollment ends"), names
    assert details["ENROLLMENT_PENDING_LONG"].startswith(f"{shown} enrollment pending"), names
    assert set(page.loc[page.payer_id == "AET", "payer_name"].fillna("AET")) == {shown}
