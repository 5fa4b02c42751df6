"""Write the demo practice as the files an analyst would upload.

- credentialing workbook (.xlsx): a wide "Master Tracker" (two-row header, payer names over
  merged cells) plus long sheets "Credential History", "Enrollment History", "Approved Services"
  and "Payers", the long ones under a title row and an "Exported on" row;
- claims export per service month (.csv, vendor headers, `$1,234.00` charges, a `Total` row);
- remittance export per service month: a CSV with one row per adjustment, one month as .xlsx
  with one row per line (CARC 1..3, Adj Amt 1..3, RARC 1..2);
- X12 5010 835 files, one per payer for the last month (those lines are in no export).

Every file is a pure function of its inputs: no clock, no unordered iteration, and the xlsx
zip entries carry a fixed timestamp, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from audits.demo.claims import Practice
from audits.demo.roster import PAYERS, PRACTICE_NAME, Roster

X12_PAYERS = ("MCR", "BCBS", "UHC", "AETNA")  # the payers whose last month comes as 835 files
XLSX_REMIT_MONTH = 6  # index of the month whose remittance export is a workbook
GROUP_WORDS = {"CO": "Contractual Obligation", "PR": "Patient Responsibility", "OA": "Other Adjustment"}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_GROUP_FILL = PatternFill("solid", fgColor="BDD7EE")
_THIN = Side(style="thin", color="9BC2E6")
DATE_FORMAT = "mm/dd/yyyy"


# --------------------------------------------------------------------------------------------
# helpers


def _us_dates(values) -> np.ndarray:
    """datetime64 values -> 'MM/DD/YYYY' text."""
    return pd.Series(pd.to_datetime(np.asarray(values))).dt.strftime("%m/%d/%Y").to_numpy(dtype=object)


def _dollars(cents: np.ndarray) -> np.ndarray:
    return np.array([f"{c / 100:.2f}" for c in cents], dtype=object)


def _charges(cents: np.ndarray) -> np.ndarray:
    return np.array([f"${c // 100:,}.{c % 100:02d}" for c in cents], dtype=object)


def freeze_xlsx(path: Path, when: dt.datetime) -> None:
    """Make an openpyxl workbook byte-reproducible: fixed document dates and zip timestamps."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<3>", text
                )
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
    path.write_bytes(buffer.getvalue())


def _title_rows(ws, title: str, exported: dt.date) -> None:
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Exported on {exported:%m/%d/%Y}"])
    ws["A2"].font = Font(italic=True, color="595959")


