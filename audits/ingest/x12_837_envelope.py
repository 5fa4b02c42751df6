"""The structure of an 837P file, its claims with their original segments, and writing a subset of them.

`parse_837(data, keep_segments=True)` records, while it parses, the structural segments (ISA, GS, ST, HL,
CLM, SE, GE, IEA) and where every segment starts in the text. `Batch837.from_segments` turns that into
interchanges > groups > transactions > HL levels > claims, each claim spanning its CLM segment up to the
segment before the next CLM, HL or SE (loop 2300 and its 2400 lines), exactly as written.

Writing a subset (`Batch837.write`) keeps every kept claim's bytes as they were and recomputes only what
the removal changes (X12 5010 control segments; 005010X222A1 section 2.3 hierarchical structure):
- SE01 = the number of segments from ST to SE inclusive; GE01 = the transactions in the group; IEA01 =
  the functional groups in the interchange;
- HL01 numbered 1, 2, ... within each transaction in order; HL02 = the new HL01 of the parent; HL04 = 1
  when a kept HL is subordinate to it, else 0;
- an HL level with no kept claim under it (a subscriber whose claims were all held, a billing provider
  whose subscribers were all dropped) is left out, and so are a transaction, group or interchange that
  are left with no claim. Anything else (headers, BHT, submitter and receiver loops) is copied as is.

A parent is the nearest HL above with a lower level (20 billing provider > 22 subscriber > 23 patient):
the TR3 orders the hierarchy top-down, so position and level code are enough, and a file whose HL02 is
wrong (the imsweb stress file) is written with the right references.

`build_batch` writes claims kept from earlier batches (held claims being released) as a new interchange:
claims that share an ISA/GS header, transaction header and HL chain share those segments; new control
numbers and dates go in ISA09/10/13, GS04/05/06, ST02, BHT03/04/05; at most 5,000 claims per transaction
(the TR3's recommended limit).

`check_envelope` lists what a reader would reject: counts and control numbers that do not match, and HL
numbering that is not 1, 2, ... with the right parents and child codes. Messages name segment numbers,
never element values that could be patient data.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

STRUCTURAL_TAGS = frozenset({"ISA", "GS", "ST", "HL", "CLM", "SE", "GE", "IEA"})
HL_RANKS = {"20": 0, "22": 1, "23": 2}  # billing provider > subscriber > patient
MAX_CLAIMS_PER_TRANSACTION = 5000


_WHITESPACE = frozenset(" \t\r\n\f\v")


@dataclass
class Segments:
    """A parsed file's text, where each segment's piece starts, and its structural segments."""

    text: str
    starts: list[int]  # offset of each segment's piece (just after the previous terminator)
    marks: list[tuple[int, list[str]]]  # (seg_no, elements) of the STRUCTURAL_TAGS segments
    encoding: str = "utf-8"

    @property
    def count(self) -> int:
        return len(self.starts)

    def _tag_start(self, index: int) -> int:
        """Where segment index + 1's tag begins: the line break after a terminator belongs to the segment
        it ends, so every segment's text is its tag up to and including its own terminator and line break."""
        if index >= len(self.starts):
            return len(self.text)
        text, position = self.text, self.starts[index]
        while position < len(text) and text[position] in _WHITESPACE:
            position += 1
        return position

    def raw(self, first: int, last: int) -> str:
        """Segments first..last (1-based, inclusive) exactly as written, terminators included."""
        return self.text[self._tag_start(first - 1) : self._tag_start(last)]


def _element(elements: list[str], index: int) -> str:
    return elements[index].strip() if index < len(elements) else ""


def rewrite(piece: str, elements: list[str], changes: dict[int, str], width: int = 0) -> str:
    """The segment `piece` (as written) with elements replaced; leading/trailing bytes kept."""
    stripped = piece.lstrip()
    lead = piece[: len(piece) - len(stripped)]
    tag = elements[0]
    separator = stripped[len(tag) : len(tag) + 1] or "*"
    body_length = len(separator.join(elements))
    new = list(elements) + [""] * max(0, width - len(elements))
    for index, value in changes.items():
        while len(new) <= index:
            new.append("")
        new[index] = value
    return lead + separator.join(new) + stripped[body_length:]


