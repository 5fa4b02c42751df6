"""Exclusion lists: the OIG LEIE monthly CSV and the SAM.gov exclusions extract, to one row shape.

Layouts (recognised by their columns together, whatever the file is called):
- OIG LEIE (the "UPDATED.csv" database and the monthly exclusion / reinstatement supplements): LASTNAME,
  FIRSTNAME, MIDNAME, BUSNAME, GENERAL, SPECIALTY, UPIN, NPI, DOB, ADDRESS, CITY, STATE, ZIP, EXCLTYPE,
  EXCLDATE, REINDATE, WAIVERDATE, WVRSTATE; dates YYYYMMDD (00000000 = none); NPI 0000000000 = none.
- SAM.gov exclusions public extract (V2, 31 columns, usually inside a ZIP): Classification, Name, Prefix,
  First, Middle, Last, Suffix, Address 1-4, City, State / Province, Country, Zip Code, Open Data Flag,
  Blank (Deprecated), Unique Entity ID, Exclusion Program, Excluding Agency, CT Code, Exclusion Type,
  Additional Comments, Active Date, Termination Date, Record Status, Cross-Reference, SAM Number, CAGE,
  NPI, Creation_Date; dates MM/DD/YYYY, Termination Date "Indefinite" when open. The older layout (DUNS,
  no NPI) loads too: without an NPI column every row is matched by name. The extract's file name carries
  its date as YYDDD (SAM_Exclusions_Public_Extract_V2_26279.ZIP = 2026-10-06).
Sources: OIG "LEIE Downloadable Databases" record layout; GSA SAM.gov "Exclusions Extract" public layout
(as used by the published parsers of that file).

A row without an exclusion date, or with neither a name nor an NPI, cannot be screened: it is kept as a
rejected row with its reason. The list date is the one given, else the date in the file name, else the
latest date the list carries (said so in `list_date_basis`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from audits.errors import InputError
from audits.months import month_end

LEIE_COLUMNS = (
    "LASTNAME", "FIRSTNAME", "MIDNAME", "BUSNAME", "GENERAL", "SPECIALTY", "UPIN", "NPI", "DOB", "ADDRESS",
    "CITY", "STATE", "ZIP", "EXCLTYPE", "EXCLDATE", "REINDATE", "WAIVERDATE", "WVRSTATE",
)  # fmt: skip
SAM_COLUMNS = (
    "Classification", "Name", "Prefix", "First", "Middle", "Last", "Suffix", "Address 1", "Address 2",
    "Address 3", "Address 4", "City", "State / Province", "Country", "Zip Code", "Open Data Flag",
    "Blank (Deprecated)", "Unique Entity ID", "Exclusion Program", "Excluding Agency", "CT Code",
    "Exclusion Type", "Additional Comments", "Active Date", "Termination Date", "Record Status",
    "Cross-Reference", "SAM Number", "CAGE", "NPI", "Creation_Date",
)  # fmt: skip
_LEIE_REQUIRED = {"LASTNAME", "FIRSTNAME", "BUSNAME", "EXCLTYPE", "EXCLDATE"}
_SAM_REQUIRED = {"CLASSIFICATION", "NAME", "FIRST", "LAST", "ACTIVEDATE", "TERMINATIONDATE"}
ENTRY_COLUMNS = [
    "row_number", "source", "entity_key", "last_name", "first_name", "middle_name", "business_name", "npi",
    "birth_date", "address", "city", "state", "zip", "category", "specialty", "upin", "excl_type", "excl_date",
    "rein_date", "waiver_date", "waiver_state", "agency", "uei",
]  # fmt: skip
MAX_ZIP_BYTES = 1 << 30
SOURCE_NAMES = {"LEIE": "OIG LEIE", "SAM": "SAM.gov"}


@dataclass
class ExclusionBatch:
    source: str  # LEIE | SAM
    entries: pd.DataFrame  # ENTRY_COLUMNS
    rejected: list[tuple[int, dict, str]] = field(default_factory=list)  # (row number, raw row, reason)
    rows_read: int = 0
    list_date: dt.date | None = None
    list_date_basis: str = ""


def _key(header: object) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(header or "").upper())


def _header_words(line: str) -> set[str]:
    """The normalised cells of one CSV line (comma, semicolon or tab separated)."""
    import csv

    delimiter = max((",", ";", "\t", "|"), key=line.count)
    return {_key(cell) for cell in next(csv.reader([line], delimiter=delimiter), [])}


def _text_of(path: Path) -> str:
    from audits.ingest.readers import decode_text

    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        data = _from_zip(path, data)
    if not data.strip():
        raise InputError(f"{path.name} is empty - download the exclusion list again.")
    text, _encoding = decode_text(data, path.name)
    return text.removeprefix("\ufeff")


def _from_zip(path: Path, data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{path.name} is not a readable ZIP - download the exclusion list again.") from None
    members = [
        m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith((".csv", ".txt"))
    ]
    if len(members) != 1:
        raise InputError(
            f"{path.name} should hold one CSV file; it holds {len(members)} - unpack it and load the CSV."
        )
    member = members[0]
    if member.file_size > MAX_ZIP_BYTES or member.file_size > 200 * max(member.compress_size, 1):
        raise InputError(f"{path.name} unpacks to an implausible size - it is not an exclusion list.")
    return archive.read(member)


def _frame(text: str, name: str) -> tuple[pd.DataFrame, str, int]:
    """The rows under the header (all text), the layout, and the 1-based line of the header."""
    header_line, layout = 0, None
    for number, line in enumerate(text[:65536].splitlines()[:30], start=1):
        words = _header_words(line)
        layout = "LEIE" if _LEIE_REQUIRED <= words else "SAM" if _SAM_REQUIRED <= words else None
        if layout:
            header_line = number
            break
    if layout is None:
        raise InputError(
            f"{name} is not an OIG LEIE or SAM.gov exclusion list (no LASTNAME/EXCLDATE or Classification/Active "
            "Date header) - download the list in its published CSV layout."
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            skiprows=header_line - 1,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InputError(f"{name} is not a readable CSV ({first}) - download the list again.") from None
    frame.columns = [_key(c) for c in frame.columns]
    return frame, layout, header_line


_DATE_FORMATS = ((re.compile(r"\d{8}"), "%Y%m%d"), (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), "%m/%d/%Y"))
_DATE_FORMATS += ((re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),)


def _date(text: str) -> dt.date | None:
    for pattern, fmt in _DATE_FORMATS:
        if pattern.fullmatch(text):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                return None
    return None


def _dates(values: pd.Series) -> pd.Series:
    """YYYYMMDD, MM/DD/YYYY or YYYY-MM-DD; 00000000, blank and words such as Indefinite are no date.
    Each distinct text is parsed once (a list repeats its exclusion dates thousands of times)."""
    text = values.fillna("").astype(str).str.strip()
    codes, uniques = pd.factorize(text)
    parsed = np.empty(len(uniques) + 1, dtype=object)
    parsed[:-1] = [_date(u) for u in uniques]
    parsed[-1] = None
    return pd.Series(parsed[codes], index=values.index, dtype=object)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].fillna("").astype(str).str.strip()
    return pd.Series("", index=frame.index, dtype=object)


def _npi(values: pd.Series) -> pd.Series:
    text = values.str.replace(r"\.0$", "", regex=True).str.strip()
    ok = text.str.fullmatch(r"\d{10}") & (text != "0000000000")
    return text.astype(object).where(ok, None)


def _blank_none(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values != "", None)


def entity_keys(frame: pd.DataFrame) -> pd.Series:
    """The same exclusion in every monthly list gets the same key (see the migration)."""
    texts = [
        [str(v).upper().strip() if v is not None and v == v else "" for v in frame[c]]
        for c in ("source", "last_name", "first_name", "middle_name", "business_name", "npi", "excl_type")
    ]
    texts += [[d.isoformat() if d else "" for d in frame[c]] for c in ("birth_date", "excl_date")]
    keys = [
        hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32] for parts in zip(*texts, strict=True)
    ]
    return pd.Series(keys, index=frame.index, dtype=object)


def _leie(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": "LEIE",
            "last_name": _blank_none(_col(frame, "LASTNAME")),
            "first_name": _blank_none(_col(frame, "FIRSTNAME")),
            "middle_name": _blank_none(_col(frame, "MIDNAME")),
            "business_name": _blank_none(_col(frame, "BUSNAME")),
            "npi": _npi(_col(frame, "NPI")),
            "birth_date": _dates(_col(frame, "DOB")),
            "address": _blank_none(_col(frame, "ADDRESS")),
            "city": _blank_none(_col(frame, "CITY")),
            "state": _blank_none(_col(frame, "STATE").str.upper()),
            "zip": _blank_none(_col(frame, "ZIP")),
            "category": _blank_none(_col(frame, "GENERAL")),
            "specialty": _blank_none(_col(frame, "SPECIALTY")),
            "upin": _blank_none(_col(frame, "UPIN")),
            "excl_type": _blank_none(_col(frame, "EXCLTYPE")),
            "excl_date": _dates(_col(frame, "EXCLDATE")),
            "rein_date": _dates(_col(frame, "REINDATE")),
            "waiver_date": _dates(_col(frame, "WAIVERDATE")),
            "waiver_state": _blank_none(_col(frame, "WVRSTATE")),
            "agency": "HHS-OIG",
            "uei": None,
        },
        index=frame.index,
    )


def _sam(frame: pd.DataFrame) -> pd.DataFrame:
    individual = _col(frame, "CLASSIFICATION").str.upper().eq("INDIVIDUAL")
    address = _col(frame, "ADDRESS1")
    for extra in ("ADDRESS2", "ADDRESS3", "ADDRESS4"):
        more = _col(frame, extra)
        address = address.where(more == "", address + " " + more).str.strip()
    return pd.DataFrame(
        {
            "source": "SAM",
            "last_name": _blank_none(_col(frame, "LAST").where(individual, "")),
            "first_name": _blank_none(_col(frame, "FIRST").where(individual, "")),
            "middle_name": _blank_none(_col(frame, "MIDDLE").where(individual, "")),
            "business_name": _blank_none(
                _col(frame, "NAME").where(~individual | (_col(frame, "LAST") == ""), "")
            ),
            "npi": _npi(_col(frame, "NPI")),
            "birth_date": None,
            "address": _blank_none(address),
            "city": _blank_none(_col(frame, "CITY")),
            "state": _blank_none(_col(frame, "STATEPROVINCE").str.upper()),
            "zip": _blank_none(_col(frame, "ZIPCODE")),
            "category": _blank_none(_col(frame, "CLASSIFICATION")),
            "specialty": None,
            "upin": None,
            "excl_type": _blank_none(_col(frame, "EXCLUSIONTYPE")),
            "excl_date": _dates(_col(frame, "ACTIVEDATE")),
            "rein_date": _dates(_col(frame, "TERMINATIONDATE")),
            "waiver_date": None,
            "waiver_state": None,
            "agency": _blank_none(_col(frame, "EXCLUDINGAGENCY")),
            "uei": _blank_none(_col(frame, "UNIQUEENTITYID")),
        },
        index=frame.index,
    )


def date_from_name(name: str) -> dt.date | None:
    """The list date a file name carries: SAM's YYDDD, an ISO or YYYYMMDD date, or LEIE's YYMM supplements."""
    stem = Path(name).stem
    match = re.search(r"_V\d+_(\d{2})(\d{3})(?!\d)", stem, re.IGNORECASE)
    if match:
        year, day = 2000 + int(match.group(1)), int(match.group(2))
        if 1 <= day <= (366 if calendar.isleap(year) else 365):
            return dt.date(year, 1, 1) + dt.timedelta(days=day - 1)
    match = re.search(r"(20\d{2})-?(\d{2})-?(\d{2})", stem)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    match = re.fullmatch(r"(\d{2})(\d{2})(EXCL|REIN)", stem, re.IGNORECASE)
    if match and 1 <= int(match.group(2)) <= 12:
        year, month = 2000 + int(match.group(1)), int(match.group(2))
        return month_end(dt.date(year, month, 1))
    return None


def read_exclusion_list(path, list_date: dt.date | None = None) -> ExclusionBatch:
    """One list file (CSV, or a ZIP holding one CSV) in the entry shape; InputError when it is not one."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist - check the file name.")
    text = _text_of(path)
    frame, layout, header_line = _frame(text, path.name)
    frame = frame[~(frame == "").all(axis=1)]
    entries = _leie(frame) if layout == "LEIE" else _sam(frame)
    entries.insert(0, "row_number", np.arange(len(frame), dtype="int64") + header_line + 1)
    no_date = entries["excl_date"].isna()
    no_name = entries[["last_name", "business_name", "npi"]].isna().all(axis=1)
    reasons = np.where(
        no_date, "no exclusion date that reads as a date", np.where(no_name, "neither a name nor an NPI", "")
    )
    bad = reasons != ""
    rejected = [
        (int(number), {str(k): v for k, v in row.items()}, reason)
        for number, (_i, row), reason in zip(
            entries["row_number"][bad], frame[bad].iterrows(), reasons[bad], strict=True
        )
    ]
    entries = entries[~bad].copy()
    entries["entity_key"] = entity_keys(entries) if len(entries) else pd.Series(dtype=object)
    entries = entries[ENTRY_COLUMNS].reset_index(drop=True)
    if list_date is not None:
        basis = "given"
    else:
        list_date = date_from_name(path.name)
        basis = "file name"
        if list_date is None:
            dates = [d for d in [*entries["excl_date"], *entries["rein_date"]] if d is not None]
            if not dates:
                raise InputError(
                    f"{path.name} has no row with an exclusion date - it cannot be screened against; "
                    "download the list again."
                )
            list_date, basis = max(dates), "latest date in the list"
    return ExclusionBatch(layout, entries, rejected, len(frame), list_date, basis)


def is_exclusion_list(path) -> bool:
    """Whether a file (CSV, or a ZIP of one CSV) has an LEIE or SAM header in its first lines; never raises."""
    try:
        path = Path(path)
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
        if head[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if m.filename.lower().endswith((".csv", ".txt"))]
                if len(members) != 1 or len(archive.infolist()) != 1:
                    return False
                with archive.open(members[0]) as member:
                    head = member.read(1 << 16)
        text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
        for line in text.splitlines()[:30]:
            words = _header_words(line)
            if _LEIE_REQUIRED <= words or _SAM_REQUIRED <= words:
                return True
    except Exception:  # detection only: a file that cannot be sniffed is simply not a list
        return False
    return False
