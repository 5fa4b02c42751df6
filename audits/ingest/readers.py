"""Safe reading of tabular files: CSV (encoding and delimiter detected) and xlsx (checked before opening).

`read_tables(path)` returns one RawSheet per sheet (one for a CSV): a DataFrame of raw cells with
no header row interpreted (header=None). CSV cells are text: a plain UTF-8 CSV is read by DuckDB into
Arrow-backed `str` columns (missing = NaN), any other by pandas into object columns (missing = None);
the cells are the same either way (tests/test_ingest_readers.py compares them). xlsx columns are of
dtype object and keep their type (str, int, float, datetime.date/datetime); the normaliser decides.

An xlsx is a zip of XML parts. Before python-calamine touches one we check that it is a real zip with
[Content_Types].xml and xl/workbook.xml, that the declared uncompressed sizes and compression ratio
are bounded (zip bomb) and that no XML part declares a DOCTYPE or ENTITY (billion laughs). Anything
that is not readable raises InputError with one sentence; nothing is loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from audits.errors import InputError
from audits.ingest import xlsx_bounds

# Limits for xlsx archives (a 1,000,000-row sheet of 40 columns is ~400 MB of XML).
MAX_UNCOMPRESSED_BYTES = int(os.environ.get("CLEARTOBILL_MAX_XLSX_BYTES", str(2 * 1024**3)))
MAX_COMPRESSION_RATIO = 200  # real sheets compress 5-30x; a bomb compresses 1000x+
MAX_ZIP_MEMBERS = 10_000

# A CSV field as long as an Excel cell may be (32,767 characters): anything longer is an unclosed quote
# or not an export at all.
MAX_CSV_FIELD_CHARS = 32_767
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass
class RawSheet:
    name: str
    frame: pd.DataFrame  # raw cells, header=None (see the module doc for the dtypes)
    # delimited text (CSV, TSV...): a cell past the header can only come from an unquoted delimiter
    # that moved the row's cells (claims.shifted_rows); in a workbook it is just a cell
    delimited: bool = False


def _name(path: Path) -> str:
    return path.name


# --------------------------------------------------------------------------------------------
# sniffing


def sniff_kind(path: Path) -> str:
    """'xlsx', 'csv', 'x12' from the first bytes (not from the file name); raises InputError otherwise."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist - check the file path.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file - give the path of a file.") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror}) - check the file's permissions.") from None
    if not head:
        raise InputError(f"{_name(path)} is empty - export the file again.")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{_name(path)} is an old-format Excel (.xls) or other OLE file - save it as .xlsx or .csv and try again."
        )
    stripped = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    if stripped.startswith(b"ISA") or stripped.startswith(b"ST*") or stripped.startswith(b"GS*"):
        return "x12"
    if _utf16_text(head):
        return "csv"  # Excel's "Unicode text" and other UTF-16 exports: text, read as such
    if b"\x00" in head:
        raise InputError(
            f"{_name(path)} is a binary file, not a CSV or xlsx export - export it as .csv or .xlsx."
        )
    return "csv"


# --------------------------------------------------------------------------------------------
# CSV


