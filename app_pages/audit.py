"""Monthly audit (practice managers): what is misaligned this month, for whom, how many dollars, what to do."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from app_pages import _audit as sections
from app_pages import _db, _queue
from app_pages import _format as fmt
from app_pages import _identity as identity
from app_pages import _links as links
from app_pages import _words as words
from app_pages._finding import record_view
from app_pages._tables import findings_table
from audits import explore, measures
from audits import findings as findings_model
from audits.errors import ClearToBillError
from audits.reports import write_findings_csv, write_workbook
from audits.runner import run_audit
from audits.store import connect

identity.require_page("audit")  # the roles that see this page: audits/access.py

LIMIT = 5000  # rows in the findings table; the CSV has them all
month = _db.selected_month()
st.title(f"Monthly audit {month or ''}".strip())
if not month:
    st.info(
        "No claims yet. Upload the credentialing workbook, a claims export and the remittances "
        "on the Upload & data quality page, then run the audit here."
    )
    links.page(links.UPLOAD, label="Go to Upload & data quality", icon=":material/upload_file:")
    st.stop()

top_left, top_right = st.columns([3, 1])
if identity.can("run audit") and top_right.button(f"Run the audit for {month}", type="primary"):
    identity.require("run audit")
    bar = st.progress(0.0, text="Starting the audit...")
    with _db.write() as con:
        try:
            result = run_audit(
                con, month, progress=lambda f, m="": bar.progress(min(max(f, 0.0), 1.0), text=m)
            )
        except ClearToBillError as exc:
            st.error(fmt.plain(exc))
            st.stop()
    bar.empty()
    st.success(
        f"Audit of {month} finished: {result.lines_audited:,} lines audited, {result.findings:,} findings."
    )

with _db.read() as data:
    run = findings_model.current_run(data.con, month)
    if run is None:
        top_left.warning(f"{month} has not been audited yet: run the audit to see its findings.")
    else:
        top_left.caption(f"Last audited {fmt.when(run.finished_at)}, with the roster as it stood then.")
    payers = explore.payers(data.con)
    payer_names = dict(zip(payers["payer_id"], payers["payer_name"], strict=False))
    summary = data.try_agg(measures.month_summary, month, what="The month's measures")
    by_rule = data.agg(findings_model.findings_by_rule, month)
    matrix = data.agg(findings_model.misalignment_matrix, month)
    sections.tiles(summary, by_rule)
    if run is not None and by_rule.empty:
        st.success(f"No findings in {month}: every audited line is aligned.")
    elif not by_rule.empty:
        left, right = st.columns(2)
        sections.rule_chart(by_rule, where=left)
        if not matrix.empty:
            sections.heatmap(matrix, payer_names, where=right)

    if run is None:
        st.stop()

    st.subheader("Findings")
    people = explore.providers(data.con)
    providers = dict(zip(people["npi"], people["provider_name"], strict=False))
    providers.update(
        {n: p for n, p in zip(matrix["npi"], matrix["provider_name"], strict=False) if n not in providers}
    )
    rules = sorted(by_rule["rule_id"].unique().tolist(), key=words.rule_title)
    payer_ids = sorted(
        set(matrix["payer_id"]) | set(payers["payer_id"]), key=lambda p: str(words.payer(p, payer_names))
    )
    chosen = sections.filters(rules, providers, payer_names, payer_ids)
    shown = findings_model.findings(data.con, month, **chosen, limit=LIMIT)
    total, at_risk = findings_model.findings_total(data.con, month, **chosen)
    st.caption(
        f"{total:,} findings, {fmt.money(at_risk)} at risk"
        + (f" (showing the {LIMIT:,} largest; download the CSV for all)" if total > LIMIT else "")
        + ". Select a row to open the records behind it."
    )
    event = findings_table(
        shown, on_select="rerun", selection_mode="single-row", key="findings_table", height=360
    )
    rows = event.selection.rows if event is not None else []
    labels = {
        r.finding_id: f"{words.rule_title(r.rule_id)} · {r.provider_name or r.rendering_npi or ''} · "
        f"{words.payer(r.payer_name or r.payer_id) or ''} · {r.claim_id or 'provider-level'} · "
        f"{fmt.money(r.amount_at_risk)}"
        for r in shown.itertuples()
    }
    if rows and rows[0] < len(shown):
        selected = shown.iloc[rows[0]]["finding_id"]
        if st.session_state.get("_last_table_pick") != selected:
            st.session_state["_last_table_pick"] = selected
            st.session_state["finding_pick"] = selected
    if st.session_state.get("finding_pick") not in labels:
        st.session_state["finding_pick"] = None
    picked = st.selectbox(
        "Open a finding",
        list(labels),
        format_func=labels.get,
        index=None,
        key="finding_pick",
        placeholder="Choose a finding (or select a row above)",
    )
    if picked and not identity.can("finding detail"):
        st.info("Opening the claim line behind a finding is for practice managers.")
    elif picked:
        identity.viewed(f"finding {picked} ({month})")
        record_view(findings_model.finding_record(data.con, picked, month))

_queue.render(month)

st.subheader("Exports")
database = _db.database_file()


def _export(writer, suffix: str):
    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp, connect(database, read_only=True) as con:
            path = Path(tmp) / f"findings{suffix}"
            writer(con, month, path)
            return path.read_bytes()

    return build


if not identity.can_download("findings"):
    st.caption("The findings exports are for practice managers.")
    st.stop()
e1, e2 = st.columns(2)
e1.download_button(
    "Download findings (CSV)",
    identity.export("findings", _export(write_findings_csv, ".csv"), f"findings-{month}.csv"),
    file_name=f"findings-{month}.csv",
    mime="text/csv",
    on_click="ignore",
)
e2.download_button(
    "Download the audit workbook (Excel)",
    identity.export("findings", _export(write_workbook, ".xlsx"), f"cleartobill-audit-{month}.xlsx"),
    file_name=f"cleartobill-audit-{month}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click="ignore",
)
