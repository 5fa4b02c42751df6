"""X12 5010 835 (health care claim payment/advice) to the canonical remit batches.

One pass over the segments (audits.ingest.x12.SegmentReader), a small state machine:
header (BPR, TRN, DTM*405, N1*PR) -> claim (CLP, claim CAS, NM1*82, MOA/MIA, DTM*232) -> service lines
(SVC, DTM*472/150, CAS, REF*6R, REF*HPI, LQ*HE). A claim is finished at the next CLP, LX, PLB or SE,
and only then turned into rows, because claim-level adjustments and remarks go on the claim's first line.

Patient loops (NM1*QC, NM1*IL, NM1*74) are skipped: the 835 rows carry no patient data.
Balance is checked as X12 defines it (005010X221A1, 1.10.2.1): SVC03 = SVC02 - line CAS, and
CLP04 = CLP03 - claim CAS - line CAS. PLB is provider-level and left out of the balance.

A malformed 835 is never loaded in part (SPEC 7): `parse_835` refuses it, naming the segment, when
its structure shows segments lost or run together (SE01/GE01/IEA01 counts, control numbers, line
breaks inside a segment, segments ending in another terminator than the ISA declares, a segment
with more elements than X12 gives it), when an amount is not a number, or when money does not
balance. `strict=False` returns what was read with those findings in `refusals` (for diagnostics and
tests). A bad date, a claim without CLP01, stay problems: the loader keeps such a line as a rejected
row, or falls back to the next date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from audits.errors import InputError
from audits.ingest.x12 import (
    TransactionParser,
    describe,
    element,
    feed_transactions,
    frame_from_rows,
    split_composite,
)

LINE_COLUMNS = [
    "line_ref",
    "payer_id",
    "payer_name",
    "claim_id",
    "line_no",
    "ref_6r",
    "line_position",
    "claim_status",
    "rendering_npi",
    "adjudication_date",
    "procedure_code",
    "billed_amount",
    "paid_amount",
    "remit_claim_key",
    "source",
    "source_row",
    # extras beyond the canonical batch
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "units",
    "date_of_service",
]
ADJUSTMENT_COLUMNS = [
    "line_ref",
    "position",
    "level",
    "group_code",
    "carc",
    "amount",
    "quantity",
    "source_row",
]
REMARK_COLUMNS = ["line_ref", "position", "level", "rarc", "source_row"]
CLAIM_COLUMNS = [
    "claim_id",
    "claim_status",
    "billed_amount",
    "paid_amount",
    "patient_responsibility",
    "service_lines",
    "adjustments",
    "remarks",
    "balanced",
    "remit_claim_key",
    "source",
    "source_row",
]
# Column types: text columns are pandas `str` (missing = NaN), dates are datetime.date objects.
LINE_TYPES = {
    "line_ref": "int64",
    "line_position": "Int64",
    "line_no": "str",
    "billed_amount": "float64",
    "paid_amount": "float64",
    "units": "float64",
    "source_row": "int64",
}
ADJUSTMENT_TYPES = {
    "line_ref": "int64",
    "position": "int64",
    "amount": "float64",
    "quantity": "float64",
    "source_row": "int64",
}
REMARK_TYPES = {"line_ref": "int64", "position": "int64", "source_row": "int64"}
CLAIM_TYPES = {
    "billed_amount": "float64",
    "paid_amount": "float64",
    "patient_responsibility": "float64",
    "service_lines": "int64",
    "adjustments": "int64",
    "remarks": "int64",
    "balanced": "bool",
    "source_row": "int64",
}
DATE_COLUMNS = ("adjudication_date", "date_of_service")
CENT = 0.005  # amounts compare to the cent
# Elements each 835 segment has at most (X12 5010 segment dictionary). More means its terminator was
# lost and the next segment's elements ran into it.
MAX_ELEMENTS = {
    "ST": 3, "BPR": 21, "TRN": 4, "CUR": 21, "REF": 4, "DTM": 6, "N1": 6, "N2": 2, "N3": 2, "N4": 7,
    "PER": 9, "RDM": 3, "LX": 1, "TS3": 24, "TS2": 19, "CLP": 14, "CAS": 19, "NM1": 12, "MIA": 24,
    "MOA": 9, "AMT": 3, "QTY": 4, "SVC": 7, "LQ": 2, "PLB": 14, "SE": 2, "GS": 8, "GE": 2, "IEA": 2,
}  # fmt: skip


@dataclass
class Parsed835:
    lines: pd.DataFrame
    adjustments: pd.DataFrame
    remarks: pd.DataFrame
    claims: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    segment_count: int = 0
    transactions: int = 0
    refusals: list[str] = field(default_factory=list)  # why the file must not be loaded (see module doc)


@dataclass
class _Service:
    seg_no: int
    position: int
    procedure_code: str
    modifiers: list[str]
    billed: float | None
    paid: float | None
    units: float | None
    date_of_service: dt.date | None = None
    period_start: dt.date | None = None
    ref_6r: str | None = None
    rendering_npi: str | None = None
    adjustments: list[tuple] = field(default_factory=list)  # (group, carc, amount, quantity, seg_no)
    remarks: list[tuple] = field(default_factory=list)  # (rarc, seg_no)


@dataclass
class _Claim:
    seg_no: int
    index: int
    claim_id: str
    status: str
    billed: float | None
    paid: float | None
    patient_responsibility: float | None
    rendering_npi: str | None = None
    statement_date: dt.date | None = None
    adjustments: list[tuple] = field(default_factory=list)
    remarks: list[tuple] = field(default_factory=list)
    services: list[_Service] = field(default_factory=list)


def _money(value: float | None) -> str:
    return f"{(value or 0.0):.2f}"


class _Parser(TransactionParser):
    def __init__(self, data: bytes, source_name: str):
        super().__init__(data, source_name, check_structure=True)
        self.lines: list[tuple] = []
        self.adjustments: list[tuple] = []
        self.remarks: list[tuple] = []
        self.claims: list[tuple] = []
        self.refusals: list[str] = []
        self.start_transaction()

    def start_transaction(self) -> None:
        self.payer_id: str | None = None
        self.payer_name: str | None = None
        self.trace: str | None = None
        self.bpr_date: dt.date | None = None
        self.dtm_405: dt.date | None = None
        self.n1_loop = ""
        self.claim: _Claim | None = None
        self.service: _Service | None = None
        self.clp_index = 0

    # -- the state machine ---------------------------------------------------------------------------------
    def run(self) -> Parsed835:
        feed_transactions(self, "835", "remittance")
        return Parsed835(
            lines=frame_from_rows(self.lines, LINE_COLUMNS, LINE_TYPES, DATE_COLUMNS),
            adjustments=frame_from_rows(self.adjustments, ADJUSTMENT_COLUMNS, ADJUSTMENT_TYPES, DATE_COLUMNS),
            remarks=frame_from_rows(self.remarks, REMARK_COLUMNS, REMARK_TYPES, DATE_COLUMNS),
            claims=frame_from_rows(self.claims, CLAIM_COLUMNS, CLAIM_TYPES, DATE_COLUMNS),
            problems=self.problems,
            segment_count=self.reader.segment_count,
            transactions=self.st_kinds.count("835"),
            refusals=[*self.reader.structure_problems, *self.refusals],
        )

    def every_segment(self, seg_no: int, elements: list[str]) -> None:
        tag = elements[0]
        most = MAX_ELEMENTS.get(tag)
        if most is None or len(elements) - 1 <= most:
            return
        used = len(elements) - 1
        while used > most and not elements[used].strip():
            used -= 1  # trailing empty elements change nothing
        if used > most:
            self.refusals.append(
                f"{tag} (segment {seg_no}) has {used} elements, more than the {most} an {tag} has: its segment "
                "terminator is missing, so the next segment ran into it"
            )

    def _amount(self, elements: list[str], index: int, seg_no: int) -> float | None:
        problems = len(self.problems)
        value = super()._amount(elements, index, seg_no)
        if len(self.problems) > problems:
            self.refusals.append(self.problems[-1].rstrip("."))
        return value

    def on_bpr(self, seg_no: int, elements: list[str]) -> None:
        self.bpr_date = self._date(element(elements, 16), "BPR", seg_no)

    def on_trn(self, seg_no: int, elements: list[str]) -> None:
        if self.trace is None:
            self.trace = element(elements, 2) or None

    def on_dtm(self, seg_no: int, elements: list[str]) -> None:
        qualifier = element(elements, 1)
        if self.service is not None:
            if qualifier == "472":
                self.service.date_of_service = self._date(element(elements, 2), "DTM*472", seg_no)
            elif qualifier == "150":
                self.service.period_start = self._date(element(elements, 2), "DTM*150", seg_no)
        elif self.claim is not None:
            if qualifier in ("232", "150") and self.claim.statement_date is None:
                self.claim.statement_date = self._date(element(elements, 2), f"DTM*{qualifier}", seg_no)
        elif qualifier == "405":
            self.dtm_405 = self._date(element(elements, 2), "DTM*405", seg_no)

    def on_n1(self, seg_no: int, elements: list[str]) -> None:
        self.n1_loop = element(elements, 1)
        if self.n1_loop == "PR":
            self.payer_name = element(elements, 2) or None
            self.payer_id = element(elements, 4) or self.payer_id

    def on_ref(self, seg_no: int, elements: list[str]) -> None:
        qualifier = element(elements, 1)
        if self.service is not None:
            if qualifier == "6R":
                self.service.ref_6r = element(elements, 2) or None
            elif qualifier == "HPI":  # 2110 rendering provider NPI, overrides the claim's NM1*82
                self.service.rendering_npi = element(elements, 2) or None
        elif self.claim is None and qualifier == "2U" and self.n1_loop == "PR" and not self.payer_id:
            self.payer_id = element(elements, 2) or None

    def on_clp(self, seg_no: int, elements: list[str]) -> None:
        self._finish_claim()
        self.clp_index += 1
        self.claim = _Claim(
            seg_no=seg_no,
            index=self.clp_index,
            claim_id=element(elements, 1),
            status=element(elements, 2),
            billed=self._amount(elements, 3, seg_no),
            paid=self._amount(elements, 4, seg_no),
            patient_responsibility=self._amount(elements, 5, seg_no),
        )
        if not self.claim.claim_id:
            self.problems.append(f"CLP (segment {seg_no}): the claim has no CLP01 claim id.")

    def on_nm1(self, seg_no: int, elements: list[str]) -> None:
        if self.claim is None or self.service is not None:
            return
        if element(elements, 1) == "82" and element(elements, 8) == "XX":
            self.claim.rendering_npi = element(elements, 9) or None

    def on_svc(self, seg_no: int, elements: list[str]) -> None:
        if self.claim is None:
            raise InputError(
                f"{describe(self.source_name)} has a service line (SVC, segment {seg_no}) outside any claim (CLP)."
            )
        composite = split_composite(element(elements, 1), self.reader.separators)
        code = composite[1].strip() if len(composite) > 1 else composite[0].strip()
        modifiers = [m.strip() for m in composite[2:6]]
        service = _Service(
            seg_no=seg_no,
            position=len(self.claim.services) + 1,
            procedure_code=code,
            modifiers=modifiers + [""] * (4 - len(modifiers)),
            billed=self._amount(elements, 2, seg_no),
            paid=self._amount(elements, 3, seg_no),
            units=self._amount(elements, 5, seg_no),
        )
        self.claim.services.append(service)
        self.service = service

    def on_cas(self, seg_no: int, elements: list[str]) -> None:
        target = self.service if self.service is not None else self.claim
        if target is None:
            return  # a CAS outside any claim is not part of a remittance line
        group = element(elements, 1)
        size = len(elements)
        for start in range(2, min(size, 20), 3):  # up to six (reason, amount, quantity) triplets
            carc = elements[start].strip()
            amount = self._amount(elements, start + 1, seg_no)
            if not carc and amount is None:
                continue
            quantity = self._amount(elements, start + 2, seg_no) if start + 2 < size else None
            target.adjustments.append((group, carc, amount, quantity, seg_no))

    def on_lq(self, seg_no: int, elements: list[str]) -> None:
        if self.service is not None and element(elements, 1) == "HE" and element(elements, 2):
            self.service.remarks.append((element(elements, 2), seg_no))
        elif (
            self.service is None
            and self.claim is not None
            and element(elements, 1) == "HE"
            and element(elements, 2)
        ):
            self.claim.remarks.append((element(elements, 2), seg_no))

    def on_moa(self, seg_no: int, elements: list[str]) -> None:
        if self.claim is not None:
            for index in range(3, 8):
                if element(elements, index):
                    self.claim.remarks.append((element(elements, index), seg_no))

    def on_mia(self, seg_no: int, elements: list[str]) -> None:
        if self.claim is not None:
            for index in (5, 20, 21, 22, 23):
                if element(elements, index):
                    self.claim.remarks.append((element(elements, index), seg_no))

    def on_claim_end(self, seg_no: int, elements: list[str]) -> None:
        self._finish_claim()

    # -- turning a finished claim into rows ---------------------------------------------------------------
    def _finish_claim(self) -> None:
        claim = self.claim
        self.claim = None
        self.service = None
        if claim is None:
            return
        adjudication_date = self.dtm_405 or self.bpr_date
        remit_claim_key = f"{self.trace or ''}:{len(self.st_kinds)}:{claim.index}"
        n_adjustments = len(claim.adjustments) + sum(len(s.adjustments) for s in claim.services)
        n_remarks = len(claim.remarks) + sum(len(s.remarks) for s in claim.services)
        first_ref = len(self.lines) + 1
        if claim.services:
            for service in claim.services:
                line_ref = len(self.lines) + 1
                self.lines.append(
                    (
                        line_ref,
                        self.payer_id,
                        self.payer_name,
                        claim.claim_id,
                        None,
                        service.ref_6r,
                        service.position,
                        claim.status,
                        service.rendering_npi or claim.rendering_npi,
                        adjudication_date,
                        service.procedure_code or None,
                        service.billed,
                        service.paid,
                        remit_claim_key,
                        self.trace,
                        service.seg_no,
                        *(m or None for m in service.modifiers),
                        service.units,
                        service.date_of_service or service.period_start or claim.statement_date,
                    )
                )
        else:
            self.lines.append(
                (
                    first_ref,
                    self.payer_id,
                    self.payer_name,
                    claim.claim_id,
                    None,
                    None,
                    None,
                    claim.status,
                    claim.rendering_npi,
                    adjudication_date,
                    None,
                    claim.billed,
                    claim.paid,
                    remit_claim_key,
                    self.trace,
                    claim.seg_no,
                    None,
                    None,
                    None,
                    None,
                    None,
                    claim.statement_date,
                )
            )
        positions: dict[int, int] = {}
        remark_positions: dict[int, int] = {}

        def add_adjustment(line_ref: int, level: str, adjustment: tuple) -> None:
            positions[line_ref] = positions.get(line_ref, 0) + 1
            group, carc, amount, quantity, seg_no = adjustment
            self.adjustments.append(
                (line_ref, positions[line_ref], level, group, carc, amount, quantity, seg_no)
            )

        def add_remark(line_ref: int, level: str, remark: tuple) -> None:
            remark_positions[line_ref] = remark_positions.get(line_ref, 0) + 1
            rarc, seg_no = remark
            self.remarks.append((line_ref, remark_positions[line_ref], level, rarc, seg_no))

        for adjustment in claim.adjustments:
            add_adjustment(first_ref, "claim", adjustment)
        for remark in claim.remarks:
            add_remark(first_ref, "claim", remark)
        for offset, service in enumerate(claim.services):
            for adjustment in service.adjustments:
                add_adjustment(first_ref + offset, "line", adjustment)
            for remark in service.remarks:
                add_remark(first_ref + offset, "line", remark)

        balanced = self._check_balance(claim)
        self.claims.append(
            (
                claim.claim_id,
                claim.status,
                claim.billed,
                claim.paid,
                claim.patient_responsibility,
                len(claim.services),
                n_adjustments,
                n_remarks,
                balanced,
                remit_claim_key,
                self.trace,
                claim.seg_no,
            )
        )

    def _check_balance(self, claim: _Claim) -> bool:
        balanced = True
        line_cas_total = 0.0
        for service in claim.services:
            line_cas = sum(a[2] or 0.0 for a in service.adjustments)
            line_cas_total += line_cas
            expected = (service.billed or 0.0) - line_cas
            if abs((service.paid or 0.0) - expected) > CENT:
                balanced = False
                self.problems.append(
                    f"SVC line {service.position} of claim {claim.claim_id} (segment {service.seg_no}): "
                    f"SVC03 {_money(service.paid)} != SVC02 - CAS = {_money(expected)}."
                )
                self.refusals.append(
                    f"the money of the service line at segment {service.seg_no} does not balance "
                    f"(SVC03 {_money(service.paid)}, SVC02 - CAS {_money(expected)})"
                )
        claim_cas = sum(a[2] or 0.0 for a in claim.adjustments)
        expected = (claim.billed or 0.0) - claim_cas - line_cas_total
        if abs((claim.paid or 0.0) - expected) > CENT:
            balanced = False
            self.problems.append(
                f"CLP claim {claim.claim_id} (segment {claim.seg_no}): "
                f"CLP04 {_money(claim.paid)} != CLP03 - CAS = {_money(expected)}."
            )
            self.refusals.append(
                f"the money of the claim at segment {claim.seg_no} does not balance "
                f"(CLP04 {_money(claim.paid)}, CLP03 - CAS {_money(expected)})"
            )
        return balanced

    HANDLERS = {
        "BPR": on_bpr,
        "TRN": on_trn,
        "DTM": on_dtm,
        "N1": on_n1,
        "REF": on_ref,
        "CLP": on_clp,
        "NM1": on_nm1,
        "SVC": on_svc,
        "CAS": on_cas,
        "LQ": on_lq,
        "MOA": on_moa,
        "MIA": on_mia,
        "LX": on_claim_end,
        "PLB": on_claim_end,
        "SE": on_claim_end,
    }


def parse_835(data: bytes, source_name: str = "", strict: bool = True) -> Parsed835:
    """Parse an 835 file's bytes into canonical remit frames; InputError (one sentence) when unreadable,
    or (strict) malformed: the first reason, naming its segment, and how many more there are."""
    parser: _Parser | None = None
    try:
        parser = _Parser(data, source_name)
        parsed = parser.run()
    except InputError:
        raise
    except Exception as exc:  # the edge promise: one sentence, never a traceback
        where = f" near segment {parser.reader.current}" if parser is not None else ""
        raise InputError(f"{describe(source_name)} could not be read as an X12 835{where}.") from exc
    if strict and parsed.refusals:
        first, more = parsed.refusals[0], len(parsed.refusals) - 1
        also = f" (and {more} more)" if more else ""
        raise InputError(
            f"{describe(source_name)} is a malformed 835: {first}{also} - nothing was loaded; ask the payer "
            "or clearinghouse for a corrected file."
        )
    return parsed
