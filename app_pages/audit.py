"""Monthly audit (practice managers): what is misaligned this month, for whom, how many dollars, what to do."""

from __future__ import annotations

import tempfile
from pathlib import Path

import plotly.express as px
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages._tables import findings_columns, record_view
from audits import explore
from audits.errors import ClearToBillError
from audits.store import connect

LIMIT = 5000  # rows in the findings table; the CSV has them all
month = _db.selected_month()
st.title(f"Monthly audit {month or ''}".strip())
if not month:
    st.info(
        "No claims yet. Upload the credentialing workbook, a claims export and the remittances "
        "on the Upload & data quality page, then run the audit here."
    )
    st.page_link("app_pages/upload.py", label="Go to Upload & data quality", icon=":material/upload_file:")
    st.stop()

run_audit = _db.optional("audits.runner", "run_audit")
top_left, top_right = st.columns([3, 1])
if top_right.button(f"Run the audit for {month}", type="primary", disabled=run_audit is None):
    bar = st.progress(0.0, text="Starting the audit...")
    with _db.write() as con:
        try:
            result = run_audit(
                con, month, progress=lambda f, m="": bar.progress(min(max(f, 0.0), 1.0), text=m)
            )
        except ClearToBillError as exc:
            st.error(str(exc))
            st.stop()
    bar.empty()
    st.success(
        f"Audit of {month} finished: {result.lines_audited:,} lines audited, {result.findings:,} findings, "
        f"{fmt.money(result.amount_at_risk)} at risk."
    )

measures = _db.optional_module("audits.measures")
with _db.read() as data:
    run = explore.current_run(data.con, month)
    if run is None:
        top_left.warning(f"{month} has not been audited yet: run the audit to see its findings.")
    else:
        top_left.caption(
            f"Audit run {run['run_id']} finished {fmt.when(run['finished_at'])}, roster snapshot "
            f"{run['snapshot_id'] if run['snapshot_id'] is not None else '—'}."
        )

    summary = data.try_agg(getattr(measures, "month_summary", None), month, what="The month's measures")
    if summary:
        change = summary.get("change") or {}
        tiles = st.columns(5)
        tiles[0].metric("Claim lines", fmt.number(summary["lines"]), fmt.number_delta(change.get("lines")))
        tiles[1].metric("Billed", fmt.money(summary["billed"]), fmt.money_delta(change.get("billed")))
        tiles[2].metric(
            "Denied dollars",
            fmt.money(summary["denied_dollars"]),
            fmt.money_delta(change.get("denied_dollars")),
            delta_color="inverse",
        )
        tiles[3].metric(
            "Preventable dollars",
            fmt.money(summary["preventable_dollars"]),
            fmt.money_delta(change.get("preventable_dollars")),
            delta_color="inverse",
            help="Denied dollars on lines with a blocking finding: what a pre-submission check would stop.",
        )
        tiles[4].metric(
            "Findings",
            fmt.number(summary["findings"]),
            fmt.number_delta(change.get("findings")),
            delta_color="inverse",
        )

    by_rule = data.agg(explore.findings_by_rule, month)
    matrix = data.agg(explore.misalignment_matrix, month)
    if run is not None and by_rule.empty:
        st.success(f"No findings in {month}: every audited line is aligned.")
    elif not by_rule.empty:
        left, right = st.columns(2)
        chart = px.bar(
            by_rule.sort_values("findings"),
            x="findings",
            y="rule_id",
            color="severity",
            orientation="h",
            hover_data={"amount_at_risk": ":$,.0f"},
            color_discrete_map={"error": "#c0392b", "warning": "#e67e22", "info": "#2e86c1"},
            title="Findings by rule",
        )
        chart.update_layout(yaxis_title=None, height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10})
        left.plotly_chart(chart, width="stretch")
        if not matrix.empty:
            value = right.segmented_control(
                "Heatmap of", ["findings", "dollars at risk"], default="findings", key="heat_value"
            )
            column = "amount_at_risk" if value == "dollars at risk" else "findings"
            top = matrix.groupby("provider_name")[column].sum().nlargest(25).index
            grid = matrix[matrix["provider_name"].isin(top)].pivot_table(
                index="provider_name", columns="payer_id", values=column, aggfunc="sum", fill_value=0
            )
            heat = px.imshow(
                grid,
                color_continuous_scale="Reds",
                aspect="auto",
                labels={"color": value or "findings", "x": "payer", "y": "provider"},
                title="Misalignment by provider and payer (top 25 providers)",
            )
            heat.update_layout(height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10})
            right.plotly_chart(heat, width="stretch")

    if run is None:
        st.stop()

    st.subheader("Findings")
    rules = sorted(by_rule["rule_id"].unique().tolist())
    f1, f2, f3, f4, f5 = st.columns([2, 1, 2, 2, 1])
    pick_rules = f1.multiselect("Rule", rules, key="filter_rule")
    pick_sev = f2.multiselect("Severity", ["error", "warning", "info"], key="filter_severity")
    provider_names = matrix.drop_duplicates("npi").set_index("npi")["provider_name"].to_dict()
    pick_npis = f3.multiselect(
        "Provider",
        sorted(provider_names, key=lambda n: str(provider_names[n])),
        format_func=lambda n: f"{provider_names.get(n)} ({n})",
        key="filter_provider",
    )
    pick_payers = f4.multiselect("Payer", sorted(matrix["payer_id"].unique().tolist()), key="filter_payer")
    code = f5.text_input("Code starts with", key="filter_code")
    filters = {"rule_ids": pick_rules, "severities": pick_sev, "npis": pick_npis, "payer_ids": pick_payers}
    shown = explore.findings(data.con, month, **filters, code=code, limit=LIMIT)
    total, at_risk = explore.findings_total(data.con, month, **filters, code=code)
    st.caption(
        f"{total:,} findings, {fmt.money(at_risk)} at risk"
        + (f" (showing the {LIMIT:,} largest; download the CSV for all)" if total > LIMIT else "")
        + ". Select a row to open the records behind it."
    )
    event = st.dataframe(
        shown.drop(columns=["finding_id"]),
        column_config=findings_columns(),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="findings_table",
        height=360,
    )
    rows = event.selection.rows if event is not None else []
    labels = {
        r.finding_id: f"{r.rule_id} · {r.provider_name or r.rendering_npi or ''} · {r.payer_id or ''} · "
        f"{r.claim_id or 'provider-level'} · {fmt.money(r.amount_at_risk)}"
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
    if picked:
        record_view(explore.finding_record(data.con, picked, month))

st.subheader("Exports")
database = _db.database_file()


def _export(writer, suffix: str):
    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp, connect(database, read_only=True) as con:
            path = Path(tmp) / f"findings{suffix}"
            writer(con, month, path)
            return path.read_bytes()

    return build


write_csv = _db.optional("audits.reports", "write_findings_csv")
write_xlsx = _db.optional("audits.reports", "write_workbook")
e1, e2 = st.columns(2)
if write_csv is None or write_xlsx is None:
    st.info("Exports are not available in this build yet.")
else:
    e1.download_button(
        "Download findings (CSV)",
        _export(write_csv, ".csv"),
        file_name=f"findings-{month}.csv",
        mime="text/csv",
        on_click="ignore",
    )
    e2.download_button(
        "Download the audit workbook (Excel)",
        _export(write_xlsx, ".xlsx"),
        file_name=f"cleartobill-audit-{month}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
