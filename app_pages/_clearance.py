"""The clearance page's enrollment matrix: every active provider by payer on a date, in words, with
the colour only helping the eye."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages import _format as fmt
from app_pages import _words as words

COLOURS = {  # each status is also written in its cell: the colour only helps the eye
    "Cleared": "#c8e6c9",
    "Not yet effective": "#fff3b0",
    "Terminated": "#d5d8dc",
    "Pending": "#ffe0b2",
    "Denied": "#f5b7b1",
    "Not enrolled": "#ffffff",
}
LICENCE = {"valid": "Valid", "expired": "Expired", "none": "No licence"}


def matrix_view(
    matrix: pd.DataFrame, licences: pd.DataFrame, on: dt.date, chosen: list[str], problems_only: bool
) -> None:
    if chosen:
        matrix = matrix[matrix["specialty"].isin(chosen)]
    matrix = matrix.assign(status=matrix["status"].map(words.CLEARANCE).fillna(matrix["status"]))
    grid = matrix.pivot_table(
        index=["npi", "provider_name"], columns="payer_name", values="status", aggfunc="first"
    )
    grid = grid.reset_index().merge(licences[["npi", "licence", "licence_expires"]], on="npi", how="left")
    grid["licence"] = grid["licence"].map(LICENCE).fillna(grid["licence"])
    payer_columns = [
        c for c in grid.columns if c not in ("npi", "provider_name", "licence", "licence_expires")
    ]
    if problems_only:
        gap = grid[payer_columns].isin(["Not yet effective", "Terminated", "Pending", "Denied"]).any(axis=1)
        grid = grid[gap | (grid["licence"] != "Valid")]
    grid = grid[["provider_name", "npi", "licence", "licence_expires", *payer_columns]].rename(
        columns={
            "provider_name": "Provider",
            "npi": "NPI",
            "licence": "Licence",
            "licence_expires": "Licence expires",
        }
    )
    counts = matrix["status"].value_counts()
    st.caption(
        " · ".join(f"{status}: {counts.get(status, 0):,}" for status in COLOURS)
        + f" (provider-payer pairs on {fmt.day(on)})"
    )
    styled = grid.style.map(lambda v: f"background-color: {COLOURS.get(v, '')}", subset=payer_columns).map(
        lambda v: "background-color: #f5b7b1" if v in ("Expired", "No licence") else "", subset=["Licence"]
    )
    st.dataframe(
        styled,
        hide_index=True,
        placeholder="",
        height=min(38 + 35 * len(grid), 640),
        column_config={
            "Licence expires": st.column_config.DateColumn("Licence expires", format=fmt.DATE_FORMAT)
        },
    )