@dataclass(eq=False)
class HLNode:
    seg_no: int
    end: int
    elements: list[str]
    level: str
    rank: int
    parent: HLNode | None
    children: list[HLNode] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)

    def chain(self) -> list[HLNode]:
        """This node and its ancestors, top first."""
        nodes, node = [], self
        while node is not None:
            nodes.append(node)
            node = node.parent
        return nodes[::-1]


@dataclass(eq=False)
class Claim:
    ordinal: int  # 1-based position among the file's claims
    claim_id: str
    seg_no: int
    end: int
    hl: HLNode | None
    transaction: Transaction


@dataclass(eq=False)
class Transaction:
    st_seg: int
    header_end: int
    st: list[str]
    group: Group | None
    interchange: Interchange | None
    se_seg: int = 0
    se: list[str] = field(default_factory=list)
    hls: list[HLNode] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return _element(self.st, 1)


@dataclass(eq=False)
class Group:
    gs_seg: int
    gs: list[str]
    interchange: Interchange | None
    ge_seg: int = 0
    ge: list[str] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)


@dataclass(eq=False)
class Interchange:
    isa_seg: int
    isa: list[str]
    iea_seg: int = 0
    iea: list[str] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


@dataclass
class WriteResult:
    text: str
    claims: int
    transactions: int
    groups: int
    interchanges: int


