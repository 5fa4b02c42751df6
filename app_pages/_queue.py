"""The monthly audit's issues across months: new / recurring / resolved with dollars, and the work queue
with owners, statuses and a bulk action on the filtered set (audits.lifecycle). One call from the page:
`render(month)`. The numbers are the pack's (audits.pack writes the same ChangeSummary)."""

from __future__ import annotations

import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages._tables import show

ALL = "All"
UNASSIGNED = "Unassigned"


def _user() -> str:
    """Who acts: the signed-in user (app_pages._identity), else the login."""
    from app_pages import _identity
    from audits.held_claims import who

    return _identity.current().user or who(None)


def _require_assign() -> None:
    """Managers assign (audits.access): stop with one sentence otherwise."""
    from app_pages import _identity

    _identity.require("assign")


def _shown(frame):
    from audits.lifecycle import STATUS_LABELS

    # an issue is its rule, provider and payer (the columns shown): its id is a hash, never on the page
    out = frame.drop(columns=["issue_id"]).rename(
        columns={"dollars": "amount_at_risk", "status": "issue_status"}
    )
    out["issue_status"] = out["issue_status"].map(STATUS_LABELS)
    return out


def issue_words(issue) -> str:
    """An issue in words: its rule's name, the provider and the payer (never its id, a hash)."""
    from app_pages import _words as words

    provider = issue.get("provider_name") or issue.get("rendering_npi")
    payer = issue.get("payer_name") or words.payer(issue.get("payer_id"))
    return " · ".join(
        str(p) for p in (words.rule_title(issue["rule_id"]), provider, payer) if not fmt.missing(p)
    )


def tiles(summary) -> None:
    """Three tiles: new, recurring, resolved issues, each with its dollars."""
    if summary.previous_audited:
        st.caption(
            f"Issues compared with {summary.previous_month}. Dollars: at risk this month (resolved: last month)."
        )
    else:
        st.caption(f"{summary.previous_month} was not audited: every open issue counts as new.")
    for column, change in zip(st.columns(3), ("new", "recurring", "resolved"), strict=True):
        column.metric(
            f"{change.capitalize()} issues",
            f"{summary.counts[change]:,}",
            help=f"{fmt.money(summary.dollars[change])}",
        )
        column.caption(fmt.money(summary.dollars[change]))


def render(month: str) -> None:
    from audits import lifecycle
    from audits.errors import ClearToBillError

    st.subheader("Since last month")
    with _db.read() as data:
        summary = data.call(lifecycle.changes, month, what="The month-over-month changes")
        queue = data.call(lifecycle.queue, month, what="The work queue") if summary is not None else None
        offenders = data.call(lifecycle.repeat_offenders, month, what="Repeat offenders")
    if summary is None or queue is None:
        return
    tiles(summary)
    if offenders is not None and not offenders.empty:
        st.caption(
            f"Repeat offenders: provider-payer pairs with findings {lifecycle.REPEAT_MONTHS} months running."
        )
        show(offenders.rename(columns={"dollars": "amount_at_risk"}), key="repeat_offenders")

    st.subheader("Work queue")
    reopened = queue[queue["reopened"] != ""]
    for text in reopened["reopened"].head(5):
        st.warning(text)
    owners = sorted({a for a in queue["assignee"].dropna() if a})
    f1, f2, f3 = st.columns(3)
    who = f1.selectbox("Assigned to", [ALL, UNASSIGNED, *owners], key="queue_assignee")
    status = f2.selectbox(
        "Status",
        [ALL, *lifecycle.STATUSES],
        format_func=lambda s: lifecycle.STATUS_LABELS.get(s, s),
        key="queue_status",
    )
    change = f3.selectbox("Change", [ALL, "new", "recurring"], key="queue_change")
    filters = {
        "assignee": None if who == ALL else ("-" if who == UNASSIGNED else who),
        "status": None if status == ALL else status,
        "change": None if change == ALL else change,
    }
    with _db.read() as data:
        selected = lifecycle.queue(data.con, month, **filters)
    st.caption(f"{len(selected):,} issues, {fmt.money(selected['dollars'].sum())} at risk.")
    show(_shown(selected), key="work_queue", height=320)

    with st.form("queue_bulk"):
        st.caption(f"Change the {len(selected):,} issues shown (every change is kept with who and when).")
        b1, b2 = st.columns(2)
        owner = b1.text_input("Assign to (person or team: credentialing, coding, billing)", key="queue_owner")
        new_status = b2.selectbox(
            "Set status",
            ["(keep)", *lifecycle.STATUSES],
            format_func=lambda s: lifecycle.STATUS_LABELS.get(s, s),
            key="queue_new_status",
        )
        note = st.text_input("Note", key="queue_note")
        apply = st.form_submit_button("Apply to the issues shown", disabled=selected.empty)
    if apply:
        changes = {
            "assignee": owner.strip() or None,
            "status": None if new_status == "(keep)" else new_status,
            "note": note.strip() or None,
        }
        if not any(v is not None for v in changes.values()):
            st.info("Nothing to change: give an owner, a status or a note.")
        else:
            _require_assign()
            with _db.write() as con:
                try:
                    result = lifecycle.assign(con, list(selected["issue_id"]), by=_user(), **changes)
                except (ClearToBillError, PermissionError) as exc:  # one sentence, nothing changed
                    st.error(_db.sentence(exc))
                    return
            st.session_state["queue_done"] = (
                f"{result.changed:,} changes recorded on {len(result.issue_ids):,} issues."
            )
            st.rerun()
    if st.session_state.get("queue_done"):
        st.success(st.session_state.pop("queue_done"))

    if not selected.empty:
        with st.expander("History of an issue"):
            pick = st.selectbox(
                "Issue",
                list(selected["issue_id"]),
                format_func=lambda i: issue_words(selected.set_index("issue_id").loc[i]),
                key="queue_history_pick",
            )
            with _db.read() as data:
                events = lifecycle.history(data.con, pick)
            if events.empty:
                st.caption("No change yet: open and unassigned.")
            else:
                show(events.drop(columns=["issue_id"]), key="queue_history")
