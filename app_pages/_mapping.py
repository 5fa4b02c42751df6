"""The per-file part of the upload page: detected kind, the column mapping (editable, savable)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from audits import explore
from audits.errors import ClearToBillError

AUTO = "detect"


def _preview(ingest: ModuleType | None, file_id: str, path: Path, kind: str | None):
    """ingest.preview(path, kind) once per file and kind (it reads the file)."""
    preview = getattr(ingest, "preview", None)
    if preview is None:
        return None, None
    key = f"_preview_{file_id}_{kind}"
    if key not in st.session_state:
        try:
            st.session_state[key] = (preview(path, kind=kind), None)
        except ClearToBillError as exc:
            st.session_state[key] = (None, str(exc))
    return st.session_state[key]


def _proposed(found) -> dict[str, tuple[str | None, float | None]]:
    mapping = getattr(found, "mapping", None) or {}
    out = {}
    for canonical, value in mapping.items():
        if isinstance(value, tuple | list):
            out[canonical] = (value[0], value[1] if len(value) > 1 else None)
        else:
            out[canonical] = (value, None)
    return out


def _headers(found, proposed) -> list[str]:
    for name in ("headers", "source_headers", "columns"):
        value = getattr(found, name, None)
        if value is not None and len(value):
            return [str(h) for h in value if h is not None and str(h) != ""]
    return sorted({str(v[0]) for v in proposed.values() if v[0]})


SUMMARY_COLUMNS = {
    "file_id": None,
    "file": "File",
    "kind": "Detected kind",
    "columns": st.column_config.NumberColumn("Columns mapped", format="%d"),
    "lowest confidence": st.column_config.ProgressColumn(
        "Lowest confidence", min_value=0.0, max_value=1.0, format="%.2f"
    ),
    "missing": "Missing required columns",
    "needs a look": st.column_config.CheckboxColumn("Needs a look"),
}


def summary_row(ingest: ModuleType | None, file_id: str, path: Path) -> dict:
    """One line per staged file: what ingest would make of it."""
    found, error = _preview(ingest, file_id, path, None)
    proposed = _proposed(found) if found is not None else {}
    confidences = [c for _h, c in proposed.values() if c is not None]
    missing = list(getattr(found, "missing", []) or [])
    lowest = min(confidences) if confidences else None
    return {
        "file_id": file_id,
        "file": path.name,
        "kind": (getattr(found, "kind", None) or "unknown") if not error else "unreadable",
        "columns": len(proposed),
        "lowest confidence": lowest,
        "missing": ", ".join(missing) if missing else (error or ""),
        "needs a look": bool(error or missing or (lowest is not None and lowest < 0.8)),
    }


def mapping_editor(ingest: ModuleType | None, file_id: str, path: Path, kinds: list[str]) -> dict:
    """Show the file's detected kind and column mapping; return {"kind": ..., "mapping": ...} to load it with
    (None values mean "let ingest decide")."""
    choice = st.selectbox("Kind", [AUTO, *kinds], key=f"kind_{file_id}")
    kind = None if choice == AUTO else choice
    found, error = _preview(ingest, file_id, path, kind)
    if error:
        st.error(error)
        return {"kind": kind, "mapping": None}
    if found is None:
        st.caption("Column mapping preview is not available in this build; the file is mapped automatically.")
        return {"kind": kind, "mapping": None}
    detected = getattr(found, "kind", None) or getattr(found, "detected_kind", None)
    st.caption(f"Detected kind: **{detected or 'unknown'}**")
    effective_kind = kind or detected
    proposed = _proposed(found)
    if not proposed or effective_kind in ("835", "837"):
        return {"kind": kind, "mapping": None}

    with _db.read() as data:
        profiles = explore.mapping_profiles(data.con, effective_kind)
    overrides: dict[str, str] | None = None
    if not profiles.empty:
        profile = st.selectbox(
            "Apply a saved mapping profile", [None, *profiles["name"].tolist()], key=f"profile_{file_id}"
        )
        if profile:
            with _db.read() as data:
                loader = getattr(ingest, "load_mapping_profile", None)
                saved = loader(data.con, profile) if loader else None
            overrides = dict(getattr(saved, "mapping", saved) or {})

    headers = _headers(found, proposed)
    frame = pd.DataFrame(
        {
            "column": list(proposed),
            "source header": [(overrides or {}).get(c, proposed[c][0]) for c in proposed],
            "confidence": [proposed[c][1] for c in proposed],
        }
    )
    edited = st.data_editor(
        frame,
        key=f"mapping_{file_id}_{effective_kind}",
        hide_index=True,
        disabled=["column", "confidence"],
        column_config={
            "source header": st.column_config.SelectboxColumn("Source header", options=["", *headers]),
            "confidence": st.column_config.ProgressColumn(
                "Confidence", min_value=0.0, max_value=1.0, format="%.2f"
            ),
        },
    )
    chosen = {c: h for c, h in zip(edited["column"], edited["source header"], strict=True) if h}
    if overrides is None and all(chosen.get(c) == proposed[c][0] for c in proposed if proposed[c][0]):
        mapping = None
    else:
        mapping = chosen
    sample = getattr(found, "sample", None)
    if isinstance(sample, pd.DataFrame) and not sample.empty:
        st.caption("First rows as read")
        st.dataframe(sample.head(5), hide_index=True)

    save = getattr(ingest, "save_mapping_profile", None)
    name_col, button_col = st.columns([3, 1])
    name = name_col.text_input(
        "Save this mapping as a profile", key=f"profile_name_{file_id}", placeholder="name"
    )
    if button_col.button("Save profile", key=f"save_profile_{file_id}", disabled=not (save and name)):
        with _db.write() as con:
            save(con, name.strip(), effective_kind, chosen)
        st.success(f"Saved the mapping as profile “{fmt.plain(name.strip())}”.")
    return {"kind": kind, "mapping": mapping}


def result_row(result, file_name: str) -> dict:
    """An UploadResult as one row of the results table."""
    return {
        "file": getattr(result, "file_name", None) or file_name,
        "kind": getattr(result, "kind", ""),
        "status": getattr(result, "status", ""),
        "read": getattr(result, "rows_read", 0),
        "loaded": getattr(result, "rows_loaded", 0),
        "rejected": getattr(result, "rows_rejected", 0),
        "message": getattr(result, "message", "") or "",
        "upload_id": getattr(result, "upload_id", None),
    }
