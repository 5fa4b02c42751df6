"""X12 5010 837P (professional claim) to the canonical claims batch.

One pass over the segments (audits.ingest.x12.SegmentReader). Loops are followed by their HL levels and by
the segment that opens them:
- HL*20 billing provider: NM1*85 (billing NPI when NM108 = XX) and its N4 state (service_state).
- HL*22 subscriber: NM1*IL (member id, name), DMG; NM1*PR (payer name NM103, payer id NM109).
- HL*23 patient: NM1*QC, DMG. When present, the patient is this person rather than the subscriber.
- CLM (2300): CLM05 place of service and frequency, HI diagnoses, DTP*472, NM1*82 (2310B rendering).
  An SBR inside a claim opens the other-payer loops 2320/2330: their NM1*IL/PR/82/85 describe another
  payer's view and are skipped until the next LX.
- LX (2400) line number, SV1, DTP*472, NM1*82 (2420A rendering, overrides the claim's).

Rendering provider: 005010X222A1 2310B is "required when the rendering provider is different than the
billing provider (2010AA)", so a claim without NM1*82 is rendered by the billing provider; the extra column
`rendering_source` says which loop the NPI came from (line, claim, billing).

Patient identifiers (patient_id, patient_name, patient_dob) are handed to the loader raw, which hashes them;
they never appear in `problems` or in error messages.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import pandas as pd

from audits.errors import InputError
from audits.ingest.claims import CLAIM_COLUMNS as CLAIM_COLUMNS_CANONICAL
from audits.ingest.x12 import (
    TransactionParser,
    describe,
    element,
    feed_transactions,
    frame_from_rows,
    split_composite,
)

LINE_COLUMNS = [
    *CLAIM_COLUMNS_CANONICAL,
    # extras beyond the canonical batch
    "diagnosis_code_set",
    "claim_frequency",
    "rendering_source",
]
CLAIM_COLUMNS = ["claim_id", "billed_amount", "service_lines", "lines_billed", "balanced", "source_row"]
DATE_COLUMNS = ("date_of_service", "submitted_date")
LINE_TYPES = {"line_no": "Int64", "units": "float64", "billed_amount": "float64", "source_row": "int64"}
CLAIM_TYPES = {
    "billed_amount": "float64",
    "service_lines": "int64",
    "lines_billed": "float64",
    "balanced": "bool",
    "source_row": "int64",
}
ICD10_QUALIFIERS = {"ABK", "ABF"}  # principal / other diagnosis, ICD-10-CM
ICD9_QUALIFIERS = {"BK", "BF"}  # principal / other diagnosis, ICD-9-CM
DIAGNOSIS_QUALIFIERS = ICD10_QUALIFIERS | ICD9_QUALIFIERS
CENT = 0.005


@dataclass
class Parsed837:
    """`lines` and `claims` are built from the row tuples on first use (a caller that only needs the
    tuples, the gate, skips the frames: `line_rows` are in LINE_COLUMNS order)."""

    line_rows: list[tuple]
    claim_rows: list[tuple]
    problems: list[str] = field(default_factory=list)
    segment_count: int = 0
    transactions: int = 0
    # with keep_segments: the file's structure and each claim's segments as written
    # (audits.ingest.x12_837_envelope.Batch837), and what its envelope gets wrong
    batch: object = None
    envelope_problems: list[str] = field(default_factory=list)

    @functools.cached_property
    def lines(self) -> pd.DataFrame:
        return frame_from_rows(self.line_rows, LINE_COLUMNS, LINE_TYPES, DATE_COLUMNS)

    @functools.cached_property
    def claims(self) -> pd.DataFrame:
        return frame_from_rows(self.claim_rows, CLAIM_COLUMNS, CLAIM_TYPES, DATE_COLUMNS)


@dataclass
class _Person:
    member_id: str | None = None
    name: str | None = None
    dob: str | None = None


@dataclass
class _Line:
    seg_no: int
    line_no: int | None
    procedure_code: str | None = None
    modifiers: list[str] = field(default_factory=list)
    billed: float | None = None
    units: float | None = None
    pos: str | None = None
    date_of_service: dt.date | None = None
    has_rendering: bool = False
    rendering_npi: str | None = None


@dataclass
class _Claim:
    seg_no: int
    claim_id: str
    total: float | None
    pos: str | None
    frequency: str | None
    date_of_service: dt.date | None = None
    has_rendering: bool = False
    rendering_npi: str | None = None
    diagnoses: list[str] = field(default_factory=list)
    qualifiers: set[str] = field(default_factory=set)
    lines: list[_Line] = field(default_factory=list)


def _person_name(elements: list[str]) -> str | None:
    last, first = element(elements, 3), element(elements, 4)
    if last and first:
        return f"{last}, {first}"
    return last or first or None


class _Parser(TransactionParser):
    def __init__(self, data: bytes, source_name: str, keep_segments: bool = False):
        from audits.ingest.x12_837_envelope import STRUCTURAL_TAGS

        super().__init__(data, source_name, STRUCTURAL_TAGS if keep_segments else None)
        self.data = data if keep_segments else None
        self.rows: list[tuple] = []
        self.claims: list[tuple] = []
        self.start_transaction()

    def start_transaction(self) -> None:
        self.submitted_date: dt.date | None = None
        self.billing_npi: str | None = None
        self.service_state: str | None = None
        self._reset_subscriber()
        self.n4_target = ""
        self.dmg_target = ""

    def _reset_subscriber(self) -> None:
        self.subscriber = _Person()
        self.patient: _Person | None = None
        self.payer_id: str | None = None
        self.payer_name: str | None = None
        self.claim: _Claim | None = None
        self.line: _Line | None = None
        self.other_payer = False

    def run(self) -> Parsed837:
        feed_transactions(self, "837", "claim")
        parsed = Parsed837(
            line_rows=self.rows,
            claim_rows=self.claims,
            problems=self.problems,
            segment_count=self.reader.segment_count,
            transactions=self.st_kinds.count("837"),
        )
        if self.data is not None:
            from audits.ingest.x12_837_envelope import Batch837, Segments, check_envelope

            text = self.reader.text
            encoding = "utf-8" if text.isascii() else _encoding_of(self.data)
            segments = Segments(text, self.reader.starts, self.reader.marks, encoding)
            parsed.batch = Batch837.from_segments(segments)
            parsed.envelope_problems = check_envelope(parsed.batch)
        return parsed

    # -- header and hierarchy -------------------------------------------------------------------------------
    def on_bht(self, seg_no: int, elements: list[str]) -> None:
        self.submitted_date = self._date(element(elements, 4), "BHT", seg_no)

    def on_hl(self, seg_no: int, elements: list[str]) -> None:
        self._finish_claim()
        level = element(elements, 3)
        if level == "20":
            self.billing_npi = None
            self.service_state = None
            self._reset_subscriber()
        elif level == "22":
            self._reset_subscriber()
        elif level == "23":
            self.patient = _Person()
        self.n4_target = ""
        self.dmg_target = ""

    def on_nm1(self, seg_no: int, elements: list[str]) -> None:
        entity = element(elements, 1)
        qualifier = element(elements, 8)
        identifier = element(elements, 9) or None
        self.n4_target = ""
        self.dmg_target = ""
        if self.claim is None:
            if entity == "85":
                self.billing_npi = identifier if qualifier == "XX" else None
                self.n4_target = "billing"
            elif entity == "IL":
                self.subscriber = _Person(member_id=identifier, name=_person_name(elements))
                self.dmg_target = "subscriber"
            elif entity == "QC":
                self.patient = _Person(member_id=identifier, name=_person_name(elements))
                self.dmg_target = "patient"
            elif entity == "PR":
                self.payer_name = element(elements, 3) or None
                self.payer_id = identifier
            return
        if entity != "82" or self.other_payer:
            return
        npi = identifier if qualifier == "XX" else None
        if self.line is not None:
            self.line.has_rendering, self.line.rendering_npi = True, npi
        else:
            self.claim.has_rendering, self.claim.rendering_npi = True, npi

    def on_n4(self, seg_no: int, elements: list[str]) -> None:
        if self.n4_target == "billing":
            self.service_state = element(elements, 2) or None

    def on_dmg(self, seg_no: int, elements: list[str]) -> None:
        dob = element(elements, 2) or None
        if self.dmg_target == "subscriber":
            self.subscriber.dob = dob
        elif self.dmg_target == "patient" and self.patient is not None:
            self.patient.dob = dob

    def on_sbr(self, seg_no: int, elements: list[str]) -> None:
        if self.claim is not None:
            self.other_payer = True  # 2320 other subscriber: its 2330 loops are another payer's data

    # -- claim and lines ------------------------------------------------------------------------------------
    def on_clm(self, seg_no: int, elements: list[str]) -> None:
        self._finish_claim()
        facility = split_composite(element(elements, 5), self.reader.separators)
        self.claim = _Claim(
            seg_no=seg_no,
            claim_id=element(elements, 1),
            total=self._amount(elements, 2, seg_no),
            pos=facility[0].strip() or None,
            frequency=(facility[2].strip() or None) if len(facility) > 2 else None,
        )
        if not self.claim.claim_id:
            self.problems.append(f"CLM (segment {seg_no}): the claim has no CLM01 claim id.")

    def on_hi(self, seg_no: int, elements: list[str]) -> None:
        if self.claim is None or self.line is not None or self.other_payer:
            return
        values = [v.strip() for v in elements[1:]]
        index = 0
        while index < len(values):
            parts = split_composite(values[index], self.reader.separators) if values[index] else [""]
            index += 1
            qualifier = parts[0].strip().upper()
            if qualifier not in DIAGNOSIS_QUALIFIERS:
                continue
            if len(parts) > 1:
                code = parts[1].strip()
            elif index < len(values):  # qualifier and code in two elements (a defect seen in the wild)
                code = values[index]
                index += 1
            else:
                code = ""
            if not code:
                continue
            if len(self.claim.diagnoses) == 12:
                self.problems.append(
                    f"HI (segment {seg_no}) of claim {self.claim.claim_id}: more than 12 diagnoses, the rest are left out."
                )
                return
            self.claim.diagnoses.append(code)
            self.claim.qualifiers.add(qualifier)

    def on_dtp(self, seg_no: int, elements: list[str]) -> None:
        if element(elements, 1) != "472" or self.claim is None:
            return
        date = self._date(element(elements, 3), "DTP*472", seg_no)
        if self.line is not None:
            self.line.date_of_service = date
        elif not self.other_payer:
            self.claim.date_of_service = date

    def on_lx(self, seg_no: int, elements: list[str]) -> None:
        if self.claim is None:
            raise InputError(
                f"{describe(self.source_name)} has a service line (LX, segment {seg_no}) outside any claim (CLM)."
            )
        raw = element(elements, 1)
        line_no = int(raw) if raw.isdigit() else None
        if line_no is None:
            self.problems.append(
                f"LX (segment {seg_no}) of claim {self.claim.claim_id}: LX01 is not a line number."
            )
        self.line = _Line(seg_no=seg_no, line_no=line_no)
        self.claim.lines.append(self.line)
        self.other_payer = False

    def on_sv1(self, seg_no: int, elements: list[str]) -> None:
        if self.claim is None:
            raise InputError(
                f"{describe(self.source_name)} has a service line (SV1, segment {seg_no}) outside any claim (CLM)."
            )
        if self.line is None or self.line.procedure_code is not None:  # SV1 without its own LX
            self.line = _Line(seg_no=seg_no, line_no=None)
            self.claim.lines.append(self.line)
            self.other_payer = False
        line = self.line
        composite = split_composite(element(elements, 1), self.reader.separators)
        line.seg_no = seg_no
        line.procedure_code = (composite[1] if len(composite) > 1 else composite[0]).strip()
        line.modifiers = [m.strip() for m in composite[2:6]]
        line.billed = self._amount(elements, 2, seg_no)
        line.units = self._amount(elements, 4, seg_no)
        line.pos = element(elements, 5) or None

    def on_end(self, seg_no: int, elements: list[str]) -> None:
        self._finish_claim()

    def _finish_claim(self) -> None:
        claim = self.claim
        self.claim = None
        self.line = None
        self.other_payer = False
        if claim is None:
            return
        lines = [line for line in claim.lines if line.procedure_code is not None]
        if not lines:
            self.problems.append(
                f"CLM claim {claim.claim_id} (segment {claim.seg_no}) has no service line (SV1)."
            )
        person = self.patient if self.patient is not None and self.patient.name else self.subscriber
        patient_id = (
            self.patient.member_id if self.patient is not None else None
        ) or self.subscriber.member_id
        diagnoses = claim.diagnoses + [None] * (12 - len(claim.diagnoses))
        if not claim.qualifiers:
            code_set = None
        elif claim.qualifiers <= ICD10_QUALIFIERS:
            code_set = "ICD-10-CM"
        elif claim.qualifiers <= ICD9_QUALIFIERS:
            code_set = "ICD-9-CM"
        else:
            code_set = "mixed"
        for position, line in enumerate(lines, start=1):
            if line.has_rendering:
                rendering, rendering_source = line.rendering_npi, "line"
            elif claim.has_rendering:
                rendering, rendering_source = claim.rendering_npi, "claim"
            else:
                rendering, rendering_source = self.billing_npi, "billing"
            modifiers = line.modifiers + [""] * (4 - len(line.modifiers))
            self.rows.append(
                (
                    claim.claim_id,
                    line.line_no if line.line_no is not None else position,
                    patient_id,
                    person.name,
                    person.dob,
                    rendering,
                    self.billing_npi,
                    self.payer_id,
                    self.payer_name,
                    line.date_of_service or claim.date_of_service,
                    self.submitted_date,
                    line.procedure_code or None,
                    *(m or None for m in modifiers),
                    *diagnoses,
                    line.pos or claim.pos,
                    line.units,
                    line.billed,
                    self.service_state,
                    line.seg_no,
                    code_set,
                    claim.frequency,
                    rendering_source,
                )
            )
        lines_billed = round(sum(line.billed or 0.0 for line in lines), 2)
        balanced = claim.total is not None and abs(claim.total - lines_billed) <= CENT
        if not balanced and lines:
            self.problems.append(
                f"CLM claim {claim.claim_id} (segment {claim.seg_no}): CLM02 {(claim.total or 0.0):.2f} != "
                f"sum of SV102 = {lines_billed:.2f}."
            )
        self.claims.append((claim.claim_id, claim.total, len(lines), lines_billed, balanced, claim.seg_no))

    HANDLERS = {
        "BHT": on_bht,
        "HL": on_hl,
        "NM1": on_nm1,
        "N4": on_n4,
        "DMG": on_dmg,
        "SBR": on_sbr,
        "CLM": on_clm,
        "HI": on_hi,
        "DTP": on_dtp,
        "LX": on_lx,
        "SV1": on_sv1,
        "SE": on_end,
    }


def _encoding_of(data: bytes) -> str:
    try:
        bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def parse_837(data: bytes, source_name: str = "", keep_segments: bool = False) -> Parsed837:
    """Parse an 837P file's bytes into the canonical claims frame; InputError (one sentence) when unreadable.

    With keep_segments, `batch` holds the file's structure and every claim's segments as written (the
    pre-submission gate writes a subset of them) and `envelope_problems` what its envelope gets wrong."""
    parser: _Parser | None = None
    try:
        parser = _Parser(data, source_name, keep_segments)
        return parser.run()
    except InputError:
        raise
    except Exception as exc:  # the edge promise: one sentence, never a traceback
        where = f" near segment {parser.reader.current}" if parser is not None else ""
        raise InputError(f"{describe(source_name)} could not be read as an X12 837{where}.") from exc
