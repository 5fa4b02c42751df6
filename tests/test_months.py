"""The one month parser (audits.months): what a month may be written as, and one sentence otherwise."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audits.errors import InputError
from audits.months import add_months, last_full_month, month_bounds, month_end, month_label, month_start

D = dt.date


@pytest.mark.parametrize(
    ("given", "start", "end"),
    [
        ("2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),  # leap year
        (" 2026-3 ", D(2026, 3, 1), D(2026, 3, 31)),
        ("2026-12-05", D(2026, 12, 1), D(2026, 12, 31)),  # a date means its month
        (D(2026, 12, 17), D(2026, 12, 1), D(2026, 12, 31)),
        (dt.datetime(2026, 10, 31, 23, 59), D(2026, 10, 1), D(2026, 10, 31)),
        (pd.Timestamp("2026-11-30"), D(2026, 11, 1), D(2026, 11, 30)),
    ],
)
def test_a_month_is_text_or_a_date(given, start, end):
    assert month_bounds(given) == (start, end)
    assert month_start(given) == start and month_end(given) == end
    assert month_label(given) == start.strftime("%Y-%m")


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "October", "", "2026/10", "2026-02-30", "26-10", None])
def test_anything_else_is_an_input_error_with_one_sentence(bad):
    with pytest.raises(InputError, match=r"is not a month - give it as YYYY-MM, e.g. 2026-10\.") as info:
        month_start(bad)
    assert not isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_add_months_crosses_years():
    assert add_months("2026-01", -1) == D(2025, 12, 1)
    assert add_months("2025-12", 1) == D(2026, 1, 1)
    assert add_months("2026-10", -11) == D(2025, 11, 1)
    assert add_months(D(2026, 10, 31), 0) == D(2026, 10, 1)


def test_last_full_month():
    assert last_full_month(D(2026, 11, 27)) == D(2026, 10, 1)
    assert last_full_month(D(2026, 1, 1)) == D(2025, 12, 1)