def _utf16_text(head: bytes) -> str | None:
    """'utf-32' / 'utf-16' for text with that byte order mark, 'utf-16-le' / 'utf-16-be' for text written
    in UTF-16 without one (nine in ten of its high bytes NUL, none of its low bytes); else None."""
    if head.startswith(_UTF32_BOMS):
        return "utf-32"
    if head.startswith(_UTF16_BOMS):
        return "utf-16"
    sample = head[: len(head) - len(head) % 2][:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    for high, low, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if high.count(0) >= 0.9 * len(high) and low.count(0) == 0:
            return encoding
    return None


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, UTF-16/32 (with a BOM, or UTF-16 without one that
    is plainly so), else Windows-1252, else latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    wide = _utf16_text(data[:8192])
    if wide:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            raise InputError(
                f"{name} is not valid {wide.upper()} text - export it again as CSV (UTF-8)."
            ) from None
        return text.removeprefix("\ufeff"), wide
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def detect_delimiter(sample: str) -> str:
    """Comma, semicolon or tab: the one that splits the first lines most consistently (quotes respected)."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        widest = max(counts)
        if widest <= 1:
            continue
        # Rows of the most common width (title rows above the header are narrower).
        common = max(set(counts), key=counts.count)
        score = (counts.count(common) if common > 1 else 0, widest)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _widths(text: str, delimiter: str) -> int:
    try:
        return max((len(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)), default=0)
    except csv.Error:
        return 0


def read_csv_text(text: str, name: str) -> pd.DataFrame:
    """Raw cells of a CSV text; the index is the 0-based line number (blank lines dropped, numbers kept)."""
    sample = text[:65536]
    delimiter = detect_delimiter(sample)
    width = _widths(sample, delimiter)
    frame = None
    for attempt in ("c", "python"):
        if attempt == "python":
            width = _widths(text, delimiter)
        if width == 0:
            raise InputError(f"{name} is not a readable CSV - export it again as CSV.")
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                header=None,
                names=list(range(width)),
                dtype=object,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                engine=attempt,
                quotechar='"',
            )
            break
        except pd.errors.EmptyDataError:
            raise InputError(f"{name} has no rows - export the file again.") from None
        except (pd.errors.ParserError, ValueError, csv.Error) as exc:
            if attempt == "python":
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
                raise InputError(
                    f"{name} is not a readable CSV ({first}) - export it again as CSV."
                ) from None
    frame = frame.astype(object)
    return _drop_blank_rows(frame)


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with no cell at all are skipped (not counted); the index keeps the source row numbers."""
    if frame.empty:
        return frame
    candidates = frame.index[frame.iloc[:, 0].isna().to_numpy()]
    if len(candidates) == 0:
        return frame
    blank = frame.loc[candidates].isna().all(axis=1)
    return frame.drop(index=blank[blank].index)


_PARALLEL_CSV_BYTES = 8 << 20  # below this, pandas reads a CSV (DuckDB would spend longer starting up)
_SCAN_BLOCK = 1 << 22  # bytes per numpy pass of _plain_csv: small temporaries that stay in cache


def _plain_csv(data: bytes, delimiter: str) -> bool:
    """True when DuckDB's records and cells are pandas' one to one: no blank line, no bare carriage
    return, and no blank next to a quote (DuckDB drops blanks around a quoted value, pandas keeps
    ' "2"' as it stands). Single bytes are looked for with `in` (memchr), pairs with numpy over the
    positions of newlines and quotes, block by block (each block overlaps the next by one byte)."""
    if data[:1] in (b"\n", b"\r"):
        return False
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):  # a carriage return not before a newline
            return False
        if b"\n\r\n" in data:  # a blank CRLF line
            return False
    blanks = [b for b in ([32] if delimiter == "\t" else [32, 9]) if bytes([b]) in data]
    quoted = bool(blanks) and b'"' in data
    raw = np.frombuffer(data, dtype=np.uint8)
    for start in range(0, len(raw), _SCAN_BLOCK):
        part = raw[start : start + _SCAN_BLOCK + 1]
        newlines = np.flatnonzero(part == 10)
        if (part[newlines[newlines < len(part) - 1] + 1] == 10).any():  # a blank LF line
            return False
        if quoted:
            quotes = np.flatnonzero(part == 34)
            before = part[quotes[quotes > 0] - 1]
            behind = part[quotes[quotes < len(part) - 1] + 1]
            for blank in blanks:
                if (before == blank).any() or (behind == blank).any():
                    return False
    return True


