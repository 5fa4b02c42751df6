"""The provider profile's exclusion screening: when this provider was last screened, against which lists,
and what it found. One call from the page: `render(npi)`."""

from __future__ import annotations

import streamlit as st

from app_pages import _db
from app_pages import _format as fmt


def render(npi: str) -> None:
    from audits.exclusions import last_screening

    st.subheader("Exclusion screening")
    with _db.read() as data:
        last = data.call(last_screening, npi, what="The exclusion screening")
    if last is None:
        st.caption(
            "Never screened: load the OIG LEIE and SAM.gov exclusion lists on the Upload page (each load "
            "screens the whole roster)."
        )
        return
    when = f"{last['screened_at']:%Y-%m-%d %H:%M}"
    st.caption(
        f"Last screened {when} by {fmt.plain(last['screened_by'])} against {fmt.plain(last['lists'])}."
    )
    result = last["result"]
    found = last["matches"]
    if result == "no match":
        st.success("Not on any loaded exclusion list.")
        return
    if result.startswith("EXCLUDED"):
        st.error(
            "On an exclusion list: claims of this provider from the exclusion date on are held by the gate "
            "and NOT CLEARED by the pre-check."
        )
    elif result == "possible match dismissed":
        st.info("A possible match was dismissed by a person (see below).")
    else:
        st.warning(
            "A possible match (same name, no NPI on the list) waits for a person to confirm or dismiss it."
        )
    st.dataframe(
        found[
            [
                "match_id",
                "match_type",
                "decision",
                "decided_by",
                "source",
                "list_name",
                "list_first_name",
                "business_name",
                "list_state",
                "excl_type",
                "excl_date",
                "rein_date",
                "list_file",
                "list_date",
            ]
        ],  # fmt: skip
        hide_index=True,
        column_config={
            "match_id": "Match id",
            "match_type": "Matched by",
            "decision": "Decision",
            "decided_by": "Decided by",
            "source": "List",
            "list_name": "Last name",
            "list_first_name": "First name",
            "business_name": "Business",
            "list_state": "State",
            "excl_type": "Exclusion type",
            "excl_date": st.column_config.DateColumn("Excluded from", format=fmt.DATE_FORMAT),
            "rein_date": st.column_config.DateColumn("Reinstated", format=fmt.DATE_FORMAT),
            "list_file": "List file",
            "list_date": st.column_config.DateColumn("List date", format=fmt.DATE_FORMAT),
        },
    )
