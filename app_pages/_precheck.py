"""The pre-check's results on the page: the verdict with what to do, the line's other problems as
warnings, and a checked file as a filterable table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _format as fmt
from app_pages import _words as words


def _pairs(result, name: str) -> list[tuple[str | None, str]]:
    """[(rule_id, detail)] of a CheckResult's blocking reasons or its warnings."""
    if name == "reasons":
        return list(zip(result.findings, result.reasons, strict=True))
    return [(str(rule_id), str(detail)) for rule_id, detail in result.warnings]


def verdict(result, who: str, code: str, payer: str, dos) -> None:
    """CLEARED or NOT CLEARED, each reason with the rule's name and what to do; warnings either way."""
    if result.cleared:
        st.success(
            f"CLEARED: {fmt.plain(who)} can bill {fmt.plain(code)} with {fmt.plain(payer)} on {fmt.day(dos)}."
        )
    else:
        st.error("NOT CLEARED")
        for rule_id, detail in _pairs(result, "reasons"):
            title = words.rule_title(rule_id) if rule_id else "Blocked"
            st.markdown(
                f"- **{fmt.plain(title)}**: {fmt.plain(detail)}",
                help=f"Rule {rule_id}" if rule_id else None,
            )
        todo = list(dict.fromkeys(words.rule_action(r) for r, _d in _pairs(result, "reasons") if r))
        st.warning("What to do: " + " ".join(todo) if todo else "What to do: fix the roster or the line.")
    for rule_id, detail in _pairs(result, "warnings"):
        title = words.rule_title(rule_id) if rule_id else "Check the line"
        action = f" {words.rule_action(rule_id)}" if rule_id else ""
        st.warning(f"{title}: {detail}.{action}".replace("..", "."))


def batch_table(checked: pd.DataFrame) -> None:
    """The checked file on the page: its own columns, the verdict and reasons; filter by verdict or text."""
    if "verdict" not in checked.columns:
        st.dataframe(checked, hide_index=True, placeholder="")
        return
    blocked = checked["verdict"].astype(str).str.upper() != "CLEARED"
    warned = (
        checked["warnings"].fillna("").astype(str).str.len() > 0
        if "warnings" in checked.columns
        else pd.Series(False, index=checked.index)
    )
    st.markdown(f"**{int(blocked.sum()):,}** of {len(checked):,} lines are NOT CLEARED.")
    a, b = st.columns([1, 2])
    show = a.segmented_control(
        "Show",
        ["all lines", "not cleared", "cleared", "with warnings"],
        default="all lines",
        key="batch_show",
    )
    text = b.text_input("Lines containing", key="batch_text", placeholder="a claim, an NPI, a code, a reason")
    frame = checked
    if show == "not cleared":
        frame = frame[blocked]
    elif show == "cleared":
        frame = frame[~blocked]
    elif show == "with warnings":
        frame = frame[warned]
    if text.strip():
        needle = text.strip().lower()
        hit = frame.astype(str).apply(lambda c: c.str.lower().str.contains(needle, regex=False)).any(axis=1)
        frame = frame[hit]
    st.caption(f"{len(frame):,} of {len(checked):,} lines shown.")
    st.dataframe(
        frame,
        hide_index=True,
        placeholder="",
        key="batch_table",
        column_config={
            "verdict": st.column_config.TextColumn("Verdict"),
            "reasons": st.column_config.TextColumn("Reasons", width="large"),
            "warnings": st.column_config.TextColumn("Warnings", width="large"),
        },
    )
