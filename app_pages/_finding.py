"""One finding opened: what the rule says in plain words, what to do, the records behind it, and links
to the provider's profile and to the clearance of that provider with that payer."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _format as fmt
from app_pages import _links as links
from app_pages import _words as words
from app_pages._tables import records


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == ""


def record_view(record: dict) -> None:
    """The claim line and the credentialing records behind one finding, with what to do."""
    if not record:
        st.info("That finding is no longer in the month's current run: run the audit again or pick another.")
        return
    finding = record["finding"]
    rule_id = finding["rule_id"]
    with st.container(border=True):
        st.markdown(
            f"**{fmt.plain(words.rule_title(rule_id))}** · {words.SEVERITY_MARK.get(finding['severity'], '')}"
            f" · at risk {fmt.money(finding['amount_at_risk'])}",
            help=f"Rule {rule_id}: {words.rule_description(rule_id)}",
        )
        st.markdown(fmt.plain(finding["detail"]))
        st.warning(f"What to do: {record.get('action') or words.rule_action(rule_id)}")
        npi, payer_id = finding.get("rendering_npi"), finding.get("payer_id")
        who = None if _blank(finding.get("provider_name")) else finding["provider_name"]
        payer = words.payer(None if _blank(finding.get("payer_name")) else finding["payer_name"]) or (
            None if _blank(payer_id) else words.payer(payer_id)
        )
        if not _blank(npi):
            a, b = st.columns(2)
            links.to_provider(npi, who, where=a)
            dos = None if _blank(finding.get("date_of_service")) else finding["date_of_service"]
            links.to_clearance(npi, None if _blank(payer_id) else payer_id, dos, who, payer, where=b)
        left, right = st.columns(2)
        with left:
            st.markdown("**Claim line**")
            records(record.get("claim_line"), "Provider-level finding: no claim line.")
            st.markdown("**Remittances for the line**")
            records(record.get("remits"), "No remittance for this line yet.")
        with right:
            name = fmt.plain(who or npi or "the provider")
            st.markdown(f"**Enrollments of {name}**" + (f" with {fmt.plain(payer)}" if payer else ""))
            records(
                record.get("enrollments"), "No enrollment rows: the provider is not enrolled with this payer."
            )
            st.markdown("**Credentials** (days to expiry at month end)")
            records(record.get("credentials"), "No credentials on the roster.")
            st.markdown("**Approved and excluded services**")
            records(record.get("scope"), "No scope rows: every code is allowed.")