@dataclass
class DuckCsv:
    """A CSV that DuckDB reads cell for cell as read_csv_text would (see `duck_csv`). `query` takes the
    file path as its one parameter and gives every record, in file order, as VARCHAR columns
    c0..c{width-1} (missing = NULL); rows of empty cells are still there (read_csv drops them)."""

    path: Path
    query: str
    width: int
    delimiter: str = ","
    sample: str = ""  # the file's first 65,536 characters (what the delimiter and width came from)
    encoding: str = "utf-8"  # or latin-1: a Windows export that is not UTF-8 (see `plain`)
    bom: bool = False  # the file starts with a UTF-8 byte order mark (DuckDB skips it, as decode_text)

    def plain(self, data: bytes) -> bool:
        """Whether DuckDB reads these bytes (the file's) cell for cell as pandas would (`_plain_csv`).
        A latin-1 reading is the text decode_text gives (Windows-1252) only without bytes 0x80-0x9F:
        DuckDB refuses those in latin-1 ("not latin-1 encoded"), and the file is read the general way."""
        return _plain_csv(data[3:] if self.bom else data, self.delimiter)

    def read(self) -> pd.DataFrame | None:
        """The records as text columns (Arrow-backed `str`, missing = NaN), labelled 0.. by position;
        None when DuckDB's strict reader refuses the file (a row wider than the sample showed...)."""
        import duckdb

        try:
            with duckdb.connect(config={"arrow_large_buffer_size": True}) as con:
                table = con.sql(self.query, params=[str(self.path)]).to_arrow_table()
        except duckdb.Error:
            return None
        frame = table.to_pandas()
        frame.columns = range(self.width)
        return frame

    def head(self, rows: int) -> RawSheet | None:
        """The first `rows` records of the sample's whole lines as read_csv gives them for a plain file
        (pandas' cells; blank rows dropped); None if the sample does not read."""
        lines = self.sample.splitlines(keepends=True)
        if len(self.sample) == 65536 and lines:
            lines = lines[:-1]  # the sample may end inside a line
        try:  # twice as many lines as records: room for cells that span lines
            frame = read_csv_text("".join(lines[: rows * 2]), self.path.name)
        except InputError:
            return None
        # As wide as the whole sample (its last line, left out, may be the widest).
        frame = frame.reindex(columns=range(max(self.width, frame.shape[1])))
        return RawSheet(self.path.stem, frame[frame.index < rows], delimited=True)


def _duck_csv(
    path: Path, data: bytes, text: str, check: bool = True, encoding: str = "utf-8", bom: bool = False
) -> DuckCsv | None:
    """The DuckDB reading of a plain UTF-8 CSV; None (pandas reads it) when the file is not plain:
    blank lines, bare CRs, a blank next to a quote (unless check=False: the caller checks
    `DuckCsv.plain`), no columns in the first 64 kB."""
    sample = text[:65536]
    delimiter = detect_delimiter(sample)
    if check and not _plain_csv(data, delimiter):
        return None
    width = _widths(sample, delimiter)
    if width == 0:
        return None
    try:
        import pyarrow  # noqa: F401 - DuckDB hands the rows over as Arrow (pyarrow comes with streamlit)
    except ImportError:  # pragma: no cover
        return None
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    delim = {",": ",", ";": ";", "\t": "\\t"}[delimiter]
    query = (
        f"SELECT * FROM read_csv(?, header = false, auto_detect = false, delim = '{delim}', quote = '\"', "  # noqa: S608
        f"escape = '\"', columns = {columns}, null_padding = true, strict_mode = true, skip = 0, "
        f"max_line_size = 10000000, encoding = '{encoding}')"
    )
    return DuckCsv(path, query, width, delimiter, sample, encoding, bom)


def _read_csv_duckdb(path: Path, data: bytes, text: str) -> pd.DataFrame | None:
    """The raw cells of a plain UTF-8 CSV read by DuckDB's parallel reader (blank rows not yet dropped):
    the same cells read_csv_text gives, several times faster on a big export; None when not plain."""
    source = _duck_csv(path, data, text)
    return source.read() if source is not None else None


def _csv_bytes(path: Path) -> tuple[bytes, str | None, str]:
    """(data, text, encoding) of a CSV file, after the one-sentence checks (empty, binary). text is None
    for an ASCII file (plain UTF-8, not decoded until needed)."""
    data = path.read_bytes()
    # Blank throughout? The head decides for any real file, without a stripped copy of all of it.
    if not data[:65536].strip() and not data.strip():
        raise InputError(f"{path.name} is empty - export the file again.")
    wide = _utf16_text(data[:8192])
    if b"\x00" in data[:65536] and not wide:
        raise InputError(f"{path.name} is a binary file, not a CSV export - export it as .csv or .xlsx.")
    if (
        data.isascii() and not wide
    ):  # plain UTF-8 (what decode_text would say), without decoding all of it yet
        return data, None, "utf-8"
    text, encoding = decode_text(data, path.name)
    if wide and "\x00" in text:
        raise InputError(f"{path.name} is a binary file, not a CSV export - export it as .csv or .xlsx.")
    return data, text, encoding


