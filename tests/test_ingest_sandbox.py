"""Uploads are parsed in a child process: what it gives back is what the reader gives, and whatever
kills the child (a native abort, memory, time) fails that one file with one sentence while this
process - the server - goes on."""

from __future__ import annotations

import datetime as dt
import os
import time

import openpyxl
import pytest
from hostile_xlsx import sheet_xml, text_cell, write_workbook

from audits.errors import InputError
from audits.ingest import ingest_file, readers, sandbox, xlsx_bounds

CLAIMS = "Claim ID,Rendering NPI,Payer,DOS,CPT,Charges\nC{n},1234567893,Aetna,2024-01-05,99213,1\n"


def _same(here, there):
    assert [s.name for s in here] == [s.name for s in there]
    for a, b in zip(here, there, strict=True):
        assert list(a.frame.index) == list(b.frame.index)
        assert list(a.frame.columns) == list(b.frame.columns)
        for label in a.frame.columns:
            assert a.frame[label].dtype == b.frame[label].dtype, label
            for x, y in zip(a.frame[label].tolist(), b.frame[label].tolist(), strict=True):
                assert type(x) is type(y), (label, x, y)
                assert x == y or (x != x and y != y), (label, x, y)


def _mixed_workbook(path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["Report of", None, None, None, None, None, None])
    sheet.append(["Claim", "NPI", "DOS", "Seen at", "Charge", "Paid", "Note"])
    sheet.append(["C1", 1234567893, dt.date(2024, 1, 5), dt.datetime(2024, 1, 5, 9, 30), 12.5, True, None])
    sheet.append(["C2", "1234567893", "2024-01-06", dt.time(9, 30), 7, False, "x" * 300])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["C3", 10**20, dt.date(1999, 12, 31), "n/a", -0.0, None, '=HYPERLINK("x")'])
    second = workbook.create_sheet("Payers")
    second.append(["Payer ID", "Payer"])
    second.append(["AETNA", "Aetna"])
    workbook.create_sheet("Empty")
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    "make",
    [
        _mixed_workbook,
        lambda p: p.write_text(CLAIMS.format(n=1) + "C2,,,,,\n", encoding="utf-8") or p,  # DuckDB's reader
        lambda p: p.write_text('Title\n\nA,B\n1, "2"\n', encoding="utf-8") or p,  # pandas' reader
        lambda p: p.write_bytes("A\tB\r\nCafé\t1\r\n".encode("utf-16")) or p,
    ],
    ids=["xlsx", "plain csv", "odd csv", "utf-16"],
)
def test_the_child_gives_back_exactly_what_the_reader_gives(tmp_path, make):
    path = tmp_path / ("file.xlsx" if make is _mixed_workbook else "file.csv")
    make(path)
    _same(readers.read_tables_here(path), readers.read_tables(path))


def test_a_child_that_aborts_fails_that_file_and_the_next_one_reads(tmp_path, monkeypatch):
    monkeypatch.setenv(sandbox.CRASH_HOOK, "crash-*.csv")
    doomed = tmp_path / "crash-me.csv"
    doomed.write_text(CLAIMS.format(n=1), encoding="utf-8")
    fine = tmp_path / "fine.csv"
    fine.write_text(CLAIMS.format(n=2), encoding="utf-8")
    with pytest.raises(InputError) as info:
        readers.read_tables(doomed)
    text = str(info.value)
    assert "\n" not in text and text.startswith("crash-me.csv made the file reader stop"), text
    assert len(readers.read_tables(fine)[0].frame) == 2


def test_the_real_reader_abort_is_contained(tmp_path, monkeypatch):
    """Without the bounds, python-calamine aborts the process on this 1.6 KB sheet (it asks for 550 GB):
    in the child, that is one sentence."""
    monkeypatch.setattr(xlsx_bounds, "MAX_SHEET_CELLS", 10**12)
    body = f'<row r="1">{text_cell("A1", "x")}</row><row r="1048576">{text_cell("XFD1048576", "y")}</row>'
    path = write_workbook(tmp_path / "huge.xlsx", sheet_xml(body))
    started = time.monotonic()
    with pytest.raises(InputError) as info:
        readers.read_tables(path)
    assert "huge.xlsx" in str(info.value) and "nothing was loaded" in str(info.value)
    assert time.monotonic() - started < 60
    assert os.getpid() > 0  # still here


def _allocate(gigabytes: int) -> int:
    block = bytearray(gigabytes * 1024**3)
    return len(block)


def _spin(seconds: float) -> int:
    end = time.process_time() + seconds
    count = 0
    while time.process_time() < end:
        count += 1
    return count


def test_memory_beyond_the_limit_is_one_sentence(monkeypatch):
    monkeypatch.setenv("CLEARTOBILL_PARSE_MEMORY_MB", "3072")
    with pytest.raises(InputError) as info:
        sandbox.run(_allocate, 4, name="big.xlsx")
    assert str(info.value).startswith("big.xlsx needs more than the 3,072 MB of memory")


def test_time_beyond_the_limit_is_one_sentence(monkeypatch):
    monkeypatch.setenv("CLEARTOBILL_PARSE_SECONDS", "1")
    with pytest.raises(InputError) as info:
        sandbox.run(_spin, 30, name="slow.csv")
    assert str(info.value).startswith("slow.csv could not be read within 1 s")


def test_a_bug_in_the_child_is_a_bug_not_bad_input():
    with pytest.raises(RuntimeError) as info:
        sandbox.run(int, "not a number", name="x.csv")
    assert "ValueError" in str(info.value)


def test_ingest_of_a_crashing_file_changes_nothing_and_the_connection_goes_on(con, tmp_path, monkeypatch):
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    monkeypatch.setenv(sandbox.CRASH_HOOK, "crash.xlsx")
    doomed = _mixed_workbook(tmp_path / "crash.xlsx")
    with pytest.raises(InputError) as info:
        ingest_file(con, doomed, kind="claims")
    assert "crash.xlsx" in str(info.value) and "\n" not in str(info.value)
    assert con.execute("SELECT count(*) FROM uploads").fetchall() == [(0,)]
    fine = tmp_path / "fine.csv"
    fine.write_text(CLAIMS.format(n=1), encoding="utf-8")
    assert ingest_file(con, fine).rows_loaded == 1
