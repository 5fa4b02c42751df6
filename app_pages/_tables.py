"""Table layouts shared by the pages: findings columns and the records behind a finding."""

from __future__ import annotations

import streamlit as st

from app_pages import _format as fmt


def money_column(label: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format=fmt.MONEY_FORMAT)


def date_column(label: str) -> st.column_config.DateColumn:
    return st.column_config.DateColumn(label, format=fmt.DATE_FORMAT)


def findings_columns() -> dict:
    return {
        "rule_id": "Rule",
        "severity": "Severity",
        "claim_id": "Claim",
        "line_no": st.column_config.NumberColumn("Line", format="%d"),
        "rendering_npi": "NPI",
        "provider_name": "Provider",
        "payer_id": "Payer",
        "payer_name": "Payer name",
        "procedure_code": "Code",
        "date_of_service": date_column("Date of service"),
        "amount_at_risk": money_column("At risk"),
        "detail": st.column_config.TextColumn("Detail", width="large"),
    }


LABELS = {
    "claim_id": "Claim",
    "line_no": "Line",
    "rendering_npi": "Rendering NPI",
    "billing_npi": "Billing NPI",
    "payer_id": "Payer",
    "payer_name": "Payer name",
    "procedure_code": "Code",
    "pos": "POS",
    "units": "Units",
    "service_state": "Service state",
    "modifier_1": "Mod 1",
    "modifier_2": "Mod 2",
    "modifier_3": "Mod 3",
    "modifier_4": "Mod 4",
    "diagnosis_1": "Dx 1",
    "diagnosis_2": "Dx 2",
    "diagnosis_3": "Dx 3",
    "diagnosis_4": "Dx 4",
    "claim_status": "Claim status",
    "source": "Source",
    "level": "Level",
    "group_code": "Group",
    "carc": "CARC",
    "carc_description": "Reason",
    "status": "Status",
    "status_label": "As the roster says",
    "allowed_pos": "Allowed POS",
    "credential_type": "Type",
    "credential_label": "Label",
    "number": "Number",
    "state": "State",
    "days_to_expiry": "Days to expiry",
    "code_from": "From code",
    "code_to": "To code",
    "scope": "Scope",
}


def record_columns() -> dict:
    return {
        **LABELS,
        "billed_amount": money_column("Billed"),
        "paid_amount": money_column("Paid"),
        "amount": money_column("Adjustment"),
        "date_of_service": date_column("Date of service"),
        "submitted_date": date_column("Submitted"),
        "effective_date": date_column("Effective"),
        "termination_date": date_column("Terminated"),
        "issue_date": date_column("Issued"),
        "expiration_date": date_column("Expires"),
        "adjudication_date": date_column("Adjudicated"),
    }


def _table(frame, empty: str) -> None:
    if frame is None or frame.empty:
        st.caption(empty)
    else:
        st.dataframe(frame.dropna(axis=1, how="all"), hide_index=True, column_config=record_columns())


def record_view(record: dict) -> None:
    """The claim line and the credentialing records behind one finding, with what to do."""
    if not record:
        st.info("That finding is no longer in the month's current run: run the audit again or pick another.")
        return
    finding = record["finding"]
    with st.container(border=True):
        st.markdown(
            f"**{finding['rule_id']}** ({finding['severity']}) · at risk {fmt.money(finding['amount_at_risk'])}"
        )
        st.markdown(fmt.plain(finding["detail"]))
        st.warning(f"What to do: {record['action']}")
        left, right = st.columns(2)
        with left:
            st.markdown("**Claim line**")
            _table(record["claim_line"], "Provider-level finding: no claim line.")
            st.markdown("**Remittances for the line**")
            _table(record["remits"], "No remittance for this line yet.")
        with right:
            who = fmt.plain(finding.get("provider_name") or finding.get("rendering_npi") or "the provider")
            payer = fmt.plain(finding.get("payer_name") or finding.get("payer_id") or "")
            st.markdown(f"**Enrollments of {who}**" + (f" with {payer}" if payer else ""))
            _table(record["enrollments"], "No enrollment rows: the provider is not enrolled with this payer.")
            st.markdown("**Credentials** (days to expiry at month end)")
            _table(record["credentials"], "No credentials on the roster.")
            st.markdown("**Approved and excluded services**")
            _table(record["scope"], "No scope rows: every code is allowed.")
