"""Sections of the provider profile: the enrollment timeline and the twelve months' history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import streamlit as st

from app_pages import _charts as charts
from app_pages import _format as fmt
from app_pages import _words as words
from audits import months

STATUS_COLOURS = {"Enrolled": "#1e7b45", "Terminated": "#5d6d7e", "Pending": "#b9770e", "Denied": "#b03a2e"}
STATUS_PATTERNS = {"Enrolled": "", "Terminated": "x", "Pending": "/", "Denied": "."}


def enrollment_timeline(enrollments: pd.DataFrame, today: dt.date) -> None:
    bars = enrollments.copy()
    horizon = pd.Timestamp(today + dt.timedelta(days=180))
    bars["start"] = pd.to_datetime(bars["effective_date"].fillna(bars["submitted_date"]))
    bars["end"] = pd.to_datetime(bars["termination_date"])
    bars.loc[bars["end"].isna(), "end"] = horizon
    bars.loc[bars["status"].isin(["pending", "denied"]), "end"] = pd.Timestamp(today)
    bars["status_word"] = bars["status"].map(lambda s: words.word(words.ENROLLMENT_STATUS, s))
    bars["payer"] = [words.payer(n or i) for n, i in zip(bars["payer_name"], bars["payer_id"], strict=True)]
    for column in ("payer", "status_label", "allowed_pos"):  # text from the roster, drawn by plotly
        if column in bars:
            bars[column] = [fmt.chart_text(v) if not fmt.missing(v) else v for v in bars[column]]
    drawable = bars.dropna(subset=["start"])
    if drawable.empty:
        charts.show(enrollments)
        return
    timeline = px.timeline(
        drawable,
        x_start="start",
        x_end="end",
        y="payer",
        color="status_word",
        pattern_shape="status_word",
        text="status_word",
        color_discrete_map=STATUS_COLOURS,
        pattern_shape_map=STATUS_PATTERNS,
        hover_data={"status_label": True, "allowed_pos": True, "status_word": False},
        labels={"status_word": "Status", "status_label": "As the roster says", "allowed_pos": "Allowed POS"},
    )
    timeline.add_vline(x=pd.Timestamp(today), line_dash="dot", line_color="#34495e")
    timeline.update_traces(textposition="inside", insidetextanchor="start")
    timeline.update_layout(
        height=120 + 32 * drawable["payer"].nunique(),
        yaxis_title=None,
        legend_title="Status",
        margin=charts.MARGIN,
    )
    charts.figure(
        timeline,
        "Enrollments by payer over time",
        enrollments,
        caption="Open-ended enrollments are drawn to six months from today; pending and denied applications "
        "from submission to today. The dotted line is today.",
    )


def history(history: pd.DataFrame, denials: pd.DataFrame) -> None:
    left, right = st.columns(2)
    if not history.empty:
        frame = history.assign(month=history["month"].map(months.month_label))
        fig = px.bar(frame, x="month", y="findings", text="findings")
        fig.update_layout(height=300, margin=charts.MARGIN, xaxis={"type": "category", "title": None})
        charts.figure(fig, "Findings per audited month", frame, where=left)
    if not denials.empty:
        frame = denials.assign(month=denials["month"].map(months.month_label))
        frame["denied_dollars"] = frame["denied_dollars"].astype(float)
        fig = px.bar(frame, x="month", y="denied_dollars", labels={"denied_dollars": "denied dollars"})
        fig.update_layout(
            height=300,
            margin=charts.MARGIN,
            xaxis={"type": "category", "title": None},
            yaxis={"tickprefix": "$", "tickformat": ",.0f"},
        )
        charts.figure(fig, "Denied dollars per month", frame, where=right)
