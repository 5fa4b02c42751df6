"""Safe reading: CSV encodings and delimiters, xlsx cell types, hostile files -> one-sentence InputError."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from audits.errors import InputError
from audits.ingest.readers import read_tables

HEADER = "Claim ID{d}Payer{d}Amount\r\n"
ROW = "C1{d}Café Santé{d}12.50\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + ROW).format(d=delimiter).encode(encoding))
    (sheet,) = read_tables(path)
    assert sheet.frame.shape == (2, 3)
    assert sheet.frame.iloc[1].tolist() == ["C1", "Café Santé", "12.50"]


def test_csv_title_rows_blank_lines_and_row_numbers(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Claims report\nExported on 2024-02-01\n\nA,B,C\n1,2,3\n\n4,5,6\n", encoding="utf-8")
    (sheet,) = read_tables(path)
    # Blank lines are dropped, but each row keeps its line number (index + 1).
    assert [i + 1 for i in sheet.frame.index] == [1, 2, 4, 5, 7]
    assert sheet.frame.loc[6].tolist() == ["4", "5", "6"]


def test_csv_quoted_delimiters(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('Claim;Modifiers;Amount\nC1;"26;59";"1.234,00"\n', encoding="utf-8")
    (sheet,) = read_tables(path)
    assert sheet.frame.loc[1].tolist() == ["C1", "26;59", "1.234,00"]


def test_xlsx_keeps_dates_and_numbers(tmp_path):
    path = tmp_path / "export.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["Claim ID", "DOS", "NPI", "CPT"])
    sheet.append(["C1", dt.date(2024, 1, 5), 1234567893, "0001U"])
    workbook.save(path)
    (raw,) = read_tables(path)
    assert raw.name == "Claims"
    row = raw.frame.loc[1].tolist()
    assert row[0] == "C1"
    assert row[1] in (dt.date(2024, 1, 5), dt.datetime(2024, 1, 5))
    assert float(row[2]) == 1234567893
    assert row[3] == "0001U"


def _assert_one_sentence(exc: InputError, *words: str) -> None:
    text = str(exc)
    assert "\n" not in text and text.endswith("."), text
    for word in words:
        assert word in text, text


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "empty")


def test_binary_file(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "binary")


def test_fake_xlsx(tmp_path):
    path = tmp_path / "claims.xlsx"
    path.write_text("Claim ID,Payer\nC1,Acme\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "claims.xlsx", "not a valid xlsx")


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "claims.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "not an Excel workbook")


def test_truncated_xlsx(tmp_path):
    good = tmp_path / "good.xlsx"
    workbook = openpyxl.Workbook()
    for i in range(200):
        workbook.active.append([f"C{i}", i, "x" * 40])
    workbook.save(good)
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "truncated.xlsx")


def _workbook_parts(sheet_xml: bytes) -> dict[str, bytes]:
    return {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }


def test_zip_bomb_is_refused_before_opening(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _workbook_parts(b"<worksheet/>").items():
            archive.writestr(name, data)
        # 64 MB of zeros compresses to ~64 KB: a 1000-fold expansion.
        with archive.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as handle:
            block = b"\0" * (1 << 20)
            for _ in range(64):
                handle.write(block)
    assert path.stat().st_size < 2 * 1024**2
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "zip bomb")


def test_billion_laughs_inside_an_xlsx(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet><sheetData><row><c t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    path = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in _workbook_parts(laughs).items():
            archive.writestr(name, data)
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "entity")


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        read_tables(tmp_path / "nope.csv")
    _assert_one_sentence(info.value, "does not exist")


@pytest.mark.parametrize(
    "content",
    [
        b'Claim,Mods,Amount\r\nC1,"26,59",12.50\r\nC2,,\r\n',  # CRLF, quoted delimiter, empty cells
        b"Report\nA,B,C\n1,2\n4\n",  # title row above the header, short rows padded
        b'A,B\n"",2\n"x""y",NA\n  1 ,n/a\n',  # quoted empty, doubled quote, NA text, inner blanks kept
        b'A;B\n1;"2;3"\n',  # semicolon export
        b"A,B\nlast,line",  # no final newline
    ],
)
def test_csv_fast_reader_gives_the_pandas_cells(tmp_path, content):
    from audits.ingest import readers

    path = tmp_path / "export.csv"
    path.write_bytes(content)
    text = content.decode("utf-8")
    fast = readers._read_csv_duckdb(path, content, text)
    assert fast is not None
    fast = readers._drop_blank_rows(fast)
    slow = readers.read_csv_text(text, "export.csv")
    as_lists = [[None if v != v else v for v in row] for row in fast.astype(object).values.tolist()]
    assert list(fast.index) == list(slow.index)
    assert as_lists == [[None if v != v else v for v in row] for row in slow.values.tolist()]


@pytest.mark.parametrize(
    "content",
    [
        b"A,B\n\n1,2\n",  # a blank line (pandas keeps the line numbers)
        b'A,B\n1, "2"\n',  # a blank before a quote: pandas keeps ' "2"', DuckDB would drop it
        b"A,B\r1,2\r",  # bare carriage returns
        b"A,B\n" + b"1,2\n" * 20000 + b"3,4,5\n",  # a row wider than the first 64 kB showed
    ],
)
def test_csv_fast_reader_leaves_unusual_files_to_pandas(tmp_path, content):
    from audits.ingest import readers

    path = tmp_path / "export.csv"
    path.write_bytes(content)
    assert readers._read_csv_duckdb(path, content, content.decode("utf-8")) is None


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_utf16_and_utf32_csvs_load(tmp_path, encoding, delimiter):
    """Excel's "Unicode text" is UTF-16 (little-endian, with a byte order mark, tab-separated)."""
    path = tmp_path / "unicode.txt"
    text = (HEADER + ROW).format(d=delimiter)
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = ("\ufeff" + text).encode(encoding) if delimiter == "," else data  # with and without a mark
    path.write_bytes(data)
    (sheet,) = read_tables(path)
    assert sheet.frame.iloc[0].tolist() == ["Claim ID", "Payer", "Amount"]
    assert sheet.frame.iloc[1].tolist() == ["C1", "Café Santé", "12.50"]


