"""Patient cells of uploaded rows (SPEC 7): patient_key and birth year of each row, and the raw cells
of rejected rows with patient identifiers replaced by their keyed hash.

Decisions:
- patient_key is the keyed hash of the member id when the file has one, else of name + birth date;
  only the birth year is kept. Each distinct identifier is hashed once.
- In a rejected row a cell is kept as it was only when its column is mapped to a canonical column that
  is not a patient identifier (SPEC 7); every other cell - patient columns, and every unmapped column
  whatever its header says (Pt Name, Guarantor, MBI, Soc Sec #, address, phone, e-mail) - is kept as
  its keyed hash. The row's patient_key / birth year travel as `__patient_key__` /
  `__patient_birth_year__` (so a held row can load again).
- A row with a cell under no header (more cells than the header row: an unquoted comma shifted it) has
  every cell in the wrong column, so all of its cells are hashed and its reason quotes none of them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from audits import privacy
from audits.ingest import mapping as mapping_mod
from audits.ingest import normalize as nz

PATIENT_KEY_FIELD = "__patient_key__"
BIRTH_YEAR_FIELD = "__patient_birth_year__"


def patient_columns(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(patient_key, patient_birth_year) from the raw patient_id / patient_name / patient_dob columns."""
    keys, year, _codes = patient_columns_coded(frame)
    return keys, year


def patient_columns_coded(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, tuple | None]:
    """_patient_columns, plus (codes, values) of the keys as NormalisedClaims.codes holds them (None when
    some keys were carried in from rejected rows)."""
    index = frame.index
    if PATIENT_KEY_FIELD in frame.columns:  # rows coming back from rejected_rows carry their key
        carried_key = frame[PATIENT_KEY_FIELD].astype(object)
        carried_year = pd.to_numeric(frame[BIRTH_YEAR_FIELD], errors="coerce")
    else:
        carried_key = pd.Series(None, index=index, dtype=object)
        carried_year = pd.Series(np.nan, index=index)
    member, member_codes, member_values = (
        nz.coded(nz.text, frame["patient_id"])
        if "patient_id" in frame
        else (pd.Series(None, index=index, dtype=object), None, None)
    )
    names = frame["patient_name"] if "patient_name" in frame else pd.Series(None, index=index, dtype=object)
    dob_raw = frame["patient_dob"] if "patient_dob" in frame else pd.Series(None, index=index, dtype=object)
    if "patient_dob" in frame.attrs.get("empty", ()):
        dob = pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    else:
        dob, _dob_error = nz.dates(dob_raw)
    identifier = member.copy()
    no_member = member.isna()
    if no_member.any():  # name + birth date only where the row has no member id
        some = dob[no_member]
        dob_text = pd.Series(some.dt.strftime("%Y-%m-%d"), index=some.index).astype(object)
        dob_text = dob_text.where(some.notna(), nz.text(dob_raw[no_member]))
        identifier[no_member] = privacy.combined_identifier(names[no_member], dob_text)
    if member_codes is not None and not no_member.any():  # every row has a member id: hash its distinct cells
        key_table = privacy.keys_of_distinct(member_values)
        key_codes = member_codes
        keys = pd.Series(key_table[key_codes], index=index, dtype=object, copy=False)
    else:
        keys, key_codes, key_table = privacy.keys_of_text_coded(identifier)
    coded = (key_codes, list(key_table))
    if PATIENT_KEY_FIELD in frame.columns:
        keys = carried_key.where(carried_key.notna(), keys)
        coded = None
    year = pd.Series(dob.dt.year, index=index).astype("float64")
    year = carried_year.where(carried_year.notna(), year)
    return keys, year, coded


_PATIENT_WORDS = (
    "patient",
    "member",
    "subscriber",
    "insured",
    "dob",
    "birth",
    "ssn",
    "social security",
    "mrn",
)


# Whole words (or the letters of an abbreviation written with dots: 'D.O.B.') that name a patient's field.
_PATIENT_TOKENS = {"pt", "guarantor", "mbi", "hicn", "ssn", "dob", "soc"}


