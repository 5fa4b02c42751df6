"""Streaming X12 5010 tokenizer shared by the 835 and 837 parsers.

The bytes are split on the segment terminator and each segment on the element separator; there is no
per-segment regular expression. Separators come from each ISA (element = the 4th character, repetition =
ISA11, component = ISA16, segment terminator = the character after ISA16). A file without an ISA/GS
envelope (it starts at GS or ST) uses the defaults `*`, `:` and `~`.

Composite elements (SVC01, SV101, CLM05, HI) are split with `split_composite`, which falls back to another
separator when the declared one is absent: some published files (LinuxForHealth x12 test files) declare
ISA16 `:` but write `HC>99213`.

Segment numbers (`seg_no`) count every segment of the file from 1 (ISA included), so a message that names
"segment 57" can be found with an editor. Error messages never quote element values: they may hold patient
data.

The reader also notes, in `structure_problems`, what shows that segments were lost, split or run together:
an SE01 / GE01 / IEA01 count that disagrees with what the file holds, control numbers that do not pair
(SE02-ST02, GE02-GS06, IEA02-ISA13, an ST02 used twice in a group), a line break inside a segment whose
terminator is not a line break, and segments that end in another usual terminator than the declared one.
A parser decides what to make of them (the 835 parser refuses the file).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from audits.errors import InputError

BOM = b"\xef\xbb\xbf"
# Characters a sender may use as component separator when ISA16 says something else.
COMPONENT_FALLBACKS = (">", ":", "^", "|", "\\", "!", "}", "<")


@dataclass(frozen=True)
class Separators:
    element: str = "*"
    component: str = ":"
    repetition: str = ""
    segment: str = "~"


DEFAULT_SEPARATORS = Separators()


def describe(source_name: str) -> str:
    """How messages name the file: its name when known."""
    return f"File '{source_name}'" if source_name else "The file"


def decode(data: bytes, source_name: str = "") -> str:
    """Bytes to text: a UTF-8 BOM is dropped; UTF-8, else latin-1 (X12 is ASCII in practice)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError(f"{describe(source_name)} was not given as bytes, so it cannot be read as X12.")
    raw = bytes(data)
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
    if not raw.strip():
        raise InputError(f"{describe(source_name)} is empty, so there is no X12 content to read.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _isa_separators(text: str, start: int, source_name: str) -> Separators:
    """Read the separators of the ISA that begins at `start`."""
    element = text[start + 3 : start + 4]
    if not element or element.isalnum() or element.isspace():
        raise InputError(f"{describe(source_name)} has an ISA segment without an element separator.")
    position = start + 3
    for _ in range(15):  # ISA01..ISA15 are followed by separators; ISA16 is one character
        position = text.find(element, position + 1)
        if position < 0 or position - start > 200:
            raise InputError(
                f"{describe(source_name)} has an incomplete ISA segment: the file looks truncated or is not X12."
            )
    isa = text[start:position].split(element)
    component = text[position + 1 : position + 2]
    segment = text[position + 2 : position + 3]
    if not component or not segment:
        raise InputError(f"{describe(source_name)} ends inside its ISA segment: the file looks truncated.")
    if segment in "\r\n":
        segment = "\n"
    repetition = isa[11] if len(isa) > 11 else ""
    if len(repetition) != 1 or repetition.isalnum() or repetition in (element, component, segment):
        repetition = ""  # 4010-style 'U' or missing: no repetition separator
    if segment.isalnum() or segment in (element, component):
        raise InputError(f"{describe(source_name)} has an ISA segment with an unusable segment terminator.")
    if component.isalnum() or component in (element, segment) or component.isspace():
        raise InputError(f"{describe(source_name)} has an ISA segment with an unusable component separator.")
    return Separators(element, component, repetition, segment)


def _headless_separators(text: str, start: int, source_name: str) -> Separators:
    """A file that starts at GS or ST: element separator after the tag, '~' or newline terminator."""
    tag_len = 2
    element = text[start + tag_len : start + tag_len + 1]
    if not element or element.isalnum() or element.isspace():
        raise InputError(
            f"{describe(source_name)} does not start with an ISA, GS or ST segment, so it is not X12."
        )
    segment = "~" if "~" in text else "\n"
    component = ":" if element != ":" else ">"
    return Separators(element, component, "", segment)


def _starting_separators(text: str, start: int, source_name: str) -> Separators:
    head = text[start : start + 3]
    if head == "ISA":
        return _isa_separators(text, start, source_name)
    if head[:2] in ("GS", "ST"):
        return _headless_separators(text, start, source_name)
    raise InputError(
        f"{describe(source_name)} does not start with an ISA, GS or ST segment, so it is not X12."
    )


class SegmentReader:
    """Iterate `(seg_no, elements)` over a whole file; `separators` are those of the current interchange.

    Envelope checks: every ST has its SE and every ISA its IEA, else the file is reported truncated.
    `seg_no` of the segment being read is kept in `current` so a parser can name it in a message.
    With `keep_starts`, `starts[seg_no - 1]` is the offset in `text` where that segment's piece begins (just
    after the previous terminator; whitespace before the tag included), and with `mark_tags` the segments
    with those tags are kept in `marks` as (seg_no, elements): what audits.ingest.x12_837_envelope needs to
    cut the file into claims exactly as written, at the cost of one list append per segment. With
    `check_structure`, `structure_problems` says what shows segments lost or run together (module doc).
    """

    def __init__(
        self,
        data: bytes,
        source_name: str = "",
        keep_starts: bool = False,
        mark_tags: frozenset[str] | None = None,
        check_structure: bool = False,
    ):
        self.source_name = source_name
        self.text = decode(data, source_name)
        start = len(self.text) - len(self.text.lstrip())
        self.start = start
        self.separators = _starting_separators(self.text, start, source_name)
        self.current = 0
        self.segment_count = 0
        self.starts: list[int] | None = [] if keep_starts else None
        self.mark_tags = mark_tags
        self.marks: list[tuple[int, list[str]]] = []
        self.check_structure = check_structure
        self.structure_problems: list[str] = []

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        text = self.text
        pos = self.start
        seg_no = 0
        open_st: int | None = None
        open_isa: int | None = None
        starts = self.starts
        marks, mark_tags = self.marks, self.mark_tags
        check = _Structure(self.structure_problems).segment if self.check_structure else None
        while True:
            seps = self.separators
            term, elem = seps.segment, seps.element
            offset = pos
            restart_at = -1
            for raw in text[pos:].split(term):
                piece_start = offset
                offset += len(raw) + len(term)
                segment = raw.strip()
                if not segment:
                    continue
                if segment[:3] == "ISA" and seg_no and segment[3:4] != elem:
                    # a later interchange with other separators: re-read the rest with its own
                    restart_at = piece_start + raw.index("ISA")
                    break
                seg_no += 1
                self.current = seg_no
                elements = segment.split(elem)
                tag = elements[0]
                if check is not None:
                    check(seg_no, tag, elements, segment, seps)
                if tag == "ISA":
                    if open_isa is not None:
                        raise InputError(
                            f"{describe(self.source_name)} has an ISA (segment {seg_no}) before the IEA that closes "
                            f"the interchange of segment {open_isa}: the file looks truncated or spliced."
                        )
                    if seg_no > 1:
                        new = _isa_separators(text, piece_start + raw.index("ISA"), self.source_name)
                        if new != seps:
                            restart_at = piece_start + raw.index("ISA")
                            seg_no -= 1
                            break
                    open_isa = seg_no
                elif tag == "IEA":
                    open_isa = None
                elif tag == "ST":
                    if open_st is not None:
                        raise InputError(
                            f"{describe(self.source_name)} has an ST (segment {seg_no}) before the SE that closes "
                            f"the transaction of segment {open_st}: the file looks truncated or spliced."
                        )
                    open_st = seg_no
                elif tag == "SE":
                    open_st = None
                if starts is not None:
                    starts.append(piece_start)
                    if tag in mark_tags:
                        marks.append((seg_no, elements))
                yield seg_no, elements
            if restart_at < 0:
                break
            pos = restart_at
            self.separators = _isa_separators(text, pos, self.source_name)
        self.segment_count = seg_no
        if open_st is not None:
            raise InputError(
                f"{describe(self.source_name)} ends inside the transaction that starts at segment {open_st} "
                "(no SE segment): the file looks truncated."
            )
        if open_isa is not None:
            raise InputError(
                f"{describe(self.source_name)} ends inside the interchange that starts at segment {open_isa} "
                "(no IEA segment): the file looks truncated."
            )


# Characters senders use as segment terminators: a segment ending in one that is not the declared
# terminator means the ISA declares another terminator than the segments use.
_TERMINATOR_LIKE = "~'!^|"


class _Structure:
    """Counts and control numbers of the envelopes, checked as the segments go by (see the module doc)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        self.st: tuple[int, str] | None = None  # (seg_no, ST02)
        self.in_transaction = 0
        self.gs: tuple[int, str] | None = None
        self.transactions_in_group = 0
        self.controls_in_group: set[str] = set()
        self.isa: tuple[int, str] | None = None
        self.groups_in_interchange = 0
        self.stray_terminators = 0

    def note(self, text: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(text)

    def segment(self, seg_no: int, tag: str, elements: list[str], segment: str, seps: Separators) -> None:
        if seps.segment not in "\r\n" and ("\n" in segment or "\r" in segment):
            self.note(
                f"segment {seg_no} ({tag[:3]}) holds a line break inside it: a segment terminator is missing "
                "there, so two segments ran together"
            )
        last = segment[-1:]
        if last in _TERMINATOR_LIKE and last not in (
            seps.segment,
            seps.element,
            seps.component,
            seps.repetition,
        ):
            self.stray_terminators += 1
            if self.stray_terminators == 1:
                self.note(
                    f"segment {seg_no} ({tag[:3]}) ends in '{last}', which is not the segment terminator the "
                    "ISA declares: the file's segments are not cut where it says they are"
                )
        if self.st is not None:
            self.in_transaction += 1
        if tag == "ISA":
            self.isa = (seg_no, element(elements, 13))
            self.groups_in_interchange = 0
        elif tag == "GS":
            self.gs = (seg_no, element(elements, 6))
            self.transactions_in_group = 0
            self.controls_in_group = set()
            self.groups_in_interchange += 1
        elif tag == "ST":
            control = element(elements, 2)
            self.st = (seg_no, control)
            self.in_transaction = 1
            self.transactions_in_group += 1
            if control and control in self.controls_in_group:
                self.note(f"ST (segment {seg_no}): its control number ST02 is used twice in the group")
            self.controls_in_group.add(control)
        elif tag == "SE":
            self._close(
                "SE", seg_no, elements, self.st, self.in_transaction, "segments", "ST02", "transaction"
            )
            self.st = None
        elif tag == "GE":
            self._close(
                "GE", seg_no, elements, self.gs, self.transactions_in_group, "transactions", "GS06", "group"
            )
            self.gs = None
        elif tag == "IEA":
            self._close(
                "IEA", seg_no, elements, self.isa, self.groups_in_interchange, "functional groups", "ISA13",
                "interchange",
            )  # fmt: skip
            self.isa = None

    def _close(self, tag, seg_no, elements, opened, counted, what, control_name, scope) -> None:
        declared = element(elements, 1)
        if not declared.isdigit():
            self.note(f"{tag} (segment {seg_no}): {tag}01 is not a count")
        elif int(declared) != counted:
            self.note(
                f"{tag} (segment {seg_no}): {tag}01 says {int(declared)} {what} but the {scope} holds {counted} - "
                f"{'a segment is missing, or two ran together' if tag == 'SE' else 'part of the file is missing or repeated'}"
            )
        if opened is not None and element(elements, 2) != opened[1]:
            self.note(
                f"{tag} (segment {seg_no}): {tag}02 does not match the {control_name} of segment {opened[0]}"
            )


def split_composite(value: str, separators: Separators) -> list[str]:
    """Components of a composite element, tolerating a sender that used another separator than ISA16."""
    declared = separators.component
    if declared in value:
        return value.split(declared)
    for alternative in COMPONENT_FALLBACKS:
        if alternative in value and alternative != separators.repetition:
            return value.split(alternative)
    return [value]


def element(elements: list[str], index: int) -> str:
    """Element `index` (1-based, as X12 numbers them) or '' when the segment is shorter."""
    return elements[index].strip() if index < len(elements) else ""


def parse_amount(value: str) -> float | None:
    """An X12 decimal ('123.45', '-9', '.5'); None when empty. ValueError when not a number."""
    if not value:
        return None
    return float(value)


@functools.lru_cache(maxsize=4096)  # a file repeats few dates: parse each once
def parse_date(value: str) -> dt.date | None:
    """CCYYMMDD (or the start of a CCYYMMDD-CCYYMMDD range) as a date; None when empty. ValueError if bad."""
    if not value:
        return None
    text = value.split("-", 1)[0].strip()
    if len(text) != 8 or not text.isdigit():
        raise ValueError(value)
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def detect_x12(data: bytes) -> str | None:
    """'835' or '837' from the first ST01 (or GS08 / GS01); None when the bytes are not a known X12 file."""
    try:
        reader = SegmentReader(data)
        gs_kind = None
        for _, elements in reader:
            tag = elements[0]
            if tag == "ST":
                kind = element(elements, 1)
                if kind in ("835", "837"):
                    return kind
                return gs_kind
            if tag == "GS":
                version = element(elements, 8)
                functional = element(elements, 1)
                if "X221" in version or functional == "HP":
                    gs_kind = "835"
                elif "X222" in version or "X223" in version or functional == "HC":
                    gs_kind = "837"
        return gs_kind
    except Exception:  # detection never raises: an unreadable file is simply not X12
        return None


def frame_from_rows(
    rows: list[tuple], columns: list[str], dtypes: dict[str, str], date_columns: tuple[str, ...]
) -> pd.DataFrame:
    """Columns from row tuples; text columns as `str`, dates as datetime.date objects, the rest as typed."""
    transposed = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    series = {}
    for name, values in zip(columns, transposed, strict=True):
        column = pd.Series(values, dtype=object)
        series[name] = column if name in date_columns else column.astype(dtypes.get(name, "str"))
    return pd.DataFrame(series, columns=columns)


class TransactionParser:
    """What the 835 and 837P parsers share: the segment reader, the problems found so far, the ST01 of
    each transaction met (feed_transactions keeps `st_kinds`), and value helpers that turn a bad value
    into a problem sentence. A subclass sets HANDLERS and start_transaction()."""

    HANDLERS: dict = {}

    def __init__(
        self,
        data: bytes,
        source_name: str,
        mark_tags: frozenset[str] | None = None,
        check_structure: bool = False,
    ):
        self.source_name = source_name
        self.reader = SegmentReader(
            data,
            source_name,
            keep_starts=mark_tags is not None,
            mark_tags=mark_tags,
            check_structure=check_structure,
        )
        self.problems: list[str] = []
        self.st_kinds: list[str] = []

    def start_transaction(self) -> None:  # pragma: no cover - each parser has its own
        raise NotImplementedError

    def _amount(self, elements: list[str], index: int, seg_no: int) -> float | None:
        try:
            return parse_amount(element(elements, index))
        except ValueError:
            self.problems.append(f"{elements[0]} (segment {seg_no}): element {index:02d} is not an amount.")
            return None

    def _date(self, raw: str, tag: str, seg_no: int) -> dt.date | None:
        try:
            return parse_date(raw)
        except ValueError:
            self.problems.append(f"{tag} (segment {seg_no}): the date is not a valid CCYYMMDD date.")
            return None


def feed_transactions(parser, kind: str, what: str) -> None:
    """Hand every segment inside the file's `kind` transactions (ST01) to parser.HANDLERS[tag].

    At each ST the transaction's ST01 is appended to parser.st_kinds (so len(parser.st_kinds) is the
    1-based index of the current transaction) and parser.start_transaction() resets per-transaction
    state. Raises InputError when no transaction of `kind` is there; `what` names it for the user.
    """
    handlers = parser.HANDLERS
    every = getattr(parser, "every_segment", None)
    inside = False
    for seg_no, elements in parser.reader:
        tag = elements[0]
        if every is not None:
            every(seg_no, elements)
        if tag == "ST":
            parser.st_kinds.append(element(elements, 1))
            parser.start_transaction()
            inside = parser.st_kinds[-1] == kind
            continue
        if inside:
            handler = handlers.get(tag)
            if handler is not None:
                handler(parser, seg_no, elements)
    if kind not in parser.st_kinds:
        found = ", ".join(sorted({k for k in parser.st_kinds if k})) or "none"
        raise InputError(
            f"{describe(parser.source_name)} holds no {kind} {what} transaction (transactions found: {found})."
        )
