"""The denial trends' recovery: dollars recovered through retro-billing and issues resolved per month,
and the lines a roster correction made billable again with their filing deadlines (audits.retro,
audits.lifecycle). One call from the page: `render(month)`."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from app_pages import _charts as charts
from app_pages import _db
from app_pages import _format as fmt
from app_pages._tables import show


def render(month: str) -> None:
    from audits import lifecycle, retro

    st.subheader("Recovered and resolved")
    with _db.read() as data:
        recovered = data.call(retro.recovered_by_month, what="Retro-billing recoveries")
        resolved = data.call(lifecycle.monthly_changes, what="Issues resolved per month")
        lines = data.call(retro.recoverable_lines, what="Recoverable lines")
    left, right = st.columns(2)
    if recovered is not None:
        if recovered.empty:
            left.caption("No line denied for credentialing has been paid by a later remittance yet.")
        else:
            left.caption(
                "Dollars recovered through retro-billing (denied for credentialing, paid later), by service month."
            )
            _bars(left, recovered, "recovered_dollars", "Dollars recovered per month", money=True)
    if resolved is not None and not resolved.empty:
        right.caption("Issues resolved per audited month (open the month before, gone this month).")
        _bars(right, resolved[["month", "resolved_issues", "resolved_dollars"]], "resolved_issues",
              "Issues resolved per month", money=False)  # fmt: skip
    from app_pages import _identity as identity

    if not identity.can("retro billing"):  # claim lines: not for leadership (aggregates only, #14)
        return
    st.subheader("Retro-billing: lines a roster correction made billable")
    if lines is None:
        return
    if lines.empty:
        st.caption(
            "No recoverable line: no line denied for credentialing is covered by a later roster correction."
        )
        return
    open_lines = lines[lines["state"] == "open"]
    st.caption(
        f"{len(open_lines):,} lines, {fmt.money(open_lines['billed_amount'].sum())} billed, still inside the payer's "
        f"filing limit ({len(lines) - len(open_lines):,} past it). Filing limits per payer: defaults with their "
        "source in data/reference/filing_limits.csv (Medicare: 42 CFR 424.44, 424.521), editable."
    )
    show(lines, key="retro_lines", height=300)


def _bars(where, frame: pd.DataFrame, y: str, title: str, money: bool) -> None:
    """Bars per month, each labelled with its value, and the same numbers as a table one click away."""
    fig = px.bar(frame, x="month", y=y, text=y)
    fig.update_traces(
        texttemplate="$%{y:,.0f}" if money else "%{y:,}",
        hovertemplate="%{x}: " + ("$%{y:,.0f}" if money else "%{y:,}") + "<extra></extra>",
    )
    fig.update_layout(
        height=260,
        margin=charts.MARGIN,
        xaxis={"type": "category", "title": None},
        yaxis={"title": None, **({"tickprefix": "$", "tickformat": ",.0f"} if money else {})},
    )
    charts.figure(fig, title, frame, where=where)
