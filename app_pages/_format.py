"""One way to show money ($1,234), percentages (12.3%) and dates (2026-10-17) on every page."""

from __future__ import annotations

import datetime as dt
import html
import math
import re

import pandas as pd

EMPTY = "—"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


missing = _missing


def money(value) -> str:
    """$1,234 (whole dollars; negative as -$1,234)."""
    if _missing(value):
        return EMPTY
    amount = float(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.0f}"


def money_delta(value) -> str | None:
    """A signed money change for st.metric deltas: +$1,234 / -$1,234."""
    if _missing(value):
        return None
    amount = float(value)
    return f"{'+' if amount >= 0 else '-'}${abs(amount):,.0f}"


def pct(value) -> str:
    """A fraction as a percentage with one decimal: 0.1234 -> 12.3%."""
    if _missing(value) or (isinstance(value, float) and math.isinf(value)):
        return EMPTY
    return f"{float(value) * 100:.1f}%"


def number(value) -> str:
    if _missing(value):
        return EMPTY
    return f"{float(value):,.0f}"


def number_delta(value) -> str | None:
    if _missing(value):
        return None
    return f"{float(value):+,.0f}"


def day(value) -> str:
    """A date as 2026-10-17."""
    if _missing(value):
        return EMPTY
    if isinstance(value, str):
        return value[:10]
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def when(value) -> str:
    """A timestamp as 2026-10-17 14:03."""
    if _missing(value):
        return EMPTY
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~$])")


_AUTOLINK = re.compile(r"(?i)(://|@|\bwww\.)")  # what GitHub-flavoured markdown turns into a link by itself


def _unlink(match: re.Match) -> str:
    found = match.group(1)
    if found == "://":
        return "\\:\\/\\/"
    return "\\@" if found == "@" else found[:3] + "\\."


def plain(value) -> str:
    """Data shown inside markdown (names from files, details, reasons, error messages) as literal text:
    no links (bare URLs and e-mail addresses included), emphasis, headers, HTML or LaTeX can come from
    the data. The one escaping helper of the pages, with chart_text for plotly."""
    text = _MARKDOWN.sub(r"\\\1", "" if _missing(value) else str(value))
    text = _AUTOLINK.sub(_unlink, text)
    return "\\" + text if text[:1] in ("#", "-", "+", "=") else text


def chart_text(value) -> str:
    """User text (a provider or payer name) in a plotly label or hover as literal text: plotly draws
    <b>, <a href>, <br> found in text, so < > & become entities, which it shows as the characters."""
    return html.escape("" if _missing(value) else str(value), quote=False)


# st.column_config formats (Streamlit's printf-style): the same look inside tables.
MONEY_FORMAT = "$%,.0f"
PCT_FORMAT = "%.1f%%"
DATE_FORMAT = "YYYY-MM-DD"
