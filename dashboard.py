"""ClearToBill dashboard: `streamlit run dashboard.py`. Routes to the pages and draws the shared sidebar."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_pages import _db  # noqa: E402
from app_pages import _identity as identity  # noqa: E402
from app_pages import _links as links  # noqa: E402
from app_pages import _words as words  # noqa: E402
from app_pages._format import when  # noqa: E402
from audits import explore  # noqa: E402
from audits import findings as findings_model  # noqa: E402

# the tab's icon is served by the dashboard itself (a Material icon would be fetched from Google's font
# server, which the page's Content-Security-Policy forbids)
ICON = Path(__file__).resolve().parent / "app_pages" / "icon.svg"
st.set_page_config(page_title="ClearToBill", page_icon=str(ICON), layout="wide")

who = identity.ensure()  # sign-in, idle timeout, the audit trail's actor (stops until signed in)
pages = {
    "audit": st.Page("app_pages/audit.py", title="Monthly audit", icon=":material/fact_check:", default=True),
    "upload": st.Page("app_pages/upload.py", title="Upload & data quality", icon=":material/upload_file:"),
    "provider": st.Page("app_pages/provider.py", title="Provider profile", icon=":material/badge:"),
    "clearance": st.Page("app_pages/clearance.py", title="Clearance & pre-check", icon=":material/task_alt:"),
    "trends": st.Page("app_pages/trends.py", title="Denial trends", icon=":material/trending_up:"),
    "admin": st.Page(
        "app_pages/admin.py", title="Users & audit trail", icon=":material/admin_panel_settings:"
    ),
}
page = st.navigation([p for key, p in pages.items() if who.can("page", key)])  # roles: audits/access.py

with _db.read() as data:
    months = sorted(
        set(explore.service_months(data.con)) | set(findings_model.audited_months(data.con)), reverse=True
    )
    default = explore.default_month(data.con)
    demo = explore.is_demo(data.con)
    fresh = explore.freshness(data.con)

with st.sidebar:
    st.markdown("**ClearToBill**")
    if months:
        linked = links.arrived("month")  # a link from another page names its month
        if linked in months:
            st.session_state[_db.MONTH_KEY] = linked
        if st.session_state.get(_db.MONTH_KEY) not in months:
            st.session_state[_db.MONTH_KEY] = default
        st.selectbox("Month (date of service)", months, key=_db.MONTH_KEY)
    else:
        st.session_state.pop(_db.MONTH_KEY, None)
        st.caption("No claims loaded yet.")
    st.caption("Data freshness (last upload per kind)")
    if fresh.empty:
        st.caption("Nothing uploaded yet.")
    for row in fresh.itertuples():
        st.caption(f"{words.KIND.get(row.kind, row.kind)}: {when(row.uploaded_at)}")

identity.sidebar(who)
if demo:
    st.info("You are looking at demo data: a synthetic practice, no real providers or patients.")

page.run()
identity.flush()  # audit events kept back while the page read the database
