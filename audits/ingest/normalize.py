"""Value normalisation for every ingest path (SPEC 2 and 4 "Labels are normalised").

Every function takes a pandas Series of raw cells (text from a CSV, or the objects an xlsx
sheet holds: str, int, float, date, datetime) and returns a Series of canonical values,
aligned on the same index. Work is done once per distinct value (`_per_distinct`), so a
million-row column with a few thousand distinct values costs a few thousand conversions:
exports repeat dates, codes, NPIs and payers endlessly.

Parsers that can fail (dates, money) also return a Series of per-row error reasons
(None where the cell parsed or was empty).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from audits.ingest import labels as labels_mod

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 in the 1900 date system (Lotus leap-year bug included)
_EXCEL_SERIAL_MIN = 1  # 1900-01-01
_EXCEL_SERIAL_MAX = 109_574  # 2199-12-31
_BLANK_TEXT = {"", "nan", "none", "null", "nat", "n/a", "na", "#n/a"}

# --------------------------------------------------------------------------------------------
# helpers


def scalars(uniques: object) -> list:
    """The distinct values pd.factorize gave, as Python objects (an Index's tolist() boxes them in one
    pass: iterating an Arrow-backed text Index element by element is several times slower)."""
    return uniques.tolist() if isinstance(uniques, pd.Index) else list(uniques)


def _distinct(series: pd.Series, convert: Callable[[object], object]) -> tuple[np.ndarray, list]:
    """(codes, converted distinct values + the conversion of a missing cell, last): take with codes."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    converted = [convert(value) for value in scalars(uniques)]
    converted.append(convert(None))  # position -1 (missing cells)
    return codes, converted


