"""Bounds on an xlsx package, measured before any reader parses it (SPEC 7: no file takes the server down).

python-calamine sizes its memory from what the XML says. A sheet's range is (last row - first row + 1)
x (last column - first column + 1) cells of the cell references it meets, so a 1.6 KB sheet holding
cells at A1 and XFD1048576 asks for 550 GB and aborts the whole process; the shared-strings table
reserves its declared `uniqueCount`. So every part of the package is streamed once (never inflated
whole) and measured first:

- the bytes each part inflates to (counted, so a zip header that lies about a size hides nothing);
- in a sheet: the declared <dimension>, the row and column of every cell and row reference, and for
  rows and cells written without one (the reader counts them on from the last reference) a bound
  from the number of such rows and the most cells in one row: rows x columns stay under MAX_SHEET_CELLS;
- the shared strings: how many there are and the declared count / uniqueCount;
- styles: the part's size and its number of cell formats;
- a single cell: its XML, from the start of one cell (or shared string) to the next, stays under
  MAX_CELL_BYTES (Excel holds at most 32,767 characters in a cell);
- XML that Excel does not write and that could hide a cell from these counts (comments, CDATA,
  processing instructions after the declaration, UTF-16 parts) is refused.

Elements are recognised by their local name whatever their namespace prefix (`<x:c>` is a cell), and
attributes in any of XML's spellings (`r = 'A1'`). The work is numpy over 8 MB blocks, with a fast path
for the way Excel, LibreOffice and openpyxl write sheets: a 66 MB sheet of 1.5 million cells takes
~0.9 s of CPU here, against ~1.3 s for python-calamine to read it.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from audits.errors import InputError

MAX_SHEET_CELLS = int(os.environ.get("CLEARTOBILL_MAX_SHEET_CELLS", str(50_000_000)))
MAX_ROWS = 1_048_576  # Excel's grid
MAX_COLUMNS = 16_384  # XFD
MAX_PART_BYTES = int(os.environ.get("CLEARTOBILL_MAX_XML_PART_BYTES", str(1024**3)))
MAX_SHARED_STRINGS = 20_000_000
MAX_STYLES_BYTES = 16 * 1024**2
MAX_CELL_FORMATS = 100_000  # Excel itself stops at 64,000 cell formats
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
# One cell's XML: its text in UTF-8 (up to 4 bytes a character) and the markup around it.
MAX_CELL_BYTES = MAX_CELL_CHARS * 4 + 4096

_BLOCK = 8 << 20
_PAD = 64
_WS = (32, 9, 10, 13)
_NAMES = {b"c": 1, b"row": 2, b"si": 3, b"sheetData": 4, b"sst": 5, b"dimension": 6, b"xf": 7}
_CELL, _ROW, _SI, _SHEET_DATA, _SST, _DIMENSION, _XF = range(1, 8)
_SPAN_KINDS = (_CELL, _ROW, _SI, _SHEET_DATA, _SST)
_ROOT = re.compile(rb"<([^?!/\s>][^\s/>]*)")
_ATTRIBUTE = re.compile(rb"\sr\s*=\s*([\"'])([^\"'<>]{0,64})\1")
_NAME = re.compile(rb"</?([^\s/><]+)")
_REF = re.compile(rb"([A-Za-z]*)([0-9]*)")
_COUNTS = re.compile(rb"\s(count|uniqueCount)\s*=\s*[\"']\s*([0-9]+)")
_DIMENSION_REF = re.compile(rb"\sref\s*=\s*[\"']([A-Za-z]*)([0-9]*)(?::([A-Za-z]*)([0-9]*))?[\"']")


@dataclass
class PartMeasure:
    """What one part of the package holds, as far as the bounds are concerned."""

    name: str
    xml: bool = False  # starts like an XML document (binary parts: images, vbaProject.bin, are not)
    bytes: int = 0
    max_row: int = 0  # largest row number referenced (1-based), rows and cells
    max_col: int = 0  # largest column number referenced (1-based)
    rows: int = 0  # row elements
    rows_referenced: int = 0
    cells: int = 0  # cell elements
    cells_referenced: int = 0
    widest_row: int = 0  # most cell elements inside one row element
    shared_strings: int = 0
    declared_strings: int = 0
    cell_formats: int = 0
    root: str = ""  # local name of the first element
    dimension: tuple[int, int] | None = None  # (rows, columns) the sheet declares
    longest_cell: int = 0  # bytes from one cell / shared string boundary to the next
    sheet_data: bool = False  # holds a <sheetData> (a sheet the reader takes cells from)
    problems: list[str] = field(default_factory=list)

    def row_bound(self) -> int:
        """The last row the reader can place a cell on: referenced rows, plus one per row without a reference."""
        return self.max_row + max(self.rows - self.rows_referenced, 0)

    def column_bound(self) -> int:
        """The last column: referenced columns, plus the most cells of a row when some cells lack a reference."""
        unreferenced = self.cells - self.cells_referenced
        return self.max_col + (self.widest_row if unreferenced > 0 else 0)


def _is_delimiter(values: np.ndarray) -> np.ndarray:
    """Bytes that end an element name: blanks, '>', '/' (and '<', which cannot stand in one)."""
    return (
        (values == 32)
        | (values == 9)
        | (values == 10)
        | (values == 13)
        | (values == 62)
        | (values == 47)
        | (values == 60)
    )


def _attribute_at(padded: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whether ` r="` stands at each position."""
    return (padded[at] == 32) & (padded[at + 1] == 114) & (padded[at + 2] == 61) & (padded[at + 3] == 34)


