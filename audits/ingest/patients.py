"""Patient cells of uploaded rows (SPEC 7): patient_key and birth year of each row, and the raw cells
of rejected rows with patient identifiers replaced by their keyed hash.

Decisions:
- patient_key is the keyed hash of the member id when the file has one, else of name + birth date;
  only the birth year is kept. Each distinct identifier is hashed once.
- In rejected rows the patient cells are replaced by their keyed hash and the row's patient_key /
  birth year travel as `__patient_key__` / `__patient_birth_year__` (so a held row can load again).
  Columns whose header looks like a patient identifier (patient, member, subscriber, insured, DOB,
  birth, SSN, MRN) are hashed in rejected rows even when unmapped.
"""

from __future__ import annotations

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


def looks_like_patient_header(header: str) -> bool:
    """Unmapped columns that still carry patient identifiers (e.g. 'Subscriber Name', 'SSN') are hashed too."""
    norm = nz.normalise_header(header)
    if "control" in norm:  # Patient Control Number is the claim id (CLP01)
        return False
    return any(word in norm for word in _PATIENT_WORDS) or norm == "name"


class RawRowHasher:
    """A rejected row's raw cells with patient identifiers replaced by their keyed hash (module doc), and
    the row's patient key and birth year added. Whether a header holds patient identifiers, and each
    identifier's hash, are worked out once per upload (a file can hold many rejected rows)."""

    def __init__(self, patient_headers: set[str], key: bytes):
        self.patient_headers = patient_headers
        self.key = key
        self._is_patient: dict[str, bool] = {}
        self._hashes: dict[str, str] = {}

    def __call__(self, record: dict, patient_key: object, birth_year: object) -> dict:
        out = {}
        for header, value in record.items():
            is_patient = self._is_patient.get(header)
            if is_patient is None:
                is_patient = header in self.patient_headers or looks_like_patient_header(header)
                self._is_patient[header] = is_patient
            if value is not None and is_patient:
                hashed = self._hashes.get(value)
                if hashed is None:
                    hashed = "hmac:" + (privacy.patient_key_of(value, self.key) or "")
                    self._hashes[value] = hashed
                out[header] = hashed
            else:
                out[header] = value
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
