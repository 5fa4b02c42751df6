"""Provider profile: who the provider is, what they are credentialed and enrolled for, and what went wrong."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import streamlit as st

from app_pages import _db, _screening
from app_pages import _format as fmt
from app_pages._tables import findings_columns, record_columns
from audits import explore

STATUS_COLOURS = {"enrolled": "#27ae60", "terminated": "#7f8c8d", "pending": "#f39c12", "denied": "#c0392b"}

st.title("Provider profile")
month = _db.selected_month()
today = dt.date.today()

with _db.read() as data:
    if explore.providers(data.con).empty:
        st.info(
            "No providers yet. Upload the credentialing workbook (roster) on the Upload & data quality page."
        )
        st.page_link(
            "app_pages/upload.py", label="Go to Upload & data quality", icon=":material/upload_file:"
        )
        st.stop()
    query = st.text_input("Find a provider by name or NPI", key="provider_query")
    matches = explore.search_providers(data.con, query or "", limit=200)
    if matches.empty:
        st.warning(f"No provider matches “{fmt.plain(query)}”.")
        st.stop()
    labels = {r.npi: f"{r.provider_name} · {r.npi} · {r.specialty or ''}" for r in matches.itertuples()}
    if st.session_state.get("provider_npi") not in labels:
        st.session_state["provider_npi"] = next(iter(labels))
    npi = st.selectbox(
        f"The first {len(matches)} (type to narrow)"
        if len(matches) == 200
        else (f"{len(matches)} matching" if query else f"All {len(matches)} providers"),
        list(labels),
        format_func=labels.get,
        key="provider_npi",
    )
    person = explore.provider(data.con, npi)
    credentials = explore.provider_credentials(data.con, npi, today)
    enrollments = explore.provider_enrollments(data.con, npi)
    scope = explore.provider_scope(data.con, npi)
    this_month = explore.findings(data.con, month, npis=[npi]) if month else pd.DataFrame()
    history = data.agg(explore.provider_findings_by_month, npi, month) if month else pd.DataFrame()
    denials = data.agg(explore.provider_denials_by_month, npi, month) if month else pd.DataFrame()

st.header(fmt.plain(person["provider_name"] or npi))
st.markdown(
    " · ".join(
        f"**{label}** {fmt.plain(value) or fmt.EMPTY}"
        for label, value in (
            ("NPI", npi),
            ("Specialty", person["specialty"]),
            ("Taxonomy", person["taxonomy_code"]),
            ("Primary state", person["primary_state"]),
            ("Hired", fmt.day(person["hire_date"])),
            ("Status", person["status"]),
        )
    )
)

st.subheader("Licences and certifications")
if credentials.empty:
    st.warning("No credentials on the roster: every claim will fail the licence check.")
else:
    expired = credentials[credentials["days_to_expiry"] < 0]
    soon = credentials[credentials["days_to_expiry"].between(0, 90)]
    if not soon.empty:
        st.warning(f"{len(soon)} credential(s) expire within 90 days.")
    st.caption(
        f"Days to expiry counted from today, {fmt.day(today)}; {len(expired)} expired row(s) kept as history."
    )
    st.dataframe(credentials, hide_index=True, column_config=record_columns())

st.subheader("Enrollments by payer")
if enrollments.empty:
    st.warning("No enrollment rows: this provider is not enrolled with any payer.")
else:
    bars = enrollments.copy()
    horizon = pd.Timestamp(today + dt.timedelta(days=180))
    bars["start"] = pd.to_datetime(bars["effective_date"].fillna(bars["submitted_date"]))
    bars["end"] = pd.to_datetime(bars["termination_date"])
    open_ended = bars["end"].isna()
    bars.loc[open_ended, "end"] = horizon
    bars.loc[bars["status"].isin(["pending", "denied"]), "end"] = pd.Timestamp(today)
    drawable = bars.dropna(subset=["start"])
    if not drawable.empty:
        timeline = px.timeline(
            drawable,
            x_start="start",
            x_end="end",
            y="payer_name",
            color="status",
            color_discrete_map=STATUS_COLOURS,
            hover_data={"status_label": True, "allowed_pos": True},
        )
        timeline.add_vline(x=pd.Timestamp(today), line_dash="dot", line_color="#34495e")
        timeline.update_layout(
            height=120 + 32 * drawable["payer_name"].nunique(),
            yaxis_title=None,
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
        )
        st.plotly_chart(timeline, width="stretch")
        st.caption(
            "Open-ended enrollments are drawn to six months from today; pending and denied applications "
            "from submission to today."
        )
    st.dataframe(enrollments.drop(columns=["payer_id"]), hide_index=True, column_config=record_columns())

_screening.render(npi)

st.subheader("Approved and excluded services")
if scope.empty:
    st.caption("No scope rows: any valid code is allowed for every payer.")
else:
    st.dataframe(scope, hide_index=True, column_config=record_columns())

if month:
    st.subheader(f"Findings in {month}")
    if this_month.empty:
        st.success(f"No findings for this provider in {month}.")
    else:
        st.caption(f"{len(this_month)} findings, {fmt.money(this_month['amount_at_risk'].sum())} at risk.")
        st.dataframe(
            this_month.drop(columns=["finding_id", "rendering_npi", "provider_name"]),
            hide_index=True,
            column_config=findings_columns(),
        )
    st.subheader("History (12 months)")
    left, right = st.columns(2)
    if not history.empty:
        left.plotly_chart(
            px.bar(history, x="month", y="findings", title="Findings per audited month"), width="stretch"
        )
    if not denials.empty:
        denials = denials.assign(month=denials["month"].map(explore.month_label))
        denials["denied_dollars"] = denials["denied_dollars"].astype(float)
        right.plotly_chart(
            px.bar(denials, x="month", y="denied_dollars", title="Denied dollars per month"), width="stretch"
        )
