"""Undo an upload on the upload page: any upload (claims, remittances, 835/837, rosters, exclusion lists)
whose rows are still in, one at a time. Its rows leave, earlier versions of replaced lines come back, and
the same file can then be loaded again with another mapping (audits.ingest.undo)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages import _identity as identity
from app_pages import _words as words
from audits.errors import ClearToBillError
from audits.ingest import undo_upload

UNDOABLE = ("loaded",)  # a duplicate, failed or undone upload has nothing to take back


def undo_section(history: pd.DataFrame) -> None:
    candidates = history[history["status"].isin(UNDOABLE) & (history["rows_loaded"].fillna(0) > 0)]
    done = st.session_state.pop("undo_message", None)
    if done:
        st.success(done)
    if candidates.empty:
        return
    st.subheader("Undo an upload")
    st.caption(
        "Its rows leave, the versions it replaced come back, and the file can be loaded again - "
        "for example with a corrected mapping. The undo is recorded."
    )
    by_id = candidates.set_index("upload_id")
    pick = st.selectbox(
        "Upload to undo",
        candidates["upload_id"].tolist(),
        key="undo_pick",
        format_func=lambda u: (
            f"{by_id.loc[u, 'file_name']} · {words.KIND.get(by_id.loc[u, 'kind'], by_id.loc[u, 'kind'])} · "
            f"{fmt.when(by_id.loc[u, 'uploaded_at'])} · {fmt.number(by_id.loc[u, 'rows_loaded'])} rows"
        ),
    )
    if st.button("Undo this upload", key="undo_upload"):
        identity.require("undo")
        with _db.write() as con:
            try:
                result = undo_upload(con, int(pick), undone_by=identity.current().user or "dashboard")
            except ClearToBillError as exc:
                st.error(_db.sentence(exc))
                return
        _db.clear_caches()
        st.session_state["undo_message"] = (
            result.message or f"Upload of {by_id.loc[pick, 'file_name']} undone."
        )
        st.rerun()
