"""Sections of the denial trends page: tiles, the three charts (each with its table), the tops."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from app_pages import _charts as charts
from app_pages import _format as fmt
from app_pages import _links as links
from app_pages import _words as words
from app_pages._tables import show
from audits import months

CAUSE_COLOURS = {
    "Credentialing": "#b03a2e",
    "Scope of services": "#e74c3c",
    "Coding": "#2e6da4",
    "Eligibility": "#7d3c98",
    "Authorization": "#138d75",
    "Duplicate": "#5d6d7e",
    "Timely filing": "#b7950b",
    "Other": "#95a5a6",
    "Unknown reason code": "#34495e",
}
CAUSE_PATTERNS = ["", "/", "\\", "x", "-", "|", "+", ".", ""]
TOP_TITLES = {"provider": "provider", "payer": "payer", "procedure_code": "procedure code"}
TOP_FILTERS = {"provider": "npi", "payer": "payer", "procedure_code": "code"}


def month_axis(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(month=frame["month"].map(months.month_label))


def tiles(trend: pd.DataFrame) -> None:
    totals = trend.sum(numeric_only=True)
    tiles = st.columns(4)
    tiles[0].metric("Denied dollars (12 months)", fmt.money(totals.get("denied_dollars")))
    share = (
        totals.get("credentialing_denied_dollars", 0) / totals["denied_dollars"]
        if totals.get("denied_dollars")
        else None
    )
    tiles[1].metric("Credentialing-related share", fmt.pct(share))
    tiles[2].metric(
        "Preventable dollars (12 months)",
        fmt.money(totals.get("preventable_dollars")),
        help="Denied dollars on lines with a blocking finding: what a pre-submission check would stop.",
    )
    rate = totals.get("denied_lines", 0) / totals["remitted_lines"] if totals.get("remitted_lines") else None
    tiles[3].metric("Denial rate (lines)", fmt.pct(rate))


def root_causes(causes: pd.DataFrame, where=st) -> None:
    frame = causes.assign(cause=causes["root_cause"].map(lambda c: words.word(words.ROOT_CAUSE, c)))
    order = list(dict.fromkeys([*CAUSE_COLOURS, *frame["cause"]]))
    fig = px.bar(
        frame,
        x="month",
        y="denied_dollars",
        color="cause",
        pattern_shape="cause",
        color_discrete_map=CAUSE_COLOURS,
        pattern_shape_sequence=CAUSE_PATTERNS,
        category_orders={"cause": order, "month": sorted(frame["month"].unique())},  # not by first trace
        labels={"denied_dollars": "denied dollars", "cause": "Root cause"},
    )
    fig.update_layout(
        yaxis_tickprefix="$", yaxis_tickformat=",.0f", legend_title=None, xaxis={"type": "category"},
        margin=charts.MARGIN, height=360,
    )  # fmt: skip
    charts.figure(fig, "Denied dollars by root cause", causes, where=where)


def rates(trend: pd.DataFrame, where=st) -> None:
    """Denial rates and the credentialing share; a month with nothing remitted (or nothing denied, for the
    share) is a gap in the line, not 0%."""
    frame = trend.copy()
    remitted = frame["remitted_lines"] > 0
    frame["denial_rate_lines"] = charts.with_gaps(frame, "denial_rate_lines", remitted)
    frame["denial_rate_dollars"] = charts.with_gaps(frame, "denial_rate_dollars", remitted)
    frame["credentialing_share"] = charts.with_gaps(frame, "credentialing_share", frame["denied_dollars"] > 0)
    series = {
        "denial_rate_lines": "denial rate (lines)",
        "denial_rate_dollars": "denial rate (dollars)",
        "credentialing_share": "credentialing share of denied dollars",
    }
    gaps = int((~remitted).sum())
    charts.figure(
        charts.lines(frame, "month", series),
        "Denial rate and credentialing share",
        frame[["month", *series, "remitted_lines"]],
        where=where,
        caption=f"{gaps} month{'s' if gaps != 1 else ''} with nothing remitted: left as gaps."
        if gaps
        else None,
    )


def saved(trend: pd.DataFrame) -> None:
    frame = trend.melt(
        id_vars="month",
        value_vars=["preventable_dollars", "credentialing_denied_dollars"],
        var_name="measure",
        value_name="dollars",
    )
    names = {
        "preventable_dollars": "preventable",
        "credentialing_denied_dollars": "credentialing-related denied",
    }
    frame["measure"] = frame["measure"].map(names)
    fig = px.bar(
        frame,
        x="month",
        y="dollars",
        color="measure",
        pattern_shape="measure",
        barmode="group",
        pattern_shape_sequence=["", "/"],
    )
    fig.update_layout(
        yaxis_tickprefix="$", yaxis_tickformat=",.0f", legend_title=None, yaxis_title=None,
        xaxis={"type": "category", "title": None}, margin=charts.MARGIN, height=340,
    )  # fmt: skip
    charts.figure(
        fig,
        "Preventable and credentialing-related denied dollars",
        trend[["month", "preventable_dollars", "credentialing_denied_dollars"]],
    )


def tops(tops: dict[str, pd.DataFrame], month: str) -> None:
    """The month's largest denials by provider, payer and code; a selected row opens the audit filtered
    to it."""
    columns = st.columns(3)
    for column, (by, top) in zip(columns, tops.items(), strict=True):
        top = top[top["denied_dollars"] > 0].reset_index(drop=True)
        title = TOP_TITLES.get(by, words.humanise(by))
        if top.empty:
            column.caption(f"No denials by {title} in {month}.")
            continue
        column.markdown(f"**By {title}**")
        key = top.columns[0]
        heading = title.capitalize()
        shown = pd.DataFrame(
            {
                heading: [words.payer(n) if by == "payer" else n for n in top["name"]],
                "Denied": top["denied_dollars"],
                "Lines": top["denied_lines"],
            }
        )
        event = column.dataframe(
            shown,
            hide_index=True,
            placeholder="",
            on_select="rerun",
            selection_mode="single-row",
            key=f"top_{by}",
            column_config={
                "Denied": st.column_config.NumberColumn("Denied", format=fmt.MONEY_FORMAT),
                "Lines": st.column_config.NumberColumn("Lines", format="%d"),
            },
        )
        rows = event.selection.rows if event is not None else []
        if rows and rows[0] < len(top):
            links.switch_to_audit(month, **{TOP_FILTERS.get(by, by): top.iloc[rows[0]][key]})


def action_words(actions: pd.DataFrame) -> pd.DataFrame:
    """A credential item's `state_license TX` as `State licence TX`."""

    def what(item, text):
        if item != "credential expires" or not isinstance(text, str):
            return text
        kind, _sep, state = text.partition(" ")
        return f"{words.word(words.CREDENTIAL_TYPE, kind)} {state}".strip()

    items = {"credential expires": "Credential expires", "enrollment terminates": "Enrollment ends",
             "application pending": "Application pending"}  # fmt: skip
    return actions.assign(
        what=[what(i, t) for i, t in zip(actions["item"], actions["what"], strict=True)],
        item=actions["item"].map(items).fillna(actions["item"]),
    )


def action_table(actions: pd.DataFrame) -> None:
    show(action_words(actions))
