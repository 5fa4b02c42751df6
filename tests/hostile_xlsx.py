"""Generators of hostile (and plain) xlsx packages for the bound tests: written byte by byte here, so a
test says exactly what the file holds. Nothing in them is real data."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/></Relationships>'
)


def column(number: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_xml(body: str, dimension: str | None = None, prefix: str = "") -> bytes:
    """A worksheet part around `body` (rows), optionally with a <dimension> and a namespace prefix."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><{p}worksheet {xmlns}>{dim}'
        f"<{p}sheetData>{body}</{p}sheetData></{p}worksheet>"
    ).encode()


def text_cell(ref: str | None, value: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    at = f' r="{ref}"' if ref else ""
    return f'<{p}c{at} t="inlineStr"><{p}is><{p}t>{value}</{p}t></{p}is></{p}c>'


def write_workbook(path: Path, sheet: bytes, parts: dict[str, bytes] | None = None) -> Path:
    """A minimal but complete xlsx (python-calamine reads it) holding `sheet` as its one worksheet."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return path


# ------------------------------------------------------------------ a real zip whose sheet inflates to GBs


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[row]) for row in range(32)]


def crc32_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """CRC-32 of A+B from the CRCs of A and B and B's length: CRC is linear over GF(2), so A's CRC is
    carried through length_b zero bytes (an operator built by repeated squaring) and XORed with B's."""
    if length_b == 0:
        return crc_a
    one_bit = [0xEDB88320] + [1 << i for i in range(31)]  # the CRC register shifted by one zero bit
    operator = _gf2_square(_gf2_square(_gf2_square(one_bit)))  # one zero byte
    while length_b:
        if length_b & 1:
            crc_a = _gf2_times(operator, crc_a)
        length_b >>= 1
        if length_b:
            operator = _gf2_square(operator)
    return crc_a ^ crc_b


def _local_header(name: bytes, crc: int, packed: int, size: int, method: int) -> bytes:
    return (
        struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, packed, size, len(name), 0)
        + name
    )


def _central_entry(name: bytes, crc: int, packed: int, size: int, method: int, offset: int) -> bytes:
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            method,
            0,
            0x21,
            crc,
            packed,
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + name
    )


def inflating_workbook(path: Path, inflated: int = 1_900_000_000, ratio: float = 76.0) -> Path:
    """A valid xlsx whose one sheet inflates to about `inflated` bytes of plain rows, at about `ratio`
    to one (under the zip-bomb ratio check): ~25 MB on disk for the default 1.9 GB. Built from one
    1 MB block of rows deflated once after a full flush (so its compressed bytes can simply be
    repeated) and its CRC carried over the repetitions - written in well under a second."""
    rng = random.Random(7)
    share = 0.15 if ratio >= 60 else 0.5
    rows, size = [], 0
    while size < (1 << 20):
        cells = "".join(f"<c><v>{2 if rng.random() < share else 1}</v></c>" for _ in range(8))
        row = f"<row>{cells}</row>".encode()
        rows.append(row)
        size += len(row)
    block = b"".join(rows)
    empty = sheet_xml("")
    head = empty[: empty.index(b"<sheetData>") + len(b"<sheetData>")]  # the XML up to the rows
    tail = b"</sheetData></worksheet>"
    repeats = max(1, (inflated - len(head) - len(tail)) // len(block))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed_head = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    packed_block = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert again == packed_block  # after a full flush the same input gives the same bytes
    packed_tail = packer.compress(tail) + packer.flush(zlib.Z_FINISH)
    size = len(head) + repeats * len(block) + len(tail)
    packed = len(packed_head) + repeats * len(packed_block) + len(packed_tail)
    block_crc, crc = zlib.crc32(block), zlib.crc32(head)
    power, count = block_crc, len(block)  # CRC and length of the block repeated 1, 2, 4, ... times
    remaining = repeats
    while remaining:
        if remaining & 1:
            crc = crc32_combine(crc, power, count)
        power = crc32_combine(power, power, count)
        count *= 2
        remaining >>= 1
    crc = crc32_combine(crc, zlib.crc32(tail), len(tail))

    small = {
        "[Content_Types].xml": _CONTENT_TYPES.encode(),
        "_rels/.rels": _RELS.encode(),
        "xl/workbook.xml": _WORKBOOK.encode(),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.encode(),
    }
    central, offset = [], 0
    with open(path, "wb") as handle:
        for name, data in small.items():
            encoded = name.encode()
            header = _local_header(encoded, zlib.crc32(data), len(data), len(data), 0)
            handle.write(header + data)
            central.append(_central_entry(encoded, zlib.crc32(data), len(data), len(data), 0, offset))
            offset += len(header) + len(data)
        name = b"xl/worksheets/sheet1.xml"
        header = _local_header(name, crc, packed, size, 8)
        handle.write(header)
        handle.write(packed_head)
        for _ in range(repeats):
            handle.write(packed_block)
        handle.write(packed_tail)
        central.append(_central_entry(name, crc, packed, size, 8, offset))
        offset += len(header) + packed
        directory = b"".join(central)
        handle.write(directory)
        handle.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)
        )
    return path
