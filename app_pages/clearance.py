"""Clearance & pre-check (coders): who is cleared to bill which payer on a date, before the claim goes out."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import streamlit as st

from app_pages import _db, _gate
from app_pages import _format as fmt
from audits import explore
from audits.errors import ClearToBillError

COLOURS = {
    "cleared": "#c8e6c9",
    "not yet effective": "#fff3b0",
    "terminated": "#d5d8dc",
    "pending": "#ffe0b2",
    "denied": "#f5b7b1",
    "not enrolled": "#ffffff",
}
check_line = _db.optional("audits.precheck", "check_line")
check_file = _db.optional("audits.precheck", "check_file")

st.title("Clearance & pre-check")
with _db.read() as data:
    people = explore.providers(data.con, active_only=True)
    payers = explore.payers(data.con)
if people.empty or payers.empty:
    st.info(
        "No roster yet. Upload the credentialing workbook (providers, enrollments, payers) to see who is cleared."
    )
    st.page_link("app_pages/upload.py", label="Go to Upload & data quality", icon=":material/upload_file:")
    st.stop()
payer_labels = dict(zip(payers["payer_id"], payers["payer_name"].fillna(payers["payer_id"]), strict=False))
people_labels = dict(zip(people["npi"], people["provider_name"].fillna(people["npi"]), strict=False))

matrix_tab, who_tab, check_tab, batch_tab, gate_tab = st.tabs(
    ["Enrollment matrix", "Who can bill", "Pre-check a line", "Pre-check a file", "Gate a batch"]
)

with matrix_tab:
    left, mid, right = st.columns([1, 2, 1])
    on = left.date_input("On date", value=dt.date.today(), key="matrix_date", format="YYYY-MM-DD")
    specialties = sorted(people["specialty"].dropna().unique().tolist())
    chosen = mid.multiselect("Specialty", specialties, key="matrix_specialty")
    problems_only = right.toggle("Only providers with a gap", key="matrix_gaps")
    with _db.read() as data:
        matrix = data.agg(explore.clearance_matrix, on)
        licences = data.agg(explore.licence_status, on)
    if chosen:
        matrix = matrix[matrix["specialty"].isin(chosen)]
    grid = matrix.pivot_table(
        index=["npi", "provider_name"], columns="payer_name", values="status", aggfunc="first"
    )
    grid = grid.reset_index().merge(licences[["npi", "licence", "licence_expires"]], on="npi", how="left")
    payer_columns = [
        c for c in grid.columns if c not in ("npi", "provider_name", "licence", "licence_expires")
    ]
    if problems_only:
        gap = grid[payer_columns].isin(["not yet effective", "terminated", "pending", "denied"]).any(axis=1)
        grid = grid[gap | (grid["licence"] != "valid")]
    grid = grid[["provider_name", "npi", "licence", "licence_expires", *payer_columns]]
    counts = matrix["status"].value_counts()
    st.caption(
        " · ".join(f"{status}: {counts.get(status, 0):,}" for status in explore.CLEARANCE_STATUSES)
        + f" (provider-payer pairs on {fmt.day(on)})"
    )
    styled = grid.style.map(lambda v: f"background-color: {COLOURS.get(v, '')}", subset=payer_columns).map(
        lambda v: "background-color: #f5b7b1" if v in ("expired", "none") else "", subset=["licence"]
    )
    st.dataframe(
        styled,
        hide_index=True,
        height=min(38 + 35 * len(grid), 640),
        column_config={
            "provider_name": "Provider",
            "licence": "Licence",
            "licence_expires": st.column_config.DateColumn("Licence expires", format=fmt.DATE_FORMAT),
        },
    )

with who_tab:
    with st.form("who_can_bill"):
        a, b, c = st.columns(3)
        code = a.text_input("Procedure code", key="who_code")
        payer = b.selectbox("Payer", list(payer_labels), format_func=payer_labels.get, key="who_payer")
        on_date = c.date_input("Date of service", value=dt.date.today(), key="who_date", format="YYYY-MM-DD")
        asked = st.form_submit_button("Who can bill it?", key="who_submit")
    if asked and code.strip():
        if check_line is None:
            st.info("The pre-check is not available in this build yet.")
        else:
            with _db.read() as data:
                try:
                    judged = explore.who_can_bill(data.con, code, payer, on_date)
                except ClearToBillError as exc:
                    st.error(str(exc))
                    st.stop()
            st.markdown(
                f"**{int(judged['cleared'].sum())}** of {len(people)} active providers can bill "
                f"**{fmt.plain(code.strip())}** with {fmt.plain(payer_labels[payer])} on {fmt.day(on_date)} "
                f"({len(judged)} are enrolled with {fmt.plain(payer_labels[payer])} then)."
            )
            if not judged.empty:
                st.dataframe(
                    judged,
                    hide_index=True,
                    column_config={
                        "provider_name": "Provider",
                        "npi": "NPI",
                        "cleared": "Cleared",
                        "why_not": "Why not",
                    },
                )

with check_tab:
    with st.form("precheck"):
        a, b, c = st.columns(3)
        npi = a.selectbox(
            "Provider",
            list(people_labels),
            format_func=lambda n: f"{people_labels[n]} ({n})",
            key="check_npi",
        )
        payer = b.selectbox("Payer", list(payer_labels), format_func=payer_labels.get, key="check_payer")
        code = c.text_input("Procedure code", key="check_code")
        d, e, f = st.columns(3)
        dos = d.date_input("Date of service", value=dt.date.today(), key="check_dos", format="YYYY-MM-DD")
        pos = e.text_input("Place of service (optional)", key="check_pos")
        state = f.text_input("Service state (optional)", key="check_state")
        submitted = st.form_submit_button("Check", key="check_submit")
    if submitted:
        if check_line is None:
            st.info("The pre-check is not available in this build yet.")
        else:
            with _db.read() as data:
                try:
                    verdict = check_line(
                        data.con,
                        npi,
                        payer,
                        code.strip(),
                        dos,
                        pos=pos.strip() or None,
                        state=state.strip().upper() or None,
                    )
                except ClearToBillError as exc:
                    st.error(str(exc))
                    st.stop()
            if verdict.cleared:
                st.success(
                    f"CLEARED: {fmt.plain(people_labels[npi])} can bill {fmt.plain(code.strip())} with {fmt.plain(payer_labels[payer])} "
                    f"on {fmt.day(dos)}."
                )
            else:
                st.error("NOT CLEARED")
                for reason in verdict.reasons:
                    st.markdown(f"- {fmt.plain(reason)}")

with batch_tab:
    st.caption(
        "Upload a claims file (CSV or Excel) before submitting it: each line gets a verdict and its reasons."
    )
    batch = st.file_uploader("Claims to pre-check", type=["csv", "xlsx"], key="batch_file")
    if batch is not None and st.button("Pre-check the file", key="batch_run", disabled=check_file is None):
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / Path(batch.name).name
            source.write_bytes(batch.getvalue())
            target = Path(tmp) / f"prechecked-{source.stem}{source.suffix}"
            bar = st.progress(0.0, text="Checking lines...")
            with _db.read() as data:
                try:
                    checked = check_file(
                        data.con,
                        source,
                        target,
                        progress=lambda x, m="": bar.progress(min(max(x, 0.0), 1.0), text=m),
                    )
                except ClearToBillError as exc:
                    st.error(str(exc))
                    st.stop()
            bar.empty()
            st.session_state["batch_result"] = (target.name, target.read_bytes(), checked)
    if "batch_result" in st.session_state:
        name, content, checked = st.session_state["batch_result"]
        if "verdict" in checked:
            blocked = int((checked["verdict"].astype(str).str.upper() != "CLEARED").sum())
            st.markdown(f"**{blocked:,}** of {len(checked):,} lines are NOT CLEARED.")
        st.download_button("Download the annotated file", content, file_name=name, on_click="ignore")
    if check_file is None:
        st.info("The batch pre-check is not available in this build yet.")

with gate_tab:
    _gate.render()