@dataclass
class Batch837:
    segments: Segments
    regions: list[tuple[int, int, str, object]]  # (first seg, last seg, tag, object) in file order
    interchanges: list[Interchange]
    groups: list[Group]
    transactions: list[Transaction]
    claims: list[Claim]

    # -- reading ------------------------------------------------------------------------------------------
    @classmethod
    def from_segments(cls, segments: Segments) -> Batch837:
        marks = segments.marks
        interchanges: list[Interchange] = []
        groups: list[Group] = []
        transactions: list[Transaction] = []
        claims: list[Claim] = []
        regions: list[tuple[int, int, str, object]] = []
        interchange: Interchange | None = None
        group: Group | None = None
        transaction: Transaction | None = None
        stack: list[HLNode] = []
        current_hl: HLNode | None = None
        for index, (seg_no, elements) in enumerate(marks):
            end = marks[index + 1][0] - 1 if index + 1 < len(marks) else segments.count
            tag = elements[0]
            obj: object = None
            if tag == "ISA":
                interchange = Interchange(seg_no, elements)
                interchanges.append(interchange)
                group = None
                obj = interchange
            elif tag == "GS":
                group = Group(seg_no, elements, interchange)
                groups.append(group)
                if interchange is not None:
                    interchange.groups.append(group)
                obj = group
            elif tag == "ST":
                transaction = Transaction(seg_no, end, elements, group, interchange)
                transactions.append(transaction)
                if group is not None:
                    group.transactions.append(transaction)
                stack, current_hl = [], None
                obj = transaction
            elif tag == "HL" and transaction is not None:
                level = _element(elements, 3)
                rank = HL_RANKS.get(level)
                if rank is None:  # another level code: under the HL its HL02 names, else at the top
                    parent_id = _element(elements, 2)
                    named = [n for n in stack if _element(n.elements, 1) == parent_id] if parent_id else []
                    rank = named[-1].rank + 1 if named else (0 if not parent_id else 1)
                while stack and stack[-1].rank >= rank:
                    stack.pop()
                parent = stack[-1] if stack else None
                node = HLNode(seg_no, end, elements, level, rank, parent)
                if parent is not None:
                    parent.children.append(node)
                stack.append(node)
                transaction.hls.append(node)
                current_hl = node
                obj = node
            elif tag == "CLM" and transaction is not None and transaction.kind == "837":
                claim = Claim(len(claims) + 1, _element(elements, 1), seg_no, end, current_hl, transaction)
                claims.append(claim)
                transaction.claims.append(claim)
                if current_hl is not None:
                    current_hl.claims.append(claim)
                obj = claim
            elif tag == "SE" and transaction is not None:
                transaction.se_seg, transaction.se = seg_no, elements
                obj = transaction
                transaction = None
            elif tag == "GE" and group is not None:
                group.ge_seg, group.ge = seg_no, elements
                obj = group
                group = None
            elif tag == "IEA" and interchange is not None:
                interchange.iea_seg, interchange.iea = seg_no, elements
                obj = interchange
                interchange = None
            else:  # an HL or CLM outside a transaction, a trailer without its header: copied as is
                tag = "OTHER"
            regions.append((seg_no, end, tag, obj))
        return cls(segments, regions, interchanges, groups, transactions, claims)

    def claim_of_segment(self, seg_nos: Iterable[int]) -> list[int]:
        """The ordinal of the claim each segment number falls in (0 when before any claim)."""
        starts = [c.seg_no for c in self.claims]
        return [bisect.bisect_right(starts, int(s)) for s in seg_nos]

    def raw(self, first: int, last: int) -> str:
        return self.segments.raw(first, last)

    def piece(self, seg_no: int) -> str:
        return self.segments.raw(seg_no, seg_no)

    # -- writing a subset -----------------------------------------------------------------------------------
    def write(self, keep: Callable[[Claim], bool]) -> WriteResult:
        """The file with only the claims `keep` accepts; counts and HL numbering recomputed."""
        kept_claims = {id(c) for c in self.claims if keep(c)}
        had: dict[int, bool] = {}
        has: dict[int, bool] = {}
        for transaction in self.transactions:
            for node in reversed(transaction.hls):  # a child comes after its parent
                had[id(node)] = bool(node.claims) or any(had[id(ch)] for ch in node.children)
                has[id(node)] = any(id(c) in kept_claims for c in node.claims) or any(
                    has[id(ch)] for ch in node.children
                )
        node_kept = {key: has[key] or not had[key] for key in had}
        tx_kept = {
            id(t): t.kind != "837" or not t.claims or any(id(c) in kept_claims for c in t.claims)
            for t in self.transactions
        }
        group_kept = {
            id(g): not g.transactions or any(tx_kept[id(t)] for t in g.transactions) for g in self.groups
        }
        interchange_kept = {}
        for i in self.interchanges:
            loose = [t for t in self.transactions if t.interchange is i and t.group is None]
            interchange_kept[id(i)] = (
                (not i.groups and not loose)
                or any(group_kept[id(g)] for g in i.groups)
                or any(tx_kept[id(t)] for t in loose)
            )
        if not kept_claims:
            return WriteResult("", 0, 0, 0, 0)

        out = _Emitter(self.segments)
        counts = {"transactions": 0, "groups": 0, "interchanges": 0}
        hl_ids: dict[int, str] = {}
        tx_segments = 0
        hl_counter = 0
        in_kept_transaction = False
        for first, last, tag, obj in self.regions:
            size = last - first + 1
            if tag == "ISA":
                if interchange_kept[id(obj)]:
                    counts["interchanges"] += 1
                    out.keep(first, last)
            elif tag == "GS":
                if group_kept[id(obj)]:
                    counts["groups"] += 1
                    out.keep(first, last)
            elif tag == "ST":
                in_kept_transaction = tx_kept[id(obj)]
                if in_kept_transaction:
                    counts["transactions"] += 1
                    tx_segments, hl_counter = size, 0
                    out.keep(first, last)
            elif tag == "HL":
                node = obj
                if not in_kept_transaction or not node_kept[id(node)]:
                    continue
                hl_counter += 1
                hl_ids[id(node)] = str(hl_counter)
                parent_id = hl_ids.get(id(node.parent), "") if node.parent is not None else ""
                child = "1" if any(node_kept[id(ch)] for ch in node.children) else "0"
                changes = {1: str(hl_counter), 2: parent_id, 4: child}
                if any(_element(node.elements, k) != v for k, v in changes.items()):
                    out.replace(first, rewrite(self.piece(first), node.elements, changes, width=5))
                    out.keep(first + 1, last)
                else:
                    out.keep(first, last)
                tx_segments += size
            elif tag == "CLM":
                claim = obj
                if id(claim) in kept_claims and tx_kept[id(claim.transaction)]:
                    out.keep(first, last)
                    tx_segments += size
            elif tag == "SE":
                transaction = obj
                in_kept_transaction = False
                if tx_kept[id(transaction)]:
                    tx_segments += 1
                    out.counted(first, last, transaction.se, tx_segments)
            elif tag == "GE":
                group = obj
                if group_kept[id(group)]:
                    out.counted(first, last, group.ge, sum(1 for t in group.transactions if tx_kept[id(t)]))
            elif tag == "IEA":
                interchange = obj
                if interchange_kept[id(interchange)]:
                    kept = sum(1 for g in interchange.groups if group_kept[id(g)])
                    out.counted(first, last, interchange.iea, kept)
            else:
                out.keep(first, last)
        return WriteResult(out.text(), len(kept_claims), **counts)


