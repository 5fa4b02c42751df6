"""The data-quality half of the upload page: what the audit cannot judge, and the roster's snapshots."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages import _identity as identity
from app_pages import _words as words
from app_pages._mapping import result_row
from app_pages._tables import label, show
from audits import explore, quality
from audits.errors import ClearToBillError
from audits.ingest import confirm_payer, held_payers, roster
from audits.store import transaction


def data_problems() -> None:
    """Remittances with no claim line, CARCs missing from the reference table, roster rows a rule cannot
    judge (SPEC 3, 4): each listed for the analyst with what to do."""
    with _db.read() as data:
        unmatched = data.call(quality.unmatched_remits, what="The unmatched remittances")
        carcs = data.call(quality.unknown_carcs, what="The unknown reason codes")
        problems = data.call(quality.roster_problems, what="The roster problems")
    if unmatched is not None and not unmatched.empty:
        st.subheader("Remittances with no claim line")
        n = len(unmatched)
        st.caption(
            f"{n:,} remitted line{'s match' if n != 1 else ' matches'} no loaded claim line: load the claims "
            "export that has them."
        )
        shown = unmatched.head(500).copy()
        if "source" in shown.columns:  # 'upload:23' is the loader's own marker: the upload column says it
            shown["source"] = shown["source"].where(~shown["source"].astype(str).str.startswith("upload:"))
        show(shown)
    if carcs is not None and not carcs.empty:
        st.subheader("Reason codes not in the CARC table")
        st.caption(
            "Their denials count under root cause 'unknown'. Add them to data/reference/carc_codes.csv "
            "with a root cause, and the next audit uses it."
        )
        show(carcs.rename(columns={"amount": "adjusted"}))
    if problems is not None and not problems.empty:
        st.subheader("Roster rows the audit cannot judge")
        show(problems)


# ---------------------------------------------------------------------------------------- snapshots


def _value_words(value: object, payer_names: dict) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    if text == "*":
        return words.ALL_PAYERS
    for mapping in (words.CREDENTIAL_TYPE, words.ENROLLMENT_STATUS, words.PROVIDER_STATUS):
        if text.lower() in mapping:
            return mapping[text.lower()]
    if text.lower() in ("true", "false"):
        return "Approved" if text.lower() == "true" else "Excluded"
    return payer_names.get(text, text)


def _row_words(payload: object, payer_names: dict) -> str | None:
    """A removed or added row (JSON of its columns) as `Label: value; ...` without the NPI."""
    if not isinstance(payload, str) or not payload:
        return None
    try:
        row = json.loads(payload)
    except ValueError:
        return payload
    parts = [
        f"{label(k)}: {_value_words(v, payer_names)}"
        for k, v in row.items()
        if k != "npi" and v not in (None, "")
    ]
    return "; ".join(parts)


def readable_diff(diff: pd.DataFrame, provider_names: dict, payer_names: dict) -> pd.DataFrame:
    """A snapshot diff in words: table, change, provider by name, which row, field, before and after."""
    out = []
    for row in diff.to_dict("records"):
        npi = row.get("npi")
        which = [
            str(_value_words(p, payer_names))
            for p in str(row.get("key") or "").split(" / ")
            if p and p != npi
        ]
        changed = row.get("change") == "changed"
        out.append(
            {
                "table": row.get("table"),
                "change": row.get("change"),
                "provider_name": provider_names.get(npi) or npi,
                "npi": npi,
                "key": " · ".join(which) or None,
                "column": label(row["column"]) if changed and row.get("column") else None,
                "old_value": _value_words(row.get("old_value"), payer_names)
                if changed
                else _row_words(row.get("old_value"), payer_names),
                "new_value": _value_words(row.get("new_value"), payer_names)
                if changed
                else _row_words(row.get("new_value"), payer_names),
            }
        )
    return pd.DataFrame(
        out, columns=["table", "change", "provider_name", "npi", "key", "column", "old_value", "new_value"]
    )


def _snapshot_label(snapshots: pd.DataFrame):
    rows = snapshots.set_index("snapshot_id")

    def name(snapshot_id: int) -> str:
        row = rows.loc[snapshot_id]
        file = (
            row["file_name"]
            if isinstance(row["file_name"], str)
            else "an earlier snapshot made current again"
        )
        return f"{file}, {fmt.when(row['created_at'])}"

    return name


def roster_snapshots() -> None:
    """Every credentialing upload is a snapshot; see what one changed and make an earlier one current again."""
    with _db.read() as data:
        snapshots = roster.list_snapshots(data.con)
        people = explore.providers(data.con)
        payers = explore.payers(data.con)
    if snapshots.empty:
        return
    provider_names = dict(zip(people["npi"], people["provider_name"], strict=False))
    payer_names = {p: n for p, n in zip(payers["payer_id"], payers["payer_name"], strict=False) if n}
    st.subheader("Roster snapshots")
    name = _snapshot_label(snapshots)
    listed = snapshots.assign(
        tables_carried=snapshots["tables_carried"].map(
            lambda t: ", ".join(words.TABLE.get(x, x) for x in str(t).split(",") if x)
        ),
        current_for=snapshots["current_for"].map(
            lambda t: (
                ", ".join(words.TABLE.get(x, x) for x in str(t).split(",") if x)
                if isinstance(t, str)
                else None
            )
        ),
    ).drop(columns=["upload_id"])
    show(listed)
    if len(snapshots) < 2:
        return
    newest = int(snapshots["snapshot_id"].iloc[0])
    older = [int(s) for s in snapshots["snapshot_id"].iloc[1:]]
    pick = st.selectbox(
        f"Compare the current roster ({name(newest)}) with", older, key="snapshot_pick", format_func=name
    )
    with _db.read() as data:
        diff = roster.snapshot_diff(data.con, pick, newest)
    st.caption(f"{len(diff):,} changes from {name(pick)} to {name(newest)}.")
    if not diff.empty:
        show(readable_diff(diff, provider_names, payer_names), height=min(38 + 35 * len(diff), 400))
    if st.button(f"Make {name(pick)} current again", key="restore_snapshot"):
        identity.require("restore snapshot")
        with _db.write() as con:
            try:
                with transaction(con):
                    roster.restore_snapshot(con, pick)
            except ClearToBillError as exc:
                st.error(fmt.plain(exc))
                st.stop()
        st.session_state["restored_snapshot"] = name(pick)
        st.rerun()
    if "restored_snapshot" in st.session_state:
        st.success(
            f"The roster of {st.session_state.pop('restored_snapshot')} is current again. Run the audit again."
        )


# ------------------------------------------------------------------------------------- payer names


def payer_names_to_confirm() -> None:
    """Payer names rows are held for: confirm which payer each means, and every row held for that name,
    whatever its kind, loads again (one confirm per name; the name then leaves the list)."""
    with _db.read() as data:
        held = held_payers(data.con)
        payers = explore.payers(data.con)
    done = st.session_state.pop("confirm_message", None)
    if done:
        st.success(fmt.plain(done))
    if not held:
        return
    st.subheader("Payer names to confirm")
    st.caption(
        "Rows with these payer names are held back. Confirm which payer each name means; "
        "every row held for that name loads again."
    )
    payer_labels = dict(
        zip(payers["payer_id"], payers["payer_name"].fillna(payers["payer_id"]), strict=False)
    )
    for entry in held[:20]:
        ranked = [c[0] for c in entry.close]
        if entry.resolves_to and entry.resolves_to not in ranked:
            ranked.insert(0, entry.resolves_to)
        options = ranked + [p for p in payer_labels if p not in ranked]
        kinds = ", ".join(
            f"{words.KIND.get(k, k)}: {n:,}" for k, n in sorted(entry.rows.items(), key=lambda kv: -kv[1])
        )
        left, mid, right = st.columns([2, 2, 1])
        left.markdown(
            f"**{fmt.plain(entry.name)}** · {entry.total:,} row{'s' if entry.total != 1 else ''} held ({fmt.plain(kinds)})"
        )
        choice = mid.selectbox(
            "Payer",
            options,
            format_func=lambda p: f"{payer_labels.get(p, p)} ({p})",
            key=f"alias_{entry.name}",
            label_visibility="collapsed",
            index=0 if options else None,
        )
        if right.button("Confirm and reload", key=f"confirm_{entry.name}", disabled=not choice):
            identity.require("confirm alias")
            with _db.write() as con:
                try:  # every row held for this name, whatever its kind, loads again as new uploads
                    confirmed = confirm_payer(con, entry.name, choice)
                except ClearToBillError as exc:
                    st.error(fmt.plain(exc))
                    st.stop()
            _db.clear_caches()
            st.session_state["upload_results"] = [
                result_row(u, f"held rows of upload {u.upload_id}") for u in confirmed.uploads
            ]
            st.session_state["confirm_message"] = confirmed.summary()
            st.rerun()
