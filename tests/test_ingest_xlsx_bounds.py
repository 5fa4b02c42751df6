"""Bounds on an xlsx before any reader parses it: what python-calamine would size its memory by.

The hostile files are built here (tests/hostile_xlsx.py). The refusals are checked on `check_xlsx`, which
never hands the file to calamine; that the bounds are no stricter than the reader is checked against
calamine itself on generated sheets (every spelling the XML allows).
"""

from __future__ import annotations

import random
import zipfile

import openpyxl
import pytest
from hostile_xlsx import MAIN, column, inflating_workbook, sheet_xml, text_cell, write_workbook

from audits.errors import InputError
from audits.ingest import xlsx_bounds
from audits.ingest.readers import check_xlsx, read_tables


def _refused(path, *words):
    with pytest.raises(InputError) as info:
        check_xlsx(path)
    text = str(info.value)
    assert "\n" not in text and text.endswith(".") and path.name in text, text
    for word in words:
        assert word in text, text
    return text


def test_a_tiny_sheet_declaring_a1_to_xfd1048576_is_refused(tmp_path):
    body = f'<row r="1">{text_cell("A1", "x")}</row><row r="1048576">{text_cell("XFD1048576", "y")}</row>'
    path = write_workbook(tmp_path / "huge.xlsx", sheet_xml(body, dimension="A1:XFD1048576"))
    assert path.stat().st_size < 2048
    _refused(path, "1,048,576 rows x 16,384 columns", "nothing was loaded")


def test_the_declared_dimension_alone_is_bounded(tmp_path):
    body = f'<row r="1">{text_cell("A1", "x")}</row>'
    path = write_workbook(tmp_path / "dimension.xlsx", sheet_xml(body, dimension="A1:XFD1048576"))
    _refused(path, "declares a sheet of 1,048,576 rows x 16,384 columns")


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ("prefixed", '<x:c r="XFD1048576" t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c>'),
        ("spaced", "<x:c  r = 'XFD1048576' t=\"inlineStr\"><x:is><x:t>y</x:t></x:is></x:c>"),
        ("tab", '<x:c\tr="XFD1048576" t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c>'),
        ("second attribute wins", '<x:c r="A2" r="XFD1048576" t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c>'),
        ("lower case", '<x:c r="xfd1048576" t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c>'),
    ],
)
def test_every_spelling_of_a_far_cell_reference_is_seen(tmp_path, name, cell):
    body = f'<x:row r="1">{text_cell("A1", "x", "x")}</x:row><x:row r="2">{cell}</x:row>'
    path = write_workbook(tmp_path / "far.xlsx", sheet_xml(body, prefix="x"))
    _refused(path, "16,384 columns")


def test_rows_and_cells_without_references_are_counted_on(tmp_path):
    # The reader places a cell without `r` after the previous one, a row without `r` after the previous row.
    cells = "".join(text_cell(None, "v") for _ in range(200))
    body = f'<row r="1048000">{text_cell("A1048000", "x")}</row><row>{cells}</row>'
    path = write_workbook(tmp_path / "counted.xlsx", sheet_xml(body))
    _refused(path, "1,048,001 rows x 201 columns")  # conservative: the last reference plus the row's cells


def test_a_reference_beyond_excels_grid_is_refused(tmp_path):
    body = f'<row r="1">{text_cell("A1", "x")}{text_cell("AAAA1", "y")}</row>'
    path = write_workbook(tmp_path / "grid.xlsx", sheet_xml(body))
    _refused(path, "outside Excel's grid")


def test_declared_shared_strings_are_bounded(tmp_path):
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" '
        'uniqueCount="1000000000000000"><si><t>hello</t></si></sst>'
    ).encode()
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    path = write_workbook(tmp_path / "strings.xlsx", sheet_xml(body), {"xl/sharedStrings.xml": strings})
    _refused(path, "1,000,000,000,000,000 shared strings")


def test_styles_are_bounded(tmp_path):
    formats = "".join('<xf numFmtId="0"/>' for _ in range(xlsx_bounds.MAX_CELL_FORMATS + 1))
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
        f'<cellXfs count="{xlsx_bounds.MAX_CELL_FORMATS + 1}">{formats}</cellXfs></styleSheet>'
    ).encode()
    body = f'<row r="1">{text_cell("A1", "x")}</row>'
    path = write_workbook(tmp_path / "styles.xlsx", sheet_xml(body), {"xl/styles.xml": styles})
    _refused(path, "cell formats")


def test_a_single_cell_is_bounded(tmp_path):
    long = "x" * (xlsx_bounds.MAX_CELL_BYTES + 10)
    body = f'<row r="1">{text_cell("A1", "Claim ID")}</row><row r="2">{text_cell("A2", long)}</row>'
    path = write_workbook(tmp_path / "cell.xlsx", sheet_xml(body))
    _refused(path, "32,767 characters")


