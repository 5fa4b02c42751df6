"""Denial trends (leadership): where denials come from, how much is credentialing, what alignment saves."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages._tables import date_column, money_column
from audits import explore

CAUSE_COLOURS = {
    "credentialing": "#c0392b",
    "scope": "#e74c3c",
    "coding": "#2e86c1",
    "eligibility": "#8e44ad",
    "authorization": "#16a085",
    "duplicate": "#7f8c8d",
    "timely_filing": "#d4ac0d",
    "other": "#95a5a6",
    "unknown": "#34495e",
}
measures = _db.optional_module("audits.measures")
month = _db.selected_month()
today = dt.date.today()

st.title("Denial trends")
if not month:
    st.info(
        "No claims yet. Load claims and remittances on the Upload & data quality page to see denial trends."
    )
    st.page_link("app_pages/upload.py", label="Go to Upload & data quality", icon=":material/upload_file:")
    st.stop()
st.caption(f"Twelve service months ending {month}.")

with _db.read() as data:
    trend = data.try_agg(getattr(measures, "monthly_trend", None), month, 12, what="The monthly trend")
    causes = data.try_agg(
        getattr(measures, "denied_by_root_cause", None), month, 12, what="Denials by root cause"
    )
    tops = data.agg(explore.top_denials, month, 10)
    actions = data.agg(explore.action_items, today, 90)


def _month_axis(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["month"] = frame["month"].map(explore.month_label)
    return frame


if trend is not None and not trend.empty:
    trend = _month_axis(trend)
    totals = trend.sum(numeric_only=True)
    tiles = st.columns(4)
    tiles[0].metric("Denied dollars (12 months)", fmt.money(totals.get("denied_dollars")))
    share = (
        totals.get("credentialing_denied_dollars", 0) / totals["denied_dollars"]
        if totals.get("denied_dollars")
        else None
    )
    tiles[1].metric("Credentialing-related share", fmt.pct(share))
    tiles[2].metric(
        "Preventable dollars (12 months)",
        fmt.money(totals.get("preventable_dollars")),
        help="Denied dollars on lines with a blocking finding: what a pre-submission check would stop.",
    )
    rate = totals.get("denied_lines", 0) / totals["remitted_lines"] if totals.get("remitted_lines") else None
    tiles[3].metric("Denial rate (lines)", fmt.pct(rate))

left, right = st.columns(2)
if causes is not None and not causes.empty:
    causes = _month_axis(causes)
    stacked = px.bar(
        causes,
        x="month",
        y="denied_dollars",
        color="root_cause",
        color_discrete_map=CAUSE_COLOURS,
        title="Denied dollars by root cause",
        labels={"denied_dollars": "denied dollars"},
    )
    stacked.update_layout(yaxis_tickprefix="$", yaxis_tickformat=",.0f", legend_title=None)
    left.plotly_chart(stacked, width="stretch")
elif causes is not None:
    left.info("No denials in these twelve months.")
if trend is not None and not trend.empty:
    names = {
        "denial_rate_lines": "denial rate (lines)",
        "denial_rate_dollars": "denial rate (dollars)",
        "credentialing_share": "credentialing share of denied dollars",
        "preventable_dollars": "preventable",
        "credentialing_denied_dollars": "credentialing-related denied",
    }
    lines = trend.melt(
        id_vars="month",
        value_vars=["denial_rate_lines", "denial_rate_dollars", "credentialing_share"],
        var_name="measure",
        value_name="value",
    )
    lines["measure"] = lines["measure"].map(names)
    rate_chart = px.line(
        lines,
        x="month",
        y="value",
        color="measure",
        markers=True,
        title="Denial rate and credentialing share",
    )
    rate_chart.update_layout(
        yaxis_tickformat=".1%", yaxis_title=None, legend_title=None, legend={"orientation": "h", "y": -0.25}
    )
    right.plotly_chart(rate_chart, width="stretch")
    saved = px.bar(
        trend.rename(columns=names),
        x="month",
        y=[names["preventable_dollars"], names["credentialing_denied_dollars"]],
        barmode="group",
        title="Preventable and credentialing-related denied dollars",
    )
    saved.update_layout(yaxis_tickprefix="$", yaxis_tickformat=",.0f", legend_title=None, yaxis_title=None)
    st.plotly_chart(saved, width="stretch")

st.subheader(f"Top denials in {month}")
columns = st.columns(3)
for column, (by, top) in zip(columns, tops.items(), strict=True):
    top = top[top["denied_dollars"] > 0]
    title = by.replace("_", " ")
    if top.empty:
        column.caption(f"No denials by {title} in {month}.")
        continue
    column.markdown(f"**By {title}**")
    column.dataframe(
        top[["name", "denied_dollars", "denied_lines"]],
        hide_index=True,
        column_config={"name": title, "denied_dollars": money_column("Denied"), "denied_lines": "Lines"},
    )

st.subheader("Needs action in the next 90 days")
if actions.empty:
    st.success("No credential expires, no enrollment ends and no application is pending in the next 90 days.")
else:
    st.caption(
        f"As of today, {fmt.day(today)}: expiring credentials with no renewal on file, enrollments that end, "
        "and pending applications (days_left negative = days since submission)."
    )
    st.dataframe(actions, hide_index=True, column_config={"due_date": date_column("Due / submitted")})
