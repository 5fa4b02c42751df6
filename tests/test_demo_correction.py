"""The demo's roster correction (retro-billing, issue 11): a later upload moves the new hires' enrollments
(every payer but Medicaid) back to their hire dates; nothing else in the roster changes."""

from __future__ import annotations

import datetime as dt

import numpy as np

from audits.demo.build import CORRECTION_EXCEPT, CORRECTION_PROVIDERS, corrected_roster
from audits.demo.roster import build_roster


def test_correction_moves_only_the_new_hires_effective_dates_back():
    end = dt.date(2026, 11, 1)
    roster = build_roster(np.random.default_rng([7, end.year, end.month]), end)
    corrected = corrected_roster(roster)
    hired = {roster.provider(key).npi: roster.provider(key).hire_date for key in CORRECTION_PROVIDERS}
    changed = [
        (before.npi, before.payer_id, before.effective_date, after.effective_date)
        for before, after in zip(roster.enrollments, corrected.enrollments, strict=True)
        if before != after
    ]
    assert len(changed) >= 10
    for npi, payer, before, after in changed:
        assert npi in hired and payer not in CORRECTION_EXCEPT and after == hired[npi] < before
    # every enrolled row of a new hire that started after the hire date was moved
    late = [
        e
        for e in roster.enrollments
        if e.npi in hired
        and e.status == "enrolled"
        and e.payer_id not in CORRECTION_EXCEPT
        and e.effective_date > hired[e.npi]
    ]
    assert len(late) == len(changed)
    assert roster.providers == corrected.providers and roster.credentials == corrected.credentials


def test_the_demo_shows_the_lifecycle_across_its_twelve_months(tmp_path):
    from audits import exposure, lifecycle, retro
    from audits.demo import build_demo
    from audits.pack import write_pack
    from audits.store import connect

    db = tmp_path / "demo.duckdb"
    summary = build_demo(db, seed=7, lines=3000, end_month="2026-10", out_dir=tmp_path / "files")
    assert [u["status"] for u in summary["correction"]] == ["loaded"]
    with connect(db) as con:
        trend = lifecycle.monthly_changes(con)
        assert (
            len(trend) == 12
            and not trend["previous_audited"].iloc[0]
            and trend["previous_audited"].iloc[1:].all()
        )
        assert trend["recurring_issues"].iloc[1:].sum() > 0 and trend["resolved_issues"].sum() > 0
        assert not lifecycle.queue(con, "2026-10").empty
        assert not exposure.exposure(con, "2026-10").empty
        lines = retro.recoverable_lines(con, as_of=dt.date(2026, 11, 15))
        corrected = con.execute(
            """
            WITH snaps AS (SELECT DISTINCT snapshot_id FROM enrollments_history),
            first_dates AS (
                SELECT snapshot_id, trim(npi) AS npi, trim(payer_id) AS payer_id, min(effective_date) AS eff
                FROM enrollments_history GROUP BY ALL
            )
            SELECT n.npi, n.payer_id FROM first_dates AS n
            INNER JOIN first_dates AS o ON o.npi = n.npi AND o.payer_id = n.payer_id
            WHERE n.snapshot_id = (SELECT max(snapshot_id) FROM snaps)
                AND o.snapshot_id = (SELECT min(snapshot_id) FROM snaps) AND n.eff < o.eff
            """
        ).fetchall()
        assert corrected and not {p for _n, p in corrected} & set(CORRECTION_EXCEPT)
        assert not lines.empty
        assert set(zip(lines["rendering_npi"], lines["payer_id"], strict=True)) <= set(corrected)
        result = write_pack(con, "2026-10", tmp_path / "pack.xlsx")
        assert result.queue_issues > 0