class _Emitter:
    """The output as runs of the input: consecutive kept segments are copied as one slice of the text."""

    def __init__(self, segments: Segments):
        self.segments = segments
        self.parts: list[str] = []
        self.run_start = -1
        self.run_end = -1

    def keep(self, first: int, last: int) -> None:
        if last < first:
            return
        start = self.segments._tag_start(first - 1)
        end = self.segments._tag_start(last)
        if start != self.run_end:
            self._flush()
            self.run_start = start
        self.run_end = end

    def replace(self, seg_no: int, text: str) -> None:
        self._flush()
        self.parts.append(text)
        self.run_end = self.segments._tag_start(seg_no)  # the next kept segment continues from here
        self.run_start = self.run_end

    def counted(self, first: int, last: int, elements: list[str], count: int) -> None:
        """A trailer (SE, GE, IEA) with its count element set to `count`, then whatever follows it."""
        if _element(elements, 1) == str(count):
            self.keep(first, last)
            return
        self.replace(first, rewrite(self.segments.raw(first, first), elements, {1: str(count)}, width=3))
        self.keep(first + 1, last)

    def _flush(self) -> None:
        if self.run_start >= 0 and self.run_end > self.run_start:
            self.parts.append(self.segments.text[self.run_start : self.run_end])
        self.run_start = self.run_end = -1

    def text(self) -> str:
        self._flush()
        return "".join(self.parts)


# --------------------------------------------------------------------------------------------
# checking an envelope


def check_envelope(batch: Batch837) -> list[str]:
    """What does not add up: SE01/GE01/IEA01 counts, control numbers, HL numbering, parents, child codes."""
    problems: list[str] = []
    for t in batch.transactions:
        if t.se_seg:
            actual = t.se_seg - t.st_seg + 1
            if _element(t.se, 1) != str(actual):
                problems.append(
                    f"SE (segment {t.se_seg}): SE01 does not count the {actual} segments from ST to SE."
                )
            if _element(t.se, 2) != _element(t.st, 2):
                problems.append(f"SE (segment {t.se_seg}): SE02 differs from ST02 (segment {t.st_seg}).")
        ids: dict[int, str] = {}
        for number, node in enumerate(t.hls, start=1):
            ids[id(node)] = str(number)
            if _element(node.elements, 1) != str(number):
                problems.append(f"HL (segment {node.seg_no}): HL01 should be {number} (numbered 1, 2, ...).")
            wanted_parent = ids.get(id(node.parent), "") if node.parent is not None else ""
            if _element(node.elements, 2) != wanted_parent:
                problems.append(
                    f"HL (segment {node.seg_no}): HL02 does not name its parent level"
                    + (f" (HL {wanted_parent})." if wanted_parent else " (it has none).")
                )
            child = _element(node.elements, 4)
            wanted_child = "1" if node.children else "0"
            if child and child != wanted_child:
                problems.append(
                    f"HL (segment {node.seg_no}): HL04 should be {wanted_child} "
                    f"({'a' if node.children else 'no'} subordinate HL follows)."
                )
    for g in batch.groups:
        if g.ge_seg:
            if _element(g.ge, 1) != str(len(g.transactions)):
                problems.append(
                    f"GE (segment {g.ge_seg}): GE01 does not count the {len(g.transactions)} transactions of the group."
                )
            if _element(g.ge, 2) != _element(g.gs, 6):
                problems.append(f"GE (segment {g.ge_seg}): GE02 differs from GS06 (segment {g.gs_seg}).")
    for i in batch.interchanges:
        if i.iea_seg:
            if _element(i.iea, 1) != str(len(i.groups)):
                problems.append(
                    f"IEA (segment {i.iea_seg}): IEA01 does not count the {len(i.groups)} functional groups."
                )
            if _element(i.iea, 2) != _element(i.isa, 13):
                problems.append(f"IEA (segment {i.iea_seg}): IEA02 differs from ISA13 (segment {i.isa_seg}).")
    return problems


# --------------------------------------------------------------------------------------------
# claims kept from earlier batches, written as a new batch