def _letters_value(letters: bytes) -> int:
    value = 0
    for byte in letters.upper():
        value = value * 26 + byte - 64
    return value


class _Scanner:
    """Streams one part block by block; a tag never straddles two blocks (the tail from the last '<' is
    carried into the next one)."""

    def __init__(self, measure: PartMeasure):
        self.m = measure
        self.offset = 0  # global position of the first byte of the current buffer
        self.open_boundary: int | None = None  # a cell or string still open at the end of the last block
        self.row_cells = 0  # cells seen so far in the row that is open at the end of the last block
        self.started = False
        self.first_tag = True
        self._owners: list[np.ndarray] = []  # tags (by index in the block) carrying a reference
        self._owner_kinds: list[np.ndarray] = []

    # ---------------------------------------------------------------- per block
    def feed(self, buffer: bytes, final: bool) -> int:
        """Measure `buffer` up to its last '<' (all of it when final); returns how many bytes were consumed."""
        if not self.started:
            self.started = True
            self._start(buffer)
        data = np.frombuffer(buffer, dtype=np.uint8)
        lt = np.flatnonzero(data == 60)
        if not final:
            if len(lt) == 0:
                return len(buffer) if len(buffer) > _BLOCK else 0
            cut = int(lt[-1])
            lt = lt[:-1]
        else:
            cut = len(buffer)
        if self.first_tag and len(lt):
            self._root(buffer[:65536])
        if self._fast_block(buffer, data, cut):
            return cut
        if len(lt):
            padded = np.concatenate([data[: cut + _PAD], np.full(_PAD, 60, dtype=np.uint8)])
            kinds, closing, special = self._tags(padded, lt)
            if self.m.xml:
                self._refuse_hidden_markup(lt, special, padded)
            self._count(data[:cut], lt, kinds, closing, padded)
        return cut

    def _root(self, head: bytes) -> None:
        found = _ROOT.search(head)
        if found:
            self.m.root = found.group(1).rsplit(b":", 1)[-1].decode("latin-1")
            self.first_tag = False

    def _fast_block(self, buffer: bytes, data: np.ndarray, cut: int) -> bool:
        """Measure a block the way Excel, LibreOffice and openpyxl write it - every row and cell with its
        `r="..."` right after the unprefixed name, no other `r` attribute anywhere - from the tag starts
        alone; False (the general way measures it) as soon as the block holds anything else."""
        m = self.m
        if cut < 16:
            return False
        view = data[:cut]
        padded = np.concatenate([view, np.zeros(_PAD, dtype=np.uint8)])
        lt = np.flatnonzero(view == 60)
        if len(lt) == 0:
            return False
        b1, b2, b3, b4 = (padded[lt + k] for k in (1, 2, 3, 4))
        if m.xml:
            if (b1 == 33).any():
                return False
            question = lt[b1 == 63]
            if len(question) and (self.offset > 0 or int(question[-1]) > 3):
                return False
        if self._prefixed(view):
            return False
        d2, d3, d4 = _is_delimiter(b2), _is_delimiter(b3), _is_delimiter(b4)
        cell_open = (b1 == 99) & d2
        cell_close = (b1 == 47) & (b2 == 99) & d3
        row_open = (b1 == 114) & (b2 == 111) & (b3 == 119) & d4
        si_open = (b1 == 115) & (b2 == 105) & d3
        si_close = (b1 == 47) & (b2 == 115) & (b3 == 105) & d4
        cells, rows = lt[cell_open], lt[row_open]
        if not _attribute_at(padded, cells + 2).all() or not _attribute_at(padded, rows + 4).all():
            return False
        ws = (view == 32) | (view == 9) | (view == 10) | (view == 13)
        spelled = ws[:-2] & (view[1:-1] == 114) & ((view[2:] == 61) | ws[2:])
        if int(np.count_nonzero(spelled)) != len(cells) + len(rows):
            return False  # another `r` attribute somewhere (a second one on a cell wins in the reader)
        quotes = np.flatnonzero(view == 34)
        if not self._reference_values(padded, quotes, cells + 6, True) or not self._reference_values(
            padded, quotes, rows + 8, False
        ):
            return True  # a reference outside the grid: noted as a problem
        m.cells += len(cells)
        m.rows += len(rows)
        m.cells_referenced += len(cells)
        m.rows_referenced += len(rows)
        m.shared_strings += int(si_open.sum())
        m.cell_formats += int(((b1 == 120) & (b2 == 102) & d3).sum())
        if not m.sheet_data:
            m.sheet_data = buffer.find(b"sheetData", 0, cut) >= 0
        if m.dimension is None and self.offset == 0:
            found = buffer.find(b"dimension", 0, cut)
            if found > 0 and buffer[found - 1 : found] == b"<":
                m.dimension = self._dimension(buffer[found - 1 : found + 512])
        if m.root == "sst" and m.declared_strings == 0 and self.offset == 0:
            found = buffer.find(b"sst", 0, cut)
            if found > 0:
                tag = buffer[found : found + 1024].split(b">", 1)[0]
                for _name, value in _COUNTS.findall(tag):
                    m.declared_strings = max(m.declared_strings, int(value[:24]))
        if len(rows):
            self.row_cells = int(len(cells) - np.searchsorted(cells, rows[-1]))
        else:
            self.row_cells += len(cells)
        if m.xml:
            bounds = cell_open | cell_close | row_open | si_open | si_close
            opens = (cell_open | si_open)[bounds]
            self._spans_sorted(lt[bounds], opens)
        return True

    def _reference_values(
        self, padded: np.ndarray, quotes: np.ndarray, start: np.ndarray, cell: bool
    ) -> bool:
        """Largest row and column among canonical references starting at `start` (each runs to the next
        quote). False when one lies outside Excel's grid (noted as a problem)."""
        if len(start) == 0:
            return True
        end = quotes[np.minimum(np.searchsorted(quotes, start), len(quotes) - 1)]
        length = end - start
        leading = np.ones(len(start), dtype=bool)
        n_letters = np.zeros(len(start), dtype=np.intp)
        for k in range(4):
            upper = padded[start + k] & 0xDF
            leading &= (upper >= 65) & (upper <= 90) & (k < length)
            n_letters += leading
        n_digits = length - n_letters
        if (n_letters > 3).any() or (n_digits > 7).any():
            self.m.problems.append("has a cell reference outside Excel's grid")
            return False
        usable = (n_digits > 0) & ((n_letters > 0) if cell else (n_letters == 0))
        for width in range(int(n_digits[usable].max()) if usable.any() else 0, 0, -1):
            subset = np.flatnonzero(usable & (n_digits == width))
            if len(subset) == 0:
                continue
            value = np.zeros(len(subset), dtype=np.int64)
            valid = np.ones(len(subset), dtype=bool)
            for k in range(width):
                byte = padded[start[subset] + n_letters[subset] + k]
                valid &= (byte >= 48) & (byte <= 57)
                value = value * 10 + byte.astype(np.int64) - 48
            if valid.any():
                self.m.max_row = max(self.m.max_row, int(value[valid].max()))
                break
        if cell:
            for width in (3, 2, 1):
                subset = np.flatnonzero(usable & (n_letters == width))
                if len(subset):
                    value = np.zeros(len(subset), dtype=np.int64)
                    for k in range(width):
                        value = value * 26 + (padded[start[subset] + k] & 0xDF).astype(np.int64) - 64
                    self.m.max_col = max(self.m.max_col, int(value.max()))
                    break
        return True

    def _spans_sorted(self, positions: np.ndarray, is_open: np.ndarray) -> None:
        """Longest stretch from an opening boundary (a cell, a shared string) to the next boundary."""
        if len(positions) == 0:
            return
        positions = positions.astype(np.int64) + self.offset
        if self.open_boundary is not None:
            positions = np.concatenate([[self.open_boundary], positions])
            is_open = np.concatenate([[True], is_open])
            self.open_boundary = None
        if len(positions) > 1:
            spans = np.diff(positions)[is_open[:-1]]
            if len(spans):
                self.m.longest_cell = max(self.m.longest_cell, int(spans.max()))
        if is_open[-1]:
            self.open_boundary = int(positions[-1])

    @staticmethod
    def _prefixed(view: np.ndarray) -> bool:
        """Whether a row, cell, shared string or format is written with a namespace prefix (`<x:c>`)."""
        colons = np.flatnonzero(view[:-4] == 58)
        if len(colons) == 0:
            return False
        after = view[colons + 1]
        suspect = colons[(after == 99) | (after == 114) | (after == 115) | (after == 120)]
        for colon in suspect.tolist():
            start = bytes(view[max(colon - 64, 0) : colon]).rfind(b"<")
            if start < 0:
                continue
            name = bytes(view[max(colon - 64, 0) + start + 1 : colon + 8])
            found = _NAME.match(b"<" + name)
            if found and found.group(1).rsplit(b":", 1)[-1] in (b"c", b"row", b"si", b"xf"):
                return True
        return False

    def _start(self, buffer: bytes) -> None:
        head = buffer[:4]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and head[1:2] == b"\x00"):
            self.m.problems.append("is written in UTF-16 (Excel writes UTF-8)")
        body = buffer[3:] if buffer.startswith(b"\xef\xbb\xbf") else buffer
        self.m.xml = body.lstrip(b" \t\r\n")[:1] == b"<"

    def _tags(self, padded: np.ndarray, lt: np.ndarray):
        """(kind code, closing flag, first byte of the name) of each tag start in lt. The local name runs
        from after the prefix (`x:` in `<x:c>`, found from the few colons that stand inside an element
        name) to the first blank, '>' or '/'."""
        first = padded[lt + 1]
        closing = first == 47
        start = lt + 1 + closing
        colons = np.flatnonzero(padded[: lt[-1] + 1] == 58) if len(lt) else np.empty(0, np.intp)
        if len(colons):
            owner = np.searchsorted(lt, colons, side="right") - 1
            colons, owner = colons[owner >= 0], owner[owner >= 0]
            near = (colons - start[owner] < 32) & (colons >= start[owner])
            colons, owner = colons[near], owner[near]
            if len(colons):
                window = padded[start[owner][:, None] + np.arange(32)]
                blank = _is_delimiter(window) & (np.arange(32)[None, :] < (colons - start[owner])[:, None])
                in_name = ~blank.any(axis=1)
                start = start.copy()
                start[owner[in_name]] = colons[in_name] + 1
        kinds = np.zeros(len(lt), dtype=np.int8)
        head = padded[start]
        for name, code in _NAMES.items():
            candidates = np.flatnonzero(head == name[0])
            for k, byte in enumerate(name[1:], start=1):
                if not len(candidates):
                    break
                candidates = candidates[padded[start[candidates] + k] == byte]
            if len(candidates):
                candidates = candidates[_is_delimiter(padded[start[candidates] + len(name)])]
                kinds[candidates] = code
        return kinds, closing, first

    def _refuse_hidden_markup(self, lt: np.ndarray, special: np.ndarray, padded: np.ndarray) -> None:
        bang = np.flatnonzero(special == 33)  # <!-- comment -->, <![CDATA[, <!DOCTYPE
        if len(bang):
            self.m.problems.append(
                "contains XML comments, CDATA or declarations (not something Excel writes)"
            )
        question = np.flatnonzero(special == 63)  # <?...?>: only the XML declaration, at the very start
        for i in question:
            if self.offset + int(lt[i]) > 3:
                self.m.problems.append("contains XML processing instructions (not something Excel writes)")
                break

    def _count(
        self, data: np.ndarray, lt: np.ndarray, kinds: np.ndarray, closing: np.ndarray, padded
    ) -> None:
        m = self.m
        opening = ~closing
        if self.first_tag and len(lt):
            first = np.flatnonzero(opening & (padded[lt + 1] != 63) & (padded[lt + 1] != 33))
            if len(first):
                found = _NAME.match(bytes(padded[lt[first[0]] : lt[first[0]] + 4096]))
                m.root = found.group(1).rsplit(b":", 1)[-1].decode("latin-1") if found else ""
                self.first_tag = False
        cell_open = lt[opening & (kinds == _CELL)]
        row_open = lt[opening & (kinds == _ROW)]
        m.sheet_data = m.sheet_data or bool((kinds == _SHEET_DATA).any())
        m.cells += len(cell_open)
        m.rows += len(row_open)
        m.shared_strings += int((opening & (kinds == _SI)).sum())
        m.cell_formats += int((opening & (kinds == _XF)).sum())
        if m.dimension is None:
            dims = lt[opening & (kinds == _DIMENSION)]
            if len(dims):
                m.dimension = self._dimension(bytes(padded[dims[0] : dims[0] + 512]))
        if m.root == "sst" and m.declared_strings == 0 and len(lt):
            roots = lt[opening & (kinds == _SST)]
            if len(roots):
                tag = bytes(padded[roots[0] : roots[0] + 1024]).split(b">", 1)[0]
                for _name, value in _COUNTS.findall(tag):
                    m.declared_strings = max(m.declared_strings, int(value[:24]))
        self._widest(cell_open, row_open)
        self._references(data, lt, kinds, opening)
        if m.xml:
            opens = opening & ((kinds == _CELL) | (kinds == _SI))
            others = np.isin(kinds, _SPAN_KINDS) & ~opens
            self._spans(lt[opens], lt[others])

    def _widest(self, cell_open: np.ndarray, row_open: np.ndarray) -> None:
        row_of_cell = np.searchsorted(row_open, cell_open, side="right")
        per_row = np.bincount(row_of_cell, minlength=len(row_open) + 1)
        if len(row_open) == 0:
            self.row_cells += int(per_row[0])
            self.m.widest_row = max(self.m.widest_row, self.row_cells)
            return
        self.m.widest_row = max(self.m.widest_row, self.row_cells + int(per_row[0]), int(per_row[1:].max()))
        self.row_cells = int(per_row[-1])

    def _references(self, data: np.ndarray, lt: np.ndarray, kinds: np.ndarray, opening: np.ndarray) -> None:
        """Every `r` attribute: canonical ` r="` vectorised, any other spelling one by one."""
        n = len(data)
        if n < 4:
            return
        r_at = np.flatnonzero(data[1:-2] == 114) + 1
        if len(r_at) == 0:
            return
        before = data[r_at - 1]
        after = data[r_at + 1]
        space_before = np.isin(before, _WS)
        attribute_like = space_before & ((after == 61) | np.isin(after, _WS))
        r_at = r_at[attribute_like]
        if len(r_at) == 0:
            return
        canonical = (data[r_at - 1] == 32) & (data[r_at + 1] == 61) & (data[r_at + 2] == 34)
        tag = np.searchsorted(lt, r_at, side="right") - 1
        inside = tag >= 0
        tag_kind = np.where(inside, kinds[np.maximum(tag, 0)], 0)
        tag_kind = np.where(inside & opening[np.maximum(tag, 0)], tag_kind, 0)
        wanted = (tag_kind == _CELL) | (tag_kind == _ROW)
        padded = np.concatenate([data, np.zeros(32, dtype=np.uint8)])
        fast = r_at[canonical & wanted]
        fast_kind = tag_kind[canonical & wanted]
        fast_tag = tag[canonical & wanted]
        if len(fast):
            self._fast_values(padded, fast + 3, fast_kind, fast_tag)
        for at, kind, owner in zip(
            r_at[~canonical & wanted], tag_kind[~canonical & wanted], tag[~canonical & wanted], strict=True
        ):
            found = _ATTRIBUTE.match(bytes(data[at - 1 : at + 80]))
            if found:
                self._one_value(found.group(2), int(kind), int(owner))
        self._referenced_tags()

    def _fast_values(
        self, padded: np.ndarray, start: np.ndarray, kind: np.ndarray, owner: np.ndarray
    ) -> None:
        """Values of canonical `r="..."` attributes: up to 3 letters (the column), then up to 7 digits
        and the closing quote. Column by column over all values at once (each step a 1-D array)."""
        n = len(start)
        col_value = np.zeros(n, dtype=np.int64)
        row_value = np.zeros(n, dtype=np.int64)
        n_letters = np.zeros(n, dtype=np.int64)
        in_letters = np.ones(n, dtype=bool)
        for k in range(4):
            upper = padded[start + k] & 0xDF
            is_letter = in_letters & (upper >= 65) & (upper <= 90)
            col_value = np.where(is_letter, col_value * 26 + (upper.astype(np.int64) - 64), col_value)
            n_letters += is_letter
            in_letters = is_letter
        if (n_letters > 3).any():
            self.m.problems.append("has a cell reference outside Excel's grid")
            return
        n_digits = np.zeros(n, dtype=np.int64)
        in_digits = np.ones(n, dtype=bool)
        for k in range(9):
            byte = padded[start + n_letters + k]
            is_digit = in_digits & (byte >= 48) & (byte <= 57)
            row_value = np.where(is_digit, row_value * 10 + (byte.astype(np.int64) - 48), row_value)
            n_digits += is_digit
            in_digits = is_digit
        if (n_digits > 7).any():
            self.m.problems.append("has a cell reference outside Excel's grid")
            return
        valid = (n_digits > 0) & (padded[start + n_letters + n_digits] == 34)
        cell = valid & (kind == _CELL) & (n_letters > 0)
        row = valid & (kind == _ROW) & (n_letters == 0)
        if cell.any():
            self.m.max_row = max(self.m.max_row, int(row_value[cell].max()))
            self.m.max_col = max(self.m.max_col, int(col_value[cell].max()))
        if row.any():
            self.m.max_row = max(self.m.max_row, int(row_value[row].max()))
        self._owners.append(owner[cell | row])
        self._owner_kinds.append(kind[cell | row])

    def _one_value(self, value: bytes, kind: int, owner: int) -> None:
        found = _REF.fullmatch(value)
        if not found or not found.group(2):
            return  # not a reference: the reader refuses the sheet itself
        letters, digits = found.groups()
        if len(letters) > 3 or len(digits) > 7:
            self.m.problems.append("has a cell reference outside Excel's grid")
            return
        if kind == _CELL and letters:
            self.m.max_col = max(self.m.max_col, _letters_value(letters))
            self.m.max_row = max(self.m.max_row, int(digits))
        elif kind == _ROW and not letters:
            self.m.max_row = max(self.m.max_row, int(digits))
        else:
            return
        self._owners.append(np.array([owner]))
        self._owner_kinds.append(np.array([kind], dtype=np.int8))

    def _referenced_tags(self) -> None:
        """Count the tags that carry a reference (an attribute given twice counts once)."""
        for owners, kinds in zip(self._owners, self._owner_kinds, strict=True):
            for kind, counter in ((_CELL, "cells_referenced"), (_ROW, "rows_referenced")):
                tags = np.sort(owners[kinds == kind])
                if len(tags):
                    setattr(
                        self.m, counter, getattr(self.m, counter) + 1 + int(np.count_nonzero(np.diff(tags)))
                    )
        self._owners, self._owner_kinds = [], []

    def _spans(self, opens: np.ndarray, others: np.ndarray) -> None:
        positions = np.concatenate([opens, others])
        is_open = np.concatenate([np.ones(len(opens), bool), np.zeros(len(others), bool)])
        order = np.argsort(positions, kind="stable")
        self._spans_sorted(positions[order], is_open[order])

    def finish(self, total: int) -> None:
        if self.m.xml and self.open_boundary is not None:
            self.m.longest_cell = max(self.m.longest_cell, total - self.open_boundary)

    @staticmethod
    def _dimension(tag: bytes) -> tuple[int, int] | None:
        tag = tag.split(b">", 1)[0]
        found = _DIMENSION_REF.search(tag)
        if not found:
            return None
        first_col, first_row, last_col, last_row = found.groups()
        if last_col is None and last_row is None:
            last_col, last_row = first_col, first_row
        if len(last_col or b"") > 3 or len(last_row or b"") > 7 or len(first_col) > 3 or len(first_row) > 7:
            return (MAX_ROWS + 1, MAX_COLUMNS + 1)
        rows = abs(int(last_row or 1) - int(first_row or 1)) + 1
        cols = abs(_letters_value(last_col or b"A") - _letters_value(first_col or b"A")) + 1
        return rows, cols