def _objects(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _per_distinct(series: pd.Series, convert: Callable[[object], object], dtype=object) -> pd.Series:
    """Apply convert to each distinct cell once and broadcast the results back."""
    if len(series) == 0:
        return pd.Series([], index=series.index, dtype=dtype)
    codes, converted = _distinct(series, convert)
    return pd.Series(_objects(converted)[codes], index=series.index, dtype=dtype, copy=False)


Coded = tuple[pd.Series, "np.ndarray | None", "list | None"]


def coded(function: Callable[[pd.Series], pd.Series], series: pd.Series) -> Coded:
    """(function(series), codes, values): the same Series, plus how it was built - values[codes] row by
    row, code -1 = values[-1] - so a writer can hand the column on dictionary-encoded instead of
    converting a million text objects. (series, None, None) for a function not built per distinct value."""
    convert = _CODED.get(function)
    if convert is None or len(series) == 0:
        return function(series), None, None
    if convert is _text_cell:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        kind = pd.api.types.infer_dtype(uniques, skipna=True)
        one = _text_cell if kind in ("string", "empty") else cell_text
        converted = [one(value) for value in scalars(uniques)] + [None]
    else:
        codes, converted = _distinct(series, convert)
    return (
        pd.Series(_objects(converted)[codes], index=series.index, dtype=object, copy=False),
        codes,
        converted,
    )


def _pairs(series: pd.Series, convert: Callable[[object], tuple], dtype) -> tuple[pd.Series, pd.Series]:
    """For converters returning (value, reason): two aligned Series, built from the distinct values."""
    if len(series) == 0:
        return pd.Series([], index=series.index, dtype=dtype), pd.Series([], index=series.index, dtype=object)
    codes, converted = _distinct(series, convert)
    values = [v for v, _r in converted]
    reasons = _objects([r for _v, r in converted])[codes]
    if dtype == "datetime64[us]":
        typed = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[us]").to_numpy()
    else:
        typed = np.array([np.nan if v is None else v for v in values], dtype=dtype)
    return (
        pd.Series(typed[codes], index=series.index, dtype=dtype, copy=False),
        pd.Series(reasons, index=series.index, dtype=object, copy=False),
    )


def is_blank(value: object) -> bool:
    """None, NaN, NaT or text that means nothing ('', 'nan', 'N/A')."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _BLANK_TEXT
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_text(value: object) -> str | None:
    """A cell as text: numbers that are whole lose their '.0' (an NPI typed as a number), blanks -> None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, np.floating):
        return cell_text(float(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"-?\d+\.0+", text):
        text = text.split(".", 1)[0]
    return text or None


_WHOLE_NUMBER = re.compile(r"^(-?\d+)\.0+$")


def _text_cell(value: str) -> str | None:
    """One text cell: stripped, None when it means nothing, '45.00' -> '45'."""
    stripped = value.strip()
    if len(stripped) <= 4 and stripped.lower() in _BLANK_TEXT:  # only short cells can be 'nan', 'n/a', ''
        return None
    if "." in stripped:
        stripped = _WHOLE_NUMBER.sub(r"\1", stripped)
    return stripped


def text(series: pd.Series) -> pd.Series:
    """Cells as stripped text (None for blanks), each distinct cell converted once."""
    if len(series) == 0:
        return pd.Series([], index=series.index, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if pd.api.types.infer_dtype(uniques, skipna=True) in ("string", "empty"):
        converted = [_text_cell(value) for value in scalars(uniques)] + [None]
    else:
        converted = [cell_text(v) for v in scalars(uniques)] + [None]
    return pd.Series(_objects(converted)[codes], index=series.index, dtype=object, copy=False)


# --------------------------------------------------------------------------------------------
# headers and keys


def normalise_header(value: object) -> str:
    """'Claim #' -> 'claim no', 'CPT/HCPCS' -> 'cpt hcpcs', ' Date of  Service ' -> 'date of service'."""
    return labels_mod.header_key(cell_text(value) or "")


def payer_key(name: object) -> str:
    """Payer lookup key: upper case, letters and digits only ('Blue Cross, Inc.' -> 'BLUECROSSINC')."""
    raw = cell_text(name) or ""
    return re.sub(r"[^0-9A-Z]", "", raw.upper())


# --------------------------------------------------------------------------------------------
# dates

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)  # a timestamp's time and zone ('2026-10-07T09:00:00Z', as EHR exports write them) are dropped
_US = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")  # as text only 5 digits (1927-2173): '2024' is not a date


def _two_digit_year(year: int) -> int:
    # M/D/YY: 00-68 -> 2000s, 69-99 -> 1900s (the POSIX/strptime pivot).
    return 2000 + year if year < 69 else 1900 + year


def _date_or_reason(value: object) -> tuple[dt.date | None, str | None]:
    if is_blank(value):
        return None, None
    if isinstance(value, pd.Timestamp):
        return value.date(), None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _from_serial(float(value))
    raw = str(value).strip()
    try:
        match = _ISO.match(raw)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day), None
        match = _US.match(raw)
        if match:
            month, day, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                year = _two_digit_year(year)
            return dt.date(year, month, day), None
        match = _COMPACT.match(raw)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day), None
    except ValueError:
        return None, f"not a calendar date: {raw!r}"
    if _SERIAL.match(raw):
        return _from_serial(float(raw))
    return None, f"unrecognised date: {raw!r} (use YYYY-MM-DD or MM/DD/YYYY)"


def _from_serial(number: float) -> tuple[dt.date | None, str | None]:
    if _EXCEL_SERIAL_MIN <= number <= _EXCEL_SERIAL_MAX:
        return EXCEL_EPOCH + dt.timedelta(days=int(number)), None
    if 19000101 <= number <= 21991231 and float(number).is_integer():
        return _date_or_reason(str(int(number)))
    return None, f"unrecognised date: {cell_text(number)!r} (use YYYY-MM-DD or MM/DD/YYYY)"


def dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(dates as datetime64 with NaT for blank or bad cells, error reason per row or None).

    Accepts ISO text (with or without a time), MM/DD/YYYY, M/D/YY, YYYYMMDD, Excel serial
    numbers (as numbers or as text) and real date/datetime cells, mixed in one column.
    """
    return _pairs(series, _date_or_reason, "datetime64[us]")


def parse_date(value: object) -> dt.date | None:
    """One value (for a CLI option or a single check); raises ValueError with the reason."""
    parsed, reason = _date_or_reason(value)
    if reason:
        raise ValueError(reason)
    return parsed


# --------------------------------------------------------------------------------------------
# identifiers and codes


def _npi(value: object) -> str | None:
    raw = cell_text(value)
    if raw is None:
        return None
    compact = re.sub(r"[\s-]", "", raw)
    return compact if compact.isdigit() else raw


def npi(series: pd.Series) -> pd.Series:
    """NPI as text of digits (1234567893.0 -> '1234567893'); other text is kept for INVALID_NPI to see."""
    return _per_distinct(series, _npi)


def _code(value: object) -> str | None:
    raw = cell_text(value)
    return raw.upper().replace(" ", "") if raw is not None else None


def code(series: pd.Series) -> pd.Series:
    """A code kept as upper-case text: 'g0439' -> 'G0439', 0001U stays, 45.0 -> '45'."""
    return _per_distinct(series, _code)


def _procedure(value: object) -> str | None:
    raw = _code(value)
    if raw is None:
        return None
    if raw.isdigit() and len(raw) < 5 and isinstance(value, (int, float, np.integer, np.floating)):
        # A CPT code that went through a number cell lost its leading zeros (00100 -> 100).
        raw = raw.zfill(5)
    return raw


def procedure_code(series: pd.Series) -> pd.Series:
    """CPT/HCPCS code as text (0001U, G0439 stay; a numeric cell 100 -> '00100')."""
    return _per_distinct(series, _procedure)


def _pos(value: object) -> str | None:
    raw = cell_text(value)
    if raw is None:
        return None
    return raw.zfill(2) if raw.isdigit() and len(raw) < 2 else raw


def pos(series: pd.Series) -> pd.Series:
    """Place of service as two-character text (2 -> '02')."""
    return _per_distinct(series, _pos)


def _diagnosis(value: object) -> str | None:
    raw = _code(value)
    if raw is None:
        return None
    # Store without the dot: remove one dot after the 3rd character (I10, E11.9 -> E119).
    if len(raw) > 3 and raw[3] == ".":
        raw = raw[:3] + raw[4:]
    return raw


def diagnosis(series: pd.Series) -> pd.Series:
    """ICD-10 code upper case without its dot ('e11.9' -> 'E119'); a misplaced dot is kept for the rule."""
    return _per_distinct(series, _diagnosis)


def _state(value: object) -> str | None:
    return (cell_text(value) or "").upper() or None


def state(series: pd.Series) -> pd.Series:
    return _per_distinct(series, _state)


_CODED: dict[Callable, Callable] = {
    text: _text_cell,
    npi: _npi,
    code: _code,
    procedure_code: _procedure,
    pos: _pos,
    diagnosis: _diagnosis,
    state: _state,
}


# --------------------------------------------------------------------------------------------
# money and numbers


def _money_or_reason(value: object) -> tuple[float | None, str | None]:
    if is_blank(value):
        return None, None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return round(float(value), 2), None
    raw = str(value).strip().replace(" ", "")
    negative = raw.startswith("(") and raw.endswith(")")
    core = raw.strip("()")
    if core.startswith("-") or core.endswith("-"):
        negative = not negative if core.startswith("-") else True
        core = core.strip("-")
    core = core.replace("$", "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})*,\d{1,2}", core):
        # Decimal comma ('1.234,50' from a semicolon export): a US thousands group always has 3 digits.
        core = core.replace(".", "").replace(",", ".")
    core = core.replace(",", "")
    try:
        number = float(core)
    except ValueError:
        return None, f"not an amount: {raw!r}"
    if math.isnan(number) or math.isinf(number):
        return None, f"not an amount: {raw!r}"
    return round(-number if negative else number, 2), None


def money(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """('$1,234.00' -> 1234.0, '(12.00)' -> -12.0, '1234' -> 1234.0) as float64, and error reasons."""
    return _pairs(series, _money_or_reason, "float64")


def number(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Plain numbers (units): same grammar as money."""
    return money(series)


# --------------------------------------------------------------------------------------------
# lists in one cell, numbered columns, 835 composites

_LIST_SPLIT = re.compile(r"[,;|/\s]+")  # SPEC 2: | ; , / new lines or spaces


def split_list(series: pd.Series, count: int, convert: Callable[[object], object] = _code) -> pd.DataFrame:
    """'26,59' / 'I10; E11.9' -> columns 1..count (extra items beyond count are dropped: see overflow)."""

    def spread(value: object) -> tuple:
        items = [p for p in _LIST_SPLIT.split(cell_text(value) or "") if p][:count]
        return tuple(convert(p) for p in items) + (None,) * (count - len(items))

    if len(series) == 0:
        return pd.DataFrame(columns=list(range(1, count + 1)), index=series.index, dtype=object)
    codes, converted = _distinct(series, spread)
    table = np.empty((len(converted), count), dtype=object)
    for i, row in enumerate(converted):
        table[i, :] = row
    return pd.DataFrame(table[codes], index=series.index, columns=list(range(1, count + 1)), dtype=object)


