"""The data-quality half of the upload page: what the audit cannot judge, and the roster's snapshots."""

from __future__ import annotations

import streamlit as st

from app_pages import _db
from app_pages._tables import money_column, record_columns
from audits.errors import ClearToBillError
from audits.store import transaction


def data_problems() -> None:
    """Remittances with no claim line, CARCs missing from the reference table, roster rows a rule cannot
    judge (SPEC 3, 4): each listed for the analyst with what to do."""
    unmatched_remits = _db.optional("audits.measures", "unmatched_remits")
    unknown_carcs = _db.optional("audits.measures", "unknown_carcs")
    roster_problems = _db.optional("audits.measures", "roster_problems")
    with _db.read() as data:
        unmatched = (
            data.call(unmatched_remits, what="The unmatched remittances") if unmatched_remits else None
        )
        carcs = data.call(unknown_carcs, what="The unknown reason codes") if unknown_carcs else None
        roster = data.call(roster_problems, what="The roster problems") if roster_problems else None
    if unmatched is not None and not unmatched.empty:
        st.subheader("Remittances with no claim line")
        st.caption(
            f"{len(unmatched):,} remitted lines match no loaded claim line: load the claims export that has them."
        )
        st.dataframe(unmatched.head(500), hide_index=True, column_config=record_columns())
    if carcs is not None and not carcs.empty:
        st.subheader("Reason codes not in the CARC table")
        st.caption(
            "Their denials count under root cause 'unknown'. Add them to data/reference/carc_codes.csv "
            "with a root cause, and the next audit uses it."
        )
        st.dataframe(
            carcs, hide_index=True, column_config={"carc": "CARC", "amount": money_column("Adjusted")}
        )
    if roster is not None and not roster.empty:
        st.subheader("Roster rows the audit cannot judge")
        st.dataframe(roster, hide_index=True, column_config=record_columns())


def roster_snapshots() -> None:
    """Every credentialing upload is a snapshot; see what one changed and make an earlier one current again."""
    roster = _db.optional_module("audits.ingest.roster")
    if roster is None or not hasattr(roster, "list_snapshots"):
        return
    with _db.read() as data:
        snapshots = roster.list_snapshots(data.con)
    if snapshots.empty:
        return
    st.subheader("Roster snapshots")
    st.dataframe(
        snapshots,
        hide_index=True,
        column_config={
            "snapshot_id": st.column_config.NumberColumn("Snapshot", format="%d"),
            "created_at": st.column_config.DatetimeColumn("Created", format="YYYY-MM-DD HH:mm"),
            "upload_id": st.column_config.NumberColumn("Upload", format="%d"),
            "file_name": "File",
            "tables_carried": "Tables",
            "current_for": "Current for",
        },
    )
    if len(snapshots) < 2:
        return
    newest = int(snapshots["snapshot_id"].iloc[0])
    older = [int(s) for s in snapshots["snapshot_id"].iloc[1:]]
    pick = st.selectbox(
        "Compare the newest snapshot with", older, key="snapshot_pick", format_func=lambda s: f"snapshot {s}"
    )
    with _db.read() as data:
        diff = roster.snapshot_diff(data.con, pick, newest)
    st.caption(f"{len(diff):,} changes from snapshot {pick} to snapshot {newest}.")
    if not diff.empty:
        st.dataframe(diff, hide_index=True, height=min(38 + 35 * len(diff), 400))
    if st.button(f"Make snapshot {pick} current again", key="restore_snapshot"):
        with _db.write() as con:
            try:
                with transaction(con):
                    restored = roster.restore_snapshot(con, pick)
            except ClearToBillError as exc:
                st.error(str(exc))
                st.stop()
        st.session_state["restored_snapshot"] = (pick, restored)
        st.rerun()
    if "restored_snapshot" in st.session_state:
        pick_, restored = st.session_state.pop("restored_snapshot")
        st.success(
            f"Snapshot {pick_}'s roster is current again (as snapshot {restored}). Run the audit again."
        )
