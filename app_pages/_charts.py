"""Charts as the pages draw them, each with its table one click away (an expander under it), a title
in text above it, and no meaning carried by colour alone (patterns and labels as well)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from app_pages import _format as fmt
from app_pages import _words as words
from app_pages._tables import show

SEVERITY_COLOURS = {"error": "#b03a2e", "warning": "#b9770e", "info": "#2e6da4"}
SEVERITY_PATTERNS = {"error": "", "warning": "/", "info": "."}
SEVERITY_ORDER = ["error", "warning", "info"]
PLOTLY_CONFIG = {"displaylogo": False}
MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}
NAME_WIDTH = 24  # characters of a provider name on an axis; the whole name is in the hover


def figure(fig: go.Figure, title: str, table: pd.DataFrame, where=st, caption: str | None = None, **show_kw):
    """The chart under a text title, and an expander with the same numbers as a table."""
    where.markdown(f"**{title}**")
    where.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG)
    if caption:
        where.caption(caption)
    with where.expander(f"{title}: as a table"):
        show(table, **show_kw)


def counts_axis(largest) -> dict:
    """An axis of counts: whole numbers only (no 0.5 finding), every one when there are few."""
    return {"tickformat": ",d", **({"dtick": 1} if largest <= 10 else {})}


def short(name: object, width: int = NAME_WIDTH) -> str:
    text = "" if name is None or (not isinstance(name, str) and pd.isna(name)) else str(name)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def findings_by_rule(by_rule: pd.DataFrame) -> go.Figure:
    """Horizontal bars, the largest count on top, whatever the severity; severity as colour, pattern and
    the word at the end of the bar. The hover gives the rule id and the dollars."""
    frame = by_rule.copy()
    frame["rule"] = frame["rule_id"].map(words.rule_title)
    frame["severity_word"] = frame["severity"].map(words.SEVERITY).fillna(frame["severity"])
    frame["label"] = [
        f"{n:,} · {s.lower()}" for n, s in zip(frame["findings"], frame["severity_word"], strict=True)
    ]
    frame = frame.sort_values(["findings", "rule"], ascending=[True, False])
    fig = px.bar(
        frame,
        x="findings",
        y="rule",
        color="severity",
        pattern_shape="severity",
        orientation="h",
        text="label",
        custom_data=["rule_id", "amount_at_risk", "severity_word"],
        color_discrete_map=SEVERITY_COLOURS,
        pattern_shape_map=SEVERITY_PATTERNS,
        # plotly express lists the first category at the top of a horizontal bar chart
        category_orders={"rule": frame["rule"].tolist()[::-1], "severity": SEVERITY_ORDER},
    )
    fig.update_traces(
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y} (%{customdata[0]})<br>%{customdata[2]}: %{x:,} findings, "
        "$%{customdata[1]:,.0f} at risk<extra></extra>",
    )
    fig.update_layout(
        height=max(260, 60 + 26 * len(frame)),
        margin={**MARGIN, "r": 80},
        yaxis_title=None,
        xaxis_title="findings",
        xaxis=counts_axis(frame["findings"].max() if len(frame) else 0),
        legend_title="Severity",
        bargap=0.25,
    )
    fig.for_each_trace(lambda t: t.update(name=words.SEVERITY.get(t.name, t.name)))
    return fig


def heatmap(grid: pd.DataFrame, value_label: str, money: bool) -> go.Figure:
    """Providers (rows, every one labelled, names shortened with the full name in the hover) by payers
    (columns, as categories even when payer ids are numbers)."""
    names = [str(n) for n in grid.index]
    payers = [fmt.chart_text(p) for p in grid.columns]  # names from files: plotly would draw their tags
    rows = [short(n) for n in names]
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):  # two long names that shorten alike stay two rows
        seen[row] = seen.get(row, 0) + 1
        if seen[row] > 1:
            rows[i] = f"{row} ({seen[row]})"
    rows = [fmt.chart_text(row) for row in rows]
    values = grid.to_numpy(dtype=float)
    hover = np.array([[fmt.chart_text(n)] * len(payers) for n in names])
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=payers,
            y=rows,
            customdata=hover,
            colorscale="Reds",
            colorbar={
                "title": value_label,
                **({} if money else counts_axis(np.nanmax(values) if values.size else 0)),
            },
            hovertemplate="%{customdata}<br>%{x}: %{z:"
            + ("$,.0f" if money else ",.0f")
            + "} "
            + value_label
            + "<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(
        height=max(260, 80 + 22 * len(rows)),
        margin={**MARGIN, "b": 40},
        xaxis={"type": "category", "title": "payer", "tickangle": -45},
        yaxis={"type": "category", "autorange": "reversed", "dtick": 1, "tickmode": "linear", "title": None},
    )
    return fig


def with_gaps(frame: pd.DataFrame, column: str, when: pd.Series) -> pd.Series:
    """The column where `when` holds, missing elsewhere (a month with no data is a gap, not 0%)."""
    return frame[column].where(when, np.nan).astype(float)


def lines(frame: pd.DataFrame, x: str, series: dict[str, str], percent: bool = True) -> go.Figure:
    """One line per column of `series` ({column: name}); missing values are gaps in the line, and each
    line has its own marker shape and dash as well as its colour."""
    fig = go.Figure()
    dashes = ["solid", "dash", "dot", "dashdot"]
    symbols = ["circle", "square", "diamond", "triangle-up"]
    for i, (column, name) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[column],
                name=name,
                mode="lines+markers",
                connectgaps=False,
                line={"dash": dashes[i % 4]},
                marker={"symbol": symbols[i % 4], "size": 8},
                hovertemplate="%{x}: %{y:" + (".1%" if percent else "$,.0f") + "}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        height=360,
        margin=MARGIN,
        yaxis={"tickformat": ".0%" if percent else "$,.0f", "title": None, "rangemode": "tozero"},
        xaxis={"type": "category", "title": None},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
