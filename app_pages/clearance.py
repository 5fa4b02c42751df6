"""Clearance & pre-check (coders): who is cleared to bill which payer on a date, before the claim goes out."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import streamlit as st

from app_pages import _clearance as grid
from app_pages import _dates as dates
from app_pages import _db, _gate
from app_pages import _format as fmt
from app_pages import _identity as identity
from app_pages import _links as links
from app_pages import _precheck as results
from app_pages._tables import show
from audits import explore, months, profiles
from audits.errors import ClearToBillError
from audits.precheck import check_file, check_line

identity.require_page("clearance")  # the roles that see this page: audits/access.py


def month_date(month: str | None) -> dt.date:
    """The date the page starts on: today in the sidebar's month, else that month's last day (or first day,
    for a month still ahead)."""
    today = dt.date.today()
    if not month:
        return today
    start, end = months.month_bounds(month)
    return today if start <= today <= end else (end if end < today else start)


st.title("Clearance & pre-check")
with _db.read() as data:
    people = explore.providers(data.con, active_only=True)
    payers = explore.payers(data.con)
if people.empty or payers.empty:
    st.info(
        "No roster yet. Upload the credentialing workbook (providers, enrollments, payers) to see who is cleared."
    )
    links.page(links.UPLOAD, label="Go to Upload & data quality", icon=":material/upload_file:")
    st.stop()
payer_labels = dict(zip(payers["payer_id"], payers["payer_name"].fillna(payers["payer_id"]), strict=False))
people_labels = dict(zip(people["npi"], people["provider_name"].fillna(people["npi"]), strict=False))
on_default = month_date(_db.selected_month())
if st.session_state.get("_dates_for") != on_default:  # a new sidebar month moves every date with it
    st.session_state["_dates_for"] = on_default
    for key in ("matrix_date", "who_date", "check_dos"):
        dates.seed(key, on_default)

linked_npi, linked_payer, linked_dos = links.arrived("npi"), links.arrived("payer"), links.arrived_date("dos")
opened = None
if linked_npi in people_labels:  # a link from a finding: the pre-check of that provider and payer
    st.session_state["check_npi"] = linked_npi
    opened = "Pre-check a line"
if linked_payer in payer_labels:
    st.session_state["check_payer"] = linked_payer
if linked_dos is not None:
    dates.seed("check_dos", linked_dos)
    dates.seed("matrix_date", linked_dos)


def _matrix() -> None:
    """Who is enrolled with which payer on a date, with their licences."""
    left, mid, right = st.columns([1, 2, 1])
    on = dates.date_box("On date", key="matrix_date", where=left)
    specialties = sorted(people["specialty"].dropna().unique().tolist())
    chosen = mid.multiselect("Specialty", specialties, key="matrix_specialty")
    problems_only = right.toggle("Only providers with a gap", key="matrix_gaps")
    if on is not None:
        with _db.read() as data:
            matrix = data.agg(profiles.clearance_matrix, on)
            licences = data.agg(profiles.licence_status, on)
        grid.matrix_view(matrix, licences, on, chosen, problems_only)


def _who_can_bill() -> None:
    """Which active providers can bill a code with a payer on a date."""
    with st.form("who_can_bill"):
        a, b, c = st.columns(3)
        code = a.text_input("Procedure code", key="who_code")
        payer = b.selectbox("Payer", list(payer_labels), format_func=payer_labels.get, key="who_payer")
        on_date = dates.date_box("Date of service", key="who_date", where=c)
        asked = st.form_submit_button("Who can bill it?", key="who_submit")
    if asked and code.strip() and on_date is not None:
        with _db.read() as data:
            try:
                judged = profiles.who_can_bill(data.con, code, payer, on_date)
            except ClearToBillError as exc:
                st.error(fmt.plain(exc))
                st.stop()
        st.markdown(
            f"**{int(judged['cleared'].sum())}** of {len(people)} active providers can bill "
            f"**{fmt.plain(code.strip())}** with {fmt.plain(payer_labels[payer])} on {fmt.day(on_date)} "
            f"({len(judged)} are enrolled with {fmt.plain(payer_labels[payer])} then)."
        )
        if not judged.empty:
            show(judged.assign(cleared=judged["cleared"].map({True: "Yes", False: "No"})))


def _codes(text: str) -> list[str]:
    """'25, 59' or '25 59' or '25;59' as codes."""
    return [c for c in re.split(r"[\s,;]+", text or "") if c]


def _check_line() -> None:
    """One line, before it is billed: its verdict and what to do."""
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
        dos = dates.date_box("Date of service", key="check_dos", where=d)
        pos = e.text_input("Place of service (optional)", key="check_pos")
        state = f.text_input("Service state (optional)", key="check_state")
        g, h = st.columns(2)
        modifiers = g.text_input("Modifiers (optional)", key="check_modifiers", placeholder="25, 59")
        diagnoses = h.text_input(
            "Diagnoses (optional, ICD-10-CM)", key="check_diagnoses", placeholder="E11.9, I10"
        )
        submitted = st.form_submit_button("Check", key="check_submit")
    if submitted and dos is not None:
        identity.require("pre-check")
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
                    modifiers=_codes(modifiers),
                    diagnoses=_codes(diagnoses),
                )
            except ClearToBillError as exc:
                st.error(fmt.plain(exc))
                st.stop()
        results.verdict(verdict, people_labels[npi], code.strip(), payer_labels[payer], dos)


def _check_file() -> None:
    """A claims file, before it is submitted: each line's verdict, on the page and as a download."""
    st.caption(
        "Upload a claims file (CSV or Excel) before submitting it: each line gets a verdict and its reasons."
    )
    batch = st.file_uploader("Claims to pre-check", type=["csv", "xlsx"], key="batch_file")
    if batch is not None and st.button("Pre-check the file", key="batch_run"):
        identity.require("pre-check")
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
                    st.error(fmt.plain(exc))
                    st.stop()
            bar.empty()
            st.session_state["batch_result"] = (target.name, target.read_bytes(), checked)
    if "batch_result" in st.session_state:
        name, content, checked = st.session_state["batch_result"]
        results.batch_table(checked)
        if identity.can_download("pre-check results"):
            st.download_button(
                "Download the annotated file",
                identity.export("pre-check results", content, name, len(checked)),
                file_name=name,
                on_click="ignore",
            )


TABS = [  # (title, the action it needs or None, its body)
    ("Enrollment matrix", None, _matrix),
    ("Who can bill", None, _who_can_bill),
    ("Pre-check a line", "pre-check", _check_line),
    ("Pre-check a file", "pre-check", _check_file),
    ("Gate a batch", "gate", _gate.render),
]
# a role sees only the tabs it may use
shown = [(title, body) for title, needs, body in TABS if needs is None or identity.can(needs)]
titles = [title for title, _body in shown]
tabs = st.tabs(titles, default=opened if opened in titles else None)
for (_title, body), tab in zip(shown, tabs, strict=True):
    with tab:
        body()
