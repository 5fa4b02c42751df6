"""The demo practice's roster: providers, credentials, payers, enrollments and service scope.

A synthetic multi-specialty group in Texas. Every person is made up (generic first and last
names combined at random); NPIs are synthetic but carry a valid check digit. The scenarios an
audit should find (new hires seeing patients before their enrollment is effective, payer
terminations, gaps between enrollment periods, denied and long-pending applications, POS
restrictions, scope limits, a licence that lapsed and was renewed, credentials expiring soon)
are planted on named providers, so the demo shows each of them every time.

Sources of the public facts used here:
- NPI check digit: CMS, "Requirements for NPI check digit" (Luhn formula over the prefix 80840
  and the first nine digits).
- Taxonomy codes: NUCC Health Care Provider Taxonomy code set (nucc.org).
- DEA registration check digit: the published DEA number format (two letters, six digits and a
  check digit = last digit of (d1 + d3 + d5) + 2 * (d2 + d4 + d6)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from audits.months import add_months, month_end

PRACTICE_NAME = "PRAIRIE RIVER MEDICAL GROUP"
PRACTICE_STATE = "TX"

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark "
    "Sandra Donald Ashley Steven Emily Andrew Kimberly Paul Donna Joshua Michelle Kenneth Carol Kevin "
    "Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Laura Edward Helen "
    "Jeffrey Sharon Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Anna Jonathan Ruth"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers"
).split()


@dataclass(frozen=True)
class Payer:
    payer_id: str
    name: str
    aliases: tuple[str, ...]
    allowed_factor: float  # allowed / billed on a paid line
    filing_code: str  # CLP06 claim filing indicator
    patient_share: str  # coinsurance | copay | none
    spell_out_groups: bool  # its remittance export spells group codes out


PAYERS: tuple[Payer, ...] = (
    Payer(
        "MCR",
        "Medicare",
        ("MEDICARE PART B", "Medicare B", "NOVITAS MEDICARE"),
        0.42,
        "MB",
        "coinsurance",
        False,
    ),
    Payer("MCD", "Medicaid", ("TX MEDICAID", "Texas Medicaid", "TMHP"), 0.33, "MC", "none", False),
    Payer(
        "BCBS",
        "Blue Cross Blue Shield of Texas",
        ("BCBS TX", "Blue Cross Blue Shield", "BCBS", "BLUE CROSS BLUE SHIELD OF TX"),
        0.60,
        "BL",
        "copay",
        False,
    ),
    Payer(
        "UHC",
        "UnitedHealthcare",
        ("UHC", "United Healthcare", "UNITED HEALTHCARE INS CO"),
        0.58,
        "CI",
        "copay",
        False,
    ),
    Payer("AETNA", "Aetna", ("AETNA INC", "Aetna Health", "AETNA HMO"), 0.62, "CI", "copay", False),
    Payer("CIGNA", "Cigna", ("CIGNA HEALTHCARE", "Cigna Health and Life"), 0.60, "CI", "copay", True),
    Payer("HUMANA", "Humana", ("HUMANA INC", "Humana Gold Plus"), 0.45, "HM", "coinsurance", True),
    Payer(
        "PCHP",
        "Prairie Community Health Plan",
        ("PCHP", "Prairie Community HP", "PRAIRIE COMMUNITY HEALTH"),
        0.50,
        "HM",
        "copay",
        True,
    ),
    Payer("TRICARE", "TRICARE", ("TRICARE East", "TRICARE PRIME"), 0.44, "CH", "copay", False),
)
PAYER_INDEX = {payer.payer_id: i for i, payer in enumerate(PAYERS)}

# Payer mix of the practice's patients (adults, children), in PAYERS order.
ADULT_PAYER_MIX = (0.28, 0.11, 0.16, 0.14, 0.09, 0.06, 0.08, 0.05, 0.03)
CHILD_PAYER_MIX = (0.0, 0.45, 0.15, 0.12, 0.10, 0.06, 0.0, 0.07, 0.05)

# (specialty, taxonomy, degree, practice type, board, volume weight) - taxonomy codes from NUCC.
FM_MD = ("Family Medicine", "207Q00000X", "MD", "primary", "ABFM", 1.0)
FM_NP = ("Family Medicine", "363LF0000X", "NP", "primary", "AANPCB", 0.8)
IM_MD = ("Internal Medicine", "207R00000X", "MD", "internal", "ABIM", 1.0)
IM_NP = ("Internal Medicine", "363LA2200X", "NP", "internal", "AANPCB", 0.8)
CARD = ("Cardiology", "207RC0000X", "MD", "cardiology", "ABIM-CV", 0.9)
CARD_INT = ("Cardiology", "207RI0011X", "MD", "interventional", "ABIM-IC", 0.8)
ORTHO = ("Orthopaedic Surgery", "207X00000X", "MD", "ortho", "ABOS", 0.9)
ORTHO_PA = ("Orthopaedic Surgery", "363AS0400X", "PA", "ortho_pa", "NCCPA", 0.7)
DERM = ("Dermatology", "207N00000X", "MD", "derm", "ABD", 1.0)
DERM_PA = ("Dermatology", "363AM0700X", "PA", "derm", "NCCPA", 0.8)
PEDS = ("Pediatrics", "208000000X", "MD", "peds", "ABP", 1.0)
PEDS_NP = ("Pediatrics", "363LP0200X", "NP", "peds", "PNCB", 0.8)
PSYCH = ("Psychiatry/Behavioral Health", "2084P0800X", "MD", "psychiatry", "ABPN", 0.8)
PSYCH_NP = ("Psychiatry/Behavioral Health", "363LP0808X", "NP", "psychiatry", "ANCC", 0.8)
PSYCHOLOGIST = ("Psychiatry/Behavioral Health", "103TC0700X", "PhD", "therapy", "", 0.7)
LCSW = ("Psychiatry/Behavioral Health", "1041C0700X", "LCSW", "therapy", "", 0.7)
RAD = ("Radiology", "2085R0202X", "MD", "radiology", "ABR", 1.4)

# The practice's providers, in a fixed order; the planted scenarios refer to them by key.
PROVIDER_SPECS: tuple[tuple[str, tuple], ...] = (
    ("fm1", FM_MD), ("fm2", FM_MD), ("fm3", FM_MD), ("fm4", FM_MD), ("fm5", FM_MD), ("fm6", FM_MD),
    ("fm_np1", FM_NP), ("fm_np2", FM_NP),
    ("im1", IM_MD), ("im2", IM_MD), ("im3", IM_MD), ("im4", IM_MD), ("im5", IM_MD), ("im6", IM_MD),
    ("im_np1", IM_NP),
    ("card1", CARD), ("card2", CARD), ("card3", CARD), ("card4", CARD), ("card_int1", CARD_INT),
    ("card_int2", CARD_INT),
    ("ortho1", ORTHO), ("ortho2", ORTHO), ("ortho3", ORTHO), ("ortho4", ORTHO), ("ortho_pa1", ORTHO_PA),
    ("ortho_pa2", ORTHO_PA),
    ("derm1", DERM), ("derm2", DERM), ("derm3", DERM), ("derm4", DERM), ("derm_pa1", DERM_PA),
    ("peds1", PEDS), ("peds2", PEDS), ("peds3", PEDS), ("peds4", PEDS), ("peds5", PEDS), ("peds_np1", PEDS_NP),
    ("psych1", PSYCH), ("psych2", PSYCH), ("psych3", PSYCH), ("psych_np1", PSYCH_NP),
    ("psychologist1", PSYCHOLOGIST), ("lcsw1", LCSW),
    ("rad1", RAD), ("rad2", RAD), ("rad3", RAD), ("rad4", RAD),
)  # fmt: skip

ENROLLED_LABELS = ("Participating", "Par", "Active", "Enrolled", "Approved")
PENDING_LABELS = ("In Progress - Hold Claims", "Submitted", "Pending", "In process")
TERMINATED_LABELS = ("Termed", "Terminated")
DENIED_LABELS = ("Denied",)


@dataclass
class Credential:
    npi: str
    label: str  # the type as the workbook names it
    number: str
    state: str
    issue_date: dt.date | None
    expiration_date: dt.date | None
    in_tracker: bool  # the current credential of its kind (tracker columns), else a history row


@dataclass
class Enrollment:
    npi: str
    payer_id: str
    status: str  # enrolled | pending | denied | terminated (what the label means)
    label: str
    submitted_date: dt.date | None
    effective_date: dt.date | None
    termination_date: dt.date | None
    allowed_pos: str  # '' = any
    in_tracker: bool


@dataclass
class Provider:
    key: str
    npi: str
    first_name: str
    last_name: str
    degree: str
    specialty: str
    taxonomy: str
    practice_type: str
    board: str
    weight: float
    hire_date: dt.date
    departure_date: dt.date | None = None
    telehealth_states: tuple[str, ...] = ()  # states of out-of-state telehealth patients

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.degree}"

    @property
    def status(self) -> str:
        return "Inactive" if self.departure_date else "Active"


@dataclass
class Roster:
    start: dt.date  # first day of the first month
    end: dt.date  # last day of the last month
    months: list[dt.date]
    providers: list[Provider]
    credentials: list[Credential] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    scope: list[tuple[str, str, str, str, bool]] = field(
        default_factory=list
    )  # npi, payer, from, to, approved
    billing_npi: str = ""
    # Facts the claim generator uses: wrong payer records (the roster is right, the payer denies).
    payer_record_errors: list[tuple[str, str, dt.date, dt.date]] = field(default_factory=list)

    def provider(self, key: str) -> Provider:
        return next(p for p in self.providers if p.key == key)


def npi_check_digit(first_nine: str) -> int:
    """The NPI check digit: Luhn over '80840' + the first nine digits (CMS)."""
    total = 0
    for position, char in enumerate(reversed("80840" + first_nine)):
        digit = int(char)
        if position % 2 == 0:  # the digits that get doubled, counted from the right of the payload
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def make_npis(rng: np.random.Generator, count: int, taken: set[str] | None = None) -> list[str]:
    """Distinct synthetic NPIs with valid check digits (first digit 1, as individual NPIs begin)."""
    taken = set(taken or ())
    found: list[str] = []
    while len(found) < count:
        base = "1" + "".join(str(d) for d in rng.integers(0, 10, 8))
        npi = base + str(npi_check_digit(base))
        if npi not in taken:
            taken.add(npi)
            found.append(npi)
    return found


def dea_number(rng: np.random.Generator, last_name: str, mid_level: bool) -> str:
    first = "M" if mid_level else str(rng.choice(list("ABFG")))
    digits = [int(d) for d in rng.integers(0, 10, 6)]
    check = (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10
    return first + last_name[0].upper() + "".join(map(str, digits)) + str(check)


def build_roster(rng: np.random.Generator, end_month: dt.date) -> Roster:
    """The practice roster for the 12 months ending with end_month (its first day)."""
    months = [add_months(end_month, i - 11) for i in range(12)]
    start, end = months[0], month_end(months[-1])

    def day_of(month_index: int, day: int) -> dt.date:
        first = months[month_index]
        return min(first + dt.timedelta(days=day - 1), month_end(first))

    def days(n: int) -> dt.timedelta:
        return dt.timedelta(days=int(n))

    def pick(options: tuple[str, ...]) -> str:
        return options[int(rng.integers(0, len(options)))]

    # Names: distinct (first, last) pairs drawn from the generic lists.
    pairs: list[tuple[str, str]] = []
    while len(pairs) < len(PROVIDER_SPECS):
        pair = (pick(tuple(FIRST_NAMES)), pick(tuple(LAST_NAMES)))
        if pair not in pairs:
            pairs.append(pair)
    npis = make_npis(rng, len(PROVIDER_SPECS) + 1)
    providers: list[Provider] = []
    for (key, spec), (first, last), npi in zip(PROVIDER_SPECS, pairs, npis, strict=False):
        specialty, taxonomy, degree, practice_type, board, weight = spec
        hire = start - days(rng.integers(200, 4500))
        providers.append(
            Provider(key, npi, first, last, degree, specialty, taxonomy, practice_type, board, weight, hire)
        )
    roster = Roster(start, end, months, providers, billing_npi=npis[-1])
    by_key = {p.key: p for p in providers}

    # -- planted provider events ------------------------------------------------------------
    new_hires = {"fm_np2": 7, "im6": 6, "peds5": 9, "lcsw1": 4}  # key -> month index of hire
    for key, month_index in new_hires.items():
        by_key[key].hire_date = day_of(month_index, int(rng.integers(1, 20)))
    by_key["im5"].departure_date = day_of(7, 28)
    by_key["rad4"].departure_date = day_of(9, 15)
    by_key["psych2"].telehealth_states = ("OK",)  # licensed there: clean
    by_key["psych3"].telehealth_states = ("LA",)  # not licensed there: LICENSE_INVALID

    # -- credentials -------------------------------------------------------------------------
    def add_credential(p, label, number, state, issue, expiry, in_tracker=True):
        roster.credentials.append(Credential(p.npi, label, number, state, issue, expiry, in_tracker))

    for p in providers:
        licence_expiry = end + days(rng.integers(120, 700))
        licence_issued = min(licence_expiry - days(730), start - days(rng.integers(10, 200)))
        licence_number = f"{'P' if p.degree in ('NP', 'PA') else 'Q'}{int(rng.integers(10000, 99999))}"
        add_credential(p, "State License", licence_number, "TX", licence_issued, licence_expiry)
        if p.board:
            add_credential(
                p, "Board Certification", f"{p.board}-{int(rng.integers(100000, 999999))}", "",
                None, end + days(rng.integers(200, 3000)),
            )  # fmt: skip
        if p.degree in ("MD", "NP", "PA"):
            add_credential(
                p, "DEA", dea_number(rng, p.last_name, p.degree != "MD"), "TX",
                None, end + days(rng.integers(120, 1000)),
            )  # fmt: skip
        add_credential(
            p, "Malpractice", f"MPL-{int(rng.integers(1000000, 9999999))}", "",
            None, end + days(rng.integers(100, 365)),
        )  # fmt: skip

    def credential(key: str, label: str) -> Credential:
        npi = by_key[key].npi
        return next(c for c in roster.credentials if c.npi == npi and c.label == label and c.in_tracker)

    # History rows carry their own number: the credential natural key is (npi, type, number, state).
    def other_number(number: str) -> str:
        return f"{number[0]}{int(rng.integers(10000, 99999))}"

    # A licence that lapsed mid-year and was reinstated three weeks later (gap -> LICENSE_INVALID).
    lapsed = credential("fm1", "State License")
    lapsed_expiry = day_of(3, 30)
    add_credential(
        by_key["fm1"], "State License", other_number(lapsed.number), "TX", lapsed_expiry - days(730),
        lapsed_expiry, False,
    )  # fmt: skip
    lapsed.issue_date, lapsed.expiration_date = lapsed_expiry + days(21), lapsed_expiry + days(21 + 730)
    # Telehealth licence in Oklahoma for psych2.
    ok_expiry = end + days(rng.integers(200, 600))
    add_credential(by_key["psych2"], "State License", f"OK{int(rng.integers(10000, 99999))}", "OK",
                   min(ok_expiry - days(730), start - days(30)), ok_expiry, False)  # fmt: skip
    # A malpractice policy renewed on time with a new policy number (old one kept as history).
    policy = credential("card1", "Malpractice")
    old_expiry = day_of(5, 30)
    add_credential(by_key["card1"], "Malpractice", f"MPL-{int(rng.integers(1000000, 9999999))}", "",
                   old_expiry - days(364), old_expiry, False)  # fmt: skip
    policy.issue_date = old_expiry + days(1)
    # Board certification that expired mid-year and was not renewed (BOARD_CERT_EXPIRED).
    credential("derm2", "Board Certification").expiration_date = day_of(6, 30)
    # Credentials expiring within 90 days after the end month (CREDENTIAL_EXPIRING).
    credential("fm4", "State License").expiration_date = end + days(45)
    credential("card2", "DEA").expiration_date = end + days(60)
    credential("ortho2", "Malpractice").expiration_date = end + days(20)
    credential("peds2", "Board Certification").expiration_date = end + days(80)
    credential("im3", "Malpractice").expiration_date = end + days(88)
    # Expiring soon but already renewed: the renewal is the tracker row, the expiring one history.
    renewed = credential("rad1", "State License")
    add_credential(
        by_key["rad1"],
        "State License",
        other_number(renewed.number),
        "TX",
        end - days(700),
        end + days(30),
        False,
    )
    renewed.issue_date, renewed.expiration_date = end - days(5), end + days(725)

    # -- enrollments -------------------------------------------------------------------------
    def enroll(p, payer_id, status, label, submitted, effective, term=None, pos="", in_tracker=True):
        roster.enrollments.append(
            Enrollment(p.npi, payer_id, status, label, submitted, effective, term, pos, in_tracker)
        )

    skip_payers = {"peds": ("MCR", "HUMANA")}
    for p in providers:
        for payer in PAYERS:
            if payer.payer_id in skip_payers.get(p.practice_type, ()):
                continue
            if p.key in new_hires:
                continue  # below
            effective = max(p.hire_date, dt.date(2012, 1, 1)) + days(rng.integers(20, 90))
            submitted = effective - days(rng.integers(45, 120))
            if p.departure_date:
                enroll(p, payer.payer_id, "terminated", pick(TERMINATED_LABELS), submitted, effective,
                       p.departure_date)  # fmt: skip
            else:
                enroll(p, payer.payer_id, "enrolled", pick(ENROLLED_LABELS), submitted, effective)

    def current(key: str, payer_id: str) -> Enrollment:
        npi = by_key[key].npi
        return next(e for e in roster.enrollments if e.npi == npi and e.payer_id == payer_id and e.in_tracker)

    def drop(key: str, payer_id: str) -> None:
        roster.enrollments.remove(current(key, payer_id))

    # New hires: applications submitted before the start date, effective weeks after it.
    for key in new_hires:
        p = by_key[key]
        for payer in PAYERS:
            if payer.payer_id in skip_payers.get(p.practice_type, ()):
                continue
            submitted = p.hire_date - days(rng.integers(15, 45))
            effective = p.hire_date + days(rng.integers(20, 75))
            if payer.payer_id == "MCR" and key == "im6":
                effective = p.hire_date  # Medicare's retroactive effective date: clean
            enroll(p, payer.payer_id, "enrolled", pick(ENROLLED_LABELS), submitted, effective)
    # fm_np2: Medicaid and Cigna still pending, the local plan never applied for.
    for payer_id, label in (("MCD", "In Progress - Hold Claims"), ("CIGNA", "Submitted")):
        row = current("fm_np2", payer_id)
        row.status, row.label, row.effective_date = "pending", label, None
    drop("fm_np2", "PCHP")
    # im6: UHC pending since before the hire date (pending > 90 days at the end month).
    row = current("im6", "UHC")
    row.status, row.label, row.effective_date = "pending", "In Progress - Hold Claims", None
    row.submitted_date = by_key["im6"].hire_date - days(40)
    # peds5: Medicaid pending.
    row = current("peds5", "MCD")
    row.status, row.label, row.effective_date = "pending", "Pending", None
    # lcsw1: Cigna denied the application.
    row = current("lcsw1", "CIGNA")
    row.status, row.label, row.effective_date = "denied", "Denied", None
    # fm2: applied to the local plan mid-year; still pending (> 90 days by the end month).
    row = current("fm2", "PCHP")
    row.status, row.label, row.effective_date = "pending", "Submitted", None
    row.submitted_date = day_of(5, 10)
    # ortho_pa1: Medicaid denied the application; the PA still sees Medicaid patients.
    row = current("ortho_pa1", "MCD")
    row.status, row.label, row.effective_date = "denied", "Denied", None
    row.submitted_date = day_of(1, 12)
    # derm1: Cigna terminated the provider mid-year (recredentialing not returned); billing went on.
    row = current("derm1", "CIGNA")
    row.status, row.label, row.termination_date = "terminated", "Termed", day_of(4, 15)
    # card_int1: Humana terminated, then re-enrolled two and a half months later (gap).
    row = current("card_int1", "HUMANA")
    enroll(by_key["card_int1"], "HUMANA", "terminated", "Terminated", row.submitted_date, row.effective_date,
           day_of(2, 28), in_tracker=False)  # fmt: skip
    row.submitted_date, row.effective_date = day_of(3, 5), day_of(5, 15)
    # ortho3: BCBS terminated and re-enrolled years ago (two periods, no gap in the window).
    row = current("ortho3", "BCBS")
    old_term = start - days(rng.integers(400, 700))
    enroll(by_key["ortho3"], "BCBS", "terminated", "Termed", row.submitted_date, row.effective_date, old_term,
           in_tracker=False)  # fmt: skip
    row.submitted_date, row.effective_date = old_term + days(10), old_term + days(75)
    # rad2: never enrolled with the local plan (blank group) but reads its patients' films.
    drop("rad2", "PCHP")
    # POS-restricted enrollments.
    current("psych1", "MCD").allowed_pos = "11,53"  # telehealth (02/10) not enrolled
    current("ortho1", "UHC").allowed_pos = "11,22,24"  # inpatient (21) not enrolled
    current("card3", "AETNA").allowed_pos = "02,11,22"  # every POS card3 bills: clean

    # -- service scope -----------------------------------------------------------------------
    card1, fm_np1, ortho_pa1, derm_pa1 = (by_key[k].npi for k in ("card1", "fm_np1", "ortho_pa1", "derm_pa1"))
    roster.scope += [
        (card1, "*", "99202", "99215", True),
        (card1, "*", "93000", "93350", True),  # diagnostics yes, 93451-93533 interventions no
        (card1, "*", "G2211", "G2211", True),
        (fm_np1, "AETNA", "20600", "20611", False),  # joint injections excluded by Aetna
        (ortho_pa1, "*", "27000", "27999", False),  # surgery as rendering excluded
        (ortho_pa1, "*", "29800", "29999", False),
        (derm_pa1, "BCBS", "99202", "99215", True),
        (derm_pa1, "BCBS", "11102", "11107", True),
        (derm_pa1, "BCBS", "11900", "11901", True),
        (derm_pa1, "BCBS", "17000", "17286", True),
        (derm_pa1, "BCBS", "J3301", "J3301", True),
    ]
    # BCBS loaded fm3's effective date wrong: it denies his first two months (roster is right).
    roster.payer_record_errors.append((by_key["fm3"].npi, "BCBS", day_of(0, 1), day_of(1, 31)))
    return roster