def measure_part(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int = MAX_PART_BYTES
) -> PartMeasure:
    """Stream one part and measure it; stops (with a problem noted) once it inflates past `limit`."""
    measure = PartMeasure(member.filename)
    scanner = _Scanner(measure)
    carry = b""
    total = 0
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(_BLOCK)
            total += len(chunk)
            if total > limit:
                measure.bytes = total
                measure.problems.append(f"has a part that inflates past {limit // 1024**2} MB")
                return measure
            buffer = carry + chunk if carry else chunk
            final = not chunk
            if not buffer:
                break
            used = scanner.feed(buffer, final)
            scanner.offset += used
            carry = buffer[used:]
            if final:
                break
            if measure.problems:
                break
    measure.bytes = total
    scanner.finish(total)
    return measure


def check_package(archive: zipfile.ZipFile, name: str) -> None:
    """Raise InputError (one sentence) unless every part of the xlsx stays within the bounds."""
    for member in archive.infolist():
        if member.is_dir():
            continue
        if member.file_size > MAX_PART_BYTES:
            raise InputError(
                f"{name} has a part that would inflate to {member.file_size // 1024**2} MB, over the "
                f"{MAX_PART_BYTES // 1024**2} MB a part may hold - nothing was loaded; split the workbook or export CSV."
            )
        measure = measure_part(archive, member)
        _judge(measure, name)


