"""The audit's remittance facts (line_remit_facts) are the view's (stg_remit_line_facts) for every line a
remit rule of SPEC 4 can fire on: a line with a credentialing finding, or one denied for credentialing.
The audit computes them only for those lines (line_remit_candidates), yet a claim payment's share still
divides over all the claim's stored lines (SPEC 4: in proportion to billed), in any month."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from audit_rows import add_credentialed_provider, add_line, add_payer, add_remit, d, findings, open_copy

from audits import views
from audits.runner import create_month_lines, run_audit

FACTS = (
    "claim_id, line_no, remittances, paid_amount, denied, denied_for_credentialing, root_cause, "
    "credentialing_adjustment"
)


@pytest.fixture
def acon(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_credentialed_provider(con)  # enrolled with AET from 2025-01-01
        add_payer(con, "BCBS", "Blue Cross")  # no enrollment: NOT_ENROLLED, a credentialing finding
        yield con


def test_claim_payment_shares_over_lines_of_other_months(acon):
    # One BCBS claim, a line in September (billed 100) and one in October (billed 300), paid 200 as a
    # claim payment without service lines: the October line's share is 300/400 of 200 = 150.
    add_line(acon, "C9", 1, payer="BCBS", dos="2026-09-20", billed=100)
    add_line(acon, "C9", 2, payer="BCBS", dos="2026-10-05", billed=300)
    add_remit(acon, "C9", None, payer="BCBS", paid=200, billed=400)
    run_audit(acon, "2026-10")
    paid = findings(acon).query("rule_id == 'PAID_DESPITE_FINDING'")
    assert paid[["claim_id", "line_no"]].values.tolist() == [["C9", 2]]
    assert paid.amount_at_risk.iloc[0] == Decimal("150.00")


CARCS = (("CO", "B7"), ("CO", "170"), ("CO", "16"), ("PR", "1"), ("CO", "45"), ("OA", "23"), ("CO", "ZZ9"))
RARCS = ("N290", "N570", "M51", "N30")


def _random_month(con, seed):
    """Lines of September and October on claims of one to three lines, some with BCBS (not enrolled);
    remittances of either payer per line or per claim, repeated rows of one event, adjustments and
    remarks at line or claim level."""
    rng = random.Random(seed)
    for c in range(60):
        claim, payer = f"R{c}", rng.choice(["AET", "AET", "BCBS"])
        lines = rng.randint(1, 3)
        for line_no in range(1, lines + 1):
            dos = rng.choice(["2026-09-25", "2026-10-03", "2026-10-20"])
            add_line(con, claim, line_no, payer=payer, dos=dos, billed=rng.choice([0, 50, 120, 300]))
        for _ in range(rng.randint(0, 3)):
            line_no = rng.choice([None, *range(1, lines + 2)])  # a line the claim lacks, sometimes
            adjustments = [
                (*rng.choice(CARCS), rng.choice([10, 40, 100]), rng.choice(["line", "line", "claim"]))
                for _ in range(rng.randint(0, 2))
            ]
            remarks = [(rng.choice(RARCS), rng.choice(["line", "claim"])) for _ in range(rng.randint(0, 1))]
            args = dict(
                payer=payer if rng.random() < 0.9 else rng.choice(["AET", "BCBS"]),
                paid=rng.choice([0, 0, 30, 100]),
                adjustments=adjustments,
                remarks=remarks,
                adjudicated=rng.choice(["2026-11-01", "2026-11-09"]),
            )
            add_remit(con, claim, line_no, **args)
            if rng.random() < 0.2:  # the same event stored again (an export's row per adjustment)
                add_remit(con, claim, line_no, **{**args, "adjustments": adjustments[:1], "remarks": []})


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_month_facts_are_the_views_for_every_line_a_remit_rule_reads(acon, seed):
    _random_month(acon, seed)
    views.ensure_views(acon)
    create_month_lines(acon, d("2026-10-01"), d("2026-10-31"))
    month_view = (
        f"SELECT {FACTS} FROM stg_remit_line_facts AS v "  # noqa: S608
        "WHERE EXISTS (SELECT 1 FROM audit_lines AS a WHERE a.claim_id = v.claim_id AND a.line_no = v.line_no)"
    )
    audit = f"SELECT {FACTS} FROM line_remit_facts"  # noqa: S608
    extra = acon.execute(f"SELECT count(*) FROM ({audit} EXCEPT ALL {month_view})").fetchall()[0][0]  # noqa: S608
    assert extra == 0
    # every October line the view says is denied for credentialing, or that has a credentialing
    # finding and a remittance, is there with the view's facts
    needed = (
        f"{month_view} AND (v.denied_for_credentialing OR EXISTS (SELECT 1 FROM line_findings AS m "
        "INNER JOIN rule_registry AS r ON r.rule_id = m.rule_id "
        "WHERE r.credentialing AND m.claim_id = v.claim_id AND m.line_no = v.line_no))"
    )
    missing = acon.execute(f"SELECT count(*) FROM ({needed} EXCEPT ALL {audit})").fetchall()[0][0]  # noqa: S608
    assert missing == 0
    kinds = acon.execute(
        "SELECT count(*) FILTER (WHERE denied_for_credentialing), count(*) FILTER (WHERE has_credentialing_finding) "
        "FROM line_remit_facts"
    ).fetchall()[0]
    assert min(kinds) > 0, kinds  # the generated month has both kinds of line
