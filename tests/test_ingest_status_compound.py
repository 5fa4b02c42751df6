"""Enrollment status labels made of two of SPEC 4's words (found by a fresh probe): trackers write
'Approved/Active', 'Par (Active)', 'Inactive - Termed'. A label whose parts are all known words with one
meaning has that meaning; any unknown part ('No Longer Participating', 'Participating - Closed Panel')
or two meanings ('Termed/Denied') leaves it unknown, and the row is rejected with its reason (SPEC 4).
Words written by hand from SPEC 4's lists."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from audits.ingest import normalize

SPEC_WORDS = {  # SPEC 4, "enrollment status"
    "enrolled": ["Enrolled", "Active", "Approved", "Par", "Participating", "In network"],
    "denied": ["Denied", "Rejected", "Declined"],
    "terminated": ["Terminated", "Termed", "Inactive"],
}
SEPARATORS = ["/", " - ", " / ", " (", ", ", " | "]


def _status(*labels):
    return normalize.enrollment_status(pd.Series(list(labels), dtype=object)).tolist()


def _join(first, second, separator):
    return f"{first}{separator}{second}" + (")" if separator == " (" else "")


@pytest.mark.parametrize(
    "label, meaning",
    [
        ("Approved/Active", "enrolled"),
        ("Par (Active)", "enrolled"),
        ("Inactive - Termed", "terminated"),
        ("Denied - Rejected", "denied"),
        ("In Network / Participating", "enrolled"),
        ("No Longer Participating", None),
        ("Participating - Closed Panel", None),
        ("Not Par", None),
        ("Termed/Denied", None),
        ("Active/Inactive", None),
    ],
)
def test_a_label_of_known_words_means_what_they_all_mean(label, meaning):
    assert _status(label) == [meaning]


@pytest.mark.parametrize("meaning", sorted(SPEC_WORDS))
@pytest.mark.parametrize("separator", SEPARATORS)
def test_generated_pairs_of_one_meaning_read_as_it_and_pairs_of_two_do_not(meaning, separator):
    same = [_join(a, b, separator) for a, b in itertools.permutations(SPEC_WORDS[meaning], 2)]
    assert set(_status(*same)) == {meaning}, same
    others = [w for m, words in SPEC_WORDS.items() if m != meaning for w in words]
    mixed = [_join(a, b, separator) for a in SPEC_WORDS[meaning] for b in others]
    assert set(_status(*mixed)) == {None}, mixed
    unknown = [
        _join(a, b, separator) for a in SPEC_WORDS[meaning] for b in ("Closed Panel", "Longer", "Pend")
    ]
    assert set(_status(*unknown)) == {None}, unknown
