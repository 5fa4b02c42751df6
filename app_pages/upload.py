"""Upload & data quality (analysts): load files, fix mappings, confirm payer names, see what was held back."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import streamlit as st

from app_pages import _db, _mapping
from app_pages import _format as fmt
from app_pages import _identity as identity
from app_pages import _words as words
from app_pages._mapping import SUMMARY_COLUMNS, mapping_editor, plan, result_row, summary_row
from app_pages._quality import data_problems, payer_names_to_confirm, roster_snapshots
from app_pages._tables import show, show_source_rows, source_rows
from app_pages._undo import undo_section
from audits import explore
from audits.errors import ClearToBillError
from audits.ingest import ingest_file
from audits.ingest.loader import detect_file, rank_of
from audits.reference import ensure_reference
from audits.reports import table_bytes  # neutralised and quoted, as every export (SPEC 7)

identity.require_page("upload")  # the roles that see this page: audits/access.py

KINDS = ["roster", "claims", "remits", "835", "837"]
LOAD_COLUMNS = {  # this session's loads, in words
    "file": "File",
    "kind": "Kind",
    "status": "Status",
    "read": "Rows read",
    "loaded": "Rows loaded",
    "rejected": "Rows held or rejected",
    "message": "What happened",
}

st.title("Upload & data quality")
st.caption(
    "Load the credentialing workbook, claims exports, remittance/denial exports and 835 files. "
    "Each file's kind and columns are detected; check the mapping, then load."
)

files = st.file_uploader(
    "Files (.xlsx, .csv, 835/837 text)",
    accept_multiple_files=True,
    key=f"uploads_{st.session_state.get('upload_round', 0)}",  # a new key empties the uploader after a load
)
if "upload_dir" not in st.session_state:
    st.session_state["upload_dir"] = tempfile.mkdtemp(prefix=identity.UPLOAD_PREFIX)
Path(st.session_state["upload_dir"]).mkdir(mode=0o700, exist_ok=True)  # swept while the tab slept
staged: list[tuple[str, Path]] = []
for upload in files or []:
    folder = Path(st.session_state["upload_dir"]) / upload.file_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(upload.name).name
    if not path.exists():
        path.write_bytes(upload.getvalue())
    staged.append((upload.file_id, path))
for folder in Path(st.session_state["upload_dir"]).iterdir():  # a file taken out of the uploader: discarded
    if folder.name not in {file_id for file_id, _path in staged}:
        shutil.rmtree(folder, ignore_errors=True)

if staged:
    summary = pd.DataFrame([summary_row(file_id, path) for file_id, path in staged])
    st.dataframe(summary, hide_index=True, column_config=SUMMARY_COLUMNS)
    names = {file_id: path.name for file_id, path in staged}
    doubtful = summary[summary["needs a look"]]["file_id"].tolist()
    chosen = st.selectbox(
        "Check or change the kind and column mapping of",
        list(names),
        format_func=names.get,
        index=list(names).index(doubtful[0]) if doubtful else 0,
        key="mapping_file",
    )
    with st.container(border=True):
        mapping_editor(chosen, dict(staged)[chosen], KINDS)
    # what each file will load with, from the analyst's choices (kept per file, whichever file is shown)
    plans = {file_id: plan(file_id, path) for file_id, path in staged}
    doubts = [names[f] for f, p in plans.items() if p["warnings"]]
    if doubts:
        st.warning(
            "Values that do not fit their column in: " + ", ".join(fmt.plain(n) for n in doubts)
            + ". Check those mappings before loading."
        )  # fmt: skip

if staged and st.button(
    f"Load {len(staged)} file{'s' if len(staged) > 1 else ''}", type="primary", key="load_files"
):
    identity.require("upload")
    results = []
    bar = st.progress(0.0, text="Loading...")
    with _db.write() as con:
        ensure_reference(con, icd10=False)  # CARC root causes and POS codes, for the data-quality lists below
        # SPEC 2 load order, whatever order the files were dropped in: credentialing, claims, remittances
        # each file recognised once: the detection that orders it is the one its load uses
        detected = {
            file_id: detect_file(con, path, plans[file_id]["kind"], plans[file_id]["mapping"])
            for file_id, path in staged
        }
        ordered = sorted(staged, key=lambda item: rank_of(detected[item[0]]))
        for index, (file_id, path) in enumerate(ordered):
            file_plan = plans[file_id]  # a file whose mapping was not opened: ingest decides

            def progress(fraction, message="", index=index, name=path.name):
                done = (index + min(max(float(fraction), 0.0), 1.0)) / len(staged)
                bar.progress(done, text=f"{name}: {message}" if message else name)

            try:
                result = ingest_file(
                    con,
                    path,
                    kind=file_plan["kind"],
                    mapping=file_plan["mapping"],
                    uploaded_by="dashboard",
                    progress=progress,
                    detected=detected[file_id],
                )
                results.append(result_row(result, path.name))
            except (ClearToBillError, duckdb.Error) as exc:
                results.append(
                    {
                        "file": path.name,
                        "kind": words.KIND.get(file_plan["kind"], file_plan["kind"] or ""),
                        "status": "failed",
                        "read": 0,
                        "loaded": 0,
                        "rejected": 0,
                        "message": _db.sentence(exc),
                        "upload_id": None,
                    }
                )
    bar.empty()
    st.session_state["upload_results"] = results
    shutil.rmtree(st.session_state.pop("upload_dir"), ignore_errors=True)  # no patient data left on disk
    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
    _mapping.forget()
    _db.clear_caches()
    st.rerun()  # the sidebar (months, freshness) shows the new data

results = st.session_state.get("upload_results")
if results:
    st.subheader("This session's loads")
    st.dataframe(
        pd.DataFrame(results).drop(columns=["upload_id"]).rename(columns=LOAD_COLUMNS),
        hide_index=True,
        placeholder="",
        key="session_loads",
    )
    for row in results:
        if row["status"] == "failed":
            st.error(f"{fmt.plain(row['file'])}: {fmt.plain(row['message'])}")

payer_names_to_confirm()
with _db.read() as data:
    history = explore.upload_history(data.con)

data_problems()
roster_snapshots()

st.subheader("Upload history")
if history.empty:
    st.info("Nothing uploaded yet. Start with the credentialing workbook, then claims and remittances.")
    st.stop()
shown = history.copy()
shown["status"] = [  # in words: loaded, loaded with rows held, nothing loaded (held), failed, duplicate
    _mapping.status_words(SimpleNamespace(status=s, rows_loaded=n, rows_rejected=r))
    for s, n, r in zip(history["status"], history["rows_loaded"], history["rows_rejected"], strict=True)
]
show(shown)
undo_section(history)
with_rejects = history[history["rows_rejected"] > 0]
if not with_rejects.empty:
    by_id = history.set_index("upload_id")
    pick = st.selectbox(
        "Rejected and held rows of",
        with_rejects["upload_id"].tolist(),
        key="rejects_of",
        format_func=lambda u: (
            f"{by_id.loc[u, 'file_name']} (upload {u}, {fmt.when(by_id.loc[u, 'uploaded_at'])}: "
            f"{fmt.number(by_id.loc[u, 'rows_rejected'])} row{'s' if by_id.loc[u, 'rows_rejected'] != 1 else ''})"
        ),
    )
    with _db.read() as data:
        rejected = explore.rejected_rows(data.con, int(pick))
    show_source_rows(rejected, height=300)
    st.download_button(
        "Download rejected rows (CSV)",
        identity.export(
            "rejected rows", table_bytes(source_rows(rejected, marked=False)), f"upload {pick}", len(rejected)
        ),
        file_name=f"rejected-rows-upload-{pick}.csv",
        mime="text/csv",
        on_click="ignore",
    )
