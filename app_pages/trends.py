"""Denial trends (leadership): where denials come from, how much is credentialing, what alignment saves."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages import _db, _retro
from app_pages import _format as fmt
from app_pages import _identity as identity
from app_pages import _links as links
from app_pages import _trends as sections
from audits import explore, measures, profiles

identity.require_page("trends")  # the roles that see this page: audits/access.py

month = _db.selected_month()
today = dt.date.today()

st.title("Denial trends")
if not month:
    st.info(
        "No claims yet. Load claims and remittances on the Upload & data quality page to see denial trends."
    )
    links.page(links.UPLOAD, label="Go to Upload & data quality", icon=":material/upload_file:")
    st.stop()
st.caption(f"Twelve service months ending {month}.")

with _db.read() as data:
    trend = data.try_agg(measures.monthly_trend, month, 12, what="The monthly trend")
    causes = data.try_agg(measures.denied_by_root_cause, month, 12, what="Denials by root cause")
    tops = data.agg(explore.top_denials, month, 10)
    actions = data.agg(profiles.action_items, today)

if trend is not None and not trend.empty:
    trend = sections.month_axis(trend)
    sections.tiles(trend)

left, right = st.columns(2)
if causes is not None and not causes.empty:
    sections.root_causes(sections.month_axis(causes), where=left)
elif causes is not None:
    left.info("No denials in these twelve months.")
if trend is not None and not trend.empty:
    sections.rates(trend, where=right)
    sections.saved(trend)

st.subheader(f"Top denials in {month}")
st.caption("Select a row to open its findings in the monthly audit.")
sections.tops(tops, month)

st.subheader("Needs action in the next 90 days")
if actions.empty:
    st.success("No credential expires, no enrollment ends and no application is pending in the next 90 days.")
else:
    st.caption(
        f"As of today, {fmt.day(today)}: expiring credentials with no renewal on file, enrollments that end, "
        "and pending applications (days left negative = days since submission)."
    )
    sections.action_table(actions)

_retro.render(month)
