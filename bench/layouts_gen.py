"""One canonical practice month (roster, claims, remits) written out in generated layouts.

`write_layout(seed, directory)` writes the same month in a layout drawn from the seed: header spellings
(transformations of plain spellings, and words from POOL, a word pool kept apart from the recogniser's
vocabulary - tests/test_layout_invariance.py checks they are disjoint), case styles, title rows above
the header, extra columns, column order, sheet names and order, one workbook or one CSV per sheet, a long
or a wide (master tracker) roster, date styles, alias separators and file order. Every layout must load
into the same canonical tables and give the same findings (the invariance suite, bench/bench_layouts.py).
All people, NPIs and claims are synthetic (NPIs carry a valid check digit).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

D = dt.date
MONTH = "2026-10"
NPI = {"A": "1234567893", "B": "1111111112", "C": "2222222228"}

PROVIDERS = [  # npi, name, specialty, state, status
    (NPI["A"], "Ana Alvarez", "Family Medicine", "TX", "Active"),
    (NPI["B"], "Ben Brooks", "Cardiology", "TX", "Active"),
    (NPI["C"], "Cara Chen", "Pediatrics", "TX", "Active"),
]
PAYERS = [  # id, name, aliases
    ("AET", "Aetna", ["Aetna Health", "Aetna, Inc."]),
    ("BCBS", "Blue Cross Blue Shield of Texas", ["BCBS TX", "Blue Cross"]),
    ("CIG", "Cigna", ["Cigna Healthcare"]),
]
CREDENTIALS = [  # npi, type label, number, state, expiration
    (NPI["A"], "State License", "TX-1001", "TX", D(2027, 12, 31)),
    (NPI["A"], "DEA", "AA1234563", "TX", D(2026, 11, 30)),
    (NPI["B"], "State License", "TX-1002", "TX", D(2026, 9, 30)),
    (NPI["C"], "State License", "TX-1003", "TX", D(2027, 6, 30)),
]
ENROLLMENTS = [  # npi, payer as written, status label, submitted, effective, termination, allowed pos
    (NPI["A"], "Aetna", "Participating", None, D(2020, 1, 1), None, None),
    (NPI["A"], "BCBS TX", "Termed", None, D(2019, 1, 1), D(2026, 10, 15), None),
    (NPI["B"], "Aetna", "Par", None, D(2026, 10, 20), None, None),
    (NPI["B"], "Cigna", "In Progress - Hold Claims", D(2026, 5, 1), None, None, None),
    (NPI["C"], "Aetna Health", "Enrolled", None, D(2021, 1, 1), None, ["11", "22"]),
    (NPI["C"], "Cigna", "Denied", D(2025, 12, 1), None, None, None),
]
SCOPE = [  # npi, payer, from, to, approved
    (NPI["A"], "*", "99202", "99215", "Approved"),
    (NPI["A"], "Aetna", "93000", "93010", "Excluded"),
]
CLAIMS = [  # claim, line, npi, payer as written, dos, cpt, modifiers, diagnoses, pos, units, billed
    ("CL1001", 1, NPI["A"], "Aetna", D(2026, 10, 2), "99213", ["25"], ["I10", "E11.9"], "11", 1, 120.00),
    ("CL1001", 2, NPI["A"], "Aetna", D(2026, 10, 2), "93000", [], ["I10"], "11", 1, 45.50),
    ("CL1002", 1, NPI["A"], "BCBS TX", D(2026, 10, 10), "99214", [], ["J06.9"], "11", 1, 160.00),
    ("CL1003", 1, NPI["A"], "Blue Cross", D(2026, 10, 20), "99213", [], ["J06.9"], "11", 1, 120.00),
    ("CL1004", 1, NPI["B"], "Aetna", D(2026, 10, 5), "99204", [], ["R07.9"], "11", 1, 250.00),
    (
        "CL1005",
        1,
        NPI["B"],
        "Aetna Health",
        D(2026, 10, 25),
        "93010",
        ["26"],
        ["R07.9", "I10"],
        "22",
        1,
        80.00,
    ),
    ("CL1006", 1, NPI["B"], "Cigna", D(2026, 10, 12), "99213", [], ["Z00.00"], "11", 1, 120.00),
    ("CL1007", 1, NPI["C"], "Aetna", D(2026, 10, 7), "99392", [], ["Z00.129"], "11", 1, 180.00),
    ("CL1007", 2, NPI["C"], "Aetna", D(2026, 10, 7), "90460", ["25", "59"], ["Z23"], "11", 2, 60.00),
    ("CL1008", 1, NPI["C"], "Aetna", D(2026, 10, 9), "99213", [], ["J02.9"], "02", 1, 120.00),
    ("CL1009", 1, NPI["C"], "Cigna Healthcare", D(2026, 10, 14), "99213", [], ["J02.9"], "11", 1, 120.00),
    ("CL1010", 1, "1234567890", "Aetna", D(2026, 10, 16), "99212", [], ["J02.9"], "11", 1, 90.00),
]
REMITS = [  # claim, line, payer as written, adjudicated, cpt, billed, paid, status, carc, group, adj amount, rarc
    ("CL1001", 1, "Aetna", D(2026, 10, 20), "99213", 120.00, 96.00, "Paid", "45", "CO", 24.00, None),
    ("CL1002", 1, "BCBS TX", D(2026, 10, 28), "99214", 160.00, 130.00, "Paid", "45", "CO", 30.00, None),
    ("CL1003", 1, "Blue Cross", D(2026, 11, 3), "99213", 120.00, 0.00, "Denied", "B7", "CO", 120.00, "N570"),
    ("CL1004", 1, "Aetna", D(2026, 10, 22), "99204", 250.00, 0.00, "Denied", "B7", "CO", 250.00, None),
    ("CL1006", 1, "Cigna", D(2026, 10, 30), "99213", 120.00, 0.00, "Denied", "16", "CO", 120.00, "N290"),
    ("CL1007", 1, "Aetna", D(2026, 10, 21), "99392", 180.00, 150.00, "Paid", "2", "PR", 30.00, None),
]

# Plain spellings (the recogniser may know them) and POOL spellings (kept apart from its vocabulary).
PLAIN: dict[str, list[str]] = {
    "npi": ["NPI", "Provider NPI", "NPI Number", "Individual NPI"],
    "provider_name": ["Provider Name", "Provider", "Practitioner Name", "Clinician"],
    "specialty": ["Specialty", "Primary Specialty"],
    "primary_state": ["State", "Practice State"],
    "pstatus": ["Status", "Provider Status"],
    "payer_id": ["Payer ID", "Payer Code"],
    "payer_name": ["Payer Name", "Payer"],
    "aliases": ["Aliases", "Also Known As", "Other Names"],
    "credential_type": ["Credential Type", "License Type", "Document Type"],
    "number": ["Number", "License Number", "Credential Number"],
    "state": ["State", "Issuing State"],
    "expiration_date": ["Expiration Date", "Expires", "Exp Date"],
    "payer": ["Payer", "Health Plan", "Insurance", "Carrier"],
    "status": ["Status", "Enrollment Status", "Par Status", "Credentialing Status"],
    "submitted_date": ["Submitted", "Date Submitted", "Application Date"],
    "effective_date": ["Effective Date", "Eff Date", "Effective"],
    "termination_date": ["Term Date", "Termination Date", "End Date"],
    "allowed_pos": ["Allowed POS", "POS", "Places of Service"],
    "code_from": ["Code From", "From Code", "Range Start"],
    "code_to": ["Code To", "To Code", "Range End"],
    "approved": ["Approved", "Decision", "Scope"],
    "claim_id": ["Claim ID", "Claim #", "Claim Number", "Encounter ID"],
    "line_no": ["Line", "Line #", "Line Number"],
    "rendering_npi": ["Rendering NPI", "Rendering Provider NPI", "Servicing NPI"],
    "payer_claims": ["Payer", "Primary Insurance", "Insurance Name", "Payer Name"],
    "date_of_service": ["DOS", "Date of Service", "Service Date", "Svc Date"],
    "procedure_code": ["CPT", "CPT/HCPCS", "Procedure Code", "Proc Code"],
    "modifiers": ["Modifiers", "Modifier Codes"],
    "diagnoses": ["Diagnosis Codes", "Dx Codes", "ICD-10 Codes"],
    "pos": ["POS", "Place of Service"],
    "units": ["Units", "Service Units"],
    "billed_amount": ["Charges", "Billed Amount", "Charge Amount"],
    "adjudication_date": ["Check Date", "Paid Date", "Adjudication Date"],
    "paid_amount": ["Paid Amount", "Paid", "Payment"],
    "claim_status": ["Claim Status", "Status"],
    "carc": ["Reason Code", "CARC", "Adjustment Reason"],
    "group_code": ["Group Code", "Adjustment Group"],
    "adjustment_amount": ["Adjustment Amount", "Adj Amount"],
    "rarcs": ["Remark Codes", "RARC"],
    "remit_billed": ["Billed", "Billed Amount", "Charges"],
}
POOL: dict[str, list[str]] = {
    "npi": ["Clinician Identifier NPI", "Prescriber NPI"],
    "provider_name": ["Practitioner Full Legal Name", "Treating Clinician"],
    "payer_name": ["Insurer Legal Name", "Payer Display Name"],
    "aliases": ["Alternate Payer Names", "Payer Known As"],
    "credential_type": ["Credential Kind", "Document Category"],
    "expiration_date": ["Valid Thru Date", "Expiry Deadline"],
    "payer": ["Insurer", "Contracted Plan"],
    "status": ["Network Participation", "Par Standing"],
    "effective_date": ["Participation Effective", "Effective As Of"],
    "termination_date": ["Network End", "Participation End"],
    "code_from": ["Lowest Code", "Range Low"],
    "code_to": ["Highest Code", "Range High"],
    "approved": ["Allowed Or Not", "Scope Decision"],
    "claim_id": ["Ticket Number", "Visit Reference"],
    "rendering_npi": ["Treating Clinician NPI", "Seen By NPI"],
    "payer_claims": ["Insurer", "Coverage Payer"],
    "date_of_service": ["Treatment Date", "Seen On"],
    "procedure_code": ["Treatment Code", "Service Item Code"],
    "billed_amount": ["Amount Charged", "Fee Billed"],
    "diagnoses": ["Condition Codes", "Dx Set"],
    "pos": ["Place Served At", "Place Of Care"],
    "paid_amount": ["Amount Received", "Net Pay Received"],
    "carc": ["Rejection Reason", "Payer Reason"],
    "adjudication_date": ["Finalised On", "Processed On"],
    "claim_status": ["Outcome", "Adjudication Outcome"],
}


@dataclass
class Layout:
    seed: int
    files: list[Path]  # in the order they are given to ingest
    description: str


def _case(text: str, style: str) -> str:
    words = text.replace("/", " ").replace("-", " ").replace("#", "No").split()
    if style == "upper_snake":
        return "_".join(w.upper() for w in words)
    if style == "camel":
        return words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])
    if style == "lower":
        return " ".join(w.lower() for w in words)
    if style == "upper":
        return text.upper()
    return text


def _date(value: dt.date | None, style: str, excel: bool) -> object:
    if value is None:
        return None
    if excel and style == "native":
        return value
    if style == "us":
        return value.strftime("%m/%d/%Y")
    if style == "short":
        return f"{value.month}/{value.day}/{value.strftime('%y')}"
    if style == "compact":
        return value.strftime("%Y%m%d")
    return value.isoformat()


class _Writer:
    def __init__(self, rng: random.Random, directory: Path, plain: bool = False):
        self.rng = rng
        self.directory = directory
        self.plain = plain
        self.case = (
            "title" if plain else rng.choice(["title", "title", "upper_snake", "camel", "lower", "upper"])
        )
        self.pool_share = 0.0 if plain else rng.choice([0.0, 0.3, 0.6])
        self.date_style = "iso" if plain else rng.choice(["iso", "us", "short", "compact", "native"])
        self.used: set[str] = set()

    def header(self, key: str) -> str:
        if self.plain:
            return PLAIN[key][0]
        options = PLAIN[key]
        if key in POOL and self.rng.random() < self.pool_share:
            options = POOL[key]
        text = _case(self.rng.choice(options), self.case)
        while text in self.used:  # two columns of one sheet never share a header
            text = _case(self.rng.choice(PLAIN[key]), self.case)
        self.used.add(text)
        return text

    def table(self, columns: list[tuple[str, list]]) -> list[list]:
        """Rows (header first) with the columns shuffled and an unrelated column or two added."""
        self.used = set()
        named = [(self.header(key), values) for key, values in columns]
        if self.plain:
            return [[h for h, _v in named], *([v[i] for _h, v in named] for i in range(len(columns[0][1])))]
        if self.rng.random() < 0.5:
            named.append(("Notes", ["" for _ in columns[0][1]]))
        self.rng.shuffle(named)
        rows = [[h for h, _v in named]]
        for i in range(len(columns[0][1])):
            rows.append([v[i] for _h, v in named])
        titles = self.rng.choice(
            [[], [["Prairie River Medical Group"]], [["Export"], ["Run 11/02/2026"], []]]
        )
        return [*titles, *rows]

    def dates(self, values: list, excel: bool) -> list:
        return [_date(v, self.date_style, excel) for v in values]


def _write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def _write_xlsx(path: Path, sheets: list[tuple[str, list[list]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def _roster_sheets(rng: random.Random, w: _Writer, excel: bool, wide: bool) -> list[list[list]]:
    sep = "|" if w.plain else rng.choice(["|", "; ", ", ", "\n"])
    payers = w.table([
        ("payer_id", [p[0] for p in PAYERS]),
        ("payer_name", [p[1] for p in PAYERS]),
        ("aliases", [sep.join(p[2]) if sep != ", " or not any("," in a for a in p[2]) else ", ".join(p[2])
                     for p in PAYERS]),
    ])  # fmt: skip
    pos_sep = "," if w.plain else rng.choice([",", ";", "/", " "])
    scope = w.table([
        ("npi", [s[0] for s in SCOPE]), ("payer", [s[1] for s in SCOPE]), ("code_from", [s[2] for s in SCOPE]),
        ("code_to", [s[3] for s in SCOPE]), ("approved", [s[4] for s in SCOPE]),
    ])  # fmt: skip
    if not wide:
        providers = w.table([
            ("npi", [p[0] for p in PROVIDERS]), ("provider_name", [p[1] for p in PROVIDERS]),
            ("specialty", [p[2] for p in PROVIDERS]), ("primary_state", [p[3] for p in PROVIDERS]),
            ("pstatus", [p[4] for p in PROVIDERS]),
        ])  # fmt: skip
        credentials = w.table([
            ("npi", [c[0] for c in CREDENTIALS]), ("credential_type", [c[1] for c in CREDENTIALS]),
            ("number", [c[2] for c in CREDENTIALS]), ("state", [c[3] for c in CREDENTIALS]),
            ("expiration_date", w.dates([c[4] for c in CREDENTIALS], excel)),
        ])  # fmt: skip
        enrollments = w.table([
            ("npi", [e[0] for e in ENROLLMENTS]), ("payer", [e[1] for e in ENROLLMENTS]),
            ("status", [e[2] for e in ENROLLMENTS]), ("submitted_date", w.dates([e[3] for e in ENROLLMENTS], excel)),
            ("effective_date", w.dates([e[4] for e in ENROLLMENTS], excel)),
            ("termination_date", w.dates([e[5] for e in ENROLLMENTS], excel)),
            ("allowed_pos", [pos_sep.join(e[6]) if e[6] else None for e in ENROLLMENTS]),
        ])  # fmt: skip
        return [providers, credentials, enrollments, scope, payers]
    # The wide master tracker: one row per provider, licence and DEA columns, a group per payer.
    groups = {"Aetna": ("Aetna", "Aetna Health"), "BCBS TX": ("BCBS TX",), "Cigna": ("Cigna",)}
    header = [
        "NPI",
        "Provider Name",
        "Specialty",
        "Practice State",
        "License #",
        "License State",
        "License Exp",
        "DEA #",
        "DEA State",
        "DEA Exp",
    ]
    for payer in groups:
        header += [
            f"{payer} Status",
            f"{payer} Submitted",
            f"{payer} Effective",
            f"{payer} Term",
            f"{payer} POS",
        ]
    rows = [header]
    for npi, name, specialty, state, _status in PROVIDERS:
        licence = next(c for c in CREDENTIALS if c[0] == npi and c[1] == "State License")
        dea = next((c for c in CREDENTIALS if c[0] == npi and c[1] == "DEA"), None)
        row = [npi, name, specialty, state, licence[2], licence[3], _date(licence[4], w.date_style, excel)]
        row += [dea[2], dea[3], _date(dea[4], w.date_style, excel)] if dea else [None, None, None]
        for spellings in groups.values():
            found = next((e for e in ENROLLMENTS if e[0] == npi and e[1] in spellings), None)
            if found is None:
                row += [None] * 5
                continue
            row += [found[2], *(_date(v, w.date_style, excel) for v in found[3:6]),
                    pos_sep.join(found[6]) if found[6] else None]  # fmt: skip
        rows.append(row)
    return [rows, scope, payers]


def _claims_rows(rng: random.Random, w: _Writer, excel: bool) -> list[list]:
    mod_sep = "," if w.plain else rng.choice([",", ";", "|", " ", "/"])
    dx_sep = "," if w.plain else rng.choice([",", "; ", "|", " ", "/"])
    return w.table([
        ("claim_id", [c[0] for c in CLAIMS]), ("line_no", [c[1] for c in CLAIMS]),
        ("rendering_npi", [c[2] for c in CLAIMS]), ("payer_claims", [c[3] for c in CLAIMS]),
        ("date_of_service", w.dates([c[4] for c in CLAIMS], excel)), ("procedure_code", [c[5] for c in CLAIMS]),
        ("modifiers", [mod_sep.join(c[6]) or None for c in CLAIMS]), ("diagnoses", [dx_sep.join(c[7]) for c in CLAIMS]),
        ("pos", [c[8] for c in CLAIMS]), ("units", [c[9] for c in CLAIMS]),
        ("billed_amount", [f"{c[10]:.2f}" if w.plain or rng.random() < 0.5 else c[10] for c in CLAIMS]),
    ])  # fmt: skip


def _remit_rows(rng: random.Random, w: _Writer, excel: bool) -> list[list]:
    return w.table([
        ("claim_id", [r[0] for r in REMITS]), ("line_no", [r[1] for r in REMITS]),
        ("payer_claims", [r[2] for r in REMITS]), ("adjudication_date", w.dates([r[3] for r in REMITS], excel)),
        ("procedure_code", [r[4] for r in REMITS]), ("remit_billed", [r[5] for r in REMITS]),
        ("paid_amount", [r[6] for r in REMITS]), ("claim_status", [r[7] for r in REMITS]),
        ("carc", [r[8] for r in REMITS]), ("group_code", [r[9] for r in REMITS]),
        ("adjustment_amount", [r[10] for r in REMITS]), ("rarcs", [r[11] for r in REMITS]),
    ])  # fmt: skip


_SHEET_NAMES = ["Sheet1", "Data", "Export", "Tab A", "Report", "Page 2", "List", "Extract", "Tab B", "Output"]


def write_plain(directory: Path) -> Layout:
    """The reference layout: one CSV per roster table, the first plain spelling of every column, ISO dates."""
    rng = random.Random(0)
    directory.mkdir(parents=True, exist_ok=True)
    w = _Writer(rng, directory, plain=True)
    names = ["providers", "credentials", "enrollments", "scope", "payers"]
    written = [
        _write_csv(directory / f"{n}.csv", rows)
        for n, rows in zip(names, _roster_sheets(rng, w, False, False), strict=True)
    ]
    files = [written[-1], *written[:-1]]  # payers first: their names resolve the others' rows
    files.append(_write_csv(directory / "claims.csv", _claims_rows(rng, w, False)))
    files.append(_write_csv(directory / "remits.csv", _remit_rows(rng, w, False)))
    return Layout(-1, files, "plain reference layout")


def write_layout(seed: int, directory: Path, shuffle_files: bool = False) -> Layout:
    """Write the month in the layout of this seed; the files in the order ingest should get them."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    roster_excel = rng.random() < 0.6
    wide = rng.random() < 0.35
    w = _Writer(rng, directory)
    sheets = _roster_sheets(rng, w, roster_excel, wide)
    payers_sheet = sheets[-1]
    rng.shuffle(sheets)
    names = rng.sample(_SHEET_NAMES, len(sheets))
    files: list[Path] = []
    if roster_excel:
        files.append(_write_xlsx(directory / "credentialing.xlsx", list(zip(names, sheets, strict=True))))
    else:
        written = [
            (rows is payers_sheet, _write_csv(directory / f"{name.replace(' ', '_')}.csv", rows))
            for name, rows in zip(names, sheets, strict=True)
        ]
        # The payers CSV first, until held rows load again by themselves when a later upload names their payer.
        files += [path for _is_payers, path in sorted(written, key=lambda item: not item[0])]
    claims_excel = rng.random() < 0.4
    claims = _claims_rows(rng, _Writer(rng, directory), claims_excel)
    remit_writer = _Writer(rng, directory)
    remits = _remit_rows(rng, remit_writer, False)
    if claims_excel:
        files.append(_write_xlsx(directory / "claims.xlsx", [(rng.choice(_SHEET_NAMES), claims)]))
    else:
        files.append(_write_csv(directory / "claims.csv", claims))
    files.append(_write_csv(directory / "remits.csv", remits))
    if shuffle_files:
        rng.shuffle(files)
    description = (
        f"seed {seed}: roster {'wide' if wide else 'long'} in {'one workbook' if roster_excel else 'CSVs'}, "
        f"case {w.case}, pool share {w.pool_share}, dates {w.date_style}"
    )
    return Layout(seed, files, description)