def looks_like_patient_header(header: str) -> bool:
    """Unmapped columns that still carry patient identifiers (e.g. 'Subscriber Name', 'SSN', 'D.O.B.',
    'Pt Name', 'Guarantor', 'MBI') are hashed too, and recognition maps none of them by its values alone."""
    norm = nz.normalise_header(header)
    if "control" in norm:  # Patient Control Number is the claim id (CLP01)
        return False
    words = norm.split()
    tokens = set(words)
    # an abbreviation written with dots reads as single letters ('d o b'): each run of them is one word too
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) > 1:
            tokens.add("".join(run))
        run = []
    return any(word in norm for word in _PATIENT_WORDS) or norm == "name" or bool(tokens & _PATIENT_TOKENS)


_HEADERLESS = re.compile(r"column \d+")  # the name claims.sheet_rows gives a column with no header cell
SHIFTED_NOTE = "the row has more cells than the header row (a comma inside an unquoted cell?)"


class RawRowHasher:
    """A rejected row's raw cells, each hashed unless its column is mapped to a non-patient canonical
    column (module doc), and the row's patient key and birth year added. Which headers are kept, and each
    value's hash, are worked out once per upload (a file can hold many rejected rows).

    `kept_headers` None: the records are canonical cells (an X12 line), kept unless a patient column."""

    def __init__(self, patient_headers: set[str], key: bytes, kept_headers: set[str] | None = None):
        from audits.ingest.claims import PATIENT_RAW

        self.patient_headers = patient_headers
        self.kept_headers = kept_headers
        self.key = key
        self._patient_canonical = {*PATIENT_RAW, *mapping_mod.PATIENT_COLUMNS}
        self._is_kept: dict[str, bool] = {}
        self._canonical = False
        self._hashes: dict[str, str] = {}

    def _kept(self, header: str) -> bool:
        kept = self._is_kept.get(header)
        if kept is None:
            if header.startswith("__") and header.endswith("__"):  # markers: canonical flags, adjustments
                kept = True
            elif header in self.patient_headers:
                kept = False
            elif self.kept_headers is None or self._canonical:
                kept = header not in self._patient_canonical and not looks_like_patient_header(header)
            else:
                kept = header in self.kept_headers
            self._is_kept[header] = kept
        return kept

    def shifted(self, record: dict) -> bool:
        """A cell under no header: the row's cells are not under their own headers."""
        if self.kept_headers is None or record.get("__canonical__"):
            return False
        return any(
            value is not None and header not in self.kept_headers and _HEADERLESS.fullmatch(header)
            for header, value in record.items()
        )

    def reason(self, record: dict, reason: object) -> object:
        """The rejection reason of a shifted row quotes no cell: its head and what went wrong."""
        if reason is None or not self.shifted(record):
            return reason
        head = str(reason).split(":", 1)[0].split(" - ", 1)[0]
        return f"{head} - {SHIFTED_NOTE}"

    def _hash(self, value: str) -> str:
        if value.startswith("hmac:"):  # a held row coming back already hashed
            return value
        hashed = self._hashes.get(value)
        if hashed is None:
            hashed = "hmac:" + (privacy.patient_key_of(value, self.key) or "")
            self._hashes[value] = hashed
        return hashed

    def __call__(self, record: dict, patient_key: object, birth_year: object) -> dict:
        if bool(record.get("__canonical__")) != self._canonical:  # X12 lines hold canonical cells
            self._canonical = not self._canonical
            self._is_kept.clear()
        shifted = self.shifted(record)
        out = {}
        for header, value in record.items():
            if (
                value is None
                or (not shifted and self._kept(header))
                or (header.startswith("__") and header.endswith("__"))
            ):
                out[header] = value
            else:
                out[header] = self._hash(str(value))
        if patient_key is not None and patient_key == patient_key:
            out[PATIENT_KEY_FIELD] = patient_key
        if birth_year is not None and birth_year == birth_year:
            out[BIRTH_YEAR_FIELD] = int(birth_year)
        return out


def cell_records(cells: pd.DataFrame, headers: dict[object, str]) -> list[dict]:
    """Each row's cells as text by header, as nz.cell_text gives them (worked out once per distinct cell
    of a column): the raw_row of a rejected row."""
    columns = [c for c in cells.columns if c in headers]
    if not columns:
        return [{} for _ in range(len(cells))]
    names = [headers[c] for c in columns]
    texts = [nz.text(cells[c]).tolist() for c in columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*texts, strict=True)]


def patient_headers(mapped: mapping_mod.Mapping) -> set[str]:
    return {m.source for c, m in mapped.columns.items() if c in mapping_mod.PATIENT_COLUMNS}
