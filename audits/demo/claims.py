"""The demo practice's claim lines and the payers' answers to them, generated with numpy.

Claims are encounters drawn from per-specialty templates (an E/M visit, a visit with a
procedure, a telehealth visit, an imaging read...), for patients whose insurance sets the payer.
The payer's answer follows the roster the way payers behave: most lines the roster cannot
support are denied with a credentialing CARC, some are paid anyway (recoupment risk), a few
clean lines are denied for credentialing anyway (the payer's records are wrong), and the rest
see ordinary denials and the usual contractual and patient-responsibility adjustments.

Nothing here reads the database or the audit rules: the generator's own notion of a planted
problem only steers the payers' answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from audits.config import REFERENCE_DIR
from audits.demo.roster import (
    ADULT_PAYER_MIX,
    CHILD_PAYER_MIX,
    FIRST_NAMES,
    LAST_NAMES,
    PAYERS,
    Roster,
    make_npis,
)
from audits.errors import InputError

# Practice charge master, in cents per unit (synthetic amounts).
CHARGES = {
    "99202": 15000, "99203": 22000, "99204": 33000, "99205": 42000, "99211": 6000, "99212": 11000,
    "99213": 16500, "99214": 24000, "99215": 32000, "99223": 38000, "99232": 15500,
    "99391": 20000, "99392": 21000, "99393": 21000, "99394": 22500, "99395": 26000, "99396": 28000,
    "G0439": 19000, "G2211": 4000, "90471": 3500, "90686": 4500, "90460": 4000, "90700": 6500,
    "36415": 1500, "80053": 4500, "85025": 3000, "0241U": 25000, "87880": 3500, "96110": 3000,
    "93000": 7500, "93015": 25000, "93224": 30000, "93306": 75000, "93350": 90000, "93451": 210000,
    "93454": 280000, "93458": 320000, "92928": 650000,
    "20610": 18000, "20611": 22000, "J1030": 3000, "73562": 14000, "27447": 650000, "29881": 300000,
    "L1833": 15000,
    "11102": 19000, "11103": 8000, "17000": 14000, "17003": 2000, "17110": 18000, "11900": 11000,
    "J3301": 1500,
    "90791": 30000, "90792": 35000, "90837": 22000, "90834": 16000, "90832": 11000, "90833": 9500,
    "90847": 17000, "96127": 2000,
    "71046": 18000, "73030": 14000, "70450": 80000, "74177": 140000, "76700": 45000, "77067": 33000,
    "72148": 150000,
}  # fmt: skip

# Per practice type: (weight, place-of-service options, lines as "CODE[:MODS][*UNITS]").
# MODS are comma-separated; "LR" becomes RT or LT per claim; UNITS is n or lo-hi.
TEMPLATES: dict[str, list[tuple[float, str, str]]] = {
    "primary": [
        (30, "11", "99213"), (22, "11", "99214"), (5, "11", "99215"), (4, "11", "99203"), (3, "11", "99204"),
        (2, "11", "99202"), (2, "11", "99212"), (6, "11", "99396"), (4, "11", "99395"),
        (5, "11", "99214 G2211"), (3, "11", "G0439"), (3, "11", "99213:25 20610:LR"),
        (2, "11", "99214:25 17110"), (3, "10", "99213:95"), (2, "02", "99214:95"),
        (2, "11", "99213 90471 90686"), (2, "11", "99214 93000"), (0.3, "11", "99213 0241U"),
    ],
    "internal": [
        (24, "11", "99213"), (26, "11", "99214"), (8, "11", "99215"), (3, "11", "99204"), (2, "11", "99205"),
        (6, "11", "99214 G2211"), (4, "11", "G0439"), (5, "11", "99214 36415 80053"),
        (3, "11", "99213 36415 85025"), (3, "11", "99214 93000"), (3, "10", "99214:95"),
        (2, "02", "99213:95"), (2, "21", "99232"), (0.3, "11", "99214 0241U"),
    ],
    "cardiology": [
        (25, "11", "99214"), (12, "11", "99213"), (6, "11", "99204"), (4, "11", "99205"),
        (12, "11", "99214:25 93000"), (12, "11", "93306"), (5, "22", "93306:26"), (6, "11", "93015 93350"),
        (5, "11", "93224"), (3, "11", "99214 G2211"), (3, "02", "99214:95"), (5, "22", "93458:26"),
    ],
    "interventional": [
        (20, "11", "99214"), (10, "11", "99213"), (15, "22", "93458:26"), (6, "22", "93454:26"),
        (10, "11", "93306"), (10, "11", "99214:25 93000"), (5, "22", "92928:26"), (7, "21", "99223"),
        (10, "21", "99232"), (3, "22", "93451:26"),
    ],
    "ortho": [
        (15, "11", "99213"), (12, "11", "99214"), (6, "11", "99204"), (6, "11", "99203"),
        (12, "11", "99213:25 20610:LR"), (5, "11", "99214:25 20610:LR J1030*1-4"), (5, "11", "73562:LR"),
        (6, "11", "99213 73562:LR"), (3, "21|22", "27447:LR"), (4, "24", "29881:LR"), (2, "11", "L1833:LR"),
        (2, "11", "20611:LR"), (1, "02", "99213:95"),
    ],
    "ortho_pa": [
        (25, "11", "99213"), (15, "11", "99214"), (8, "11", "99203"), (14, "11", "99213:25 20610:LR"),
        (6, "11", "73562:LR"), (4, "11", "L1833:LR"), (3, "11", "20611:LR"), (2, "22", "27447:AS,LR"),
        (1.5, "24", "29881:AS,LR"),
    ],
    "derm": [
        (15, "11", "99213"), (8, "11", "99214"), (6, "11", "99203"), (3, "11", "99202"),
        (10, "11", "99213:25 11102"), (5, "11", "11102 11103*1-3"), (10, "11", "17000 17003*2-9"),
        (8, "11", "99213:25 17000"), (6, "11", "17110"), (3, "11", "11900 J3301*1-4"),
        (4, "11", "99213:25 11102 17000:59"),
    ],
    "peds": [
        (20, "11", "99213"), (10, "11", "99214"), (6, "11", "99392"), (5, "11", "99393"), (5, "11", "99391"),
        (4, "11", "99394"), (8, "11", "99213 87880"), (6, "11", "99392:25 90460 90700"), (2, "10", "99213:95"),
        (2, "11", "99213 96110"), (0.3, "11", "99213 0241U"),
    ],
    "psychiatry": [
        (25, "11", "99214"), (10, "11", "99213"), (15, "11", "99214 90833"), (5, "11", "90792"),
        (15, "10", "99214:95"), (5, "02", "99213:95"), (8, "10", "99214:95 90833:95"), (3, "11", "96127*1-2"),
    ],
    "therapy": [
        (35, "11", "90837"), (20, "11", "90834"), (8, "11", "90791"), (20, "10", "90837:95"),
        (7, "02", "90834:95"), (5, "11", "90832"), (5, "11", "90847"),
    ],
    "radiology": [
        (20, "22", "71046:26"), (8, "11", "71046"), (3, "11", "71046:TC"), (8, "22", "73030:26,LR"),
        (6, "11", "73030:LR"), (8, "23", "70450:26"), (10, "22", "74177:26"), (6, "22", "76700:26"),
        (10, "19", "77067:26"), (6, "19", "73562:26,LR"), (5, "22", "72148:26"),
    ],
}  # fmt: skip

# Curated diagnoses per practice type; only billable (leaf) ICD-10-CM codes are kept.
DIAGNOSES = {
    "primary": "I10 E11.9 E78.5 Z00.00 Z00.01 J06.9 M54.50 E66.9 K21.9 R05.9 J02.9 N39.0 E03.9 Z23 E11.65 "
    "J45.909 M25.561 B07.9",
    "internal": "I10 E11.9 E11.65 E78.5 I25.10 N18.30 E03.9 Z00.00 K21.9 J44.9 D64.9 E55.9 R53.83 I48.91",
    "cardiology": "I10 I25.10 I48.91 I50.9 R07.9 I35.0 I49.9 R00.2 I11.9 E78.5 R94.31 I21.4",
    "interventional": "I25.10 I21.4 I20.9 I25.110 R07.9 I50.9 I48.91 I10",
    "ortho": "M17.11 M17.12 M25.561 M25.562 M75.101 S83.241A M54.16 M19.011 S52.501A M79.671",
    "ortho_pa": "M17.11 M17.12 M25.561 M25.562 M75.101 S83.241A M19.011 M79.671",
    "derm": "L57.0 L82.1 L70.0 L40.0 C44.311 D22.5 L30.9 B07.9 L21.9 D48.5",
    "peds": "Z00.129 Z00.121 J06.9 H66.91 J02.9 Z23 R50.9 J45.20 L20.9 B34.9",
    "psychiatry": "F32.9 F33.1 F41.1 F41.9 F43.10 F90.0 F31.9 F20.9 F42.2 F32.A",
    "therapy": "F32.9 F33.1 F41.1 F43.10 F43.23 F90.0 F42.2 F32.A",
    "radiology": "R05.9 R06.02 J18.9 M25.511 R07.89 M79.641 M25.531 R91.8 S62.609A R10.9 M54.50 Z12.31",
}

CARC_PLAN = {
    # planted issue kind -> ((carc, rarc, weight), ...) the payer answers with
    "enrollment": (("B7", "", 4), ("185", "", 2), ("242", "", 2), ("16", "N290", 2)),
    "pos": (("B7", "", 3), ("185", "", 2), ("16", "N570", 1)),
    "scope": (("8", "N95", 3), ("170", "N95", 3), ("B7", "", 1)),
    "license": (("185", "N665", 3), ("B7", "", 2)),
    "npi": (("16", "N290", 5), ("207", "", 2), ("208", "", 1)),
    "roster_wrong": (("B7", "", 3), ("185", "", 1), ("16", "N570", 1)),
}
# Ordinary (non-credentialing) denials: share of each root-cause category, the codes of a category
# read from data/reference/carc_codes.csv; the codes payers use most often weigh three times more.
ORDINARY_CATEGORIES = {
    "coding": 24,
    "eligibility": 20,
    "authorization": 9,
    "timely_filing": 3,
    "duplicate": 6,
}
COMMON_DENIAL_CODES = ("4", "11", "97", "27", "204", "109", "197", "29", "18")
DENY_RATE = {"enrollment": 0.85, "pos": 0.7, "scope": 0.75, "license": 0.5, "npi": 0.9, "roster_wrong": 0.9}
ORDINARY_DENIAL_RATE = 0.058


@lru_cache(maxsize=1)
def billable_diagnoses() -> dict[str, tuple[str, ...]]:
    """The curated lists, keeping only codes the CMS ICD-10-CM set has as billable (leaf)."""
    import simple_icd_10_cm as cm

    return {
        kind: tuple(c for c in codes.split() if cm.is_valid_item(c) and cm.is_leaf(c))
        for kind, codes in DIAGNOSES.items()
    }


def carc_table() -> pd.DataFrame:
    """data/reference/carc_codes.csv: the code list the remittances draw from."""
    return pd.read_csv(REFERENCE_DIR / "carc_codes.csv", dtype=str, keep_default_na=False)


def ordinary_denial_plan() -> tuple[tuple[str, str, float], ...]:
    """(carc, rarc, weight) for ordinary denials, by category as carc_codes.csv assigns them."""
    table = carc_table()
    table = table[table["code_type"].str.upper() == "CARC"]
    plan = []
    for category, share in ORDINARY_CATEGORIES.items():
        codes = [c.strip().upper() for c in table.loc[table["root_cause"].str.strip() == category, "code"]]
        codes = [c for c in codes if "deactivated" not in _description(table, c)]
        weights = [3.0 if c in COMMON_DENIAL_CODES else 1.0 for c in codes]
        plan += [(c, "", share * w / sum(weights)) for c, w in zip(codes, weights, strict=True)]
    return tuple(plan)


def _description(table: pd.DataFrame, code: str) -> str:
    return str(table.loc[table["code"].str.strip().str.upper() == code, "description"].iloc[0]).lower()


def _category(code: str) -> str:
    table = carc_table()
    found = table.loc[table["code"].str.strip().str.upper() == code, "root_cause"]
    return str(found.iloc[0]).strip() if len(found) else "unknown"


def _check_codes_exist() -> None:
    known = set(carc_table()["code"].str.strip().str.upper())
    used = {c for plan in CARC_PLAN.values() for c, r, _w in plan} | {"45", "1", "2", "3"}
    used |= {r for plan in CARC_PLAN.values() for _c, r, _w in plan if r}
    missing = sorted(used - known)
    if missing:
        raise InputError(
            f"data/reference/carc_codes.csv lacks codes the demo uses ({', '.join(missing)}) - restore them."
        )


@dataclass
class Practice:
    """Claim lines (one row per line) and the remittance adjustments of the payers' answers."""

    lines: pd.DataFrame
    adjustments: pd.DataFrame  # line, position, group, carc, amount_cents, rarc
    patients: pd.DataFrame