def split_list_counted(
    series: pd.Series, limit: int, convert: Callable[[object], object] = _code
) -> tuple[pd.DataFrame, int]:
    """(split_list(series, min(max(width, 1), limit), convert), width) where width = list_width(series),
    from one pass over the distinct cells."""
    if len(series) == 0:
        width = list_width(series)
        return split_list(series, min(max(width, 1), limit), convert), width
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    items = [[p for p in _LIST_SPLIT.split(cell_text(v) or "") if p] for v in scalars(uniques)]
    width = max((len(i) for i in items), default=0)
    count = min(max(width, 1), limit)
    table = np.empty((len(items) + 1, count), dtype=object)  # last row: a missing cell
    for i, row in enumerate(items):
        row = row[:count]
        table[i, :] = tuple(convert(p) for p in row) + (None,) * (count - len(row))
    table[-1, :] = None
    frame = pd.DataFrame(table[codes], index=series.index, columns=list(range(1, count + 1)), dtype=object)
    return frame, width


def list_width(series: pd.Series) -> int:
    """The most items any one-cell list of the column holds (0 for an empty column)."""
    _codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return max(
        (len([p for p in _LIST_SPLIT.split(cell_text(v) or "") if p]) for v in scalars(uniques)), default=0
    )


_COMPOSITE = re.compile(r"^(?:HC|AD|ER|IV|N4|WK|NU|HP|ZZ)[:>]([^:>]+)((?:[:>][^:>]*)*)$", re.IGNORECASE)


def _composite(value: object) -> tuple[str | None, tuple[str, ...]]:
    raw = cell_text(value)
    if raw is None:
        return None, ()
    match = _COMPOSITE.match(raw.strip())
    if not match:
        return _procedure(value), ()
    modifiers = tuple(m.upper() for m in re.split(r"[:>]", match.group(2)) if m)
    return match.group(1).upper(), modifiers[:4]


def composite_procedure(series: pd.Series) -> pd.DataFrame:
    """835 composite 'HC:99213:25' -> procedure_code '99213', modifier_1 '25'; plain codes pass through."""
    columns = ["procedure_code", "modifier_1", "modifier_2", "modifier_3", "modifier_4"]
    if len(series) == 0:
        return pd.DataFrame(columns=columns, index=series.index, dtype=object)
    codes, converted = _distinct(series, _composite)
    table = np.empty((len(converted), 5), dtype=object)
    for i, (code_value, modifiers) in enumerate(converted):
        table[i, :] = (code_value, *(list(modifiers) + [None] * (4 - len(modifiers))))
    return pd.DataFrame(table[codes], index=series.index, columns=columns, dtype=object)


# --------------------------------------------------------------------------------------------
# adjustment group codes

GROUP_CODES = labels_mod.GROUP_CODES  # their words: the vocabulary's [labels.group_code]


def _group(value: object) -> str | None:
    raw = cell_text(value)
    if raw is None:
        return None
    key = labels_mod.group_key(raw)
    if key in GROUP_CODES:
        return key
    return labels_mod.active().group.get(key)


def group_code(series: pd.Series) -> pd.Series:
    """'CO' / 'Contractual Obligation' -> 'CO', ... ; unknown labels -> None."""
    return _per_distinct(series, _group)


_ADJ_ITEM = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*[-:/ ]\s*([A-Za-z0-9]{1,5})\s*$")


def _adjustment_items(value: object) -> tuple[tuple[str | None, str], ...] | None:
    """'CO-45, PR-2' -> (('CO','45'), ('PR','2')); '45' -> ((None,'45'),); None when unreadable."""
    raw = cell_text(value)
    if raw is None:
        return ()
    items = []
    for piece in re.split(r"[,;|]", raw):
        piece = piece.strip()
        if not piece:
            continue
        if re.fullmatch(r"[A-Za-z0-9]{1,5}", piece) and not re.fullmatch(r"(?i)CO|PR|OA|PI|CR", piece):
            items.append((None, piece.upper()))
            continue
        match = _ADJ_ITEM.match(piece)
        if not match:
            return None
        group = _group(match.group(1))
        if group is None:
            return None
        items.append((group, match.group(2).upper()))
    return tuple(items)


