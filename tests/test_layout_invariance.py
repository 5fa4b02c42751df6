"""Layout does not change the answer: one practice month written out in 50 generated layouts (bench/
layouts_gen.py) loads into the same canonical tables and gives the same findings as its plain layout.

The plain layout's own result is checked by hand against the month's facts (SPEC 1, 4), so the
comparison is anchored: every layout must give that result, not merely agree with another layout.
bench/bench_layouts.py runs a larger randomised sweep and reports the share read right.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from audits.ingest import recognise
from bench.layouts_check import differences, load_and_audit
from bench.layouts_gen import POOL, write_layout, write_plain

SEEDS = range(1, 51)


@pytest.fixture(scope="module")
def expected(template, tmp_path_factory):
    directory = tmp_path_factory.mktemp("plain")
    return load_and_audit(write_plain(directory / "files").files, directory / "plain.duckdb", template)


def test_the_word_pool_is_kept_apart_from_the_vocabulary():
    """No pool spelling is, word for word in any order, a spelling the recogniser knows."""
    vocab = recognise.vocabulary()
    spellings = {
        frozenset(p) for kind in vocab.columns.values() for spec in kind.values() for p in spec.phrases
    }
    shared = [word for words in POOL.values() for word in words if frozenset(vocab.words(word)) in spellings]
    assert shared == []


def test_the_plain_layout_loads_the_month_as_written(expected):
    assert expected["failed"] == []
    assert [r[0] for r in expected["providers"]] == ["1111111112", "1234567893", "2222222228"]
    assert ("AET", "Aetna", "Aetna Health|Aetna, Inc.") in expected["payers"]  # the comma before Inc. stays
    assert ("1234567893", "BCBS", "terminated", None, dt.date(2019, 1, 1), dt.date(2026, 10, 15), None) in (
        expected["enrollments"]
    )
    assert ("2222222228", "AET", "enrolled", None, dt.date(2021, 1, 1), None, "11,22") in expected[
        "enrollments"
    ]
    assert ("1111111112", "CIG", "pending", dt.date(2026, 5, 1), None, None, None) in expected["enrollments"]
    assert ("1234567893", "AET", "93000", "93010", False) in expected["service_scope"]
    assert len(expected["claim_lines"]) == 12 and len(expected["remit_lines"]) == 6
    fired = {(rule, claim, line) for rule, claim, line, _npi, _payer, _amount in expected["findings"]}
    assert ("AFTER_TERMINATION", "CL1003", 1) in fired  # BCBS terminated 2026-10-15, DOS 2026-10-20
    assert ("BEFORE_EFFECTIVE", "CL1004", 1) in fired  # Aetna effective 2026-10-20, DOS 2026-10-05
    assert ("ENROLLMENT_NOT_APPROVED", "CL1006", 1) in fired  # Cigna pending
    assert ("POS_NOT_ENROLLED", "CL1008", 1) in fired  # POS 02, allowed 11 and 22
    assert ("OUT_OF_SCOPE", "CL1001", 2) in fired  # 93000 excluded for Aetna
    assert ("LICENSE_INVALID", "CL1004", 1) in fired  # licence expired 2026-09-30
    assert ("INVALID_NPI", "CL1010", 1) in fired
    assert ("DENIAL_EXPLAINED", "CL1003", 1) in fired  # denied B7 with a blocking finding
    assert ("CREDENTIAL_EXPIRING", "1234567893", Decimal("445.50")) in {
        (r[0], r[3], r[5]) for r in expected["findings"] if r[0] == "CREDENTIAL_EXPIRING"
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_every_generated_layout_gives_the_same_tables_and_findings(seed, expected, template, tmp_path):
    layout = write_layout(seed, tmp_path / "files")
    found = load_and_audit(layout.files, tmp_path / "layout.duckdb", template)
    assert differences(expected, found) == [], layout.description


@pytest.mark.parametrize("seed", range(1, 11))
def test_any_file_order_in_one_batch_gives_the_same_tables_and_findings(seed, expected, template, tmp_path):
    """The files of a layout in a random order, given to one batch (credentialing first, then claims, then
    remittances; held rows load again once their payer is known): the plain layout's result again."""
    layout = write_layout(seed, tmp_path / "files", shuffle_files=True)
    found = load_and_audit(layout.files, tmp_path / "layout.duckdb", template, batch=True)
    assert differences(expected, found) == [], (
        layout.description + " files " + str([f.name for f in layout.files])
    )
