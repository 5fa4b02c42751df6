"""The demo practice generator: sizes, reproducibility, the planted problems (read from the files),
the 835s' structure, and loading through the same ingest path as any upload.

Expectations come from the issue and SPEC, written here by hand (NPI check digit, X12 balancing,
the CARC categories of data/reference/carc_codes.csv); nothing asserts audit rule results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from audits.config import REFERENCE_DIR
from audits.demo import build_demo, generate_files
from audits.errors import InputError
from audits.months import last_full_month

END = "2026-10"
LINES = 3000
MONTHS = [f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]]


def npi_luhn_ok(npi: str) -> bool:
    """CMS: Luhn over '80840' + the NPI's 10 digits (the last is the check digit)."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


def test_npi_check_by_hand_matches_the_cms_example():
    assert npi_luhn_ok("1234567893")  # the CMS worked example
    assert not npi_luhn_ok("1234567890")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_files(out, seed=7, lines=LINES, end_month=END)
    return out


@pytest.fixture(scope="module")
def tracker(demo_dir) -> pd.DataFrame:
    """The Master Tracker with 'Payer|Field' columns for the payer groups (read with openpyxl)."""
    ws = load_workbook(demo_dir / "credentialing_workbook.xlsx", read_only=True)["Master Tracker"]
    rows = list(ws.iter_rows(values_only=True))
    group, names = None, []
    for top, sub in zip(rows[0], rows[1], strict=True):
        group = top if top else group
        names.append(f"{group}|{sub}" if group else sub)
    return pd.DataFrame(rows[2:], columns=names)