def _header(ws, row: int, names: list[str]) -> None:
    for col, name in enumerate(names, start=1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = Border(bottom=_THIN)
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _widths(ws, widths: list[int]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _date_cells(ws, first_row: int, columns: list[int]) -> None:
    for row in ws.iter_rows(min_row=first_row):
        for col in columns:
            row[col - 1].number_format = DATE_FORMAT


# --------------------------------------------------------------------------------------------
# credentialing workbook

TRACKER_PROVIDER_COLUMNS = [
    "Provider Name", "NPI", "Specialty", "Taxonomy", "Primary State", "Hire Date", "Status",
    "License #", "License State", "License Issued", "License Expires",
    "DEA #", "DEA State", "DEA Expires",
    "Board Certification", "Board Cert #", "Board Expires",
    "Malpractice Policy #", "Malpractice Expires",
]  # fmt: skip
TRACKER_PAYER_COLUMNS = ["Status", "Submitted", "Effective", "Term Date", "POS"]


def write_roster_workbook(path: Path, roster: Roster) -> Path:
    exported = roster.end
    wb = Workbook()
    ws = wb.active
    ws.title = "Master Tracker"
    n_fixed = len(TRACKER_PROVIDER_COLUMNS)
    # Row 1: payer names over merged cells; row 2: the column names.
    for i, payer in enumerate(PAYERS):
        first = n_fixed + 1 + i * len(TRACKER_PAYER_COLUMNS)
        cell = ws.cell(row=1, column=first, value=payer.name)
        cell.font = Font(bold=True)
        cell.fill = _GROUP_FILL
        cell.alignment = Alignment(horizontal="center")
        ws.merge_cells(
            start_row=1, start_column=first, end_row=1, end_column=first + len(TRACKER_PAYER_COLUMNS) - 1
        )
    _header(ws, 2, TRACKER_PROVIDER_COLUMNS + TRACKER_PAYER_COLUMNS * len(PAYERS))

    def current(p, label):
        return next(
            (c for c in roster.credentials if c.npi == p.npi and c.label == label and c.in_tracker), None
        )

    for p in roster.providers:
        licence, dea, board, mal = (
            current(p, x) for x in ("State License", "DEA", "Board Certification", "Malpractice")
        )
        row = [
            p.name, int(p.npi), p.specialty, p.taxonomy, "TX", p.hire_date, p.status,
            licence.number, licence.state, licence.issue_date, licence.expiration_date,
            dea.number if dea else None, dea.state if dea else None, dea.expiration_date if dea else None,
            p.board if board else None, board.number if board else None, board.expiration_date if board else None,
            mal.number, mal.expiration_date,
        ]  # fmt: skip
        for payer in PAYERS:
            e = next(
                (
                    e
                    for e in roster.enrollments
                    if e.npi == p.npi and e.payer_id == payer.payer_id and e.in_tracker
                ),
                None,
            )
            if e is None:
                row += [None] * len(TRACKER_PAYER_COLUMNS)  # blank group: no enrollment row
            else:
                row += [
                    e.label,
                    e.submitted_date,
                    e.effective_date,
                    e.termination_date,
                    e.allowed_pos or None,
                ]
        ws.append(row)
    date_cols = [6, 10, 11, 14, 17, 19]
    for i in range(len(PAYERS)):
        base = n_fixed + i * len(TRACKER_PAYER_COLUMNS)
        date_cols += [base + 2, base + 3, base + 4]
    _date_cells(ws, 3, date_cols)
    ws.freeze_panes = "C3"
    _widths(ws, [26, 12, 22, 12, 8, 11, 9, 10, 8, 11, 11, 11, 8, 11, 12, 14, 11, 14, 11] + [12] * 45)

    # Credential History: earlier and additional credentials.
    ws = wb.create_sheet("Credential History")
    _title_rows(ws, f"{PRACTICE_NAME} - Credential History", exported)
    columns = ["NPI", "Provider Name", "Credential Type", "Number", "State", "Issue Date", "Expiration Date"]
    _header(ws, 3, columns)
    names = {p.npi: p.name for p in roster.providers}
    for c in roster.credentials:
        if not c.in_tracker:
            ws.append(
                [c.npi, names[c.npi], c.label, c.number, c.state or None, c.issue_date, c.expiration_date]
            )
    _date_cells(ws, 4, [6, 7])
    _widths(ws, [12, 26, 18, 16, 7, 12, 14])

    # Enrollment History: earlier enrollment periods of provider-payer pairs.
    ws = wb.create_sheet("Enrollment History")
    _title_rows(ws, f"{PRACTICE_NAME} - Enrollment History", exported)
    columns = [
        "NPI",
        "Provider Name",
        "Payer",
        "Status",
        "Submitted Date",
        "Effective Date",
        "Term Date",
        "POS",
    ]
    _header(ws, 3, columns)
    payer_names = {p.payer_id: p.name for p in PAYERS}
    for e in roster.enrollments:
        if not e.in_tracker:
            ws.append([e.npi, names[e.npi], payer_names[e.payer_id], e.label, e.submitted_date, e.effective_date,
                       e.termination_date, e.allowed_pos or None])  # fmt: skip
    _date_cells(ws, 4, [5, 6, 7])
    _widths(ws, [12, 26, 28, 14, 14, 14, 12, 10])

    ws = wb.create_sheet("Approved Services")
    _title_rows(ws, f"{PRACTICE_NAME} - Approved Services by Payer", exported)
    _header(ws, 3, ["NPI", "Provider Name", "Payer ID", "Code From", "Code To", "Approved"])
    for npi, payer_id, low, high, approved in roster.scope:
        ws.append([npi, names[npi], payer_id, low, high, "Approved" if approved else "Excluded"])
    _widths(ws, [12, 26, 10, 10, 10, 10])

    ws = wb.create_sheet("Payers")
    _title_rows(ws, f"{PRACTICE_NAME} - Payers", exported)
    _header(ws, 3, ["Payer ID", "Payer Name", "Aliases"])
    for payer in PAYERS:
        ws.append([payer.payer_id, payer.name, "|".join(payer.aliases)])
    _widths(ws, [10, 30, 60])

    wb.properties.creator = PRACTICE_NAME
    wb.save(path)
    freeze_xlsx(path, dt.datetime.combine(exported, dt.time(17, 0)))
    return path


# --------------------------------------------------------------------------------------------
# claims


def claims_frame(practice: Practice, rows: np.ndarray) -> pd.DataFrame:
    lines = practice.lines.iloc[rows]
    patients = practice.patients.set_index("patient").loc[lines["patient"].to_numpy()]
    mods = lines["mods"].str.split(",", expand=False)
    frame = pd.DataFrame(
        {
            "Claim #": lines["claim_id"].to_numpy(),
            "Line #": lines["line_no"].to_numpy(),
            "Patient Name": patients["name"].to_numpy(),
            "Member ID": patients["member_id"].to_numpy(),
            "Patient DOB": _us_dates(patients["dob"].to_numpy()),
            "Rendering Provider NPI": lines["rendering_npi"].to_numpy(),
            "Billing NPI": "",
            "Primary Insurance": lines["payer_name"].to_numpy(),
            "Date of Service": _us_dates(lines["dos"].to_numpy()),
            "Submitted Date": _us_dates(lines["submitted"].to_numpy()),
            "CPT/HCPCS": lines["code"].to_numpy(),
        }
    )
    for j in range(4):
        frame[f"Mod {j + 1}"] = [m[j] if j < len(m) and m[j] else "" for m in mods]
    for j in range(4):
        frame[f"Dx {j + 1}"] = lines[f"dx{j + 1}"].to_numpy()
    frame["POS"] = lines["pos"].to_numpy()
    frame["Units"] = lines["units"].to_numpy()
    frame["Charges"] = _charges(lines["charge"].to_numpy())
    frame["Service State"] = lines["state"].to_numpy()
    return frame


def write_claims_csv(path: Path, practice: Practice, rows: np.ndarray, billing_npi: str) -> Path:
    frame = claims_frame(practice, rows)
    frame["Billing NPI"] = billing_npi
    total = {column: "" for column in frame.columns}
    total["Claim #"] = "Total"
    total["Charges"] = _charges(np.array([practice.lines["charge"].to_numpy()[rows].sum()]))[0]
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame.to_csv(path, index=False, lineterminator="\r\n")
    return path


# --------------------------------------------------------------------------------------------
# remittances


def _procedure_composite(lines: pd.DataFrame) -> np.ndarray:
    return np.array(
        [
            f"HC:{c}" + "".join(f":{m}" for m in mods.split(",") if m)
            for c, mods in zip(lines["code"], lines["mods"], strict=True)
        ],
        dtype=object,
    )


def _remit_payer_names(rng_seed: int, lines: pd.DataFrame) -> np.ndarray:
    """Payers print their own name on a remittance, in one of its spellings."""
    rng = np.random.default_rng(rng_seed)
    payer = lines["payer"].to_numpy()
    names = np.empty(len(payer), dtype=object)
    pick = rng.random(len(payer))
    for i, p in enumerate(PAYERS):
        mask = payer == i
        options = np.array((p.name, p.name.upper(), *p.aliases[:1]), dtype=object)
        names[mask] = options[(pick[mask] * len(options)).astype(int)]
    return names


def _status(lines: pd.DataFrame) -> np.ndarray:
    return np.where(lines["denied"].to_numpy(), "Denied", "Paid").astype(object)


def write_remits_csv(
    path: Path, practice: Practice, rows: np.ndarray, seed: int, recoup_rows: np.ndarray | None = None
) -> Path:
    """One row per adjustment; then, for recoup_rows (earlier lines paid despite a credentialing
    problem), the payer's reversal (negated amounts) and its reprocessing as a denial."""
    frame = _adjustment_rows(practice, rows, seed)
    if recoup_rows is not None and len(recoup_rows):
        frame = pd.concat([frame, _recoupment_rows(practice, recoup_rows, seed)], ignore_index=True)
    frame.to_csv(path, index=False, lineterminator="\r\n")
    return path


REMIT_COLUMNS = [
    "Claim Number", "Line", "Payer", "Check Date", "Procedure", "Rendering NPI", "Billed", "Paid",
    "Claim Status", "Group Code", "Reason Code", "Adjustment Amount", "Remark Codes",
]  # fmt: skip


def _recoupment_rows(practice: Practice, rows: np.ndarray, seed: int) -> pd.DataFrame:
    lines = practice.lines.iloc[rows]
    reversal = _adjustment_rows(practice, rows, seed, sign=-1)
    reversal["Check Date"] = reversal["Claim Number"].map(
        dict(zip(lines["claim_id"], _us_dates(lines["recoup_date"].to_numpy()), strict=False))
    )
    reversal["Claim Status"] = "Reversed"
    spell = np.array([p.spell_out_groups for p in PAYERS])[lines["payer"].to_numpy()]
    denial = pd.DataFrame(
        {
            "Claim Number": lines["claim_id"].to_numpy(),
            "Line": lines["line_no"].to_numpy(),
            "Payer": _remit_payer_names(seed, lines),
            "Check Date": _us_dates(lines["recoup_date"].to_numpy()),
            "Procedure": _procedure_composite(lines),
            "Rendering NPI": lines["rendering_npi"].to_numpy(),
            "Billed": _dollars(lines["charge"].to_numpy()),
            "Paid": "0.00",
            "Claim Status": "Denied",
            "Group Code": np.where(spell, GROUP_WORDS["CO"], "CO"),
            "Reason Code": lines["recoup_carc"].to_numpy(),
            "Adjustment Amount": _dollars(lines["charge"].to_numpy()),
            "Remark Codes": lines["recoup_rarc"].to_numpy(),
        }
    )
    return pd.concat([reversal, denial], ignore_index=True)[REMIT_COLUMNS]


def _adjustment_rows(practice: Practice, rows: np.ndarray, seed: int, sign: int = 1) -> pd.DataFrame:
    lines = practice.lines.iloc[rows]
    adj = practice.adjustments[practice.adjustments["line"].isin(rows)]
    per_line = pd.DataFrame(
        {
            "line": rows,
            "Claim Number": lines["claim_id"].to_numpy(),
            "Line": lines["line_no"].to_numpy(),
            "Payer": _remit_payer_names(seed, lines),
            "Check Date": _us_dates(lines["check_date"].to_numpy()),
            "Procedure": _procedure_composite(lines),
            "Rendering NPI": lines["rendering_npi"].to_numpy(),
            "Billed": _dollars(sign * lines["charge"].to_numpy()),
            "Paid": _dollars(sign * lines["paid"].to_numpy()),
            "Claim Status": _status(lines),
            "spell": np.array([p.spell_out_groups for p in PAYERS])[lines["payer"].to_numpy()],
        }
    )
    frame = adj.merge(per_line, on="line", how="left", sort=False)
    frame = frame.sort_values(["line", "position"], kind="stable")
    group = frame["group"].to_numpy(dtype=object)
    spelled = np.array([GROUP_WORDS[g] for g in group], dtype=object)
    frame["Group Code"] = np.where(frame["spell"].to_numpy(), spelled, group)
    frame["Reason Code"] = frame["carc"].to_numpy()
    frame["Adjustment Amount"] = _dollars(sign * frame["amount"].to_numpy())
    frame["Remark Codes"] = frame["rarc"].to_numpy()
    return frame[REMIT_COLUMNS].reset_index(drop=True)


def write_remits_xlsx(path: Path, practice: Practice, rows: np.ndarray, seed: int, exported: dt.date) -> Path:
    lines = practice.lines.iloc[rows]
    adj = practice.adjustments[practice.adjustments["line"].isin(rows)]
    by_line: dict[int, list[tuple[str, str, int, str]]] = {}
    for line, group, carc, amount, rarc in zip(
        adj["line"].to_numpy(), adj["group"], adj["carc"], adj["amount"].to_numpy(), adj["rarc"], strict=True
    ):
        by_line.setdefault(int(line), []).append((group, carc, int(amount), rarc))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Remittance Detail")
    ws.append([f"{PRACTICE_NAME} - Remittance Detail (one row per line)"])
    header = ["Claim Number", "Line", "Payer", "Check Date", "Procedure", "Rendering NPI", "Billed", "Paid",
              "Claim Status", "CARC 1", "Adj Amt 1", "CARC 2", "Adj Amt 2", "CARC 3", "Adj Amt 3", "RARC 1",
              "RARC 2"]  # fmt: skip
    ws.append(header)
    payers = _remit_payer_names(seed, lines)
    procedures = _procedure_composite(lines)
    status = _status(lines)
    checks = pd.to_datetime(lines["check_date"].to_numpy()).date
    for k, (line, claim_id, line_no, npi, billed, paid) in enumerate(
        zip(
            rows,
            lines["claim_id"],
            lines["line_no"],
            lines["rendering_npi"],
            lines["charge"],
            lines["paid"],
            strict=True,
        )
    ):
        adjustments = by_line.get(int(line), [])[:3]
        cells: list[object] = [claim_id, int(line_no), payers[k], checks[k], procedures[k], npi, billed / 100,
                               paid / 100, status[k]]  # fmt: skip
        remarks = [r for _g, _c, _a, r in adjustments if r][:2]
        for j in range(3):
            if j < len(adjustments):
                g, c, a, _r = adjustments[j]
                cells += [f"{g}-{c}", a / 100]
            else:
                cells += [None, None]
        cells += [remarks[0] if remarks else None, remarks[1] if len(remarks) > 1 else None]
        ws.append(cells)
    wb.save(path)
    freeze_xlsx(path, dt.datetime.combine(exported, dt.time(17, 0)))
    return path


# --------------------------------------------------------------------------------------------
# X12 835


def _amount(cents: int) -> str:
    return f"{cents / 100:.2f}"


def write_835(
    path: Path, practice: Practice, rows: np.ndarray, roster: Roster, payer_index: int, control: int
) -> Path:
    """One 835 interchange for one payer: a transaction set (BPR/TRN) per check date.

    Balanced as X12 defines it: SVC03 = SVC02 - the line's CAS, CLP04 = CLP03 - every CAS of
    the claim (no claim-level CAS here), BPR02 = the sum of CLP04 in the transaction set.
    """
    payer = PAYERS[payer_index]
    lines = practice.lines.iloc[rows]
    check = pd.to_datetime(lines["check_date"].to_numpy()).strftime("%Y%m%d").to_numpy()
    order = np.lexsort((lines["line_no"].to_numpy(), lines["claim_id"].to_numpy().astype(str), check))
    rows, check = np.asarray(rows)[order], check[order]
    lines = practice.lines.iloc[rows]
    adj = practice.adjustments[practice.adjustments["line"].isin(rows)]
    adj_by_line: dict[int, list[tuple[str, str, int, str]]] = {}
    for line, group, carc, amount, rarc in zip(
        adj["line"].to_numpy(), adj["group"], adj["carc"], adj["amount"].to_numpy(), adj["rarc"], strict=True
    ):
        adj_by_line.setdefault(int(line), []).append((group, carc, int(amount), rarc))
    patients = practice.patients.set_index("patient")
    patient_rows = patients.loc[lines["patient"].to_numpy()]
    pat_name = patient_rows["name"].to_numpy()
    member = patient_rows["member_id"].to_numpy()
    providers = {p.npi: p for p in roster.providers}
    claim_id = lines["claim_id"].to_numpy()
    line_no = lines["line_no"].to_numpy()
    npi = lines["rendering_npi"].to_numpy()
    code = lines["code"].to_numpy()
    mods = lines["mods"].to_numpy()
    charge = lines["charge"].to_numpy()
    paid = lines["paid"].to_numpy()
    units = lines["units"].to_numpy()
    denied = lines["denied"].to_numpy()
    pos = lines["pos"].to_numpy()
    dos = pd.to_datetime(lines["dos"].to_numpy()).strftime("%Y%m%d").to_numpy()
    received = (
        (pd.to_datetime(lines["submitted"].to_numpy()) + pd.Timedelta(days=1)).strftime("%Y%m%d").to_numpy()
    )
    n = len(rows)
    # Claim boundaries (a claim's lines share one check date) and per-claim totals.
    starts = [i for i in range(n) if i == 0 or claim_id[i] != claim_id[i - 1] or check[i] != check[i - 1]]
    bounds = list(zip(starts, [*starts[1:], n], strict=True))
    checks = sorted(set(check.tolist()))
    last = checks[-1] if checks else roster.end.strftime("%Y%m%d")
    sender = f"{payer.payer_id}ERA".ljust(15)
    receiver = "PRAIRIERIVER".ljust(15)
    out: list[str] = [
        f"ISA*00*          *00*          *ZZ*{sender}*ZZ*{receiver}*{last[2:]}*0600*^*00501*{control:09d}*0*P*:",
        f"GS*HP*{sender.strip()}*{receiver.strip()}*{last}*0600*{control}*X*005010X221A1",
    ]
    payer_tax = f"1{hash_id(payer.payer_id) % 10**9:09d}"
    claim_iter = iter(bounds)
    pending = next(claim_iter, None)
    for st_number, check_date in enumerate(checks, start=1):
        claims = []
        while pending is not None and check[pending[0]] == check_date:
            claims.append(pending)
            pending = next(claim_iter, None)
        total_paid = int(sum(paid[a:b].sum() for a, b in claims))
        segments: list[str] = [f"ST*835*{st_number:04d}"]
        if total_paid > 0:
            segments.append(
                f"BPR*I*{_amount(total_paid)}*C*ACH*CCP*01*111000025*DA*4401001*{payer_tax}**01*113000023*DA*"
                f"9907002*{check_date}"
            )
        else:
            segments.append(f"BPR*H*0.00*C*NON************{check_date}")
        segments += [
            f"TRN*1*{payer.payer_id}{check_date}{st_number:03d}*{payer_tax}",
            f"DTM*405*{check_date}",
            f"N1*PR*{payer.name.upper()}",
            "N3*PO BOX 14000",
            "N4*DALLAS*TX*75201",
            f"N1*PE*{PRACTICE_NAME}*XX*{roster.billing_npi}",
            "LX*1",
        ]
        for a, b in claims:
            all_adj = [x for i in range(a, b) for x in adj_by_line.get(int(rows[i]), [])]
            patient_resp = sum(amount for group, _c, amount, _r in all_adj if group == "PR")
            status = "4" if denied[a:b].all() else "1"
            last_name, _, first_name = pat_name[a].partition(", ")
            prov = providers.get(npi[a])
            prov_name = f"{prov.last_name.upper()}*{prov.first_name.upper()}" if prov else "PROVIDER*UNLISTED"
            segments += [
                f"CLP*{claim_id[a]}*{status}*{_amount(int(charge[a:b].sum()))}*{_amount(int(paid[a:b].sum()))}*"
                f"{_amount(patient_resp)}*{payer.filing_code}*{payer.payer_id[:2]}{claim_id[a][1:]}{check_date[4:]}*"
                f"{pos[a]}*1",
                f"NM1*QC*1*{last_name}*{first_name}****MI*{member[a]}",
                f"NM1*82*1*{prov_name}****XX*{npi[a]}",
                f"DTM*050*{received[a]}",
            ]
            for i in range(a, b):
                composite = "HC:" + code[i] + "".join(f":{m}" for m in mods[i].split(",") if m)
                segments += [
                    f"SVC*{composite}*{_amount(int(charge[i]))}*{_amount(int(paid[i]))}**{int(units[i])}",
                    f"DTM*472*{dos[i]}",
                ]
                line_adj = adj_by_line.get(int(rows[i]), [])
                for group in ("CO", "PR", "OA"):
                    items = [f"{c}*{_amount(amount)}" for g, c, amount, _r in line_adj if g == group]
                    if items:
                        segments.append(f"CAS*{group}*" + "**".join(items))
                segments.append(f"REF*6R*{int(line_no[i])}")
                if not denied[i]:
                    allowed = int(charge[i]) - sum(amount for g, _c, amount, _r in line_adj if g == "CO")
                    segments.append(f"AMT*B6*{_amount(allowed)}")
                segments += [f"LQ*HE*{r}" for _g, _c, _a, r in line_adj if r]
        segments.append(f"SE*{len(segments) + 1}*{st_number:04d}")
        out += segments
    out += [f"GE*{len(checks)}*{control}", f"IEA*1*{control:09d}"]
    path.write_text("~\n".join(out) + "~\n", encoding="ascii")
    return path


def hash_id(text: str) -> int:
    """A small stable number from text (Python's hash() is salted per process)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % 1_000_000_007
    return value
