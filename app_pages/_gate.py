"""The pre-submission gate on the Clearance & pre-check page: drop the batch about to go to the
clearinghouse, see which claims are held and why, download the clean batch and the hold report, and see
what is waiting and what is ready to release. One call from the page: `render()`.

The clean batch holds patient data: it stays in this user's session only (never a shared cache)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages import _identity as identity
from audits.errors import ClearToBillError

RESULT_KEY = "gate_result"
RELEASE_KEY = "gate_release"
BATCH_TYPES = ["837", "txt", "edi", "x12", "dat", "csv", "xlsx"]


def _gate_upload(upload) -> None:
    from audits.gate import gate_file, hold_report

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / Path(upload.name).name
        source.write_bytes(upload.getvalue())
        suffix = (
            source.suffix.lower() if source.suffix.lower() in (".csv", ".xlsx") else source.suffix or ".837"
        )
        clean = Path(tmp) / f"clean-{source.stem}{suffix}"
        held = Path(tmp) / f"held-{source.stem}.csv"
        bar = st.progress(0.0, text="Checking the claims...")
        with _db.write() as con:
            try:
                result = gate_file(
                    con,
                    source,
                    clean,
                    held,
                    checked_by=identity.current().user,
                    progress=lambda x, m="": bar.progress(min(max(x, 0.0), 1.0), text=m),
                )
            except ClearToBillError as exc:
                bar.empty()
                st.error(fmt.plain(exc))
                st.stop()
        bar.empty()
        st.session_state[RESULT_KEY] = {
            "summary": result.summary(),
            "held": hold_report(result.claims),
            "clean": [
                (c.position, c.claim_id, c.payer, c.service_lines, c.billed_amount) for c in result.clean
            ],
            "clean_file": (clean.name, clean.read_bytes()) if result.clean_path else None,
            "held_file": (held.name, held.read_bytes()),
            "notes": result.input_problems[:5],
            "superseded": result.superseded,
        }
    _db.clear_caches()


def _show_result() -> None:
    found = st.session_state.get(RESULT_KEY)
    if not found:
        return
    st.markdown(f"**{fmt.plain(found['summary'])}**")
    held, clean = found["held"], found["clean"]
    left, right = st.columns(2)
    if found["clean_file"]:
        name, content = found["clean_file"]
        left.download_button(
            "Download the clean batch",
            identity.export("claim batch", content, name, len(found["clean"])),
            file_name=name,
            on_click="ignore",
            key="gate_clean_download",
        )
    else:
        left.warning("Every claim was held: there is no clean batch to send.")
    name, content = found["held_file"]
    right.download_button(
        "Download the hold report",
        identity.export("hold report", content, name, len(held)),
        file_name=name,
        on_click="ignore",
        key="gate_held_download",
    )
    if found["superseded"]:
        st.caption(f"{found['superseded']:,} earlier held claims were replaced by claims of this batch.")
    for note in found["notes"]:
        st.caption(fmt.plain(note))
    if not held.empty:
        st.markdown("Held claims: fix what the last column says, then release them below.")
        st.dataframe(
            held[
                [
                    "claim_id",
                    "payer",
                    "rendering_npi",
                    "dates_of_service",
                    "billed_amount",
                    "reasons",
                    "what_to_fix",
                ]
            ],
            hide_index=True,
            column_config={
                "claim_id": "Claim",
                "payer": "Payer",
                "rendering_npi": "Rendering NPI",
                "dates_of_service": "Dates of service",
                "billed_amount": st.column_config.NumberColumn("Billed", format="dollar"),
                "reasons": "Why it is held",
                "what_to_fix": "What to fix",
            },
        )
    with st.expander(f"Clean claims ({len(clean):,})"):
        st.dataframe(
            pd.DataFrame(clean, columns=["position", "claim_id", "payer", "service_lines", "billed_amount"]),
            hide_index=True,
            column_config={
                "position": "Position",
                "claim_id": "Claim",
                "payer": "Payer",
                "service_lines": "Lines",
                "billed_amount": st.column_config.NumberColumn("Billed", format="dollar"),
            },
        )


def _held_and_ready() -> None:
    from audits.held_claims import held_list

    st.subheader("Held claims")
    with _db.read() as data:
        held = data.call(held_list, what="The held claims")
    if held is None:
        return
    if held.empty:
        st.caption("No claim is waiting.")
        return
    ready = held[held["ready"].astype(bool)]
    st.markdown(
        f"**{len(held):,}** claims held; **{len(ready):,}** ready to release "
        "(the roster now clears every line of them)."
    )
    st.dataframe(
        held[
            [
                "held_id",
                "claim_id",
                "batch",
                "held_at",
                "billed_amount",
                "ready",
                "still_blocking",
                "what_to_fix",
            ]
        ],
        hide_index=True,
        column_config={
            "held_id": "Held id",
            "claim_id": "Claim",
            "batch": "Batch",
            "held_at": st.column_config.DatetimeColumn("Held", format="YYYY-MM-DD HH:mm"),
            "billed_amount": st.column_config.NumberColumn("Billed", format="dollar"),
            "ready": "Ready to release",
            "still_blocking": "Still blocking",
            "what_to_fix": "What to fix",
        },
    )
    formats = sorted(set(ready["format"]))
    for kind in formats:
        label = {"837": "837P batch", "csv": "CSV", "xlsx": "Excel file"}.get(kind, kind)
        count = int((ready["format"] == kind).sum())
        if st.button(f"Release the {count:,} ready claims as a new {label}", key=f"gate_release_{kind}"):
            _release(kind)
    released = st.session_state.get(RELEASE_KEY)
    if released:
        name, content, summary = released
        st.success(fmt.plain(summary))
        st.download_button(
            "Download the release batch",
            identity.export("claim batch", content, name),
            file_name=name,
            on_click="ignore",
            key="gate_release_download",
        )


def _release(kind: str) -> None:
    from audits.held_claims import release

    suffix = {"csv": ".csv", "xlsx": ".xlsx"}.get(kind, ".837")
    with tempfile.TemporaryDirectory() as tmp:
        with _db.write() as con:
            try:
                result = release(con, Path(tmp) / f"released{suffix}", released_by=identity.current().user)
            except ClearToBillError as exc:
                st.error(fmt.plain(exc))
                st.stop()
        if result.path is not None:
            name = f"released-{result.release_id}{suffix}"
            st.session_state[RELEASE_KEY] = (name, result.path.read_bytes(), result.summary())
        else:
            st.session_state[RELEASE_KEY] = None
            st.info(result.summary())
    _db.clear_caches()
    st.rerun()


def render() -> None:
    st.caption(
        "Drop the batch you are about to send to the clearinghouse (an X12 837P file, or a claims CSV/Excel "
        "export). Claims that would be denied are held with the reason and what to fix; the clean batch is "
        "the same file without them."
    )
    upload = st.file_uploader("Outgoing batch", key="gate_file")
    if upload is not None and st.button("Gate the batch", key="gate_run"):
        _gate_upload(upload)
    _show_result()
    _held_and_ready()