def long_sheet(demo_dir: Path, name: str) -> pd.DataFrame:
    """A long sheet: title row, 'Exported on' row, then the header."""
    ws = load_workbook(demo_dir / "credentialing_workbook.xlsx", read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    assert str(rows[1][0]).startswith("Exported on ")
    return pd.DataFrame(rows[3:], columns=rows[2])


@pytest.fixture(scope="module")
def claims(demo_dir) -> pd.DataFrame:
    frames = []
    for month in MONTHS:
        frame = pd.read_csv(demo_dir / f"claims_{month}.csv", dtype=str, keep_default_na=False)
        assert frame.iloc[-1]["Claim #"] == "Total"
        frames.append(frame.iloc[:-1].assign(file_month=month))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def remits(demo_dir) -> pd.DataFrame:
    """Every CSV remittance row (one row per adjustment)."""
    frames = [
        pd.read_csv(path, dtype=str, keep_default_na=False) for path in sorted(demo_dir.glob("remits_*.csv"))
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def carc_category() -> dict[str, str]:
    table = pd.read_csv(REFERENCE_DIR / "carc_codes.csv", dtype=str, keep_default_na=False)
    return dict(zip(table["code"], table["root_cause"], strict=True))


def payer_key(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(text).upper())


@pytest.fixture(scope="module")
def payer_lookup(demo_dir) -> dict[str, str]:
    payers = long_sheet(demo_dir, "Payers")
    lookup = {}
    for _, row in payers.iterrows():
        for name in [row["Payer ID"], row["Payer Name"], *str(row["Aliases"]).split("|")]:
            lookup[payer_key(name)] = row["Payer ID"]
    return lookup


# -- sizes -----------------------------------------------------------------------------------


def test_practice_sizes(tracker, demo_dir, claims):
    assert len(tracker) >= 40
    assert tracker["Specialty"].nunique() >= 6
    assert all(re.fullmatch(r"[0-9A-Z]{9}X", t) for t in tracker["Taxonomy"])
    assert all(npi_luhn_ok(str(npi)) for npi in tracker["NPI"])
    assert tracker["NPI"].nunique() == len(tracker)
    payers = long_sheet(demo_dir, "Payers")
    assert len(payers) >= 8
    assert all("|" in aliases for aliases in payers["Aliases"])
    assert len(claims) >= LINES * 0.95  # the Total rows are not lines; one claim may be cut short


def test_twelve_months_ending_with_the_end_month(demo_dir, claims):
    assert sorted(p.name for p in demo_dir.glob("claims_*.csv")) == [f"claims_{m}.csv" for m in MONTHS]
    dos = pd.to_datetime(claims["Date of Service"], format="%m/%d/%Y")
    assert (dos.dt.strftime("%Y-%m") == claims["file_month"]).all()
    assert all((claims["file_month"] == m).sum() > LINES / 24 for m in MONTHS)


def test_default_end_month_is_the_last_full_month():
    assert last_full_month(dt.date(2026, 11, 27)) == dt.date(2026, 10, 1)
    assert last_full_month(dt.date(2026, 1, 1)) == dt.date(2025, 12, 1)


@pytest.mark.parametrize("bad", ["2026-13", "March", "2026/03", ""])
def test_a_bad_end_month_is_one_sentence(bad, tmp_path):
    with pytest.raises(InputError, match="YYYY-MM"):
        generate_files(tmp_path, lines=600, end_month=bad)


# -- reproducibility -------------------------------------------------------------------------


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(demo_dir, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    generate_files(again, seed=7, lines=LINES, end_month=END)
    generate_files(other, seed=8, lines=LINES, end_month=END)
    first = _digests(demo_dir)
    assert _digests(again) == first
    second = _digests(other)
    assert second.keys() == first.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert "credentialing_workbook.xlsx" in differing
    assert all(f"claims_{m}.csv" in differing for m in MONTHS)


# -- the planted problems, as the files show them --------------------------------------------


def test_claims_carry_the_data_quality_problems(claims, tracker, payer_lookup):
    import simple_icd_10_cm as cm

    roster_npis = {str(n) for n in tracker["NPI"]}
    npis = claims["Rendering Provider NPI"]
    assert (~npis.map(npi_luhn_ok)).sum() >= 2, "invalid NPIs"
    unknown = {n for n in npis if npi_luhn_ok(n) and n not in roster_npis}
    assert len(unknown) == 1, "one unknown (locum) NPI"
    mods = pd.concat([claims[f"Mod {i}"] for i in range(1, 5)])
    assert (~mods.str.fullmatch(r"[A-Z0-9]{2}") & (mods != "")).sum() >= 2, "bad modifiers"
    pos_codes = set(pd.read_csv(REFERENCE_DIR / "pos_codes.csv", dtype=str)["code"])
    assert (~claims["POS"].isin(pos_codes)).sum() >= 1, "invalid POS"
    dx = pd.concat([claims[f"Dx {i}"] for i in range(1, 5)])
    dx = dx[dx != ""].unique()
    bad_dx = [c for c in dx if not (cm.is_valid_item(c) and cm.is_leaf(c))]
    assert bad_dx, "bad ICD-10"
    assert len(bad_dx) < len(dx) / 2  # the rest are billable codes
    unknown_payers = {p for p in claims["Primary Insurance"] if payer_key(p) not in payer_lookup}
    assert len(unknown_payers) == 1, "one payer spelling nobody knows"
    assert {"UHC", "United Healthcare", "UNITED HEALTHCARE INS CO", "BCBS TX"} <= set(
        claims["Primary Insurance"]
    )
    # Telehealth: POS 02/10 with modifier 95.
    tele = claims[claims["POS"].isin(["02", "10"])]
    assert len(tele) > 0 and (tele["Mod 1"] == "95").mean() > 0.9
    # Codes: E/M, HCPCS Level II, PLA appear; radiology with 26.
    codes = set(claims["CPT/HCPCS"])
    assert {"99213", "99214", "93000", "20610", "90837", "71046"} <= codes
    assert any(re.fullmatch(r"[A-Z]\d{4}", c) for c in codes)
    assert (claims["Mod 1"] == "26").any()
    assert claims["Charges"].str.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d{2}").all()
    assert claims["Date of Service"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()


def test_roster_carries_the_enrollment_and_credential_scenarios(demo_dir, tracker):
    end = dt.date(2026, 10, 31)
    payer_groups = sorted({c.split("|")[0] for c in tracker.columns if "|" in c})
    statuses = pd.concat([tracker[f"{g}|Status"] for g in payer_groups])
    labels = set(statuses.dropna())
    assert {"Denied", "Termed"} <= labels
    assert any(label.startswith("In Progress") for label in labels)
    assert statuses.isna().sum() >= 1, "a blank payer group (no enrollment)"
    pos = pd.concat([tracker[f"{g}|POS"] for g in payer_groups]).dropna()
    assert len(pos) >= 2, "POS-restricted enrollments"
    # Pending more than 90 days at the end month.
    long_pending = 0
    for g in payer_groups:
        pending = tracker[tracker[f"{g}|Status"].isin(["In Progress - Hold Claims", "Submitted", "Pending"])]
        long_pending += sum((end - d.date()).days > 90 for d in pending[f"{g}|Submitted"])
    assert long_pending >= 1
    # New hires who saw patients before their effective date.
    hires = tracker[pd.to_datetime(tracker["Hire Date"]).dt.date >= dt.date(2025, 11, 1)]
    assert len(hires) >= 3
    effective_after_hire = sum(
        (pd.to_datetime(hires[f"{g}|Effective"]).dt.date > pd.to_datetime(hires["Hire Date"]).dt.date).sum()
        for g in payer_groups
    )
    assert effective_after_hire >= 3
    assert (tracker["Status"] == "Inactive").sum() >= 1
    # Credentials expiring within 90 days after the end month.
    expiring = 0
    for column in ("License Expires", "DEA Expires", "Board Expires", "Malpractice Expires"):
        days = (pd.to_datetime(tracker[column]).dt.date.dropna() - end).map(lambda d: d.days)
        expiring += int(((days > 0) & (days <= 90)).sum())
    assert expiring >= 3
    # Multi-period enrollment: a terminated history row for a pair the tracker shows enrolled again.
    history = long_sheet(demo_dir, "Enrollment History")
    assert (history["Status"].isin(["Terminated", "Termed"])).all() and len(history) >= 1
    # A licence that lapsed mid-year and was renewed: history expiry < tracker issue date, both in the year.
    credentials = long_sheet(demo_dir, "Credential History")
    licences = credentials[credentials["Credential Type"] == "State License"]
    merged = licences.merge(tracker[["NPI", "License Issued"]].astype({"NPI": str}), on="NPI")
    gap = merged[
        (pd.to_datetime(merged["Expiration Date"]) < pd.to_datetime(merged["License Issued"]))
        & (pd.to_datetime(merged["Expiration Date"]).dt.date > dt.date(2025, 11, 1))
    ]
    assert len(gap) >= 1
    scope = long_sheet(demo_dir, "Approved Services")
    assert (scope["Payer ID"] == "*").any()
    assert set(scope["Approved"]) == {"Approved", "Excluded"}
    cardio = scope[(scope["Payer ID"] == "*") & (scope["Code From"] == "93000")]
    assert list(cardio["Code To"]) == ["93350"]


def test_remittances_answer_like_payers(remits, claims, carc_category):
    assert set(remits["Reason Code"]) <= set(carc_category), "every CARC comes from carc_codes.csv"
    remarks = set(remits["Remark Codes"]) - {""}
    assert remarks <= set(carc_category)
    categories = set(remits["Reason Code"].map(carc_category))
    assert {
        "credentialing",
        "scope",
        "coding",
        "eligibility",
        "authorization",
        "timely_filing",
        "duplicate",
    } <= (categories)
    assert ((remits["Reason Code"] == "16") & (remits["Remark Codes"] == "N290")).any()
    assert {"45", "1", "2", "3"} <= set(remits["Reason Code"])
    assert {"CO", "PR", "Contractual Obligation", "Patient Responsibility"} <= set(remits["Group Code"])
    assert remits["Procedure"].str.fullmatch(r"HC:[0-9A-Z]{5}(:[^:]+)*").all()
    # Each remittance event (line, status, check date) balances: billed - adjustments = paid.
    event = ["Claim Number", "Line", "Claim Status", "Check Date"]
    money = remits.assign(
        billed=remits["Billed"].astype(float), paid=remits["Paid"].astype(float),
        adj=remits["Adjustment Amount"].astype(float),
    )  # fmt: skip
    events = money.groupby(event, as_index=False).agg(
        billed=("billed", "first"), paid=("paid", "first"), adj=("adj", "sum")
    )
    assert ((events["billed"] - events["adj"] - events["paid"]).abs() < 0.005).all()
    # Recoupments: for a line paid earlier, a reversal (negated amounts) and a denial, later.
    reversed_lines = events.loc[events["Claim Status"] == "Reversed", ["Claim Number", "Line"]]
    assert len(reversed_lines) >= 1
    history = events.merge(reversed_lines, on=["Claim Number", "Line"])
    for _key, group in history.groupby(["Claim Number", "Line"]):
        group = group.assign(day=pd.to_datetime(group["Check Date"], format="%m/%d/%Y")).sort_values("day")
        assert group["Claim Status"].iloc[0] == "Paid" and group["paid"].iloc[0] > 0
        assert sorted(group["Claim Status"].iloc[1:]) == ["Denied", "Reversed"]
    # The first answer per line: a plausible denial rate.
    first = events.assign(day=pd.to_datetime(events["Check Date"], format="%m/%d/%Y")).sort_values("day")
    first = first.drop_duplicates(["Claim Number", "Line"])
    denied = (first["Claim Status"] == "Denied").mean()
    assert 0.04 <= denied <= 0.15


def test_new_hires_lines_before_effective_are_mostly_denied_some_paid(
    tracker, claims, remits, payer_lookup, carc_category
):
    """Lines billed before the enrollment's effective date, found from the files alone."""
    groups = sorted({c.split("|")[0] for c in tracker.columns if "|" in c})
    effective = pd.concat(
        [
            pd.DataFrame(
                {
                    "npi": tracker["NPI"].astype(str),
                    "payer": payer_lookup[payer_key(g)],
                    "effective": pd.to_datetime(tracker[f"{g}|Effective"]),
                }
            )
            for g in groups
        ]
    ).dropna()
    lines = claims.assign(
        npi=claims["Rendering Provider NPI"],
        payer=claims["Primary Insurance"].map(lambda p: payer_lookup.get(payer_key(p))),
        dos=pd.to_datetime(claims["Date of Service"], format="%m/%d/%Y"),
    ).merge(effective, on=["npi", "payer"])
    early = lines[lines["dos"] < lines["effective"]][["Claim #", "Line #"]]
    assert len(early) >= 10
    answered = remits.merge(early, left_on=["Claim Number", "Line"], right_on=["Claim #", "Line #"])
    lines = answered.groupby(["Claim Number", "Line"])
    credentialing = lines["Reason Code"].agg(
        lambda r: any(carc_category[c] in ("credentialing", "scope") for c in r)
    )
    paid = lines["Paid"].first().astype(float) > 0
    assert credentialing.mean() > 0.5
    assert paid.sum() >= 1, "some are paid anyway (recoupment risk)"


def test_one_month_of_remittances_is_a_workbook_with_carc_columns(demo_dir):
    (path,) = demo_dir.glob("remits_*.xlsx")
    frame = pd.read_excel(path, engine="calamine", header=1, dtype=object)
    assert {"CARC 1", "Adj Amt 1", "CARC 3", "Adj Amt 3", "RARC 1", "RARC 2"} <= set(frame.columns)
    carcs = frame["CARC 1"].dropna().astype(str)
    assert carcs.str.fullmatch(r"(CO|PR)-[0-9A-Z]+").all()
    assert (carcs == "CO-45").any()


# -- X12 835 ----------------------------------------------------------------------------------


def _segments(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="ascii")
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def _claims_of(segments: list[list[str]]):
    """Walk the 835: yield (CLP, [(SVC, line CAS total, REF*6R)]) per claim."""
    claim, services = None, []
    for seg in [*segments, ["END"]]:
        if seg[0] in ("CLP", "SE", "END") and claim is not None:
            yield claim, services
            claim, services = None, []
        if seg[0] == "CLP":
            claim = seg
        elif seg[0] == "SVC":
            services.append([seg, 0.0, None])
        elif seg[0] == "CAS":
            services[-1][1] += sum(float(seg[j]) for j in range(3, len(seg), 3) if seg[j])
        elif seg[0] == "REF" and seg[1] == "6R":
            services[-1][2] = seg[2]


def test_835_files_are_balanced_and_complete(demo_dir, remits):
    files = sorted(demo_dir.glob("era_*.835"))
    assert len(files) >= 3
    in_835 = set()
    for path in files:
        segments = _segments(path)
        assert segments[0][0] == "ISA" and len(segments[0]) == 17 and segments[-1][0] == "IEA"
        assert segments[1][0] == "GS" and segments[1][8] == "005010X221A1"
        assert {"ST", "BPR", "TRN", "N1", "LX", "CLP", "NM1", "SVC", "DTM", "CAS", "REF", "SE", "GE"} <= {
            s[0] for s in segments
        }
        assert any(s[0] == "NM1" and s[1] == "82" for s in segments)
        assert any(s[0] == "DTM" and s[1] == "472" for s in segments)
        for claim, services in _claims_of(segments):
            assert services
            line_cas = 0.0
            for svc, cas, line_no in services:
                assert abs(float(svc[2]) - cas - float(svc[3])) < 0.005, "SVC03 = SVC02 - CAS"
                line_cas += cas
                in_835.add((claim[1], line_no))
            assert abs(float(claim[3]) - line_cas - float(claim[4])) < 0.005, "CLP04 = CLP03 - CAS"
        # Each transaction set: SE01 counts its segments, BPR02 is the sum of its CLP04.
        for i, seg in enumerate(segments):
            if seg[0] == "ST":
                start, paid, bpr = i, 0.0, None
            elif seg[0] == "BPR":
                bpr = float(seg[2])
            elif seg[0] == "CLP":
                paid += float(seg[4])
            elif seg[0] == "SE":
                assert int(seg[1]) == i - start + 1
                assert abs(bpr - paid) < 0.005
    exported = set(zip(remits["Claim Number"], remits["Line"], strict=True))
    assert in_835 and not (in_835 & exported), "no remit line is in both an export and an 835"


def test_835_files_parse_with_the_ingest_parser(demo_dir):
    from audits.ingest import x12_835

    for path in sorted(demo_dir.glob("era_*.835")):
        segments = _segments(path)
        parsed = x12_835.parse_835(path.read_bytes(), source_name=path.name)
        lines = parsed.lines
        assert len(lines) == sum(s[0] == "SVC" for s in segments)
        assert set(lines["claim_id"]) == {s[1] for s in segments if s[0] == "CLP"}


# -- loading through ingest ---------------------------------------------------------------------


def test_build_demo_loads_every_file_through_ingest(db_path, tmp_path):
    messages: list[str] = []
    summary = build_demo(
        db_path, seed=7, lines=LINES, end_month=END, out_dir=tmp_path / "files", progress=messages.append
    )
    assert len(summary["uploads"]) == len(summary["files"]) >= 28
    for upload in summary["uploads"]:
        assert upload["status"] == "loaded", upload
        assert upload["rows_read"] == upload["rows_loaded"] + upload["rows_rejected"], upload
    from audits.store import connect

    with connect(db_path, read_only=True) as con:
        by = con.execute("SELECT DISTINCT uploaded_by FROM uploads").fetchall()
        lines = con.execute("SELECT count(*) FROM claim_lines").fetchall()[0][0]
        held = con.execute(
            "SELECT count(*) FROM rejected_rows WHERE reason LIKE 'unknown payer%'"
        ).fetchall()[0][0]
    assert by == [("demo",)]
    assert held >= 1 and lines >= LINES * 0.95
    # Progress messages name files and counts, never a patient.
    claims = pd.read_csv(tmp_path / "files" / f"claims_{END}.csv", dtype=str, keep_default_na=False)
    text = "\n".join(messages)
    assert "claims_2026-10.csv" in text
    for name in claims["Patient Name"].head(50):
        if name:
            assert name.split(",")[0] not in text


def test_demo_command_rejects_bad_options_in_one_sentence(tmp_path, capsys):
    from audits.cli import main

    assert main(["demo", "--db", str(tmp_path / "x.duckdb"), "--end-month", "2026-13"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    assert main(["demo", "--db", str(tmp_path / "x.duckdb"), "--lines", "10"]) == 1
    assert "at least" in capsys.readouterr().err