@dataclass
class ClaimParts:
    """One claim and the segments around it, as written in its batch (what a held claim keeps)."""

    element: str  # element separator of its interchange
    segment: str  # segment terminator
    isa: str  # the ISA segment ('' for a file without one)
    gs: str  # the GS segment ('' for a file without one)
    header: list[str]  # ST and the header segments up to the first HL (BHT, submitter, receiver)
    levels: list[tuple[str, str, str]]  # (level code, HL segment, the level's own segments), top first
    claim: str  # CLM up to the next CLM/HL/SE

    def to_json(self) -> dict:
        return {
            "element": self.element,
            "segment": self.segment,
            "isa": self.isa,
            "gs": self.gs,
            "header": self.header,
            "levels": [list(level) for level in self.levels],
            "claim": self.claim,
        }

    @classmethod
    def from_json(cls, data: dict) -> ClaimParts:
        return cls(
            data["element"],
            data["segment"],
            data["isa"],
            data["gs"],
            list(data["header"]),
            [tuple(level) for level in data["levels"]],
            data["claim"],
        )


def separators_of(batch: Batch837, transaction: Transaction):
    """The separators in force for a transaction: its interchange's ISA, else those of a headless file."""
    from audits.ingest.x12 import _starting_separators

    if transaction.interchange is not None:
        first = transaction.interchange.isa_seg
    else:
        first = transaction.group.gs_seg if transaction.group is not None else transaction.st_seg
    piece = batch.piece(first)
    return _starting_separators(piece, len(piece) - len(piece.lstrip()), "")


def claim_parts(batch: Batch837, claim: Claim) -> ClaimParts:
    t = claim.transaction
    separators = separators_of(batch, t)
    header = [batch.piece(n) for n in range(t.st_seg, t.header_end + 1)]
    levels = []
    if claim.hl is not None:
        for node in claim.hl.chain():
            own = batch.raw(node.seg_no + 1, node.end) if node.end > node.seg_no else ""
            levels.append((node.level, batch.piece(node.seg_no), own))
    return ClaimParts(
        separators.element,
        separators.segment,
        batch.piece(t.interchange.isa_seg) if t.interchange is not None else "",
        batch.piece(t.group.gs_seg) if t.group is not None else "",
        header,
        levels,
        batch.raw(claim.seg_no, claim.end),
    )


def split_piece(piece: str, element: str, segment: str) -> tuple[str, list[str], str]:
    """(leading bytes, elements, terminator and line break) of one segment as written."""
    stripped = piece.lstrip()
    lead = piece[: len(piece) - len(stripped)]
    body = stripped.rstrip()
    if not segment.isspace() and body.endswith(segment):
        body = body[: -len(segment)]
    return lead, body.split(element), stripped[len(body) :]


def build_batch(parts: list[ClaimParts], first_control: int, when: dt.datetime, reference: str) -> str:
    """A new file holding `parts`: one interchange per distinct ISA header (sender, receiver, separators),
    one group per distinct GS header, one transaction per distinct transaction header (up to 5,000 claims),
    the HL levels the claims share written once. New control numbers (ISA13 from `first_control` on,
    GS06 1, 2, ..., ST02 0001, ...), dates (ISA09/10, GS04/05, BHT04/05) and BHT03 (`reference`-g-t)."""
    interchanges: dict[tuple, dict[tuple, dict[tuple, list[ClaimParts]]]] = {}
    for part in parts:
        _lead, isa, rest = split_piece(part.isa, part.element, part.segment) if part.isa else ("", [], "")
        isa_key = (part.element, part.segment, rest, *(v for i, v in enumerate(isa) if i not in (9, 10, 13)))
        gs = split_piece(part.gs, part.element, part.segment)[1] if part.gs else []
        gs_key = tuple(v for i, v in enumerate(gs) if i not in (4, 5, 6))
        header_key = tuple(_stable_header(piece, part) for piece in part.header)
        interchanges.setdefault(isa_key, {}).setdefault(gs_key, {}).setdefault(header_key, []).append(part)
    out: list[str] = []
    control = first_control
    for groups in interchanges.values():
        sample = next(iter(next(iter(groups.values())).values()))[0]
        element, segment = sample.element, sample.segment
        ending = segment
        isa_control = f"{control % 1_000_000_000:09d}"
        if sample.isa:
            lead, isa, ending = split_piece(sample.isa, element, segment)
            isa = isa + [""] * (17 - len(isa))
            isa[9], isa[10], isa[13] = when.strftime("%y%m%d"), when.strftime("%H%M"), isa_control
            out.append(lead + element.join(isa) + ending)
        for group_number, headers in enumerate(groups.values(), start=1):
            group_sample = next(iter(headers.values()))[0]
            if group_sample.gs:
                lead, gs, gs_ending = split_piece(group_sample.gs, element, segment)
                gs = gs + [""] * (9 - len(gs))
                gs[4], gs[5], gs[6] = when.strftime("%Y%m%d"), when.strftime("%H%M"), str(group_number)
                out.append(lead + element.join(gs) + gs_ending)
            transactions = 0
            for claims in headers.values():
                for start in range(0, len(claims), MAX_CLAIMS_PER_TRANSACTION):
                    transactions += 1
                    out.append(
                        _transaction(
                            claims[start : start + MAX_CLAIMS_PER_TRANSACTION],
                            f"{transactions:04d}",
                            when,
                            f"{reference}-{group_number}-{transactions}",
                            ending,
                        )
                    )
            if group_sample.gs:
                out.append(element.join(["GE", str(transactions), str(group_number)]) + ending)
        if sample.isa:
            out.append(element.join(["IEA", str(len(groups)), isa_control]) + ending)
        control += 1
    return "".join(out)


