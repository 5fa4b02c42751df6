"""Provider profile: who the provider is, what they are credentialed and enrolled for, and what went wrong."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages import _db, _exposure, _screening
from app_pages import _format as fmt
from app_pages import _identity as identity
from app_pages import _links as links
from app_pages import _profile as sections
from app_pages import _words as words
from app_pages._tables import findings_table, show
from audits import explore
from audits import findings as findings_model

identity.require_page("provider")  # the roles that see this page: audits/access.py

st.title("Provider profile")
month = _db.selected_month()
today = dt.date.today()

with _db.read() as data:
    if explore.providers(data.con).empty:
        st.info(
            "No providers yet. Upload the credentialing workbook (roster) on the Upload & data quality page."
        )
        links.page(links.UPLOAD, label="Go to Upload & data quality", icon=":material/upload_file:")
        st.stop()
    linked = links.arrived("npi")  # a link from a finding or the clearance page names the provider
    if linked is not None:
        st.session_state["provider_query"] = ""
        st.session_state["provider_npi"] = linked
    query = st.text_input("Find a provider by name or NPI", key="provider_query")
    matches = explore.search_providers(data.con, query or "", limit=200)
    if linked is not None and linked not in set(matches["npi"]):
        matches = pd.concat([explore.search_providers(data.con, linked, limit=1), matches], ignore_index=True)
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
    this_month = findings_model.findings(data.con, month, npis=[npi]) if month else pd.DataFrame()
    history = data.agg(explore.provider_findings_by_month, npi, month) if month else pd.DataFrame()
    denials = data.agg(explore.provider_denials_by_month, npi, month) if month else pd.DataFrame()

st.header(fmt.plain(person["provider_name"] or npi))
facts = (
    ("NPI", npi),
    ("Specialty", person["specialty"]),
    ("Taxonomy", person["taxonomy_code"]),
    ("Primary state", person["primary_state"]),
    ("Hired", person["hire_date"]),
    ("Status", words.word(words.PROVIDER_STATUS, person["status"])),
)
st.markdown(
    " · ".join(
        f"**{label}** {fmt.plain(fmt.day(value) if label == 'Hired' else value)}"
        for label, value in facts
        if not fmt.missing(value) and value != ""
    )
)
if month:
    links.to_audit(f"This provider's findings in the audit of {month}", month, npi=npi)

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
    show(credentials)

st.subheader("Enrollments by payer")
if enrollments.empty:
    st.warning("No enrollment rows: this provider is not enrolled with any payer.")
else:
    sections.enrollment_timeline(enrollments, today)

_screening.render(npi)
_exposure.render(npi, month)

st.subheader("Approved and excluded services")
if scope.empty:
    st.caption("No scope rows: any valid code is allowed for every payer.")
else:
    show(scope)

if month:
    st.subheader(f"Findings in {month}")
    if this_month.empty:
        st.success(f"No findings for this provider in {month}.")
    else:
        st.caption(f"{len(this_month)} findings, {fmt.money(this_month['amount_at_risk'].sum())} at risk.")
        findings_table(this_month.drop(columns=["rendering_npi", "provider_name"]))
    st.subheader("History (12 months)")
    sections.history(history, denials)
