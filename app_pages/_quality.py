"""The data-quality half of the upload page: what the audit cannot judge, and the roster's snapshots."""

from __future__ import annotations

from types import ModuleType

import duckdb
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages._mapping import result_row
from app_pages._tables import money_column, record_columns
from audits import explore
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


def payer_names_to_confirm(ingest: ModuleType | None) -> None:
    """Unknown payer names with their held rows: confirm which payer each means, then its uploads reload."""
    with _db.read() as data:
        unknown = explore.unknown_payer_names(data.con)
        payers = explore.payers(data.con)
        suggest = getattr(ingest, "suggest_payers", None)
        suggestions = {
            name: (suggest(data.con, name) if suggest else []) for name in unknown["name"].head(20)
        }

    if unknown.empty:
        return
    st.subheader("Payer names to confirm")
    st.caption(
        "Rows with these payer names are held back. Confirm which payer each name means; the held rows load again."
    )
    confirm = getattr(ingest, "confirm_payer_alias", None)
    reload_rejected = getattr(ingest, "reload_rejected", None)
    payer_labels = dict(
        zip(payers["payer_id"], payers["payer_name"].fillna(payers["payer_id"]), strict=False)
    )
    for row in unknown.head(20).itertuples():
        ranked = [s[0] for s in suggestions.get(row.name, [])]
        options = ranked + [p for p in payer_labels if p not in ranked]
        left, mid, right = st.columns([2, 2, 1])
        left.markdown(f"**{fmt.plain(row.name)}** · {row.rows:,} row{'s' if row.rows != 1 else ''} held")
        choice = mid.selectbox(
            "Payer",
            options,
            format_func=lambda p: f"{payer_labels.get(p, p)} ({p})",
            key=f"alias_{row.name}",
            label_visibility="collapsed",
            index=0 if options else None,
        )
        if right.button("Confirm and reload", key=f"confirm_{row.name}", disabled=not (confirm and choice)):
            reloaded, problems = [], []
            with _db.write() as con:
                try:
                    confirm(con, row.name, choice)
                except ClearToBillError as exc:
                    st.error(str(exc))
                    st.stop()
                for upload_id in row.upload_ids if reload_rejected else []:
                    try:  # each upload that holds the name loads its resolvable rows again as a new upload
                        reloaded.append(
                            result_row(reload_rejected(con, upload_id), f"held rows of upload {upload_id}")
                        )
                    except (ClearToBillError, duckdb.Error) as exc:
                        problems.append(f"Upload {upload_id}: {_db.sentence(exc)}")
            st.session_state["upload_results"] = reloaded + [
                {
                    "file": p,
                    "kind": "",
                    "status": "failed",
                    "read": 0,
                    "loaded": 0,
                    "rejected": 0,
                    "message": p,
                    "upload_id": None,
                }
                for p in problems
            ]
            st.rerun()