def _days(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


def _weekday(days: np.ndarray) -> np.ndarray:
    """Move Saturdays back to Friday and Sundays on to Monday (offices are closed)."""
    dow = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday -> 3
    return days - (dow == 5).astype("int64") + (dow == 6).astype("int64")


def _patients(
    rng: np.random.Generator, count: int, end: dt.date, children: bool, offset: int
) -> pd.DataFrame:
    mix = np.array(CHILD_PAYER_MIX if children else ADULT_PAYER_MIX)
    payer = rng.choice(len(PAYERS), size=count, p=mix / mix.sum())
    if children:
        age = rng.uniform(0.2, 17.9, count)
    else:
        age = np.where(
            np.isin(payer, [0, 6]), rng.uniform(65, 94, count), rng.uniform(18, 64.9, count)
        )  # Medicare, Humana (Medicare Advantage)
    dob = _days(np.datetime64(end, "D") - (age * 365.25).astype("int64"))
    first = rng.integers(0, len(FIRST_NAMES), count)
    last = rng.integers(0, len(LAST_NAMES), count)
    member = rng.integers(10**8, 10**9, count)
    prefix = np.array([p.payer_id[:1] for p in PAYERS])[payer]
    return pd.DataFrame(
        {
            "patient": np.arange(offset, offset + count),
            "payer": payer,
            "dob": dob,
            "name": [
                f"{LAST_NAMES[b].upper()}, {FIRST_NAMES[a].upper()}" for a, b in zip(first, last, strict=True)
            ],
            "member_id": [f"{p}{m}" for p, m in zip(prefix, member, strict=True)],
        }
    )


def _template_table():
    """Flatten TEMPLATES: per template its practice type, weight, POS options and line range."""
    rows, line_rows = [], []
    for kind, templates in TEMPLATES.items():
        for weight, pos_options, spec in templates:
            first = len(line_rows)
            for item in spec.split():
                units = "1"
                if "*" in item:
                    item, units = item.split("*")
                code, _, mods = item.partition(":")
                low, _, high = units.partition("-")
                line_rows.append((code, mods.replace(" ", ","), int(low), int(high or low)))
            rows.append((kind, weight, pos_options.split("|"), first, len(line_rows) - first))
    return rows, line_rows


def generate_practice(rng: np.random.Generator, roster: Roster, lines: int) -> Practice:
    _check_codes_exist()
    dx_lists = billable_diagnoses()
    providers = roster.providers
    n_prov = len(providers)

    # -- patients --------------------------------------------------------------------------
    n_patients = max(400, lines // 5)
    adults = _patients(rng, n_patients, roster.end, False, 0)
    kids = _patients(rng, max(100, n_patients // 4), roster.end, True, n_patients)
    patients = pd.concat([adults, kids], ignore_index=True)

    # -- claims: provider, date, template ---------------------------------------------------
    templates, template_lines = _template_table()
    t_kind = np.array([t[0] for t in templates])
    t_weight = np.array([t[1] for t in templates], dtype=float)
    t_first = np.array([t[3] for t in templates])
    t_len = np.array([t[4] for t in templates])
    hire = _days([max(p.hire_date, roster.start) for p in providers])
    leave = _days([min(p.departure_date or roster.end, roster.end) for p in providers])
    active_days = (leave - hire).astype("int64") + 1
    prov_p = np.array([p.weight for p in providers]) * np.maximum(active_days, 0)
    prov_p = prov_p / prov_p.sum()
    n_claims = int(lines)  # every claim has at least one line: enough to trim from
    prov = rng.choice(n_prov, size=n_claims, p=prov_p)
    span = active_days[prov]
    dos = _weekday(hire[prov] + (rng.random(n_claims) * span).astype("int64"))
    dos = np.clip(dos, hire[prov], leave[prov])
    kinds = np.array([p.practice_type for p in providers])[prov]
    template = np.empty(n_claims, dtype=np.int64)
    for kind in TEMPLATES:
        mask = kinds == kind
        ids = np.flatnonzero(t_kind == kind)
        template[mask] = rng.choice(ids, size=int(mask.sum()), p=t_weight[ids] / t_weight[ids].sum())
    # Keep as many (random) claims as make the target line count, then put them in date order.
    n_claims = min(int(np.searchsorted(np.cumsum(t_len[template]), lines) + 1), len(template))
    prov, dos, template = prov[:n_claims], dos[:n_claims], template[:n_claims]
    order = np.lexsort((prov, dos))
    prov, dos, template = prov[order], dos[order], template[order]
    cum = np.cumsum(t_len[template])
    kinds = np.array([p.practice_type for p in providers])[prov]

    # Patient: children for pediatrics, adults otherwise; the patient's insurance is the payer.
    is_child = kinds == "peds"
    patient = np.where(
        is_child,
        n_patients + rng.integers(0, len(kids), n_claims),
        rng.integers(0, n_patients, n_claims),
    )
    payer = patients["payer"].to_numpy()[patient]
    # POS per claim from its template's options.
    pos = np.empty(n_claims, dtype=object)
    pick = rng.random(n_claims)
    for t in np.unique(template):
        mask = template == t
        options = templates[t][2]
        pos[mask] = np.array(options, dtype=object)[(pick[mask] * len(options)).astype(int)]
    side = np.where(rng.random(n_claims) < 0.5, "RT", "LT")

    # -- lines --------------------------------------------------------------------------------
    claim_of = np.repeat(np.arange(n_claims), t_len[template])
    line_start = np.repeat(cum[:n_claims] - t_len[template], t_len[template])
    line_no = np.arange(len(claim_of)) - line_start + 1
    tl = np.repeat(t_first[template], t_len[template]) + line_no - 1
    tl_code = np.array([r[0] for r in template_lines], dtype=object)
    tl_mods = np.array([r[1] for r in template_lines], dtype=object)
    tl_lo = np.array([r[2] for r in template_lines])
    tl_hi = np.array([r[3] for r in template_lines])
    code = tl_code[tl]
    mods = tl_mods[tl]
    lr = np.array(["LR" in m for m in mods])
    mods[lr] = [m.replace("LR", s) for m, s in zip(mods[lr], side[claim_of[lr]], strict=True)]
    units = tl_lo[tl] + (rng.random(len(tl)) * (tl_hi[tl] - tl_lo[tl] + 1)).astype(int)
    charge = np.array([CHARGES[c] for c in code], dtype=np.int64) * units
    n = len(code)

    claim_ids = np.array([f"A{1_000_001 + i}" for i in range(n_claims)], dtype=object)
    npis = np.array([p.npi for p in providers], dtype=object)
    lines_df = pd.DataFrame(
        {
            "claim": claim_of,
            "claim_id": claim_ids[claim_of],
            "line_no": line_no,
            "provider": prov[claim_of],
            "rendering_npi": npis[prov[claim_of]],
            "payer": payer[claim_of],
            "patient": patient[claim_of],
            "dos": dos[claim_of],
            "code": code,
            "mods": mods,
            "units": units,
            "charge": charge,
            "pos": pos[claim_of],
            "state": np.full(n, "TX", dtype=object),
        }
    )
    # Diagnoses per claim, repeated on its lines.
    dx = np.full((n_claims, 4), "", dtype=object)
    for kind, codes in dx_lists.items():
        mask = kinds == kind
        if not mask.any():
            continue
        choice = np.array(codes, dtype=object)[rng.integers(0, len(codes), (int(mask.sum()), 4))]
        keep = rng.random((int(mask.sum()), 4)) < np.array([1.0, 0.45, 0.2, 0.08])
        keep[:, 2] &= keep[:, 1]
        keep[:, 3] &= keep[:, 2]
        choice[~keep] = ""
        for j in range(1, 4):
            dup = (choice[:, j][:, None] == choice[:, :j]).any(axis=1)
            choice[dup, j] = ""
        dx[mask] = choice
    for j in range(4):
        lines_df[f"dx{j + 1}"] = dx[claim_of, j]
    # Telehealth patients across the state line.
    for p in providers:
        for state in p.telehealth_states:
            mask = (lines_df["rendering_npi"] == p.npi) & lines_df["pos"].isin(["02", "10"])
            move = mask & (rng.random(n) < 0.25)
            lines_df.loc[move, "state"] = state
    lines_df["submitted"] = lines_df["dos"] + rng.integers(1, 9, n_claims)[claim_of].astype("timedelta64[D]")
    lines_df["payer_name"] = _payer_spellings(rng, payer)[claim_of]

    issue = _plant_data_problems(rng, lines_df, roster)
    issue = _roster_issues(lines_df, roster, issue)
    adjustments = _payer_answers(rng, lines_df, roster, issue)
    return Practice(lines_df, adjustments, patients)


def _payer_spellings(rng: np.random.Generator, payer: np.ndarray) -> np.ndarray:
    """The name the practice-management system prints: the payer's name or one of its aliases."""
    spelled = np.empty(len(payer), dtype=object)
    pick = rng.random(len(payer))
    for i, p in enumerate(PAYERS):
        mask = payer == i
        options = np.array((p.name, *p.aliases), dtype=object)
        spelled[mask] = options[(pick[mask] * len(options)).astype(int)]
    return spelled


def _claims_sample(rng: np.random.Generator, lines: pd.DataFrame, count: int, mask=None) -> np.ndarray:
    """Row positions of all lines of `count` random claims (whose first line matches mask)."""
    first = lines["line_no"].to_numpy() == 1
    if mask is not None:
        first &= mask
    candidates = lines.loc[first, "claim"].to_numpy()
    chosen = rng.choice(candidates, size=min(count, len(candidates)), replace=False)
    return np.flatnonzero(np.isin(lines["claim"].to_numpy(), chosen))


def _plant_data_problems(rng: np.random.Generator, lines: pd.DataFrame, roster: Roster) -> np.ndarray:
    """Invalid and unknown NPIs, bad modifiers, POS, ICD-10 and a payer spelling nobody knows.

    Returns the per-line issue kind so far ('' = none, 'npi', or 'data').
    """
    n = len(lines)
    issue = np.full(n, "", dtype=object)
    months = lines["dos"].to_numpy().astype("datetime64[M]")
    month_list = np.unique(months)
    # Invalid NPIs: a typo in the last digit (check digit fails) and one 9-digit NPI.
    rows = _claims_sample(rng, lines, max(4, n // 5000))
    typo = [npi[:9] + str((int(npi[9]) + 1) % 10) for npi in lines.loc[rows, "rendering_npi"]]
    lines.loc[rows, "rendering_npi"] = typo
    issue[rows] = "npi"
    rows = _claims_sample(rng, lines, 1, issue == "")
    lines.loc[rows, "rendering_npi"] = lines.loc[rows, "rendering_npi"].str[:9]
    issue[rows] = "npi"
    # A locum tenens who billed under an NPI the roster does not have (valid check digit).
    known = {p.npi for p in roster.providers} | {roster.billing_npi}
    locum = make_npis(rng, 1, known)[0]
    rows = _claims_sample(rng, lines, max(3, n // 10000), (issue == "") & (months == month_list[-2]))
    lines.loc[rows, "rendering_npi"] = locum
    issue[rows] = "npi"
    # Bad modifiers, invalid POS, ICD-10 codes that are not billable or not ICD-10 at all.
    clean = np.flatnonzero(issue == "")
    bad_mod = rng.choice(clean, size=max(3, n // 1000), replace=False)
    lines.loc[bad_mod, "mods"] = rng.choice(np.array(["5", "RTT", "2-5", "9"], dtype=object), len(bad_mod))
    issue[bad_mod] = "modifier"
    clean = np.flatnonzero(issue == "")
    bad_pos = _claims_sample(rng, lines, max(2, n // 4000), issue == "")
    lines.loc[bad_pos, "pos"] = np.where(rng.random(len(bad_pos)) < 0.5, "00", "35")
    issue[bad_pos] = "data"
    clean = np.flatnonzero(issue == "")
    bad_dx = rng.choice(clean, size=max(3, n // 700), replace=False)
    lines.loc[bad_dx, "dx1"] = rng.choice(
        np.array(["E11", "250.00", "R69X9", "J45"], dtype=object), len(bad_dx)
    )
    issue[bad_dx] = "diagnosis"
    # One claim whose payer spelling is in no alias list (held for the analyst to confirm).
    rows = _claims_sample(
        rng, lines, 1, (issue == "") & (lines["payer"].to_numpy() == 3) & (months == month_list[-3])
    )
    lines.loc[rows, "payer_name"] = "UNITED HLTHCARE SVCS"
    return issue


def _roster_issues(lines: pd.DataFrame, roster: Roster, issue: np.ndarray) -> np.ndarray:
    """Mark lines the roster cannot support (the generator's own view, to steer payer answers)."""
    dos = lines["dos"].to_numpy()
    npi = lines["rendering_npi"].to_numpy()
    payer_ids = np.array([p.payer_id for p in PAYERS], dtype=object)[lines["payer"].to_numpy()]
    pos = lines["pos"].to_numpy()
    state = lines["state"].to_numpy()
    code = lines["code"].to_numpy()
    issue = issue.copy()
    valid_npi = issue != "npi"
    frame = pd.DataFrame({"npi": npi, "payer": payer_ids})
    for (p_npi, p_id), rows in frame[valid_npi].groupby(["npi", "payer"]).indices.items():
        rows = np.flatnonzero(valid_npi)[rows]
        periods = [e for e in roster.enrollments if e.npi == p_npi and e.payer_id == p_id]
        covered = np.zeros(len(rows), dtype=bool)
        pos_ok = np.zeros(len(rows), dtype=bool)
        for e in periods:
            if e.status not in ("enrolled", "terminated") or e.effective_date is None:
                continue
            term = np.datetime64(e.termination_date or dt.date(9999, 12, 31), "D")
            cover = (dos[rows] >= np.datetime64(e.effective_date, "D")) & (dos[rows] <= term)
            covered |= cover
            allowed = e.allowed_pos.split(",") if e.allowed_pos else None
            pos_ok |= cover & (np.isin(pos[rows], allowed) if allowed else True)
        bad_enroll = ~covered
        issue[rows[bad_enroll & (issue[rows] == "")]] = "enrollment"
        issue[rows[covered & ~pos_ok & (issue[rows] == "")]] = "pos"
    # Licences in the service state.
    for (p_npi, st), rows in (
        pd.DataFrame({"npi": npi, "state": state})[valid_npi].groupby(["npi", "state"]).indices.items()
    ):
        rows = np.flatnonzero(valid_npi)[rows]
        covered = np.zeros(len(rows), dtype=bool)
        for c in roster.credentials:
            if c.npi == p_npi and c.label == "State License" and c.state == st:
                low = np.datetime64(c.issue_date or dt.date(1900, 1, 1), "D")
                high = np.datetime64(c.expiration_date or dt.date(9999, 12, 31), "D")
                covered |= (dos[rows] >= low) & (dos[rows] <= high)
        issue[rows[~covered & (issue[rows] == "")]] = "license"
    # Scope: approved ranges (payer's and '*') and excluded ranges; codes compare as text within a class.
    scope_keys = pd.DataFrame({"npi": npi, "payer": payer_ids, "code": code})
    for (p_npi, p_id, c), rows in scope_keys.groupby(["npi", "payer", "code"]).indices.items():
        ranges = [s for s in roster.scope if s[0] == p_npi and s[1] in (p_id, "*")]
        if not ranges:
            continue
        inside = [s for s in ranges if _same_class(c, s[2]) and s[2] <= c <= s[3]]
        approved = [s for s in ranges if s[4]]
        out = any(not s[4] for s in inside) or (approved and not any(s[4] for s in inside))
        if out:
            issue[rows[issue[rows] == ""]] = "scope"
    return issue


def _code_class(code: str) -> str:
    if len(code) == 5 and code.isdigit():
        return "cpt1"
    if len(code) == 5 and code[:4].isdigit():
        return code[4]
    if len(code) == 5 and code[0].isalpha() and code[1:].isdigit():
        return "hcpcs"
    return "?"


def _same_class(a: str, b: str) -> bool:
    return _code_class(a) == _code_class(b)


def _weighted(rng: np.random.Generator, plan, count: int) -> tuple[np.ndarray, np.ndarray]:
    weights = np.array([w for _c, _r, w in plan], dtype=float)
    idx = rng.choice(len(plan), size=count, p=weights / weights.sum())
    carcs = np.array([c for c, _r, _w in plan], dtype=object)
    rarcs = np.array([r for _c, r, _w in plan], dtype=object)
    return carcs[idx], rarcs[idx]


def _payer_answers(
    rng: np.random.Generator, lines: pd.DataFrame, roster: Roster, issue: np.ndarray
) -> pd.DataFrame:
    """Decide each line's answer; return its adjustments and set paid / denial columns on lines."""
    n = len(lines)
    charge = lines["charge"].to_numpy()
    payer = lines["payer"].to_numpy()
    u = rng.random(n)
    denial_carc = np.full(n, "", dtype=object)
    denial_rarc = np.full(n, "", dtype=object)
    denied = np.zeros(n, dtype=bool)
    # Credentialing denials on lines the roster cannot support (or with a bad NPI).
    for kind, rate in DENY_RATE.items():
        if kind == "roster_wrong":
            continue
        mask = (issue == kind) & (u < rate)
        denial_carc[mask], denial_rarc[mask] = _weighted(rng, CARC_PLAN[kind], int(mask.sum()))
        denied |= mask
    # Payer records wrong: credentialing denials on clean lines.
    npi = lines["rendering_npi"].to_numpy()
    dos = lines["dos"].to_numpy()
    roster_wrong = (issue == "") & (u < 0.0015)
    for r_npi, r_payer, low, high in roster.payer_record_errors:
        window = (npi == r_npi) & (payer == _payer_index(r_payer)) & (dos >= np.datetime64(low, "D"))
        roster_wrong |= (
            window & (dos <= np.datetime64(high, "D")) & (issue == "") & (u < DENY_RATE["roster_wrong"])
        )
    roster_wrong &= ~denied
    denial_carc[roster_wrong], denial_rarc[roster_wrong] = _weighted(
        rng, CARC_PLAN["roster_wrong"], int(roster_wrong.sum())
    )
    denied |= roster_wrong
    # Ordinary denials; bad modifiers and diagnoses are denied for coding more often.
    v = rng.random(n)
    coding = ~denied & np.isin(issue, ["modifier", "diagnosis"]) & (v < 0.5)
    denial_carc[coding] = np.where(issue[coding] == "modifier", "4", "11")
    denied |= coding
    ordinary = ~denied & (v < ORDINARY_DENIAL_RATE)
    plan = ordinary_denial_plan()
    denial_carc[ordinary], denial_rarc[ordinary] = _weighted(rng, plan, int(ordinary.sum()))
    denied |= ordinary
    # Timely filing: the whole claim was filed late, and every line of it is denied for that.
    claim = lines["claim"].to_numpy()
    late_claims = np.zeros(claim.max() + 1, dtype=bool)
    timely = [c for c, _r, _w in plan if _category(c) == "timely_filing"]
    late_claims[claim[np.isin(denial_carc, timely) & ordinary]] = True
    late = late_claims[claim]
    newly = late & ~denied
    denial_carc[newly], denial_rarc[newly] = (timely or ["29"])[0], ""
    denied |= newly
    delay = rng.integers(95, 160, claim.max() + 1)[claim].astype("timedelta64[D]")
    lines.loc[late, "submitted"] = lines.loc[late, "dos"] + delay[late]

    # Paid lines: allowed amount, contractual write-off, patient share.
    factor = np.array([p.allowed_factor for p in PAYERS])[payer] * rng.uniform(0.95, 1.05, n)
    allowed = np.minimum(np.round(charge * factor).astype(np.int64), charge)
    share = np.array([p.patient_share for p in PAYERS], dtype=object)[payer]
    coins = np.where(share == "coinsurance", np.round(allowed * 0.2).astype(np.int64), 0)
    is_em = np.array([c.startswith("99") for c in lines["code"]])
    first_line = lines["line_no"].to_numpy() == 1
    copay_amount = rng.choice(np.array([2500, 3000, 4000, 5000]), n)
    copay = np.where(
        (share == "copay") & is_em & first_line & (rng.random(n) < 0.7), np.minimum(copay_amount, allowed), 0
    )
    early = dos.astype("datetime64[M]").astype(int) % 12 < 3  # January-March: deductibles
    deduct_frac = np.where(rng.random(n) < 0.15, 1.0, rng.uniform(0.2, 0.8, n))
    deductible = np.where(
        early & (share != "none") & (rng.random(n) < 0.25),
        np.round((allowed - coins - copay) * deduct_frac),
        0,
    ).astype(np.int64)
    paid = np.where(denied, 0, allowed - coins - copay - deductible)

    lines["paid"] = paid
    lines["denied"] = denied
    lines["denial_carc"] = denial_carc
    lines["issue"] = issue
    # One payment per claim: its lines share the check date.
    claim_submitted = lines.groupby("claim")["submitted"].transform("max")
    lines["check_date"] = claim_submitted + rng.integers(12, 30, claim.max() + 1)[claim].astype(
        "timedelta64[D]"
    )
    # Recoupments: some lines paid despite a credentialing problem are taken back months later and
    # reprocessed as denied - a reversal event and a denial event in a later remittance.
    credentialing = np.isin(issue, ["enrollment", "pos", "scope", "license"])
    lines["recouped"] = credentialing & ~denied & (paid > 0) & (rng.random(n) < 0.3)
    lines["recoup_date"] = lines["check_date"] + rng.integers(75, 110, claim.max() + 1)[claim].astype(
        "timedelta64[D]"
    )
    lines["recoup_carc"] = np.where(issue == "scope", "170", "B7")
    lines["recoup_rarc"] = np.where(issue == "scope", "N95", "")

    idx = np.arange(n)
    pieces = []

    def piece(mask, group, carc, amount, rarc, position):
        m = np.asarray(mask)
        pieces.append(
            pd.DataFrame(
                {
                    "line": idx[m],
                    "position": position,
                    "group": group,
                    "carc": carc[m] if isinstance(carc, np.ndarray) else carc,
                    "amount": amount[m],
                    "rarc": rarc[m] if isinstance(rarc, np.ndarray) else rarc,
                }
            )
        )

    piece(denied, "CO", denial_carc, charge, denial_rarc, 1)
    piece(~denied & (charge > allowed), "CO", "45", charge - allowed, "", 1)
    piece(~denied & (deductible > 0), "PR", "1", deductible, "", 2)
    piece(~denied & (coins > 0), "PR", "2", coins, "", 3)
    piece(~denied & (copay > 0), "PR", "3", copay, "", 4)
    adjustments = pd.concat(pieces, ignore_index=True)
    adjustments = adjustments.sort_values(["line", "position"], kind="stable").reset_index(drop=True)
    adjustments["position"] = adjustments.groupby("line").cumcount() + 1
    return adjustments


def _payer_index(payer_id: str) -> int:
    return next(i for i, p in enumerate(PAYERS) if p.payer_id == payer_id)


__all__ = ["Practice", "billable_diagnoses", "carc_table", "generate_practice", "ordinary_denial_plan"]