def test_a_utf16_claims_export_loads_through_ingest(con, tmp_path):
    from audits.ingest import ingest_file

    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    path = tmp_path / "claims.txt"
    rows = (
        "Claim ID\tRendering NPI\tPayer\tDOS\tCPT\tCharges\r\nC1\t1234567893\tAetna\t2024-01-05\t99213\t1\r\n"
    )
    path.write_bytes(rows.encode("utf-16"))
    result = ingest_file(con, path)
    assert (result.kind, result.rows_loaded) == ("claims", 1)


def test_binary_behind_a_utf16_mark_is_still_binary(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xfe" + bytes(range(256)) * 8)
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "photo.csv")


@pytest.mark.parametrize("quote", ['"', ""])
def test_a_field_longer_than_a_cell_is_refused(tmp_path, quote):
    from audits.ingest.readers import MAX_CSV_FIELD_CHARS

    path = tmp_path / "long.csv"
    long = "x" * (MAX_CSV_FIELD_CHARS + 1)
    path.write_text(f"Claim ID,Notes\nC1,{quote}{long}{quote}\nC2,short\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "long.csv", "line 2", "32,767")
    path.write_text(f"Claim ID,Notes\nC1,{long[:-1]}\n", encoding="utf-8")
    assert len(read_tables(path)[0].frame) == 2


def test_an_unclosed_quote_swallowing_the_file_is_one_sentence(tmp_path):
    path = tmp_path / "unclosed.csv"
    path.write_text('Claim ID,Notes\nC1,"never closed\n' + "C2,more\n" * 5000, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_tables(path)
    _assert_one_sentence(info.value, "unclosed.csv")