def _check_fields(frame: pd.DataFrame, name: str, size: int) -> None:
    """No field longer than an Excel cell (MAX_CSV_FIELD_CHARS): one sentence naming its row. A file of
    fewer bytes than that cannot hold one; Arrow-backed columns are measured in bytes first (a field
    has no more characters than bytes)."""
    if size <= MAX_CSV_FIELD_CHARS:
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    for label in frame.columns:
        column = frame[label]
        if column.dtype != object:
            longest = pc.max(pc.binary_length(pa.array(column, from_pandas=True))).as_py()
            if longest is None or longest <= MAX_CSV_FIELD_CHARS:
                continue
            lengths = column.str.len().fillna(0)
        else:
            lengths = column.map(lambda v: len(v) if isinstance(v, str) else 0)
        if len(lengths) and lengths.max() > MAX_CSV_FIELD_CHARS:
            row = int(lengths.idxmax()) + 1
            raise InputError(
                f"{name} has a field of {int(lengths.max()):,} characters on line {row} (a cell holds at most "
                f"{MAX_CSV_FIELD_CHARS:,}; an unclosed quote?) - nothing was loaded; check the quoting and "
                "export it again."
            )


def duck_csv_unchecked(path: str | os.PathLike) -> DuckCsv | None:
    """The DuckDB reading of a CSV file from its first 256 kB only, for a caller that checks the rest
    itself: `DuckCsv.plain(bytes of the file)` (DuckDB refuses what is not UTF-8 in a UTF-8 reading).
    UTF-8 with or without a byte order mark, or latin-1 when the head is not UTF-8. None when the head
    already shows what read_csv would not give DuckDB (UTF-16, NUL bytes, nothing but blanks)."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4 * 65536)  # at least 65,536 characters of UTF-8
    bom = head.startswith(b"\xef\xbb\xbf")
    if bom:
        head = head[3:]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:65536] or not head.strip():
        return None
    encoding = "utf-8"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the head
            text = head[: exc.start].decode("utf-8")
        elif bom:
            return None
        else:  # not UTF-8: what decode_text reads as Windows-1252 (see DuckCsv.plain)
            text, encoding = head.decode("latin-1"), "latin-1"
    if len(text) < 65536 and len(head) == 4 * 65536:  # pragma: no cover - a cut character only
        return None
    return _duck_csv(path, b"", text, check=False, encoding=encoding, bom=bom)


def read_csv(path: Path) -> RawSheet:
    path = Path(path)
    data, text, encoding = _csv_bytes(path)
    frame = None
    if encoding == "utf-8" and len(data) >= _PARALLEL_CSV_BYTES:  # DuckDB's start-up pays off on big files
        frame = _read_csv_duckdb(path, data, text if text is not None else data[:65536].decode("ascii"))
        if frame is not None:
            frame = _drop_blank_rows(frame)
    if frame is None:
        frame = read_csv_text(text if text is not None else data.decode("ascii"), path.name)
    if frame.empty:
        raise InputError(f"{path.name} has no rows - export the file again.")
    _check_fields(frame, path.name, len(data))
    return RawSheet(path.stem, frame, delimited=True)


# --------------------------------------------------------------------------------------------
# xlsx


def check_xlsx(path: Path) -> None:
    """Raise InputError unless path is a plausible, bounded, entity-free xlsx package."""
    path = Path(path)
    name = path.name
    if not zipfile.is_zipfile(path):
        raise InputError(
            f"{name} is not a valid xlsx file (not a zip archive, or truncated) - save it again as .xlsx."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if len(members) > MAX_ZIP_MEMBERS:
                raise InputError(f"{name} holds too many parts to be a workbook - save it again as .xlsx.")
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise InputError(
                    f"{name} is a zip file but not an Excel workbook - save it as .xlsx or .csv."
                )
            total = sum(m.file_size for m in members)
            packed = sum(m.compress_size for m in members) or 1
            if total > MAX_UNCOMPRESSED_BYTES:
                raise InputError(
                    f"{name} would expand to {total // 1024**2} MB, over the "
                    f"{MAX_UNCOMPRESSED_BYTES // 1024**2} MB limit - split the workbook or export CSV."
                )
            for member in members:
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > 10 * 1024**2 and ratio > MAX_COMPRESSION_RATIO:
                    raise InputError(
                        f"{name} contains a part that expands {ratio:.0f}-fold (a zip bomb?) - it was not opened."
                    )
            if total / packed > MAX_COMPRESSION_RATIO and total > 50 * 1024**2:
                raise InputError(
                    f"{name} expands {total / packed:.0f}-fold (a zip bomb?) - it was not opened."
                )
            for member in members:
                if member.filename.endswith((".xml", ".rels", ".vml")):
                    _check_xml_part(archive, member, name)
            xlsx_bounds.check_package(archive, name)
    except zipfile.BadZipFile:
        raise InputError(f"{name} is a damaged or truncated xlsx file - save it again as .xlsx.") from None
    except (OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputError(
            f"{name} is a damaged xlsx file ({type(exc).__name__}) - save it again as .xlsx."
        ) from None


_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_PROLOG_LIMIT = 1 << 20


def _check_xml_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> None:
    """No DOCTYPE / ENTITY declaration (billion laughs, external entities): Excel never writes them.

    A DTD can only stand in the prolog, before the root element, so the scan stops at the first
    element; a part whose root element does not start within its first megabyte is refused.
    """
    with archive.open(member) as handle:
        head = b""
        while len(head) < _PROLOG_LIMIT:
            chunk = handle.read(65536)
            if not chunk:
                break
            head += chunk
            root = _ROOT_ELEMENT.search(head)
            if root:
                head = head[: root.start()]
                break
        else:
            raise InputError(
                f"{name} has an XML part with no element in its first megabyte - it was not opened."
            )
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head or b"<!doctype" in head.lower():
        raise InputError(
            f"{name} contains XML entity declarations (not something Excel writes) - it was not opened."
        )


def _has_value(values: np.ndarray) -> bool:
    """Any cell that is not missing (stops at the first one: a filled column costs one look)."""
    for value in values:
        if value is None:
            continue
        if type(value) in _PLAIN_CELLS or not pd.isna(value):
            return True
    return False


_PLAIN_CELLS = (str, int, bool, dt.date, dt.datetime)


def _sheet_frame(rows: list[list]) -> pd.DataFrame:
    """Cells as calamine gives them ('' for an empty cell), as an object frame: '' -> None, rows with no
    cell dropped (their numbers kept), columns with no cell dropped."""
    if not rows:
        return pd.DataFrame(dtype=object)
    frame = pd.DataFrame(rows, dtype=object)
    if frame.empty:
        return frame
    columns, keep = {}, []
    for label in frame.columns:
        values = frame[label].to_numpy(dtype=object, copy=True)
        values[values == ""] = None
        columns[label] = values
        if _has_value(values):
            keep.append(label)
    frame = pd.DataFrame(columns, index=frame.index, dtype=object, copy=False)
    return _drop_blank_rows(frame)[keep]


def read_xlsx(path: Path) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    path = Path(path)
    check_xlsx(path)
    collecting = gc.isenabled()
    gc.disable()  # a sheet is millions of new cell objects and no cycles: no collection passes over them
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for sheet_name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(sheet_name)
            rows = sheet.to_python(skip_empty_area=False)
            frame = _sheet_frame(rows)
            sheets.append(RawSheet(sheet_name, frame))
    except InputError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged parts
        first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path.name} is a damaged xlsx file ({first}) - save it again as .xlsx.") from None
    finally:
        if collecting:
            gc.enable()
    if not sheets or all(s.frame.empty for s in sheets):
        raise InputError(f"{path.name} has no rows in any sheet - check that you exported the right file.")
    return sheets


def read_tables(path: str | os.PathLike) -> list[RawSheet]:
    """Every sheet of an xlsx, or the one table of a CSV, as raw cells (see module doc), parsed in a
    child process under memory and time limits (audits.ingest.sandbox): a reader that crashes or runs
    away fails this file with one sentence and leaves the caller's process serving."""
    from audits.ingest import sandbox

    return sandbox.read_tables(path)


def read_tables_here(path: str | os.PathLike) -> list[RawSheet]:
    """read_tables in this process (what the sandbox's child runs)."""
    path = Path(path)
    kind = sniff_kind(path)
    if kind == "xlsx":
        return read_xlsx(path)
    if kind == "x12":
        raise InputError(f"{path.name} is an X12 EDI file, not a table - load it as kind 835 or 837.")
    if path.suffix.lower() in XLSX_SUFFIXES:
        raise InputError(
            f"{path.name} is not a valid xlsx file (not a zip archive) - save it again as .xlsx."
        )
    return [read_csv(path)]