def _stable_header(piece: str, part: ClaimParts) -> str:
    """A header segment without what changes from batch to batch (ST02, BHT03/04/05)."""
    _lead, elements, _rest = split_piece(piece, part.element, part.segment)
    if elements[0] == "ST":
        elements = [v if i != 2 else "" for i, v in enumerate(elements)]
    elif elements[0] == "BHT":
        elements = [v if i not in (3, 4, 5) else "" for i, v in enumerate(elements)]
    return part.element.join(elements)


@dataclass(eq=False)
class _Level:
    level: str
    hl: str
    own: str
    parent: _Level | None
    children: list[_Level] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)


def _transaction(
    claims: list[ClaimParts], control: str, when: dt.datetime, reference: str, ending: str
) -> str:
    sample = claims[0]
    element, segment = sample.element, sample.segment
    out: list[str] = []
    for piece in sample.header:
        lead, elements, rest = split_piece(piece, element, segment)
        if elements[0] == "ST":
            elements = elements + [""] * (3 - len(elements))
            elements[2] = control
        elif elements[0] == "BHT":
            elements = elements + [""] * (6 - len(elements))
            elements[3], elements[4], elements[5] = (
                reference[:50],
                when.strftime("%Y%m%d"),
                when.strftime("%H%M"),
            )
        out.append(lead + element.join(elements) + rest)
    count = len(out) + 1  # the header and SE
    levels: dict[tuple, _Level] = {}
    roots: list[_Level] = []
    loose: list[str] = []
    for part in claims:
        path: tuple = ()
        node: _Level | None = None
        for level, hl, own in part.levels:
            path = (*path, (level, own))
            if path not in levels:
                levels[path] = _Level(level, hl, own, node)
                (node.children if node is not None else roots).append(levels[path])
            node = levels[path]
        if node is None:
            loose.append(part.claim)
        else:
            node.claims.append(part.claim)
    numbers: dict[int, int] = {}

    def emit(node: _Level) -> None:
        nonlocal count
        numbers[id(node)] = len(numbers) + 1
        lead, elements, rest = split_piece(node.hl, element, segment)
        elements = elements + [""] * (5 - len(elements))
        elements[1] = str(numbers[id(node)])
        elements[2] = str(numbers[id(node.parent)]) if node.parent is not None else ""
        elements[4] = "1" if node.children else "0"
        out.append(lead + element.join(elements) + rest)
        out.append(node.own)
        out.extend(node.claims)
        count += 1 + _segments_in(node.own, segment) + sum(_segments_in(c, segment) for c in node.claims)
        for child in node.children:
            emit(child)

    for root in roots:
        emit(root)
    out.extend(loose)
    count += sum(_segments_in(c, segment) for c in loose)
    out.append(element.join(["SE", str(count), control]) + ending)
    return "".join(out)


def _segments_in(text: str, segment: str) -> int:
    return sum(1 for piece in text.split(segment) if piece.strip())