def _judge(m: PartMeasure, name: str) -> None:
    fix = "nothing was loaded; open it in Excel and save it again, or export CSV"
    if m.problems:
        raise InputError(f"{name} {m.problems[0]} - {fix}.")
    holds_cells = m.sheet_data or m.cells > 0
    rows, cols = (m.row_bound(), m.column_bound()) if holds_cells else (0, 0)
    if rows > MAX_ROWS or cols > MAX_COLUMNS:
        raise InputError(f"{name} has a cell outside Excel's grid (row {rows:,}, column {cols:,}) - {fix}.")
    if rows * cols > MAX_SHEET_CELLS:
        raise InputError(
            f"{name} spans {rows:,} rows x {cols:,} columns, over the {MAX_SHEET_CELLS:,} cells a sheet may "
            "span - nothing was loaded; delete what lies below and right of the data, or split the sheet."
        )
    if m.dimension is not None:
        d_rows, d_cols = m.dimension
        if d_rows > MAX_ROWS or d_cols > MAX_COLUMNS or d_rows * d_cols > MAX_SHEET_CELLS:
            raise InputError(
                f"{name} declares a sheet of {d_rows:,} rows x {d_cols:,} columns, over the "
                f"{MAX_SHEET_CELLS:,} cells a sheet may span - nothing was loaded; delete the empty rows and "
                "columns below and right of the data, then save it again."
            )
    if m.shared_strings > MAX_SHARED_STRINGS or m.declared_strings > MAX_SHARED_STRINGS:
        count = max(m.shared_strings, m.declared_strings)
        raise InputError(
            f"{name} declares {count:,} shared strings, over the {MAX_SHARED_STRINGS:,} allowed - {fix}."
        )
    if m.root == "styleSheet" and (m.bytes > MAX_STYLES_BYTES or m.cell_formats > MAX_CELL_FORMATS):
        raise InputError(
            f"{name} has {m.cell_formats:,} cell formats in {m.bytes // 1024**2} MB of styles, more than a "
            "workbook needs - nothing was loaded; clear unused formats (or save as CSV)."
        )
    if m.xml and (holds_cells or m.root == "sst") and m.longest_cell > MAX_CELL_BYTES:
        raise InputError(
            f"{name} has a cell holding more than the {MAX_CELL_CHARS:,} characters Excel allows in one "
            f"cell - {fix}."
        )
