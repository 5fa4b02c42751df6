"""Held-out layouts: the canonical month (bench/layouts_gen.py) in layouts the recogniser was never tuned on.

Session 2's probe, kept as a sweep (`python -m bench.bench_layouts --held-out`). Two parts:
- RESEARCHED: header spellings written from research of real vendor exports (the source named on each:
  Tebra/Kareo help pages, athenaOne help and data model, Epic open.epic.com EHI tables, Cerner Millennium
  column style, NextGen Enterprise PM report columns, eClinicalWorks, AdvancedMD, DrChrono, Waystar,
  Availity, Change Healthcare, Greenrain, Foothold, symplr CredentialStream, Modio, Medallion, Verisys /
  CAQH, delegated-scope grids, one- and two-row master trackers);
- generated(seed): words from HELD, a pool kept apart from the vocabulary and from layouts_gen.POOL, with
  vendor affixes (PAT_, _C, _DT, _ID, (MM/DD/YYYY), ($), numbering), seven case styles, noise columns
  (state, free text, ICD descriptions, dates, users, zip, phone, TIN), title rows, sheet names of other
  languages' spreadsheet programs, shuffled sheet order, CSV delimiters, date and money styles.
Each layout is measured three ways: the kind of every sheet, each column's mapping (preview.explain with
the database the month loaded into), and the findings against the plain layout's.
Seven of the researched layouts are also hand-checked fixtures (tests/fixtures/layouts, README there).
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from bench.layouts_gen import CLAIMS, CREDENTIALS, ENROLLMENTS, PAYERS, PROVIDERS, REMITS, SCOPE

# key -> canonical column, per table
CANON = {
    "providers": {
        "npi": "npi",
        "provider_name": "provider_name",
        "first": "first_name",
        "last": "last_name",
        "specialty": "specialty",
        "primary_state": "primary_state",
        "pstatus": "status",
    },
    "credentials": {
        "npi": "npi",
        "credential_type": "credential_type",
        "number": "number",
        "state": "state",
        "expiration_date": "expiration_date",
    },
    "payers": {"payer_id": "payer_id", "payer_name": "payer_name", "aliases": "aliases"},
    "enrollments": {
        "npi": "npi",
        "payer": "payer",
        "status": "status",
        "submitted_date": "submitted_date",
        "effective_date": "effective_date",
        "termination_date": "termination_date",
        "allowed_pos": "allowed_pos",
    },
    "service_scope": {
        "npi": "npi",
        "payer": "payer",
        "code_from": "code_from",
        "code_to": "code_to",
        "approved": "approved",
    },
    "claims": {
        "claim_id": "claim_id",
        "line_no": "line_no",
        "rendering_npi": "rendering_npi",
        "payer": "payer_name",
        "dos": "date_of_service",
        "cpt": "procedure_code",
        "mods": "modifiers",
        "mod1": "modifier_1",
        "mod2": "modifier_2",
        "dx": "diagnoses",
        "dx1": "diagnosis_1",
        "dx2": "diagnosis_2",
        "pos": "pos",
        "units": "units",
        "billed": "billed_amount",
    },
    "remits": {
        "claim_id": "claim_id",
        "line_no": "line_no",
        "payer": "payer_name",
        "adj_date": "adjudication_date",
        "cpt": "procedure_code",
        "billed": "billed_amount",
        "paid": "paid_amount",
        "status": "claim_status",
        "carc": "carc",
        "group": "group_code",
        "adj": "adjustment_amount",
        "rarc": "rarcs",
    },
}
NOISE = "noise"  # key prefix of noise columns: expected unmapped-or-anything


def fmt_date(v, style):
    if v is None:
        return None
    return {
        "iso": v.isoformat(),
        "us": v.strftime("%m/%d/%Y"),
        "usdash": v.strftime("%m-%d-%Y"),
        "stamp": v.strftime("%Y-%m-%d") + " 00:00:00",
        "compact": v.strftime("%Y%m%d"),
        "short": f"{v.month}/{v.day}/{v.strftime('%y')}",
        "native": v,
        "isot": v.isoformat() + "T00:00:00",
    }[style]


def fmt_money(v, style):
    if style == "dollar":
        return f"${v:,.2f}"
    if style == "plain":
        return f"{v:.2f}"
    return v


def values(table, rng, opts):
    ds, ms = opts.get("dates", "iso"), opts.get("money", "plain")
    sep = opts.get("list_sep", ",")
    if table == "providers":
        return [
            {
                "npi": p[0],
                "provider_name": p[1],
                "first": p[1].split()[0],
                "last": p[1].split()[1],
                "specialty": p[2],
                "primary_state": p[3],
                "pstatus": opts.get("active_word", p[4]),
            }
            for p in PROVIDERS
        ]
    if table == "credentials":
        cred_words = opts.get("cred_words", {})
        return [
            {
                "npi": c[0],
                "credential_type": cred_words.get(c[1], c[1]),
                "number": c[2],
                "state": c[3],
                "expiration_date": fmt_date(c[4], ds),
            }
            for c in CREDENTIALS
        ]
    if table == "payers":
        asep = opts.get("alias_sep", "|")
        return [{"payer_id": p[0], "payer_name": p[1], "aliases": asep.join(p[2])} for p in PAYERS]
    if table == "enrollments":
        sw = opts.get("status_words", {})
        return [
            {
                "npi": e[0],
                "payer": e[1],
                "status": sw.get(e[2], e[2]),
                "submitted_date": fmt_date(e[3], ds),
                "effective_date": fmt_date(e[4], ds),
                "termination_date": fmt_date(e[5], ds),
                "allowed_pos": opts.get("pos_sep", ",").join(e[6]) if e[6] else None,
            }
            for e in ENROLLMENTS
        ]
    if table == "service_scope":
        aw = opts.get("approve_words", {})
        return [
            {"npi": s[0], "payer": s[1], "code_from": s[2], "code_to": s[3], "approved": aw.get(s[4], s[4])}
            for s in SCOPE
        ]
    if table == "claims":
        out = []
        for c in CLAIMS:
            out.append(
                {
                    "claim_id": c[0],
                    "line_no": c[1],
                    "rendering_npi": c[2],
                    "payer": c[3],
                    "dos": fmt_date(c[4], ds),
                    "cpt": c[5],
                    "mods": sep.join(c[6]) or None,
                    "mod1": c[6][0] if c[6] else None,
                    "mod2": c[6][1] if len(c[6]) > 1 else None,
                    "dx": opts.get("dx_sep", ",").join(c[7]),
                    "dx1": c[7][0],
                    "dx2": c[7][1] if len(c[7]) > 1 else None,
                    "pos": c[8],
                    "units": c[9],
                    "billed": fmt_money(c[10], ms),
                }
            )
        return out
    if table == "remits":
        stw = opts.get("remit_status", {})
        return [
            {
                "claim_id": r[0],
                "line_no": r[1],
                "payer": r[2],
                "adj_date": fmt_date(r[3], ds),
                "cpt": r[4],
                "billed": fmt_money(r[5], ms),
                "paid": fmt_money(r[6], ms),
                "status": stw.get(r[7], r[7]),
                "carc": r[8],
                "group": opts.get("group_words", {}).get(r[9], r[9]),
                "adj": fmt_money(r[10], ms),
                "rarc": r[11],
            }
            for r in REMITS
        ]
    raise KeyError(table)


NOISE_VALUES = {
    "noise_state": lambda i: "TX",
    "noise_text": lambda i: ["follow up in 2 weeks", "", "called payer", "see note", ""][i % 5],
    "noise_icd_desc": lambda i: ["Essential hypertension", "Acute URI", "Chest pain"][i % 3],
    "noise_date": lambda i: "11/01/2026",
    "noise_amount": lambda i: f"{10 + i:.2f}",
    "noise_id": lambda i: f"B{7000 + i}",
    "noise_user": lambda i: ["jdoe", "asmith"][i % 2],
    "noise_city": lambda i: ["Austin", "Dallas", "Waco"][i % 3],
    "noise_zip": lambda i: ["78701", "75201", "76701"][i % 3],
    "noise_phone": lambda i: "512-555-0100",
    "noise_yn": lambda i: ["Y", "N"][i % 2],
    "noise_count": lambda i: str(i % 3),
    "noise_patient": lambda i: ["Doe, Jane", "Roe, Rick", "Poe, Pam"][i % 3],
    "noise_mrn": lambda i: f"MRN{100 + i}",
    "noise_taxid": lambda i: "74-1234567",
}


def rows(table, headers, rng, opts):
    recs = values(table, rng, opts)
    head = [h for _k, h in headers]
    body = []
    for i, rec in enumerate(recs):
        row = []
        for k, _h in headers:
            row.append(NOISE_VALUES[k](i) if k.startswith(NOISE) else rec[k])
        body.append(row)
    titles = opts.get("titles", {}).get(table, [])
    total = opts.get("total_row", False) and table in ("claims", "remits")
    out = [*titles, head, *body]
    if total:
        out.append(["Total"] + [None] * (len(head) - 1))
    return out


@dataclass
class Probe:
    name: str
    source: str  # research source / generator
    tables: dict  # table -> [(key, header)]
    opts: dict = field(default_factory=dict)
    roster_as: str = "xlsx"  # xlsx | csv
    claims_as: str = "csv"
    sheet_names: dict = field(default_factory=dict)
    wide: list | None = None  # a wide tracker header (rows) instead of providers+credentials+enrollments


def write(probe: Probe, directory: Path, rng=None):
    rng = rng or random.Random(0)
    directory.mkdir(parents=True, exist_ok=True)
    roster_tables = [
        t for t in ("payers", "providers", "credentials", "enrollments", "service_scope") if t in probe.tables
    ]
    sheets = []
    for t in roster_tables:
        sheets.append((probe.sheet_names.get(t, t.title()), rows(t, probe.tables[t], rng, probe.opts)))
    if probe.wide is not None:
        sheets.insert(1, (probe.sheet_names.get("wide", "Master"), probe.wide))
    if probe.roster_as == "xlsx" and probe.opts.get("shuffle_sheets"):
        rng.shuffle(sheets)
    files = []
    if probe.roster_as == "xlsx":
        wb = Workbook()
        wb.remove(wb.active)
        for name, rs in sheets:
            ws = wb.create_sheet(name)
            for r in rs:
                ws.append(r)
        p = directory / "credentialing.xlsx"
        wb.save(p)
        files.append(p)
    else:
        # payers first (held rows do not reload yet)
        first = sheets[0]
        sheets = [first] + [s for s in sheets if s is not first]
        for name, rs in sheets:
            p = directory / f"{name.replace(' ', '_')}.csv"
            _csv(p, rs, probe.opts.get("delimiter", ","))
            files.append(p)
    for t in ("claims", "remits"):
        rs = rows(t, probe.tables[t], rng, probe.opts)
        if t == "claims" and probe.claims_as == "xlsx":
            wb = Workbook()
            ws = wb.active
            ws.title = probe.sheet_names.get("claims", "Report")
            for r in rs:
                ws.append(r)
            p = directory / "claims.xlsx"
            wb.save(p)
        else:
            p = directory / f"{t}.csv"
            _csv(p, rs, probe.opts.get("delimiter", ","))
        files.append(p)
    return files


def _csv(path, rs, delimiter):
    with path.open("w", newline="", encoding="utf-8") as h:
        w = csv.writer(h, delimiter=delimiter)
        for r in rs:
            w.writerow(["" if v is None else v for v in r])


PAYER_STD = [("payer_id", "Payer ID"), ("payer_name", "Payer Name"), ("aliases", "Aliases")]
SCOPE_STD = [
    ("npi", "NPI"),
    ("payer", "Payer"),
    ("code_from", "Code From"),
    ("code_to", "Code To"),
    ("approved", "Approved"),
]
PROV_STD = [
    ("npi", "NPI"),
    ("provider_name", "Provider Name"),
    ("specialty", "Specialty"),
    ("primary_state", "State"),
    ("pstatus", "Status"),
]
CRED_STD = [
    ("npi", "NPI"),
    ("credential_type", "Credential Type"),
    ("number", "Number"),
    ("state", "State"),
    ("expiration_date", "Expiration Date"),
]
ENR_STD = [
    ("npi", "NPI"),
    ("payer", "Payer"),
    ("status", "Status"),
    ("submitted_date", "Submitted"),
    ("effective_date", "Effective Date"),
    ("termination_date", "Termination Date"),
    ("allowed_pos", "Allowed POS"),
]
CLAIM_STD = [
    ("claim_id", "Claim ID"),
    ("line_no", "Line"),
    ("rendering_npi", "Rendering NPI"),
    ("payer", "Payer"),
    ("dos", "Date of Service"),
    ("cpt", "CPT"),
    ("mods", "Modifiers"),
    ("dx", "Diagnosis Codes"),
    ("pos", "POS"),
    ("units", "Units"),
    ("billed", "Charges"),
]
REMIT_STD = [
    ("claim_id", "Claim ID"),
    ("line_no", "Line"),
    ("payer", "Payer"),
    ("adj_date", "Check Date"),
    ("cpt", "CPT"),
    ("billed", "Billed"),
    ("paid", "Paid Amount"),
    ("status", "Claim Status"),
    ("carc", "Reason Code"),
    ("group", "Group Code"),
    ("adj", "Adjustment Amount"),
    ("rarc", "Remark Codes"),
]


def std(**over):
    t = {
        "payers": PAYER_STD,
        "providers": PROV_STD,
        "credentials": CRED_STD,
        "enrollments": ENR_STD,
        "service_scope": SCOPE_STD,
        "claims": CLAIM_STD,
        "remits": REMIT_STD,
    }
    t = dict(t)
    t.update(over)
    return t


def wide_rows(style, dates="us"):
    groups = {"Aetna": ("Aetna", "Aetna Health"), "BCBS TX": ("BCBS TX",), "Cigna": ("Cigna",)}
    if style == "one_row":
        head = [
            "NPI #",
            "Clinician",
            "Specialty",
            "St",
            "Lic No",
            "Lic St",
            "Lic Expires",
            "DEA No",
            "DEA St",
            "DEA Expires",
        ]
        for p in groups:
            head += [
                f"{p} - Par Status",
                f"{p} - App Sent",
                f"{p} - Eff",
                f"{p} - Termed",
                f"{p} - Locations",
            ]
        heads = [head]
    else:  # two-row header: payer names over their groups
        top = [None] * 10
        sub = [
            "NPI",
            "Provider",
            "Specialty",
            "State",
            "License Number",
            "License State",
            "License Expiration",
            "DEA Number",
            "DEA State",
            "DEA Expiration",
        ]
        for p in groups:
            top += [p, None, None, None, None]
            sub += ["Network Status", "Date Submitted", "Start", "End", "Allowed Locations"]
        heads = [top, sub]
    out = [*heads]
    for npi, name, spec, state, _s in PROVIDERS:
        lic = next(c for c in CREDENTIALS if c[0] == npi and c[1] == "State License")
        dea = next((c for c in CREDENTIALS if c[0] == npi and c[1] == "DEA"), None)
        row = [npi, name, spec, state, lic[2], lic[3], fmt_date(lic[4], dates)]
        row += [dea[2], dea[3], fmt_date(dea[4], dates)] if dea else [None] * 3
        for spellings in groups.values():
            e = next((e for e in ENROLLMENTS if e[0] == npi and e[1] in spellings), None)
            row += (
                [None] * 5
                if e is None
                else [e[2], *(fmt_date(v, dates) for v in e[3:6]), ",".join(e[6]) if e[6] else None]
            )
        out.append(row)
    return out


RESEARCHED = [
    Probe(
        "tebra_kareo",
        "Tebra/Kareo Encounter procedures grid + Payment Detail (helpme.kareo.com)",
        std(
            claims=[
                ("claim_id", "Encounter ID"),
                ("line_no", "Line #"),
                ("rendering_npi", "Rendering Provider NPI"),
                ("payer", "Primary Insurance Plan"),
                ("dos", "From"),
                ("cpt", "Procedure"),
                ("mod1", "Mod 1"),
                ("mod2", "Mod 2"),
                ("dx1", "Diag 1"),
                ("dx2", "Diag 2"),
                ("units", "Units"),
                ("pos", "POS"),
                ("billed", "Total Charge"),
                ("noise_text", "Line Note"),
                ("noise_amount", "Patient Resp."),
            ],
            remits=[
                ("claim_id", "Encounter ID"),
                ("line_no", "Line #"),
                ("payer", "Payer Name"),
                ("adj_date", "Post Date"),
                ("cpt", "Procedure"),
                ("billed", "Charges"),
                ("paid", "Insurance Payment"),
                ("status", "Status"),
                ("group", "Adj Group"),
                ("carc", "Adjustment Reason"),
                ("adj", "Adjustment"),
                ("rarc", "Remarks"),
            ],
        ),
        {"dates": "us", "money": "dollar"},
    ),
    Probe(
        "athena_api",
        "athenaOne claim data model, run-together lower case (docs.xcaliber.health athena catalogue)",
        std(
            claims=[
                ("claim_id", "claimid"),
                ("line_no", "claimlinenumber"),
                ("rendering_npi", "renderingprovidernpi"),
                ("payer", "primaryinsurancepayer"),
                ("dos", "billedservicedate"),
                ("cpt", "procedurecode"),
                ("mods", "procedurecodemodifiers"),
                ("dx", "diagnosiscodes"),
                ("pos", "placeofservice"),
                ("units", "units"),
                ("billed", "chargeamount"),
                ("noise_id", "appointmentid"),
                ("noise_id", "departmentid"),
            ]
        ),
        {"dates": "iso"},
    ),
    Probe(
        "athena_charge_entry",
        "athenaOne View Claims for Charge Entry Batch columns (help.athenahealth.com)",
        std(
            claims=[
                ("claim_id", "Claim #"),
                ("line_no", "Line"),
                ("rendering_npi", "Rendering Provider NPI"),
                ("payer", "Policy"),
                ("dos", "From"),
                ("pos", "POS"),
                ("cpt", "CPT"),
                ("dx1", "D1"),
                ("dx2", "D2"),
                ("units", "U"),
                ("billed", "Charge"),
                ("noise_text", "Kick/Scrub/Note"),
            ]
        ),
        {"dates": "us"},
    ),
    Probe(
        "epic_clarity",
        "Epic Clarity/EHI tables: TX_ID, LINE, _C_NAME, _AMT, SVC_FROM_DATE (open.epic.com EHITables)",
        std(
            claims=[
                ("claim_id", "TX_ID"),
                ("line_no", "LINE"),
                ("rendering_npi", "SERV_PROVIDER_NPI"),
                ("payer", "PAYOR_ID_PAYOR_NAME"),
                ("dos", "SVC_FROM_DATE"),
                ("cpt", "CPT_CODE"),
                ("mods", "MODIFIERS"),
                ("dx", "DX_LIST"),
                ("pos", "POS_TYPE_C"),
                ("units", "PROCEDURE_QUANTITY"),
                ("billed", "BILLED_AMT"),
                ("noise_date", "POST_DATE"),
                ("noise_user", "USER_ID"),
            ],
            remits=[
                ("claim_id", "INVOICE_NUM"),
                ("line_no", "LINE"),
                ("payer", "PAYOR_NAME"),
                ("adj_date", "PAYMENT_POST_DATE"),
                ("cpt", "CPT_CODE"),
                ("billed", "BILLED_AMT"),
                ("paid", "PAID_AMT"),
                ("status", "RMT_STATUS_C_NAME"),
                ("group", "ADJ_GROUP_C"),
                ("carc", "RSN_CODE_EXTERNAL_ID"),
                ("adj", "ADJ_AMT"),
                ("rarc", "RMC_CODE_LIST"),
            ],
        ),
        {"dates": "stamp"},
    ),
    Probe(
        "cerner_millennium",
        "Cerner Millennium CHARGE / ENCOUNTER column style (_CD, _DT_TM, PRSNL)",
        std(
            claims=[
                ("claim_id", "ENCNTR_ID"),
                ("line_no", "CHARGE_SEQ"),
                ("rendering_npi", "PERFORMING_PRSNL_NPI"),
                ("payer", "HEALTH_PLAN_NAME"),
                ("dos", "SERVICE_DT_TM"),
                ("cpt", "CPT4_CD"),
                ("mod1", "MODIFIER_1_CD"),
                ("mod2", "MODIFIER_2_CD"),
                ("dx1", "DIAG_1_CD"),
                ("dx2", "DIAG_2_CD"),
                ("pos", "LOCATION_POS_CD"),
                ("units", "ITEM_QUANTITY"),
                ("billed", "ITEM_EXTENDED_PRICE"),
                ("noise_zip", "FACILITY_ZIP"),
            ]
        ),
        {"dates": "isot", "money": "raw"},
    ),
    Probe(
        "nextgen_epm",
        "NextGen Enterprise PM report columns: Enc Nbr, Dt of Svc, Sv It, Amt, Md Rc (docs.nextgen.com)",
        std(
            claims=[
                ("claim_id", "Enc Nbr"),
                ("line_no", "Line Nbr"),
                ("rendering_npi", "Rendering NPI"),
                ("payer", "Payer Name"),
                ("dos", "Dt of Svc"),
                ("cpt", "Sv It"),
                ("mod1", "Mod 1"),
                ("mod2", "Mod 2"),
                ("dx1", "Diag Cd 1"),
                ("dx2", "Diag Cd 2"),
                ("pos", "Place of Svc"),
                ("units", "Units"),
                ("billed", "Amt"),
                ("noise_patient", "Pat Name"),
                ("noise_mrn", "Md Rc"),
                ("noise_city", "Loc Name"),
            ]
        ),
        {"dates": "us"},
    ),
    Probe(
        "eclinicalworks",
        "eClinicalWorks claim and ERA report style (Claim No, Svc Dt, Ins Name, Grp, Rem Code)",
        std(
            claims=[
                ("claim_id", "Claim No"),
                ("line_no", "Ln"),
                ("rendering_npi", "Rendering Provider NPI"),
                ("payer", "Ins Name"),
                ("dos", "Svc Dt"),
                ("cpt", "CPT Code"),
                ("mods", "Modifier"),
                ("dx", "ICD Codes"),
                ("pos", "POS"),
                ("units", "Units"),
                ("billed", "Billed Chg"),
            ],
            remits=[
                ("claim_id", "Claim No"),
                ("line_no", "Ln"),
                ("payer", "Payer"),
                ("adj_date", "Check Date"),
                ("cpt", "CPT"),
                ("billed", "Billed"),
                ("noise_amount", "Allowed"),
                ("paid", "Paid"),
                ("status", "Claim Status"),
                ("carc", "Adj Code"),
                ("group", "Grp"),
                ("adj", "Adj Amt"),
                ("rarc", "Rem Code"),
            ],
        ),
        {"dates": "short", "dx_sep": "; "},
        roster_as="csv",
    ),
    Probe(
        "advancedmd",
        "AdvancedMD visit/charge report style (Visit ID, Carrier, Fee, Ins Pymt, Write-Off)",
        std(
            claims=[
                ("claim_id", "Visit ID"),
                ("line_no", "Visit Line"),
                ("rendering_npi", "Provider NPI"),
                ("payer", "Carrier"),
                ("dos", "Date of Service"),
                ("cpt", "Proc"),
                ("mods", "Mods"),
                ("dx", "Dx Codes"),
                ("pos", "POS"),
                ("units", "Units"),
                ("billed", "Fee"),
            ],
            remits=[
                ("claim_id", "Visit ID"),
                ("line_no", "Visit Line"),
                ("payer", "Carrier"),
                ("adj_date", "Deposit Date"),
                ("cpt", "Proc"),
                ("billed", "Fee"),
                ("paid", "Ins Pymt"),
                ("status", "Claim Status"),
                ("carc", "Denial Rsn"),
                ("group", "Adj Grp"),
                ("adj", "Write-Off"),
                ("rarc", "Remark"),
            ],
        ),
        {"dates": "us", "money": "dollar"},
        claims_as="xlsx",
    ),
    Probe(
        "drchrono",
        "DrChrono API/CSV snake_case (appointment_id, line_item, icd10_codes, ins_name)",
        std(
            claims=[
                ("claim_id", "appointment_id"),
                ("line_no", "line_item_id"),
                ("rendering_npi", "doctor_npi"),
                ("payer", "insurance_name"),
                ("dos", "service_date"),
                ("cpt", "code"),
                ("mods", "modifiers"),
                ("dx", "icd10_codes"),
                ("pos", "place_of_service"),
                ("units", "quantity"),
                ("billed", "billed"),
            ],
            remits=[
                ("claim_id", "appointment_id"),
                ("line_no", "line_item_id"),
                ("payer", "ins_name"),
                ("adj_date", "posted_date"),
                ("cpt", "code"),
                ("billed", "billed"),
                ("paid", "paid"),
                ("status", "claim_status"),
                ("carc", "denied_reason"),
                ("group", "adjustment_group"),
                ("adj", "adjustment"),
                ("rarc", "remark_code"),
            ],
        ),
        {"dates": "iso"},
    ),
    Probe(
        "waystar_denials",
        "Waystar/clearinghouse denial report (Pt Acct #, CAS Grp, CAS Rsn, LQ Rmk)",
        std(
            remits=[
                ("claim_id", "Pt Acct #"),
                ("line_no", "Svc Ln"),
                ("payer", "Payer Name"),
                ("adj_date", "Check/EFT Date"),
                ("cpt", "Svc Code"),
                ("billed", "Line Chg"),
                ("paid", "Line Pd"),
                ("status", "Claim Status Desc"),
                ("group", "CAS Grp"),
                ("carc", "CAS Rsn"),
                ("adj", "CAS Amt"),
                ("rarc", "LQ Rmk"),
            ]
        ),
        {"dates": "us", "money": "dollar"},
    ),
    Probe(
        "availity_era",
        "Availity remittance viewer export (Patient Control Number, Adjustment Reason Code)",
        std(
            remits=[
                ("claim_id", "Patient Control Number"),
                ("line_no", "Service Line Number"),
                ("payer", "Payer Name"),
                ("adj_date", "Payment Date"),
                ("cpt", "Procedure/Service"),
                ("billed", "Charge Amount"),
                ("paid", "Payment Amount"),
                ("status", "Claim Status"),
                ("group", "Adjustment Group Code"),
                ("carc", "Adjustment Reason Code"),
                ("adj", "Adjustment Amount"),
                ("rarc", "Remark Codes"),
                ("noise_id", "Payer Claim Control Number"),
            ]
        ),
        {"dates": "usdash"},
    ),
    Probe(
        "change_healthcare",
        "Change Healthcare ERA summary (PCN, Issue Date, Provider Paid)",
        std(
            remits=[
                ("claim_id", "PCN"),
                ("line_no", "Svc #"),
                ("payer", "Payer"),
                ("adj_date", "Issue Date"),
                ("cpt", "HCPCS"),
                ("billed", "Submitted Charge"),
                ("paid", "Provider Paid"),
                ("status", "Claim Status"),
                ("group", "Group"),
                ("carc", "Reason"),
                ("adj", "Amount"),
                ("rarc", "Remarks"),
            ]
        ),
        {"dates": "compact"},
    ),
    Probe(
        "greenrain_payments",
        "Greenrain payments reference report (Settlement Date, Payment Reference)",
        std(
            remits=[
                ("claim_id", "Claim ID"),
                ("line_no", "Activity ID"),
                ("noise_id", "Claim ID Payer"),
                ("payer", "Payer Name"),
                ("adj_date", "Settlement Date"),
                ("cpt", "Activity Code"),
                ("billed", "Gross"),
                ("paid", "Payment Amount"),
                ("status", "Claim Status"),
                ("group", "Adjustment Group"),
                ("carc", "Denial Code"),
                ("adj", "Adjustment Amount"),
                ("rarc", "Remark Code"),
            ]
        ),
        {"dates": "iso"},
    ),
    Probe(
        "foothold_transactions",
        "Foothold claim transactions CSV (Transaction Date, Remit Code, Remark Code)",
        std(
            remits=[
                ("claim_id", "Claim Number"),
                ("line_no", "Line"),
                ("payer", "Payer"),
                ("adj_date", "Transaction Date"),
                ("cpt", "Procedure Code"),
                ("billed", "Billed Amount"),
                ("paid", "Paid Amount"),
                ("status", "Transaction Type"),
                ("group", "Group"),
                ("carc", "Remit Code"),
                ("adj", "Adjustment Amount"),
                ("rarc", "Remark Code"),
                ("noise_id", "Check Number"),
            ]
        ),
        {"dates": "us", "remit_status": {}},
    ),
    Probe(
        "symplr_credentialstream",
        "symplr CredentialStream practitioner/licence/enrollment report style",
        std(
            providers=[
                ("noise_id", "Practitioner ID"),
                ("npi", "NPI #"),
                ("last", "Last Name"),
                ("first", "First Name"),
                ("specialty", "Primary Specialty"),
                ("primary_state", "State"),
                ("pstatus", "Appointment Status"),
            ],
            credentials=[
                ("npi", "NPI #"),
                ("credential_type", "License Category"),
                ("number", "License #"),
                ("state", "Issuing State"),
                ("expiration_date", "Expiration"),
            ],
            enrollments=[
                ("npi", "NPI #"),
                ("payer", "Payor"),
                ("status", "Application Status"),
                ("submitted_date", "Date Sent"),
                ("effective_date", "Effective"),
                ("termination_date", "Term"),
                ("allowed_pos", "POS Allowed"),
            ],
        ),
        {"dates": "us"},
        sheet_names={
            "providers": "Practitioners",
            "credentials": "Licensure",
            "enrollments": "Payor Enrollment",
        },
    ),
    Probe(
        "modio_oneview",
        "Modio OneView enrollment export (Plan Name, Enrollment Status, ... On)",
        std(
            enrollments=[
                ("npi", "Provider NPI"),
                ("payer", "Plan Name"),
                ("status", "Enrollment Status"),
                ("submitted_date", "Application Submitted On"),
                ("effective_date", "Effective On"),
                ("termination_date", "Terminated On"),
                ("allowed_pos", "Locations"),
                ("noise_state", "Plan State"),
            ]
        ),
        {"dates": "iso"},
        sheet_names={"enrollments": "Enrollments Report"},
    ),
    Probe(
        "medallion_api",
        "Medallion API fields snake_case (provider_npi, license_type, expires_at)",
        std(
            providers=[
                ("npi", "npi"),
                ("first", "first_name"),
                ("last", "last_name"),
                ("specialty", "specialty"),
                ("primary_state", "state"),
                ("pstatus", "status"),
            ],
            credentials=[
                ("npi", "provider_npi"),
                ("credential_type", "license_type"),
                ("number", "license_number"),
                ("state", "license_state"),
                ("expiration_date", "expires_at"),
            ],
            enrollments=[
                ("npi", "provider_npi"),
                ("payer", "payer_name"),
                ("status", "enrollment_status"),
                ("submitted_date", "submitted_at"),
                ("effective_date", "effective_at"),
                ("termination_date", "terminated_at"),
                ("allowed_pos", "service_locations"),
            ],
        ),
        {"dates": "isot"},
        roster_as="csv",
    ),
    Probe(
        "verisys_caqh",
        "Verisys / CAQH ProView style (Credential, Jurisdiction, Expiry, Participation Status)",
        std(
            credentials=[
                ("npi", "NPI Number"),
                ("credential_type", "Credential"),
                ("number", "Credential ID"),
                ("state", "Jurisdiction"),
                ("expiration_date", "Expiry"),
            ],
            enrollments=[
                ("npi", "Provider NPI"),
                ("payer", "Plan"),
                ("status", "Participation Status"),
                ("submitted_date", "Date Submitted"),
                ("effective_date", "Participation Effective Date"),
                ("termination_date", "Participation End Date"),
                ("allowed_pos", "Practice Locations"),
            ],
        ),
        {"dates": "us"},
    ),
    Probe(
        "delegated_scope",
        "Delegated services / privileges grid (CPT Start, CPT End, Privilege)",
        std(
            service_scope=[
                ("npi", "Practitioner NPI"),
                ("payer", "Health Plan"),
                ("code_from", "CPT Start"),
                ("code_to", "CPT End"),
                ("approved", "Privilege"),
            ]
        ),
        {"approve_words": {"Approved": "Covered", "Excluded": "Not Covered"}},
        sheet_names={"service_scope": "Privileges"},
    ),
    Probe(
        "wide_one_row",
        "master tracker, one header row, payer - field sub-headers",
        std(),
        {"dates": "us"},
        wide=wide_rows("one_row"),
    ),
    Probe(
        "wide_two_row",
        "master tracker, two-row header, payer over merged groups",
        std(),
        {"dates": "us"},
        wide=wide_rows("two_row"),
    ),
]
for p in RESEARCHED:
    if p.wide is not None:
        for t in ("providers", "credentials", "enrollments"):
            p.tables.pop(t)

# ---------------------------------------------------------------------------------------------
# generated: HELD words (kept apart from the vocabulary and POOL), affixes, case styles, noise
HELD = {
    "npi": ["Natl Provider Identifier", "Type-1 NPI", "Clinician NPI Nbr", "Indiv. NPI #"],
    "provider_name": ["Clinician Display Name", "Provider Legal Name", "Practitioner"],
    "specialty": ["Board Specialty", "Service Line Specialty"],
    "primary_state": ["Home State", "Practicing State"],
    "pstatus": ["Roster Status", "Active?"],
    "payer_id": ["Carrier Code", "Plan Key"],
    "payer_name": ["Carrier Legal Name", "Health Plan Name"],
    "aliases": ["AKA Names", "Alternate Spellings"],
    "credential_type": ["Cred Category", "Expirable Item"],
    "number": ["Cred Nbr", "Doc #"],
    "state": ["Issuing Jurisdiction", "Lic. State"],
    "expiration_date": ["Valid To", "Expiration Dt"],
    "payer": ["Network Name", "Health Plan Name"],
    "status": ["Par Stat", "Network Participation Status"],
    "submitted_date": ["App Sent Dt", "Packet Sent"],
    "effective_date": ["Par Eff Dt", "Go-Live Date"],
    "termination_date": ["Par Term Dt", "Network Exit Date"],
    "allowed_pos": ["POS Codes Allowed", "Approved Locations"],
    "code_from": ["CPT Range Begin", "Starting CPT"],
    "code_to": ["CPT Range Finish", "Ending CPT"],
    "approved": ["Covered?", "Privilege Granted"],
    "claim_id": ["Clm Ctrl Nbr", "Charge Ticket", "Superbill No"],
    "line_no": ["Svc Line Seq", "Charge Seq"],
    "rendering_npi": ["Perf Prov NPI", "Rndr NPI Nbr"],
    "c_payer": ["Pri Ins Carrier", "Financial Payer"],
    "dos": ["Svc Begin Dt", "DOS From"],
    "cpt": ["Billing CPT/HCPCS", "Svc Proc Cd"],
    "mods": ["Mod List", "CPT Mods"],
    "dx": ["ICD-10-CM List", "Dx Cd List"],
    "pos": ["Place of Svc Cd", "POS Cd"],
    "units": ["Svc Units", "Qty Billed"],
    "billed": ["Gross Chg Amt", "Line Chg $"],
    "adj_date": ["Remit Dt", "Pymt Post Dt"],
    "r_billed": ["Orig Chg Amt", "Line Billed $"],
    "paid": ["Ins Pd Amt", "Net Pymt"],
    "r_status": ["Clm Stat", "Payer Determination"],
    "carc": ["CAS Rsn Cd", "Denial Rsn Cd"],
    "group": ["CAS Grp Cd", "Adj Grp Cd"],
    "adj": ["CAS Adj Amt", "Adj $"],
    "rarc": ["RARC List", "Rmk Cd"],
}
ROSTER_KEYS = {
    "payers": ["payer_id", "payer_name", "aliases"],
    "providers": ["npi", "provider_name", "specialty", "primary_state", "pstatus"],
    "credentials": ["npi", "credential_type", "number", "state", "expiration_date"],
    "enrollments": [
        "npi",
        "payer",
        "status",
        "submitted_date",
        "effective_date",
        "termination_date",
        "allowed_pos",
    ],
    "service_scope": ["npi", "payer", "code_from", "code_to", "approved"],
    "claims": [
        "claim_id",
        "line_no",
        "rendering_npi",
        "payer",
        "dos",
        "cpt",
        "mods",
        "dx",
        "pos",
        "units",
        "billed",
    ],
    "remits": [
        "claim_id",
        "line_no",
        "payer",
        "adj_date",
        "cpt",
        "billed",
        "paid",
        "status",
        "carc",
        "group",
        "adj",
        "rarc",
    ],
}
POOL_KEY = {
    ("claims", "payer"): "c_payer",
    ("remits", "payer"): "c_payer",
    ("remits", "billed"): "r_billed",
    ("remits", "status"): "r_status",
}
AFFIX = {
    "date": ["{} (MM/DD/YYYY)", "{}_DT", "{} (mm/dd/yy)"],
    "money": ["{} ($)", "{} USD", "{}_AMT"],
    "id": ["{}_ID", "{} ID"],
    "any": ["PAT_{}", "{}_C", "1. {}", "{}*"],
}
DATE_KEYS = {"expiration_date", "submitted_date", "effective_date", "termination_date", "dos", "adj_date"}
MONEY_KEYS = {"billed", "paid", "adj"}
SHEETS = [
    "Tab1",
    "Sheet 3",
    "Qry_Export",
    "rpt",
    "Hoja1",
    "Feuil1",
    "Tabelle1",
    "Data (2)",
    "Blad1",
    "export_v2",
]
NOISE_KEYS = [
    ("noise_state", ["St Abbr", "Location State"]),
    ("noise_text", ["Comments", "Free Text", "Memo"]),
    ("noise_icd_desc", ["Dx Description", "ICD Desc"]),
    ("noise_date", ["Last Updated", "Created On"]),
    ("noise_user", ["Entered By", "Owner"]),
    ("noise_zip", ["Zip", "Postal Code"]),
    ("noise_phone", ["Phone", "Contact #"]),
    ("noise_taxid", ["TIN", "Tax ID"]),
]


def case(text, style):
    words = re.findall(r"[A-Za-z0-9]+|[#$?*]", text)
    if style == "upper_snake":
        return "_".join(w.upper() for w in words if w.isalnum())
    if style == "camel":
        ws = [w for w in words if w.isalnum()]
        return ws[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in ws[1:])
    if style == "pascal":
        return "".join(w[:1].upper() + w[1:].lower() for w in words if w.isalnum())
    if style == "lower_snake":
        return "_".join(w.lower() for w in words if w.isalnum())
    if style == "upper":
        return text.upper()
    if style == "kebab":
        return "-".join(w.lower() for w in words if w.isalnum())
    return text


def generated(seed):
    rng = random.Random(10_000 + seed)
    style = rng.choice(["title", "upper_snake", "camel", "pascal", "lower_snake", "upper", "kebab"])
    tables = {}
    for table, keys in ROSTER_KEYS.items():
        cols, used = [], set()
        for key in keys:
            pool = HELD[POOL_KEY.get((table, key), key)]
            text = rng.choice(pool)
            r = rng.random()
            if key in DATE_KEYS and r < 0.4:
                text = rng.choice(AFFIX["date"]).format(text)
            elif key in MONEY_KEYS and r < 0.4:
                text = rng.choice(AFFIX["money"]).format(text)
            elif r < 0.12:
                text = rng.choice(AFFIX["any"]).format(text)
            text = case(text, style)
            while text in used:
                text = text + " 2"
            used.add(text)
            cols.append((key, text))
        for nk, names in rng.sample(NOISE_KEYS, rng.choice([0, 1, 2, 3])):
            name = case(rng.choice(names), style)
            if name not in used:
                used.add(name)
                cols.append((nk, name))
        rng.shuffle(cols)
        tables[table] = cols
    opts = {
        "dates": rng.choice(["iso", "us", "usdash", "stamp", "compact", "short", "native", "isot"]),
        "money": rng.choice(["plain", "dollar", "raw"]),
        "alias_sep": rng.choice(["|", "; ", "\n"]),
        "pos_sep": rng.choice([",", ";", " "]),
        "dx_sep": rng.choice([",", "; ", "|", " "]),
        "list_sep": rng.choice([",", ";", " "]),
        "titles": {
            t: rng.choice(
                [[], [["Prairie River Medical Group"], ["Run date 11/02/2026"]], [["Report: " + t]]]
            )
            for t in ROSTER_KEYS
        },
        "total_row": False,
        "shuffle_sheets": rng.random() < 0.6,
        "delimiter": rng.choice([",", ",", ";", "\t"]),
    }
    names = rng.sample(SHEETS, 5)
    sheet_names = dict(
        zip(["payers", "providers", "credentials", "enrollments", "service_scope"], names, strict=False)
    )
    roster_as = rng.choice(["xlsx", "csv"])
    if opts["dates"] == "native" and roster_as == "csv":
        opts["dates"] = "iso"
    return Probe(
        f"gen{seed:02d}",
        f"generated seed {seed}, case {style}",
        tables,
        opts,
        roster_as=roster_as,
        claims_as="csv",
        sheet_names=sheet_names,
    )


def all_probes(n_generated=20):
    return RESEARCHED + [generated(s) for s in range(n_generated)]


# ---------------------------------------------------------------------------------------------
# measuring one layout


def expected_sheets(probe, files):
    """file name -> {sheet name or None: table}"""
    out = {}
    for f in files:
        if f.suffix == ".xlsx" and f.stem == "credentialing":
            d = {
                probe.sheet_names.get(t, t.title()): t for t in probe.tables if t not in ("claims", "remits")
            }
            if probe.wide is not None:
                d[probe.sheet_names.get("wide", "Master")] = "wide"
            out[f.name] = d
        elif f.stem in ("claims", "remits"):
            out[f.name] = {None: f.stem}
        else:
            name = f.stem
            t = next(
                (t for t in probe.tables if probe.sheet_names.get(t, t.title()).replace(" ", "_") == name),
                None,
            )
            if (
                t is None
                and probe.wide is not None
                and probe.sheet_names.get("wide", "Master").replace(" ", "_") == name
            ):
                t = "wide"
            out[f.name] = {None: t}
    return out


def check(probe, directory, plain, template):
    """{'kinds': (right, total), 'cols': (right, total), 'diff': findings/table differences, 'problems'}."""
    import importlib

    from audits.store import connect
    from bench.layouts_check import differences, load_and_audit

    preview = importlib.import_module(
        "audits.ingest.preview"
    )  # the module (audits.ingest.preview is a function)
    files = write(probe, directory / "files", random.Random(0))
    problems = []
    cols_total = cols_right = 0
    kinds_total = kinds_right = 0
    found_tables = load_and_audit(files, directory / "p.duckdb", template)
    with connect(directory / "p.duckdb") as con:
        explained = preview.explain(files, con)
    for found in explained:
        exp = expected_sheets(probe, files)[found.file_name]
        for sheet in found.sheets:
            table = exp.get(sheet.name, exp.get(None))
            kinds_total += 1
            want_kind = "providers" if table == "wide" else table
            if sheet.kind != want_kind or (table == "wide") != sheet.tracker:
                problems.append(
                    f"KIND {found.file_name}/{sheet.name}: want {table} got {sheet.kind} tracker={sheet.tracker} ({'; '.join(sheet.reasons[:3])})"
                )
                continue
            kinds_right += 1
            if table == "wide":
                continue
            got = {c.header: c.canonical for c in sheet.columns}
            for key, header in probe.tables[table]:
                if key.startswith("noise"):
                    if (
                        header in got
                        and got[header] in CANON[table].values()
                        and any(CANON[table].get(k) == got[header] for k, _h in probe.tables[table])
                    ):
                        problems.append(f"NOISE {found.file_name}/{table}: {header!r} took {got[header]}")
                    continue
                cols_total += 1
                want = CANON[table][key]
                if table == "service_scope" and want == "code_to" and got.get(header) == "code":
                    want = "code"
                if got.get(header) == want:
                    cols_right += 1
                else:
                    problems.append(
                        f"COL {found.file_name}/{table}: {header!r} want {want} got {got.get(header)}"
                    )
            for w in sheet.warnings:
                problems.append(f"  warn {found.file_name}/{table}: {w[:160]}")
    diff = differences(plain, found_tables)
    return {
        "kinds": (kinds_right, kinds_total),
        "cols": (cols_right, cols_total),
        "diff": diff,
        "problems": problems,
    }
