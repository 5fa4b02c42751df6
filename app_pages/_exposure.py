"""The provider profile's money ahead and open issues: the trailing 90-day billed and paid dollars under
each forward alert (audits.exposure) and the provider's issues in the month's work queue. One call from
the page: `render(npi, month)`."""

from __future__ import annotations

import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages._tables import show


def render(npi: str, month: str | None) -> None:
    from audits import exposure, lifecycle

    if not month:
        return
    st.subheader("Exposure: dollars under the alerts")
    with _db.read() as data:
        frame = data.call(exposure.exposure, month, npi, what="The exposure")
        audited = month in {m.strftime("%Y-%m") for m in lifecycle.audited_months(data.con)}
        issues = data.call(lifecycle.queue, month, what="The open issues") if audited else None
    if frame is None:
        return
    if frame.empty:
        st.caption(f"No credential expiring, enrollment ending or application pending long as of {month}.")
    else:
        st.caption(
            f"Billed and paid over the 90 days up to the end of {month}, under each credential or enrollment "
            f"that needs action: {fmt.money(frame['paid_90d'].sum())} paid."
        )
        show(
            frame.drop(columns=["rendering_npi", "provider_name", "issue_id"]).rename(
                columns={"billed_90d": "billed", "paid_90d": "paid"}
            ),
            key="provider_exposure",
        )
    if issues is not None:
        mine = issues[issues["rendering_npi"] == npi]
        st.subheader(f"Open issues in {month}")
        if mine.empty:
            st.caption("No open issue.")
        else:
            out = mine.drop(columns=["rendering_npi", "provider_name", "issue_id"]).rename(
                columns={"dollars": "amount_at_risk", "status": "issue_status"}
            )  # the rule and payer name the issue: its id is a hash, never on the page
            out["issue_status"] = out["issue_status"].map(lifecycle.STATUS_LABELS)
            show(out, key="provider_issues")