def test_a_long_cell_split_into_rich_text_runs_is_one_cell(tmp_path):
    runs = "".join(f"<r><t>{'y' * 1000}</t></r>" for _ in range(200))  # 200,000 characters in one cell
    body = f'<row r="1"><c r="A1" t="inlineStr"><is>{runs}</is></c></row>'
    path = write_workbook(tmp_path / "runs.xlsx", sheet_xml(body))
    _refused(path, "32,767 characters")


@pytest.mark.parametrize(
    ("markup", "word"),
    [
        ("<!-- a comment -->", "comments"),
        ("<t><![CDATA[x]]></t>", "CDATA"),
        ("<?hidden instruction?>", "processing instructions"),
    ],
)
def test_markup_excel_does_not_write_is_refused(tmp_path, markup, word):
    body = f'<row r="1">{text_cell("A1", "x")}{markup}</row>'
    path = write_workbook(tmp_path / "markup.xlsx", sheet_xml(body))
    _refused(path, word)


def test_a_utf16_part_is_refused(tmp_path):
    body = f'<row r="1">{text_cell("A1", "x")}</row>'
    xml = sheet_xml(body).decode().replace("UTF-8", "UTF-16").encode("utf-16")
    path = write_workbook(tmp_path / "utf16.xlsx", xml)
    _refused(path, "UTF-16")


def test_a_25_mb_workbook_whose_sheet_inflates_to_1_9_gb_is_refused_unread(tmp_path):
    path = inflating_workbook(tmp_path / "big.xlsx", inflated=1_900_000_000)
    assert 15e6 < path.stat().st_size < 40e6
    with zipfile.ZipFile(path) as archive:  # a genuine package: the size is not a lie
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size > 1.8e9 and sheet.file_size / sheet.compress_size < 200
    _refused(path, "MB", "nothing was loaded")


def test_a_workbook_that_inflates_within_the_bounds_is_measured_and_read(tmp_path):
    path = inflating_workbook(tmp_path / "fine.xlsx", inflated=8_000_000)
    check_xlsx(path)
    (sheet,) = read_tables(path)
    assert sheet.frame.shape[1] == 8 and len(sheet.frame) > 50_000


def test_ordinary_workbooks_pass(tmp_path):
    path = tmp_path / "roster.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["NPI", "Provider", "Payer", "Effective", "Notes"])
    for i in range(300):
        sheet.append([1234567893 + i, f"Dr {i}", "Aetna", "2024-01-01", "x" * 30_000 if i == 7 else None])
    extra = workbook.create_sheet("Payers")
    extra.append(["Payer ID", "Payer"])
    extra["XFD3"] = "far right, still inside the grid"
    workbook.save(path)
    check_xlsx(path)
    assert [s.name for s in read_tables(path)] == ["Sheet", "Payers"]


def _random_sheet(rng: random.Random) -> bytes:
    """A small sheet in any of the spellings XML allows: prefixes, rows and cells with or without a
    reference, `r = '...'`, blanks of every kind, references that jump about."""
    prefix = rng.choice(["", "", "x"])
    p = f"{prefix}:" if prefix else ""
    rows, row = [], 0
    for _ in range(rng.randint(1, 6)):
        row += rng.randint(1, 60)
        spelling = rng.choice(['r="{}"', "r = '{}'", '\tr="{}"', None])
        attribute = "" if spelling is None else " " + spelling.format(row)
        cells, col = [], 0
        for _ in range(rng.randint(1, 8)):
            col += rng.randint(1, 40)
            ref = f"{column(col)}{row if rng.random() < 0.7 else rng.randint(1, 4000)}"
            cell_spelling = rng.choice(['r="{}"', "r = '{}'", '\n r="{}"', None, None])
            cell_attribute = "" if cell_spelling is None else " " + cell_spelling.format(ref)
            cells.append(f'<{p}c{cell_attribute} t="inlineStr"><{p}is><{p}t>v</{p}t></{p}is></{p}c>')
        rows.append(f"<{p}row{attribute}>{''.join(cells)}</{p}row>")
    return sheet_xml("".join(rows), prefix=prefix)


@pytest.mark.parametrize("seed", range(3))
def test_the_bounds_hold_whatever_the_reader_makes_of_the_sheet(tmp_path, seed):
    """For generated sheets the measured rows and columns are never fewer than python-calamine's own
    extent of the same sheet (bounds that were would let an allocation through)."""
    from python_calamine import CalamineWorkbook

    rng = random.Random(seed)
    compared = 0
    for i in range(60):
        path = write_workbook(tmp_path / f"s{seed}_{i}.xlsx", _random_sheet(rng))
        end = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet1").end
        with zipfile.ZipFile(path) as archive:
            measure = xlsx_bounds.measure_part(archive, archive.getinfo("xl/worksheets/sheet1.xml"))
        assert not measure.problems
        if end is not None:
            compared += 1
            assert measure.row_bound() >= end[0] + 1 and measure.column_bound() >= end[1] + 1
    assert compared > 40
