"""A date typed as text: Enter applies it (Streamlit's date picker applies a typed date only when the
field loses focus), and it reads 2026-10-06, 10/06/2026 or any date the loaders read."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages._format import plain
from audits.ingest.normalize import parse_date

HELP = "Type a date (2026-10-06 or 10/06/2026) and press Enter."


def seed(key: str, value: dt.date) -> None:
    st.session_state[key] = value.isoformat()


def date_box(label: str, key: str, where=st) -> dt.date | None:
    """The typed date, or None (with one sentence under the box) when it is not a date."""
    text = where.text_input(label, key=key, help=HELP, placeholder="YYYY-MM-DD")
    try:
        value = parse_date(text) if text.strip() else None
    except ValueError:
        value = None
    if value is None:
        where.error(f"“{plain(text.strip())}” is not a date: type it as YYYY-MM-DD, e.g. 2026-10-06.")
    return value