def adjustment_items(series: pd.Series) -> pd.Series:
    """Per row, a tuple of (group_code or None, carc) pairs, or None when the cell cannot be read."""
    return _per_distinct(series, _adjustment_items)


# --------------------------------------------------------------------------------------------
# labels (SPEC 4 "Labels are normalised"), case-insensitive; None = not recognised


def _label_key(value: object) -> str:
    return labels_mod.label_key(cell_text(value) or "")


# The labels and what they mean are data: the vocabulary's [labels] sections (labels.py), which a
# practice extends in its own vocabulary file.

# SPEC 4: these mean no application was made: the row is rejected ("no enrollment application").
NO_ENROLLMENT = "none"


def _enrollment(value: object, extra: dict[str, str] | None = None, labels=None) -> str | None:
    key = _label_key(value)
    if not key:
        return None
    if extra and key in extra:
        return extra[key]
    return (labels or labels_mod.active()).enrollment_status(key)


def enrollment_status(series: pd.Series, extra: dict[str, str] | None = None) -> pd.Series:
    """Enrolled/Active/Approved/Par/Participating -> enrolled; Pending/Submitted/In process.../In progress.../
    Applied -> pending; Denied/Rejected/Declined -> denied; Terminated/Termed/Inactive -> terminated; else None
    (the vocabulary's [labels.enrollment_status]). `extra` maps further labels (normalised: lower case,
    words) to a status (the analyst's saved mapping)."""
    extra_norm = {_label_key(k): v for k, v in (extra or {}).items()}
    labels = labels_mod.current()
    return _per_distinct(series, lambda v: _enrollment(v, extra_norm, labels))


def _credential(value: object) -> str | None:
    """The credential type a label says (the vocabulary's [labels.credential_type]), 'other', or None."""
    return labels_mod.active().credential_type(_label_key(value))


def credential_type(series: pd.Series, extra: dict[str, str] | None = None) -> pd.Series:
    """'State License' -> state_license, 'Board Cert' -> board_certification, 'DEA' -> dea,
    'Malpractice'/'Liability'/'COI' -> malpractice, any other label -> other; blank -> None (the vocabulary's
    [labels.credential_type])."""
    extra_norm = {_label_key(k): v for k, v in (extra or {}).items()}
    labels = labels_mod.current()
    return _per_distinct(
        series, lambda v: extra_norm.get(_label_key(v)) or labels.credential_type(_label_key(v))
    )


def _scope(value: object, extra: dict[str, bool], labels) -> bool | None:
    key = _label_key(value)
    if key in extra:
        return extra[key]
    return labels.scope.get(key)


def scope_approved(series: pd.Series, extra: dict[str, bool] | None = None) -> pd.Series:
    """Approved/Allowed/Yes -> True; Excluded/Not approved/No -> False (the vocabulary's
    [labels.scope_approved]); anything else (blank too) -> None."""
    extra_norm = {_label_key(k): bool(v) for k, v in (extra or {}).items()}
    labels = labels_mod.current()
    return _per_distinct(series, lambda v: _scope(v, extra_norm, labels))


def provider_status(series: pd.Series, extra: dict[str, str] | None = None) -> pd.Series:
    """Active/Y/Yes/blank -> active; Inactive/N/No/Terminated -> inactive (the vocabulary's
    [labels.provider_status]); else None."""
    extra_norm = {_label_key(k): v for k, v in (extra or {}).items()}
    known = labels_mod.current().provider
    return _per_distinct(series, lambda v: extra_norm.get(_label_key(v)) or known.get(_label_key(v)))


def claim_status(series: pd.Series, extra: dict[str, str] | None = None) -> pd.Series:
    """Remittance export status labels -> paid | denied | reversed (CLP02 codes map too: the vocabulary's
    [labels.claim_status]); else the label as is. `extra` maps further labels to one of those (the
    analyst's saved mapping)."""
    extra_norm = {_label_key(k): v for k, v in (extra or {}).items()}
    known = labels_mod.current().claim
    return _per_distinct(
        series, lambda v: extra_norm.get(_label_key(v)) or known.get(_label_key(v), cell_text(v))
    )
