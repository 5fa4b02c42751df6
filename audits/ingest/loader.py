"""The loader: one file in, one upload out, all or nothing (SPEC 1, 2, 7).

`ingest_file` reads a file (readers), detects its kind from its content, maps its columns (mapping),
normalises its values (claims / remits / the X12 parsers / roster), resolves payers (payers),
replaces patient identifiers by their keyed hash (audits.privacy) and writes, in ONE transaction,
the uploads row, the rejected rows and the table rows. Any failure rolls the whole file back.

Decisions (SPEC leaves them open):
- A file that cannot be read or mapped raises InputError (one sentence) and records nothing: the
  uploads table lists files that loaded, or were recognised as duplicates. `ingest_files` turns such
  an error into an UploadResult with status 'failed' (upload_id None) so a batch goes on.
- A claims/remits/835/837 file whose sha256 equals a file already loaded (status 'loaded', any of
  those kinds) is recorded as a 'duplicate' upload and not read.
- rows_read counts data rows under the header (blank rows skipped); rows_read = rows_loaded +
  rows_rejected always. For an 835, a "row" is a remitted service line (or a claim payment without
  service lines); for an 837, a service line.
- Claim lines: a (claim_id, line_no) already loaded with other content (any column differing) is
  replaced, its old version moving to claim_lines_history; with the same content it is counted loaded
  and left untouched. The comparison is column by column, so row_sha256 is not filled.
- Remit lines are events: a line whose natural key (payer, claim, line, adjudication date, status,
  paid) is already stored is counted loaded and not added again.
- patient_key is the keyed hash of the member id when the file has one, else of name + birth date;
  only the birth year is kept. In rejected rows the patient cells are replaced by their keyed hash and
  the row's patient_key / birth year travel as `__patient_key__` / `__patient_birth_year__`. Columns
  whose header looks like a patient identifier (patient, member, subscriber, insured, DOB, birth, SSN,
  MRN) are hashed in rejected rows even when unmapped.
- Held rows ("unknown payer: NAME - close matches: ..."): after `confirm_payer_alias`,
  `reload_rejected` loads the held rows whose payer now resolves, per original upload, as a new upload
  (kind and column mapping of the original); rows still unresolved stay held. Held 835 lines keep
  their adjustments and remarks in raw_row (`__adjustments__`, `__remarks__`) for that reload.
- Export rows without a line number: a claims row takes its position within its claim; a remittance
  row takes the claim line with the same procedure code when exactly one has it, else line_no stays
  empty (a claim-level payment, spread by staging). 835 lines: REF*6R when that is a line_no of the
  claim in claim_lines, else the service line's position.
- Roster uploads: `roster.parse_roster` / `roster.apply_roster` (inside this transaction) do the work;
  this module writes the uploads row (kind 'roster', snapshot_id) and the rejected rows
  (`record_rejected`). A roster upload identical to the current snapshot is a 'duplicate' with zero
  counts and no rejected rows.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from audits import privacy
from audits.errors import ClearToBillError, InputError
from audits.ingest import claims as claims_mod
from audits.ingest import claims_set
from audits.ingest import mapping as mapping_mod
from audits.ingest import normalize as nz
from audits.ingest import remits as remits_mod
from audits.ingest.payers import PayerDirectory
from audits.ingest.readers import RawSheet, duck_csv_unchecked, read_tables, sniff_kind
from audits.ingest.recognise import Knowledge
from audits.store import transaction

KINDS = ("roster", "claims", "remits", "835", "837", "exclusions")
EVENT_KINDS = ("claims", "remits", "835", "837")
Progress = Callable[[float, str], None] | None

PATIENT_KEY_FIELD = "__patient_key__"
BIRTH_YEAR_FIELD = "__patient_birth_year__"
CANONICAL_FIELD = "__canonical__"
ADJUSTMENTS_FIELD = "__adjustments__"
REMARKS_FIELD = "__remarks__"

CLAIM_LINE_COLUMNS = [
    ("claim_id", "VARCHAR"),
    ("line_no", "INTEGER"),
    ("patient_key", "VARCHAR"),
    ("patient_birth_year", "INTEGER"),
    ("rendering_npi", "VARCHAR"),
    ("billing_npi", "VARCHAR"),
    ("payer_id", "VARCHAR"),
    ("date_of_service", "DATE"),
    ("submitted_date", "DATE"),
    ("procedure_code", "VARCHAR"),
    *[(f"modifier_{n}", "VARCHAR") for n in range(1, 5)],
    *[(f"diagnosis_{n}", "VARCHAR") for n in range(1, 13)],
    ("pos", "VARCHAR"),
    ("units", "DOUBLE"),
    ("billed_amount", "DECIMAL(14,2)"),
    ("service_state", "VARCHAR"),
]
REMIT_LINE_COLUMNS = [
    ("payer_id", "VARCHAR"),
    ("claim_id", "VARCHAR"),
    ("line_no", "INTEGER"),
    ("claim_status", "VARCHAR"),
    ("rendering_npi", "VARCHAR"),
    ("adjudication_date", "DATE"),
    ("procedure_code", "VARCHAR"),
    ("billed_amount", "DECIMAL(14,2)"),
    ("paid_amount", "DECIMAL(14,2)"),
    ("remit_claim_key", "VARCHAR"),
    ("source", "VARCHAR"),
]


@dataclass
class UploadResult:
    upload_id: int | None
    file_name: str
    kind: str | None
    status: str  # loaded | duplicate | failed
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""
    mapping: dict[str, tuple[str, float]] = field(default_factory=dict)  # canonical -> (header, confidence)
    unknown_payers: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # where recognition was unsure (recognise.py)
    rejection_reasons: dict[str, int] = field(default_factory=dict)  # reason (without detail) -> rows
    sheets: list[str] = field(default_factory=list)
    snapshot_id: int | None = None
    sha256: str | None = None
    duplicate_of: int | None = None

    def summary(self) -> str:
        return (
            f"{self.file_name}: kind={self.kind} read={self.rows_read} loaded={self.rows_loaded} "
            f"rejected={self.rows_rejected} duplicate={'yes' if self.status == 'duplicate' else 'no'}"
        )


class RejectedRow(NamedTuple):
    sheet: str
    row_number: int
    raw_row: dict
    column: str | None
    reason: str


# --------------------------------------------------------------------------------------------
# small helpers


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _report(progress: Progress, fraction: float, message: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def _next_upload_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT nextval('upload_id_seq')").fetchall()[0][0])


def _insert_upload(con: duckdb.DuckDBPyConnection, result: UploadResult, sha: str, mapping_json: str | None,
                   uploaded_by: str | None) -> None:  # fmt: skip
    con.execute(
        "INSERT INTO uploads (upload_id, file_name, sha256, kind, status, rows_read, rows_loaded, rows_rejected, "
        "message, mapping_json, snapshot_id, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.upload_id, result.file_name, sha, result.kind, result.status, result.rows_read, result.rows_loaded,
         result.rows_rejected, result.message, mapping_json, result.snapshot_id, uploaded_by],
    )  # fmt: skip


_JSON = json.JSONEncoder(default=str, ensure_ascii=True)  # json.dumps(value, default=str), made once


def record_rejected(con: duckdb.DuckDBPyConnection, upload_id: int, rows: Iterable) -> int:
    """Write rejected rows: each (sheet, row_number, raw_row dict, column, reason) or a RejectedRow.

    For the roster engineer and every loader path; call inside the upload's transaction. raw_row must
    already hold no raw patient identifier (the claims/remits paths hash them before calling this).
    """
    sheets, numbers, raws, columns, reasons = [], [], [], [], []
    for row in rows:
        sheet, row_number, raw_row, column, reason = tuple(row)[:5]
        sheets.append(str(sheet or ""))
        numbers.append(int(row_number))
        raws.append(_JSON.encode(raw_row))
        columns.append(None if column is None else str(column))
        reasons.append(str(reason))
    if not numbers:
        return 0
    import pyarrow as pa

    table = pa.table(
        {
            "row_number": pa.array(numbers, type=pa.int32()),
            "sheet": pa.array(sheets, type=pa.string()),
            "raw_row": pa.array(raws, type=pa.string()),
            "column_name": pa.array(columns, type=pa.string()),
            "reason": pa.array(reasons, type=pa.string()),
        }
    )
    con.register("_rejected_incoming", table)
    try:
        con.execute(
            "INSERT INTO rejected_rows (upload_id, row_number, sheet, raw_row, column_name, reason) "
            "SELECT ?, row_number, sheet, raw_row, column_name, reason FROM _rejected_incoming",
            [upload_id],
        )
    finally:
        con.unregister("_rejected_incoming")
    return len(numbers)


def _reason_counts(reasons: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in reasons:
        head = str(reason).split(":", 1)[0].split(" - ", 1)[0]
        if head.startswith("duplicate of row"):
            head = "duplicate row in the same file"
        counts[head] = counts.get(head, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _select_casts(columns: list[tuple[str, str]], source_alias: str = "") -> str:
    prefix = f"{source_alias}." if source_alias else ""
    return ", ".join(f"CAST({prefix}{name} AS {sql_type}) AS {name}" for name, sql_type in columns)


def _prepare_frame(frame: pd.DataFrame, columns: list[tuple[str, str]]) -> pd.DataFrame:
    """Column types DuckDB reads predictably from pandas (text as object, dates as datetime64)."""
    out = pd.DataFrame(index=frame.index)
    for name, sql_type in columns:
        values = frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        if sql_type == "VARCHAR":
            if values.dtype != object:
                values = values.astype(object).where(values.notna(), None)
        elif sql_type == "DATE":
            if not pd.api.types.is_datetime64_any_dtype(values):
                values = pd.to_datetime(values.astype(object), errors="coerce")
        else:
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        out[name] = values
    return out.reset_index(drop=True)


def _dictionary_columns(codes: dict[str, tuple[np.ndarray, list]], keep: np.ndarray) -> dict[str, object]:
    """Arrow dictionary arrays of the kept rows of columns built per distinct value (NormalisedClaims.codes):
    the codes are taken, the million text objects they stand for are never visited. Columns whose
    values are not all text (or None) are left out (the caller converts them as usual)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow comes with streamlit
        return {}
    out = {}
    kept = int(keep.sum())
    every = kept == len(keep)  # no row rejected: the codes as they are
    for name, (row_codes, values) in codes.items():
        if len(row_codes) != len(keep):
            continue
        if len(values) == 1 and values[0] is None:  # a column the file does not have
            out[name] = pa.nulls(kept, type=pa.string())
            continue
        try:
            dictionary = pa.array(values, type=pa.string())  # refuses anything but text and None
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue
        indices = (row_codes if every else row_codes[keep]).astype(np.int32)
        null_values = dictionary.is_null().to_numpy(zero_copy_only=False)
        if null_values[:-1].any() or not null_values[-1] or (indices < 0).all():
            indices[indices < 0] = len(values) - 1  # values[-1] stands for code -1
            missing = null_values[indices]
            indices[missing] = 0
        else:  # None only for code -1 (a blank cell)
            missing = indices < 0
            if missing.any():
                indices[missing] = 0
            else:
                missing = None
        out[name] = pa.DictionaryArray.from_arrays(pa.array(indices, mask=missing), dictionary)
    return out


def _as_arrow(frame: pd.DataFrame, encoded: dict[str, object] | None = None) -> object:
    """The prepared frame as an Arrow table (DuckDB scans it in parallel, without touching Python
    objects); the frame itself when a text column holds something other than text. `encoded` gives
    ready Arrow arrays for some columns (the same values, dictionary-encoded)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow comes with streamlit
        return frame
    arrays = []
    encoded = encoded or {}
    try:
        for name in frame.columns:
            values = frame[name]
            if name in encoded:
                arrays.append(encoded[name])
            elif values.dtype == object:
                arrays.append(pa.array(values.to_numpy(), type=pa.string(), from_pandas=True))
            else:
                arrays.append(pa.array(values.to_numpy(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return frame
    return pa.Table.from_arrays(arrays, names=[str(n) for n in frame.columns])


# --------------------------------------------------------------------------------------------
# patient identifiers


def _patient_columns(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(patient_key, patient_birth_year) from the raw patient_id / patient_name / patient_dob columns."""
    keys, year, _codes = _patient_columns_coded(frame)
    return keys, year


def _patient_columns_coded(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, tuple | None]:
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


def _looks_like_patient_header(header: str) -> bool:
    """Unmapped columns that still carry patient identifiers (e.g. 'Subscriber Name', 'SSN') are hashed too."""
    norm = nz.normalise_header(header)
    if "control" in norm:  # Patient Control Number is the claim id (CLP01)
        return False
    return any(word in norm for word in _PATIENT_WORDS) or norm == "name"


class _RawRowHasher:
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
                is_patient = header in self.patient_headers or _looks_like_patient_header(header)
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


def _cell_records(cells: pd.DataFrame, headers: dict[object, str]) -> list[dict]:
    """Each row's cells as text by header, as nz.cell_text gives them (worked out once per distinct cell
    of a column): the raw_row of a rejected row."""
    columns = [c for c in cells.columns if c in headers]
    if not columns:
        return [{} for _ in range(len(cells))]
    names = [headers[c] for c in columns]
    texts = [nz.text(cells[c]).tolist() for c in columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*texts, strict=True)]


# --------------------------------------------------------------------------------------------
# kind detection and sheet selection


def _is_exclusion_list(path: Path) -> bool:
    from audits.ingest.exclusions import is_exclusion_list

    return is_exclusion_list(path)


def _ingest_exclusions(con, path: Path, uploaded_by, progress) -> UploadResult:
    """An OIG LEIE / SAM.gov list: kept beside the earlier ones and screened against (audits.exclusions)."""
    from audits.exclusions import load_list

    _report(progress, 0.15, f"{path.name}: exclusions")
    loaded = load_list(con, path, loaded_by=uploaded_by)
    result = UploadResult(
        loaded.upload_id,
        path.name,
        "exclusions",
        "duplicate" if loaded.duplicate_of else "loaded",
        rows_read=loaded.rows_read if not loaded.duplicate_of else 0,
        rows_loaded=loaded.rows_loaded,
        rows_rejected=loaded.rows_rejected,
        message=loaded.screening.summary(),
        sha256=None,
        duplicate_of=loaded.duplicate_of,
    )
    _report(progress, 1.0, result.message)
    return result


def _detect_x12(path: Path) -> str | None:
    from audits.ingest.x12 import detect_x12

    with path.open("rb") as handle:
        return detect_x12(handle.read(1 << 16))


def _roster_module():
    try:
        from audits.ingest import roster
    except ImportError:  # pragma: no cover - only while roster.py is being written
        return None
    return roster


def recognised_kind(sheets: list[RawSheet], knowledge=None) -> str | None:
    """claims | remits | roster from the sheets' best reading among all kinds together (recognise), or None."""
    from audits.ingest.roster.sheets import classify_sheet

    best_kind, best_score = None, 0.0
    for sheet in sheets:
        if sheet.frame.empty:
            continue
        chosen = classify_sheet(sheet.frame, {}, knowledge).chosen
        if chosen is not None and chosen.score > best_score:
            best_kind, best_score = chosen.kind, chosen.score
    if best_kind is None:
        return None
    return best_kind if best_kind in ("claims", "remits") else "roster"


def detect_kind(path: Path, sheets: list[RawSheet] | None = None, knowledge=None) -> str:
    """roster | claims | remits | 835 | 837 from the file's content (never its name)."""
    path = Path(path)
    if sniff_kind(path) == "x12":
        kind = _detect_x12(path)
        if kind is None:
            raise InputError(
                f"{path.name} looks like X12 EDI but is neither an 835 nor an 837 - check the file."
            )
        return kind
    sheets = sheets if sheets is not None else read_tables(path)
    kind = recognised_kind(sheets, knowledge)
    if kind is not None:
        return kind
    raise InputError(
        f"{path.name} is not recognised as a claims, remittance or credentialing export - "
        "check its header row, or give --kind and a column mapping."
    )


def _mapped_sheets(
    sheets: list[RawSheet], kind: str, override: mapping_mod.MappingOverride, file_name: str, knowledge=None
) -> list[tuple[RawSheet, mapping_mod.Mapping]]:
    """Every sheet that maps with all required columns; else the one-sentence error of the best one."""
    usable, best_error = [], None
    best_found = -1
    for sheet in sheets:
        if sheet.frame.empty:
            continue
        try:
            mapped = mapping_mod.map_columns(sheet.frame, kind, override, knowledge)
        except InputError as exc:
            if best_error is None:
                best_error = exc
            continue
        missing = mapping_mod.missing_required(mapped)
        if not missing:
            usable.append((sheet, mapped))
            continue
        if len(mapped.columns) > best_found:
            best_found = len(mapped.columns)
            try:
                mapping_mod.check_required(
                    mapped, file_name if len(sheets) == 1 else f"{file_name} ({sheet.name})"
                )
            except InputError as exc:
                best_error = exc
    if usable:
        return usable
    raise best_error or InputError(
        f"{file_name} has no {kind} rows - check that you exported the right file."
    )


# --------------------------------------------------------------------------------------------
# the public entry points


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike,
    *,
    kind: str | None = None,
    mapping: object = None,
    uploaded_by: str | None = None,
    progress: Progress = None,
) -> UploadResult:
    """Load one file (see the module doc); InputError (one sentence, nothing changed) when it cannot be.

    An unexpected failure (a bug, a value no check foresaw) is rolled back like any other and becomes
    an InputError naming the file and the error type, chained to the original for the logs.
    """
    try:
        return _ingest_file(con, Path(path), kind, mapping, uploaded_by, progress)
    except ClearToBillError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:160]
        raise InputError(
            f"{Path(path).name} could not be loaded ({type(exc).__name__}: {first}) - nothing was changed; "
            "check the file, and report it if it looks right."
        ) from exc


def _ingest_file(con, path: Path, kind, mapping, uploaded_by, progress) -> UploadResult:
    con.execute("SET enable_progress_bar = false")  # DuckDB's bar would print over the CLI's output
    if kind is not None and kind not in KINDS:
        raise InputError(f"Unknown kind {kind!r} - use one of {', '.join(KINDS)}.")
    override = _resolve_mapping(con, mapping)
    kind = kind or override.kind
    _report(progress, 0.0, f"reading {path.name}")
    if kind == "exclusions" or (kind is None and _is_exclusion_list(path)):
        return _ingest_exclusions(con, path, uploaded_by, progress)
    file_kind = sniff_kind(path)  # raises for missing, empty, binary files
    sha = None
    if file_kind == "csv" and kind in (None, "claims"):
        head_kind: dict[str, str] = {}
        result, sha = _ingest_claims_csv(con, path, kind, override, uploaded_by, progress, head_kind)
        if result is not None:
            return result
        kind = kind or head_kind.get("kind")  # what the head read as: the file is not read as all kinds twice
    sha = sha or file_sha256(path)

    if kind in (None, *EVENT_KINDS):
        earlier = _earlier_upload(con, sha)
        if earlier:
            return _record_duplicate(con, path, sha, earlier[1], earlier[0], uploaded_by)

    sheets = None
    if file_kind != "x12":
        sheets = read_tables(path)
    if kind is None:
        kind = detect_kind(path, sheets, Knowledge.from_database(con))
    if kind in ("835", "837") and file_kind != "x12":
        raise InputError(f"{path.name} is not an X12 {kind} file - check the file or the --kind option.")
    if kind in ("claims", "remits", "roster") and file_kind == "x12":
        raise InputError(f"{path.name} is an X12 EDI file, not a {kind} export - load it as kind 835 or 837.")
    _report(progress, 0.15, f"{path.name}: {kind}")

    if kind == "claims":
        return _ingest_claims_sheets(con, path, sha, sheets, override, uploaded_by, progress)
    if kind == "remits":
        return _ingest_remit_sheets(con, path, sha, sheets, override, uploaded_by, progress)
    if kind == "835":
        return _ingest_835(con, path, sha, uploaded_by, progress)
    if kind == "837":
        return _ingest_837(con, path, sha, uploaded_by, progress)
    return _ingest_roster(con, path, sha, sheets, override, uploaded_by, progress)


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | os.PathLike],
    *,
    kind: str | None = None,
    mapping: object = None,
    uploaded_by: str | None = None,
    progress: Progress = None,
) -> list[UploadResult]:
    """Load several files, each on its own (one failing does not stop the others: status 'failed')."""
    results = []
    paths = list(paths)
    for i, path in enumerate(paths):

        def step(fraction: float, message: str, i: int = i) -> None:
            _report(progress, (i + fraction) / len(paths), message)

        try:
            results.append(
                ingest_file(con, path, kind=kind, mapping=mapping, uploaded_by=uploaded_by, progress=step)
            )
        except InputError as exc:
            results.append(UploadResult(None, Path(path).name, kind, "failed", message=str(exc)))
    return results


def _resolve_mapping(con: duckdb.DuckDBPyConnection, mapping: object) -> mapping_mod.MappingOverride:
    if isinstance(mapping, (str, os.PathLike)):
        candidate = Path(mapping)
        if candidate.suffix.lower() == ".json" or candidate.exists():
            return mapping_mod.read_mapping_file(candidate)
        return load_mapping_profile(con, str(mapping))
    return mapping_mod.coerce_override(mapping)


def _earlier_upload(con: duckdb.DuckDBPyConnection, sha: str) -> tuple[int, str] | None:
    """(upload_id, kind) of the first event upload loaded from the same bytes, or None."""
    earlier = con.execute(
        "SELECT upload_id, kind FROM uploads WHERE sha256 = ? AND status = 'loaded' AND kind <> 'roster' "
        "ORDER BY upload_id LIMIT 1",
        [sha],
    ).fetchall()
    return (int(earlier[0][0]), str(earlier[0][1])) if earlier else None


def _record_duplicate(
    con, path: Path, sha: str, kind: str, earlier: int, uploaded_by: str | None
) -> UploadResult:
    with transaction(con):
        result = UploadResult(
            _next_upload_id(con),
            path.name,
            kind,
            "duplicate",
            message=f"identical to upload {earlier}, already loaded: nothing changed",
            sha256=sha,
            duplicate_of=earlier,
        )
        _insert_upload(con, result, sha, None, uploaded_by)
    return result


# --------------------------------------------------------------------------------------------
# claims


@dataclass
class _ClaimsInput:
    norm: claims_mod.NormalisedClaims
    sheet: str
    raw_records: Callable[[pd.Index], list[dict]]  # source cells of the given rows, by header
    patient_headers: set[str]


def _sheet_records(rows: claims_mod.SheetRows) -> Callable[[pd.Index], list[dict]]:
    def records(labels: pd.Index) -> list[dict]:
        return _cell_records(rows.body.loc[labels], rows.headers)

    return records


def _patient_headers(mapped: mapping_mod.Mapping) -> set[str]:
    return {m.source for c, m in mapped.columns.items() if c in mapping_mod.PATIENT_COLUMNS}


def _ingest_claims_sheets(con, path, sha, sheets, override, uploaded_by, progress) -> UploadResult:
    inputs = []
    used = _mapped_sheets(sheets, "claims", override, path.name, Knowledge.from_database(con))
    proposal: dict[str, tuple[str, float]] = {}
    for sheet, mapped in used:
        rows = claims_mod.sheet_rows(sheet, mapped)
        raw = claims_mod.claims_from_sheet(rows, mapped)
        norm = claims_mod.normalise_claims(raw)
        inputs.append(_ClaimsInput(norm, sheet.name, _sheet_records(rows), _patient_headers(mapped)))
        proposal.update(mapped.proposal())
    _report(progress, 0.5, f"{path.name}: {sum(len(i.norm.frame) for i in inputs)} rows normalised")
    mapping_json = (
        used[0][1].to_json() if len(used) == 1 else json.dumps({s.name: m.as_dict() for s, m in used})
    )
    result = _load_claims(
        con, path.name, sha, "claims", inputs, mapping_json, proposal, uploaded_by, progress
    )
    result.warnings = _recognition_warnings(used)
    return result


def _recognition_warnings(used: list[tuple[RawSheet, mapping_mod.Mapping]]) -> list[str]:
    out = []
    for sheet, mapped in used:
        prefix = f"sheet {sheet.name!r}: " if len(used) > 1 else ""
        out += [prefix + w for w in mapped.warnings]
    return out


def _load_claims(con, file_name, sha, kind, inputs: list[_ClaimsInput], mapping_json, proposal, uploaded_by,
                 progress, problems: list[str] | None = None, reloaded: list[tuple[int, str, int]] | None = None
                 ) -> UploadResult:  # fmt: skip
    directory = PayerDirectory(con)
    key = privacy.hmac_key()
    accepted_frames, rejected = [], []
    unknown: dict[str, list] = {}
    for item in inputs:
        frame, reason, column = item.norm.frame, item.norm.reason.copy(), item.norm.column.copy()
        resolved, label = directory.resolve(frame["payer_id"], frame["payer_name"])
        unresolved = resolved.isna() & reason.isna()
        if unresolved.any():
            for name in label[unresolved].dropna().unique():
                unknown.setdefault(name, directory.suggest(name))
            reason[unresolved] = label[unresolved].map(directory.unknown_reason)
            column[unresolved] = "payer"
        patient_key, birth_year, key_codes = _patient_columns_coded(frame)
        ok = reason.isna()
        accepted = frame.loc[ok].assign(
            payer_id=resolved[ok], patient_key=patient_key[ok], patient_birth_year=birth_year[ok]
        )
        accepted_frames.append(accepted)
        bad = reason.index[~ok]
        if len(bad):
            records = item.raw_records(bad)
            hashed = _RawRowHasher(item.patient_headers, key)
            for label_, record in zip(bad, records, strict=True):
                rejected.append(
                    RejectedRow(
                        item.sheet,
                        int(frame.at[label_, "source_row"]),
                        hashed(record, patient_key[label_], birth_year[label_]),
                        column[label_],
                        reason[label_],
                    )
                )
    incoming = pd.concat(accepted_frames) if accepted_frames else pd.DataFrame()
    encoded = {}
    if len(inputs) == 1:
        codes = dict(inputs[0].norm.codes)
        if key_codes is not None:
            codes["patient_key"] = key_codes
        encoded = _dictionary_columns(codes, ok.to_numpy())
    rows_read = sum(len(i.norm.frame) for i in inputs)
    result = UploadResult(None, file_name, kind, "loaded", rows_read=rows_read, mapping=proposal, sha256=sha)
    result.sheets = [i.sheet for i in inputs]
    result.problems = list(problems or [])
    result.unknown_payers = unknown
    _report(progress, 0.65, f"{file_name}: writing {len(incoming)} claim lines")
    return _write_claims(
        con, result, lambda upload_id: _upsert_claim_lines(con, incoming, upload_id, encoded), rejected,
        mapping_json, uploaded_by, progress, reloaded,
    )  # fmt: skip


def _write_claims(con, result: UploadResult, upsert: Callable[[int], tuple[int, dict]], rejected: list[RejectedRow],
                  mapping_json, uploaded_by, progress, reloaded=None) -> UploadResult:  # fmt: skip
    """One transaction: the upload row, the claim lines (`upsert(upload_id)`), the rejected rows."""
    with transaction(con):
        result.upload_id = _next_upload_id(con)
        result.rows_loaded, changed = upsert(result.upload_id)
        extra = f"{changed['new']} new, {changed['changed']} corrected, {changed['unchanged']} unchanged claim lines"
        _record_upload(con, result, rejected, extra, mapping_json, uploaded_by, reloaded)
    _report(progress, 1.0, result.summary())
    return result


def _record_upload(con, result: UploadResult, rejected: list[RejectedRow], extra: str, mapping_json,
                   uploaded_by, reloaded) -> None:  # fmt: skip
    """The end of an event upload's transaction, after its rows (result.rows_loaded set): the rejected
    rows, the counts and message, the held rows it loaded again (`reloaded`), the uploads row."""
    result.rows_rejected = record_rejected(con, result.upload_id, rejected)
    result.rejection_reasons = _reason_counts(r.reason for r in rejected)
    result.message = _message(result, extra=extra)
    if reloaded:
        _mark_resolved(con, reloaded, result.upload_id)
    _insert_upload(con, result, result.sha256, mapping_json, uploaded_by)


# The set-based path reads this many records first, to find the header row and map the columns.
_HEAD_ROWS = 50


def _hash_and_check(source) -> tuple[str, bool]:
    """(sha256, plain) of the file: its hash, and whether DuckDB reads it as pandas would."""
    data = source.path.read_bytes()
    return hashlib.sha256(data).hexdigest(), source.plain(data)


def _ingest_claims_csv(
    con, path: Path, kind, override, uploaded_by, progress, head_kind: dict | None = None
) -> tuple[UploadResult | None, str | None]:
    """(result, sha256) of a claims CSV that DuckDB reads as pandas would, loaded set-based (claims_set)
    with the same result as the general path; (None, sha256 or None) when the file is not one: the
    caller reads it the general way. The file's hash and plainness are worked out in a thread while
    DuckDB reads the file; a file loaded before is then recorded as a duplicate."""
    source = duck_csv_unchecked(path)
    head = source.head(_HEAD_ROWS) if source is not None else None
    if head is None or head.frame.empty:
        return None, None
    if kind is None:
        try:
            detected = detect_kind(path, [head], Knowledge.from_database(con))
        except InputError:
            return None, None
        if detected != "claims":
            if head_kind is not None:
                head_kind["kind"] = detected
            return None, None
    mapped = _mapped_sheets([head], "claims", override, path.name, Knowledge.from_database(con))[0][1]
    if "patient_key" in mapped.columns or "patient_birth_year" in mapped.columns:
        return None, None  # keys carried in from rejected rows: the reload path's
    staged = None
    try:
        with ThreadPoolExecutor(1) as pool:
            checks = pool.submit(_hash_and_check, source)
            try:
                claims_set.load_raw(con, source)
            except claims_set.NotPlain:
                return None, checks.result()[0]
            sha, plain = checks.result()
        if not plain:
            return None, sha
        earlier = _earlier_upload(con, sha)
        if earlier:
            return _record_duplicate(con, path, sha, earlier[1], earlier[0], uploaded_by), sha
        directory = PayerDirectory(con)
        staged = claims_set.stage(con, source, mapped, directory, _patient_columns)
        _report(progress, 0.5, f"{path.name}: {staged.rows_read} rows normalised")
        headers = claims_mod.sheet_rows(head, mapped).headers
        frame = staged.rejected
        records = _cell_records(
            frame[[f"c{i}" for i in range(source.width)]].set_axis(range(source.width), axis=1), headers
        )
        hashed = _RawRowHasher(_patient_headers(mapped), privacy.hmac_key())
        rejected = [
            RejectedRow(head.name, int(row), hashed(record, key, year), column, reason)
            for row, record, key, year, column, reason in zip(
                frame["source_row"], records, frame["patient_key"], frame["birth_year"], frame["column"],
                frame["reason"], strict=True,
            )
        ]  # fmt: skip
        unknown = {label: directory.suggest(label) for label in frame["label"].dropna().unique()}
        result = UploadResult(
            None,
            path.name,
            "claims",
            "loaded",
            rows_read=staged.rows_read,
            mapping=mapped.proposal(),
            sha256=sha,
        )
        result.sheets = [head.name]
        result.unknown_payers = unknown
        _report(progress, 0.65, f"{path.name}: writing {staged.accepted} claim lines")

        def upsert(upload_id: int) -> tuple[int, dict]:
            claims_set.accepted_view(con, CLAIM_LINE_COLUMNS)
            return _upsert_new_lines(con, staged.accepted, upload_id)

        result.warnings = list(mapped.warnings)
        return _write_claims(con, result, upsert, rejected, mapped.to_json(), uploaded_by, progress), sha
    finally:
        claims_set.cleanup(con, staged)


def _message(result: UploadResult, extra: str = "") -> str:
    parts = [f"{result.rows_loaded} of {result.rows_read} rows loaded"]
    if extra:
        parts.append(extra)
    if result.rows_rejected:
        reasons = ", ".join(f"{n} {r}" for r, n in list(result.rejection_reasons.items())[:4])
        parts.append(f"{result.rows_rejected} rejected ({reasons})")
    if result.unknown_payers:
        parts.append("unknown payers: " + ", ".join(sorted(result.unknown_payers)))
    if result.problems:
        parts.append(f"{len(result.problems)} problems: " + "; ".join(result.problems[:5]))
    return "; ".join(parts) + "."


def _upsert_claim_lines(
    con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame, upload_id: int, encoded: dict | None = None
) -> tuple[int, dict]:
    """Set-based: new lines inserted, changed ones replaced (old version to history), unchanged left.

    "Changed" compares every content column (IS DISTINCT FROM), so no per-row hash is computed on
    the way in; row_sha256 is left empty.
    """
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    if incoming.empty:
        return 0, counts
    frame = _prepare_frame(incoming, CLAIM_LINE_COLUMNS)
    con.register("_claims_incoming", _as_arrow(frame, encoded))
    try:
        # A view, not a copy: DuckDB scans the frame where it is needed (the key columns for the match).
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _claims_new AS SELECT {_select_casts(CLAIM_LINE_COLUMNS)} "  # noqa: S608
            "FROM _claims_incoming"
        )
        return _upsert_new_lines(con, len(frame), upload_id)
    finally:
        con.execute("DROP VIEW IF EXISTS _claims_new")
        con.unregister("_claims_incoming")


def _upsert_new_lines(con: duckdb.DuckDBPyConnection, rows: int, upload_id: int) -> tuple[int, dict]:
    """Upsert the `rows` claim lines of the TEMP VIEW _claims_new (claim_lines' columns) into claim_lines."""
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    if rows == 0:
        return 0, counts
    names = [n for n, _t in CLAIM_LINE_COLUMNS]
    column_list = ", ".join(names)
    differs = " OR ".join(f"c.{n} IS DISTINCT FROM n.{n}" for n in names if n not in ("claim_id", "line_no"))
    try:
        return _upsert_from_view(con, names, column_list, differs, rows, counts, upload_id)
    finally:
        con.execute("DROP TABLE IF EXISTS _claims_match")


def _upsert_from_view(con, names, column_list, differs, rows, counts, upload_id) -> tuple[int, dict]:
    if not con.execute("SELECT 1 FROM claim_lines LIMIT 1").fetchall():  # nothing to match: all new
        counts["new"] = rows
        con.execute(
            f"INSERT INTO claim_lines ({column_list}, upload_id) SELECT {column_list}, ? FROM _claims_new",  # noqa: S608
            [upload_id],
        )
        return rows, counts
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _claims_match AS SELECT n.claim_id, n.line_no, "  # noqa: S608
        f"CASE WHEN {differs} THEN 1 ELSE 0 END AS changed FROM _claims_new n "
        "JOIN claim_lines c ON c.claim_id = n.claim_id AND c.line_no = n.line_no"
    )
    matched, changed = con.execute(
        "SELECT count(*), coalesce(sum(changed), 0) FROM _claims_match"
    ).fetchall()[0]
    counts.update(new=rows - int(matched), changed=int(changed), unchanged=int(matched) - int(changed))
    if counts["changed"]:
        con.execute(
            f"INSERT INTO claim_lines_history ({column_list}, upload_id, row_sha256, loaded_at, replaced_at, "  # noqa: S608
            f"replaced_by_upload) SELECT {', '.join('c.' + n for n in names)}, c.upload_id, c.row_sha256, c.loaded_at, "
            "current_timestamp, ? FROM claim_lines c JOIN _claims_match m ON c.claim_id = m.claim_id "
            "AND c.line_no = m.line_no WHERE m.changed = 1",
            [upload_id],
        )
        con.execute(
            "DELETE FROM claim_lines WHERE EXISTS (SELECT 1 FROM _claims_match m WHERE m.changed = 1 "
            "AND m.claim_id = claim_lines.claim_id AND m.line_no = claim_lines.line_no)"
        )
    if matched == 0:
        statement = (
            f"INSERT INTO claim_lines ({column_list}, upload_id) SELECT {column_list}, ? FROM _claims_new"  # noqa: S608
        )
        con.execute(statement, [upload_id])
    elif counts["new"] or counts["changed"]:
        con.execute(
            f"INSERT INTO claim_lines ({column_list}, upload_id) SELECT {', '.join('n.' + x for x in names)}, ? "  # noqa: S608
            "FROM _claims_new n LEFT JOIN _claims_match m ON m.claim_id = n.claim_id AND m.line_no = n.line_no "
            "WHERE m.claim_id IS NULL OR m.changed = 1",
            [upload_id],
        )
    return rows, counts


# --------------------------------------------------------------------------------------------
# 837


def _x12_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _ingest_837(con, path: Path, sha: str, uploaded_by, progress) -> UploadResult:
    from audits.ingest.x12_837 import parse_837

    parsed = parse_837(_x12_bytes(path), path.name)
    frame = parsed.lines.copy()
    for column in claims_mod.CLAIM_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[claims_mod.CLAIM_COLUMNS].astype(object)
    frame = frame.where(frame.notna(), None)
    frame.index = pd.RangeIndex(len(frame))
    norm = claims_mod.normalise_claims(frame, totals_mask=pd.Series(False, index=frame.index))
    canonical = frame.copy()

    def records(labels: pd.Index) -> list[dict]:
        rows = []
        for label in labels:
            record = {c: nz.cell_text(v) for c, v in canonical.loc[label].items() if c != "source_row"}
            record[CANONICAL_FIELD] = True
            rows.append(record)
        return rows

    item = _ClaimsInput(norm, path.name, records, {"patient_id", "patient_name", "patient_dob"})
    _report(progress, 0.5, f"{path.name}: {len(frame)} service lines parsed")
    return _load_claims(
        con, path.name, sha, "837", [item], None, {}, uploaded_by, progress, problems=parsed.problems
    )


# --------------------------------------------------------------------------------------------
# remits (exports and 835)


def _ingest_remit_sheets(con, path, sha, sheets, override, uploaded_by, progress) -> UploadResult:
    used = _mapped_sheets(sheets, "remits", override, path.name, Knowledge.from_database(con))
    parts, proposal = [], {}
    for sheet, mapped in used:
        rows = claims_mod.sheet_rows(sheet, mapped)
        raw = remits_mod.remit_rows_from_sheet(rows, mapped)
        norm = remits_mod.normalise_remit_rows(raw, mapped.labels)
        parts.append((sheet.name, rows, norm, _patient_headers(mapped)))
        proposal.update(mapped.proposal())
    mapping_json = (
        used[0][1].to_json() if len(used) == 1 else json.dumps({s.name: m.as_dict() for s, m in used})
    )
    result = _load_remit_rows(con, path.name, sha, parts, mapping_json, proposal, uploaded_by, progress)
    result.warnings = _recognition_warnings(used)
    return result


def _load_remit_rows(con, file_name, sha, parts, mapping_json, proposal, uploaded_by, progress,
                     reloaded: list[tuple[int, str, int]] | None = None) -> UploadResult:  # fmt: skip
    directory = PayerDirectory(con)
    key = privacy.hmac_key()
    rejected: list[RejectedRow] = []
    unknown: dict[str, list] = {}
    line_frames, adjustment_frames, remark_frames = [], [], []
    rows_read = 0
    ref_offset = 0
    result = UploadResult(None, file_name, "remits", "loaded", mapping=proposal, sha256=sha)
    with transaction(con):
        result.upload_id = _next_upload_id(con)
        for sheet_name, rows, norm, patient_headers in parts:
            frame, reason, column = norm.frame, norm.reason.copy(), norm.column.copy()
            rows_read += len(frame)
            resolved, label = directory.resolve(frame["payer_id"], frame["payer_name"])
            unresolved = resolved.isna() & reason.isna()
            if unresolved.any():
                for name in label[unresolved].dropna().unique():
                    unknown.setdefault(name, directory.suggest(name))
                reason[unresolved] = label[unresolved].map(directory.unknown_reason)
                column[unresolved] = "payer"
            norm.frame["payer_id"] = resolved
            lines, adjustments, remarks, dup_reason = remits_mod.group_remit_lines(
                norm, reason.isna(), result.upload_id
            )
            dup = dup_reason.notna() & reason.isna()
            reason[dup] = dup_reason[dup]
            column[dup] = "claim_id"
            lines["line_ref"] += ref_offset
            adjustments["line_ref"] += ref_offset
            remarks["line_ref"] += ref_offset
            ref_offset = int(lines["line_ref"].max()) + 1 if len(lines) else ref_offset
            line_frames.append(lines)
            adjustment_frames.append(adjustments)
            remark_frames.append(remarks)
            bad = reason.index[reason.notna()]
            if len(bad):
                patient_key, birth_year = _patient_columns(frame.loc[bad])
                records = _sheet_records(rows)(bad)
                hashed = _RawRowHasher(patient_headers, key)
                for label_, record in zip(bad, records, strict=True):
                    rejected.append(
                        RejectedRow(
                            sheet_name,
                            int(frame.at[label_, "source_row"]),
                            hashed(record, patient_key[label_], birth_year[label_]),
                            column[label_],
                            reason[label_],
                        )
                    )
        lines = pd.concat(line_frames, ignore_index=True)
        adjustments = pd.concat(adjustment_frames, ignore_index=True)
        remarks = pd.concat(remark_frames, ignore_index=True)
        _match_export_lines(con, lines)
        stats = _insert_remits(con, lines, adjustments, remarks, result.upload_id)
        result.rows_read = rows_read
        result.rows_loaded = rows_read - len(rejected)
        result.unknown_payers = unknown
        result.sheets = [p[0] for p in parts]
        extra = f"{stats['new']} new remitted lines, {stats['known']} already loaded"
        _record_upload(con, result, rejected, extra, mapping_json, uploaded_by, reloaded)
    _report(progress, 1.0, result.summary())
    return result


def _match_export_lines(con: duckdb.DuckDBPyConnection, lines: pd.DataFrame) -> None:
    """An export without line numbers: the claim line with the same procedure code, when only one has it."""
    todo = lines["line_no"].isna() & lines["procedure_code"].notna()
    if not todo.any():
        return
    probe = lines.loc[todo, ["claim_id", "procedure_code"]].drop_duplicates().astype(object)
    con.register("_remit_probe", probe)
    try:
        found = con.execute(
            "SELECT p.claim_id, p.procedure_code, min(c.line_no) FROM _remit_probe p JOIN claim_lines c "
            "ON c.claim_id = p.claim_id AND c.procedure_code = p.procedure_code "
            "GROUP BY p.claim_id, p.procedure_code HAVING count(*) = 1"
        ).fetchall()
    finally:
        con.unregister("_remit_probe")
    lookup = {(c, p): n for c, p, n in found}
    matched = [lookup.get((c, p)) for c, p in zip(lines["claim_id"], lines["procedure_code"], strict=True)]
    matched = pd.Series(matched, index=lines.index, dtype="float64")
    lines.loc[todo, "line_no"] = matched[todo]


def _insert_remits(con, lines: pd.DataFrame, adjustments: pd.DataFrame, remarks: pd.DataFrame,
                   upload_id: int) -> dict[str, int]:  # fmt: skip
    """Insert the lines whose natural key is new (with their adjustments and remarks)."""
    stats = {"new": 0, "known": 0}
    if lines.empty:
        return stats
    frame = _prepare_frame(lines, [("line_ref", "BIGINT"), *REMIT_LINE_COLUMNS])
    con.register("_remit_incoming", frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _remit_new AS SELECT CAST(line_ref AS BIGINT) AS line_ref, "  # noqa: S608
            f"{_select_casts(REMIT_LINE_COLUMNS)} FROM _remit_incoming"
        )
    finally:
        con.unregister("_remit_incoming")
    key_match = (
        "r.payer_id = n.payer_id AND r.claim_id = n.claim_id AND r.line_no IS NOT DISTINCT FROM n.line_no "
        "AND r.adjudication_date IS NOT DISTINCT FROM n.adjudication_date "
        "AND r.claim_status IS NOT DISTINCT FROM n.claim_status AND r.paid_amount IS NOT DISTINCT FROM n.paid_amount"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _remit_ids AS SELECT n.line_ref, nextval('remit_line_id_seq') AS remit_line_id "  # noqa: S608
        f"FROM _remit_new n WHERE NOT EXISTS (SELECT 1 FROM remit_lines r WHERE {key_match})"
    )
    new = con.execute("SELECT count(*) FROM _remit_ids").fetchall()[0][0]
    stats.update(new=int(new), known=len(frame) - int(new))
    names = [n for n, _t in REMIT_LINE_COLUMNS]
    con.execute(
        f"INSERT INTO remit_lines (remit_line_id, {', '.join(names)}, upload_id) "  # noqa: S608
        f"SELECT i.remit_line_id, {', '.join('n.' + n for n in names)}, ? FROM _remit_new n "
        "JOIN _remit_ids i ON i.line_ref = n.line_ref",
        [upload_id],
    )
    if not adjustments.empty:
        adj = _prepare_frame(
            adjustments,
            [("line_ref", "BIGINT"), ("position", "INTEGER"), ("level", "VARCHAR"), ("group_code", "VARCHAR"),
             ("carc", "VARCHAR"), ("amount", "DECIMAL(14,2)")],
        )  # fmt: skip
        con.register("_adj_incoming", adj)
        try:
            con.execute(
                "INSERT INTO remit_adjustments (remit_line_id, position, level, group_code, carc, amount) "
                "SELECT i.remit_line_id, CAST(a.position AS INTEGER), CAST(a.level AS VARCHAR), "
                "CAST(a.group_code AS VARCHAR), CAST(a.carc AS VARCHAR), CAST(a.amount AS DECIMAL(14,2)) "
                "FROM _adj_incoming a JOIN _remit_ids i ON i.line_ref = CAST(a.line_ref AS BIGINT)"
            )
        finally:
            con.unregister("_adj_incoming")
    if not remarks.empty:
        rem = _prepare_frame(
            remarks,
            [("line_ref", "BIGINT"), ("position", "INTEGER"), ("level", "VARCHAR"), ("rarc", "VARCHAR")],
        )
        con.register("_rem_incoming", rem)
        try:
            con.execute(
                "INSERT INTO remit_remarks (remit_line_id, position, level, rarc) "
                "SELECT i.remit_line_id, CAST(m.position AS INTEGER), CAST(m.level AS VARCHAR), CAST(m.rarc AS VARCHAR) "
                "FROM _rem_incoming m JOIN _remit_ids i ON i.line_ref = CAST(m.line_ref AS BIGINT)"
            )
        finally:
            con.unregister("_rem_incoming")
    con.execute("DROP TABLE IF EXISTS _remit_new")
    con.execute("DROP TABLE IF EXISTS _remit_ids")
    return stats


def _ingest_835(con, path: Path, sha: str, uploaded_by, progress) -> UploadResult:
    from audits.ingest.x12_835 import parse_835

    parsed = parse_835(_x12_bytes(path), path.name)
    _report(progress, 0.5, f"{path.name}: {len(parsed.lines)} remitted lines parsed")
    return _load_835(
        con, path.name, sha, parsed.lines, parsed.adjustments, parsed.remarks, list(parsed.problems), uploaded_by,
        progress,
    )  # fmt: skip


def _load_835(con, file_name, sha, lines, adjustments, remarks, problems, uploaded_by, progress,
              reloaded: list[tuple[int, str, int]] | None = None) -> UploadResult:  # fmt: skip
    lines = lines.copy().reset_index(drop=True)
    directory = PayerDirectory(con)
    rejected: list[RejectedRow] = []
    unknown: dict[str, list] = {}
    reason = pd.Series(None, index=lines.index, dtype=object)
    column = pd.Series(None, index=lines.index, dtype=object)
    claim_id = nz.text(lines["claim_id"].astype(object))
    reason[claim_id.isna()] = "missing claim_id (CLP01)"
    column[claim_id.isna()] = "claim_id"
    resolved, label = directory.resolve(lines["payer_id"].astype(object), lines["payer_name"].astype(object))
    unresolved = resolved.isna() & reason.isna()
    for name in label[unresolved].dropna().unique():
        unknown.setdefault(name, directory.suggest(name))
    reason[unresolved] = label[unresolved].map(directory.unknown_reason)
    column[unresolved] = "payer"
    lines["payer_id"] = resolved
    lines["claim_id"] = claim_id
    lines["rendering_npi"] = nz.npi(lines["rendering_npi"].astype(object))
    lines["procedure_code"] = nz.procedure_code(lines["procedure_code"].astype(object))
    lines["adjudication_date"], _err = nz.dates(lines["adjudication_date"].astype(object))
    ok = reason.isna()
    good = lines.loc[ok].copy()
    _match_835_lines(con, good)
    result = UploadResult(None, file_name, "835", "loaded", rows_read=len(lines), sha256=sha)
    result.problems = list(problems)
    result.unknown_payers = unknown
    for label_ in lines.index[~ok]:
        # The held line keeps its adjustments and remarks, so it can be loaded again from rejected_rows.
        record = {c: nz.cell_text(v) for c, v in lines.loc[label_].items() if c != "adjudication_date"}
        record["adjudication_date"] = nz.cell_text(lines.at[label_, "adjudication_date"])
        line_ref = lines.at[label_, "line_ref"]
        record[ADJUSTMENTS_FIELD] = [
            {
                k: nz.cell_text(v)
                for k, v in row.items()
                if k in ("position", "level", "group_code", "carc", "amount")
            }
            for row in adjustments[adjustments["line_ref"] == line_ref].to_dict("records")
        ]
        record[REMARKS_FIELD] = [
            {k: nz.cell_text(v) for k, v in row.items() if k in ("position", "level", "rarc")}
            for row in remarks[remarks["line_ref"] == line_ref].to_dict("records")
        ]
        record[CANONICAL_FIELD] = True
        rejected.append(
            RejectedRow(
                file_name, int(lines.at[label_, "source_row"]), record, column[label_], reason[label_]
            )
        )
    adjustments = adjustments[adjustments["line_ref"].isin(good["line_ref"])]
    remarks = remarks[remarks["line_ref"].isin(good["line_ref"])]
    with transaction(con):
        result.upload_id = _next_upload_id(con)
        good["source"] = (
            good["source"].astype(object).where(good["source"].notna(), f"upload:{result.upload_id}")
        )
        stats = _insert_remits(con, good, adjustments, remarks, result.upload_id)
        result.rows_loaded = len(good)
        extra = f"{stats['new']} new remitted lines, {stats['known']} already loaded"
        _record_upload(con, result, rejected, extra, None, uploaded_by, reloaded)
    _report(progress, 1.0, result.summary())
    return result


def _match_835_lines(con: duckdb.DuckDBPyConnection, lines: pd.DataFrame) -> None:
    """line_no = REF*6R when that is a line_no of the claim in claim_lines, else the line's position."""
    ref = pd.to_numeric(lines["ref_6r"].astype(object), errors="coerce")
    position = pd.to_numeric(lines["line_position"].astype(object), errors="coerce")
    known: set[tuple[str, int]] = set()
    probe = pd.DataFrame({"claim_id": lines["claim_id"].astype(object), "ref": ref}).dropna()
    if not probe.empty:
        probe = probe.assign(ref=probe["ref"].astype("int64")).drop_duplicates()
        con.register("_ref_probe", probe)
        try:
            found = con.execute(
                "SELECT p.claim_id, p.ref FROM _ref_probe p JOIN claim_lines c "
                "ON c.claim_id = p.claim_id AND c.line_no = p.ref"
            ).fetchall()
        finally:
            con.unregister("_ref_probe")
        known = {(c, int(r)) for c, r in found}
    chosen = []
    for claim, r, p in zip(lines["claim_id"], ref, position, strict=True):
        if r == r and (claim, int(r)) in known:
            chosen.append(float(r))
        else:
            chosen.append(float(p) if p == p else np.nan)
    lines["line_no"] = pd.Series(chosen, index=lines.index, dtype="float64")


# --------------------------------------------------------------------------------------------
# roster


def _ingest_roster(con, path, sha, sheets, override, uploaded_by, progress) -> UploadResult:
    roster = _roster_module()
    if roster is None:  # pragma: no cover
        raise InputError("Credentialing workbooks cannot be loaded yet - the roster loader is missing.")
    raw_mapping = None
    if override.columns or override.labels:
        raw_mapping = {"columns": override.columns, "labels": override.labels}
    batch = roster.parse_roster(sheets, raw_mapping, Knowledge.from_database(con))
    _report(progress, 0.5, f"{path.name}: credentialing sheets parsed")
    result = UploadResult(None, path.name, "roster", "loaded", sha256=sha)
    result.warnings = list(batch.warnings)
    with transaction(con):
        result.upload_id = _next_upload_id(con)
        applied = roster.apply_roster(con, batch, result.upload_id)
        result.rows_read = applied.rows_read
        result.rows_loaded = applied.rows_loaded
        result.rows_rejected = (
            0 if applied.duplicate else record_rejected(con, result.upload_id, applied.rejected)
        )
        result.snapshot_id = applied.snapshot_id
        result.sheets = list(getattr(applied, "tables", []) or [])
        result.rejection_reasons = _reason_counts(r[4] for r in applied.rejected)
        if applied.duplicate:
            result.status = "duplicate"
            result.rows_read = result.rows_loaded = result.rows_rejected = 0
            result.message = (
                f"identical to the current credentialing snapshot {applied.snapshot_id}: nothing changed"
            )
        else:
            result.message = _message(
                result, extra=f"snapshot {applied.snapshot_id} of {', '.join(result.sheets)}"
            )
        _insert_upload(con, result, sha, json.dumps(raw_mapping) if raw_mapping else None, uploaded_by)
    _report(progress, 1.0, result.summary())
    return result


# --------------------------------------------------------------------------------------------
# held rows: confirm an alias, load them again


def _mark_resolved(con: duckdb.DuckDBPyConnection, rows: list[tuple[int, str, int]], upload_id: int) -> None:
    frame = pd.DataFrame(rows, columns=["upload_id", "sheet", "row_number"]).astype({"sheet": object})
    con.register("_resolved_rows", frame)
    try:
        con.execute(
            "UPDATE rejected_rows SET resolved_by_upload = ? WHERE EXISTS (SELECT 1 FROM _resolved_rows r "
            "WHERE r.upload_id = rejected_rows.upload_id AND r.sheet = rejected_rows.sheet "
            "AND r.row_number = rejected_rows.row_number)",
            [upload_id],
        )
    finally:
        con.unregister("_resolved_rows")


def reload_rejected(con: duckdb.DuckDBPyConnection, upload_id: int | None = None) -> UploadResult:
    """See _reload_rejected; unexpected failures roll back and become one InputError sentence."""
    try:
        return _reload_rejected(con, upload_id)
    except ClearToBillError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:160]
        raise InputError(
            f"The held rows could not be reloaded ({type(exc).__name__}: {first}) - the rows not reloaded stay held."
        ) from exc


def _reload_rejected(con: duckdb.DuckDBPyConnection, upload_id: int | None = None) -> UploadResult:
    """Load again the rows held for "unknown payer" whose payer now resolves (of one upload, or of all).

    Each original upload's resolvable held rows become one new upload (its kind, its column mapping);
    those rows get resolved_by_upload = that upload. Rows whose payer still resolves to nothing stay
    held, untouched. With several uploads involved, the result adds their counts up (upload_id is the
    last new upload; `sheets` lists all of them as 'upload N'). Claims and remits exports, 837 and 835.
    """
    params: list = []
    where = "r.resolved_by_upload IS NULL AND r.reason LIKE 'unknown payer:%'"
    if upload_id is not None:
        where += " AND r.upload_id = ?"
        params.append(upload_id)
    held = con.execute(
        "SELECT r.upload_id, u.kind, u.mapping_json, r.sheet, r.row_number, r.raw_row FROM rejected_rows r "  # noqa: S608
        f"JOIN uploads u ON u.upload_id = r.upload_id WHERE {where} ORDER BY r.upload_id, r.sheet, r.row_number",
        params,
    ).fetchall()
    if not held:
        raise InputError(
            "There are no rows held for an unknown payer" + (f" in upload {upload_id}." if upload_id else ".")
        )
    directory = PayerDirectory(con)
    groups: dict[tuple[int, str], list] = {}
    for row in held:
        groups.setdefault((row[0], row[3]), []).append(row)
    results = []
    for (origin, sheet), rows in groups.items():
        kind, mapping_json = rows[0][1], rows[0][2]
        records = [(s, n, json.loads(r)) for _u, _k, _m, s, n, r in rows]
        result = _reload_group(con, directory, origin, sheet, kind, mapping_json, records)
        if result is not None:
            results.append(result)
    if not results:
        raise InputError(
            f"None of the {len(held)} held rows' payers resolve yet - confirm which payer each name means first."
        )
    if len(results) == 1:
        return results[0]
    total = UploadResult(results[-1].upload_id, "held rows reloaded", results[0].kind, "loaded")
    if len({r.kind for r in results}) > 1:
        total.kind = "mixed"
    for r in results:
        total.rows_read += r.rows_read
        total.rows_loaded += r.rows_loaded
        total.rows_rejected += r.rows_rejected
        total.sheets.append(f"upload {r.upload_id}")
        total.unknown_payers.update(r.unknown_payers)
    total.message = " | ".join(f"upload {r.upload_id}: {r.message}" for r in results)
    return total


def _resolvable(directory: PayerDirectory, frame: pd.DataFrame) -> pd.Series:
    ids = frame["payer_id"] if "payer_id" in frame else pd.Series(None, index=frame.index, dtype=object)
    names = frame["payer_name"] if "payer_name" in frame else pd.Series(None, index=frame.index, dtype=object)
    resolved, _label = directory.resolve(ids.astype(object), names.astype(object))
    return resolved.notna()


def _reload_group(con, directory, origin, sheet, kind, mapping_json, records) -> UploadResult | None:
    name = f"held rows of upload {origin}"
    if kind in ("claims", "837"):
        item = _claims_from_records(records, mapping_json, kind)
        keep = _resolvable(directory, item.norm.frame)
        if not keep.any():
            return None
        item.norm = claims_mod.NormalisedClaims(
            item.norm.frame[keep], item.norm.reason[keep], item.norm.column[keep]
        )
        rows_taken = item.norm.frame["source_row"].astype("int64").tolist()
        reloaded = [(origin, sheet, n) for n in rows_taken]
        sha = _reload_sha(reloaded)
        return _load_claims(con, name, sha, kind, [item], mapping_json, {}, None, None, reloaded=reloaded)
    if kind == "remits":
        part_sheet, rows, norm, patient_headers = _remit_parts_from_records(records, mapping_json)[0]
        keep = _resolvable(directory, norm.frame)
        if not keep.any():
            return None
        kept = norm.frame.index[keep]
        norm = remits_mod.NormalisedRemitRows(
            norm.frame.loc[kept],
            norm.adjustments[norm.adjustments["row"].isin(kept)],
            norm.remarks[norm.remarks["row"].isin(kept)],
            norm.reason.loc[kept],
            norm.column.loc[kept],
        )
        reloaded = [(origin, sheet, int(n)) for n in norm.frame["source_row"]]
        parts = [(part_sheet, rows, norm, patient_headers)]
        return _load_remit_rows(
            con, name, _reload_sha(reloaded), parts, mapping_json, {}, None, None, reloaded=reloaded
        )
    if kind == "835":
        taken = [r for r in records if directory.resolve_one(r[2].get("payer_id"), r[2].get("payer_name"))]
        if not taken:
            return None
        reloaded = [(origin, sheet, n) for _s, n, _r in taken]
        return _reload_835(con, name, _reload_sha(reloaded), taken, reloaded)
    raise InputError(f"Held rows of a {kind} upload are reloaded by loading the corrected file again.")


def _reload_sha(reloaded: list[tuple[int, str, int]]) -> str:
    return hashlib.sha256(("reload|" + "|".join(f"{u}:{s}:{n}" for u, s, n in reloaded)).encode()).hexdigest()


def _records_sheet(records: list[tuple[str, int, dict]]) -> tuple[RawSheet, list[str]]:
    """A raw sheet (header row + the held rows, each at its source row number) from raw_row JSON."""
    headers: list[str] = []
    for _s, _n, raw in records:
        for header in raw:
            if header not in headers:
                headers.append(header)
    rows = [headers] + [[raw.get(h) for h in headers] for _s, _n, raw in records]
    index = [0] + [int(n) - 1 for _s, n, _r in records]
    frame = pd.DataFrame(rows, index=index, dtype=object)
    return RawSheet(records[0][0], frame), headers


def _mapping_for_reload(mapping_json: str | None, headers: list[str]) -> mapping_mod.MappingOverride:
    data = json.loads(mapping_json) if mapping_json else {}
    if data and "columns" not in data and all(isinstance(v, dict) for v in data.values()):
        merged: dict[str, str] = {}
        for columns in data.values():
            merged.update(columns)
        data = {"columns": merged}
    override = mapping_mod.coerce_override(data or None)
    extra = {PATIENT_KEY_FIELD: "patient_key", BIRTH_YEAR_FIELD: "patient_birth_year"}
    for header, canonical in extra.items():
        if header in headers:
            override.columns[canonical] = header
    return override


def _canonical_records_frame(records: list[tuple[str, int, dict]]) -> pd.DataFrame:
    frame = pd.DataFrame([raw for _s, _n, raw in records], dtype=object)
    frame.index = pd.Index([int(n) for _s, n, _r in records])
    frame["source_row"] = frame.index
    return frame


def _claims_from_records(records, mapping_json, kind) -> _ClaimsInput:
    sheet_name = records[0][0]
    if records[0][2].get(CANONICAL_FIELD):
        frame = _canonical_records_frame(records)
        for column in claims_mod.CLAIM_COLUMNS:
            if column not in frame.columns:
                frame[column] = None
        norm = claims_mod.normalise_claims(
            frame[claims_mod.CLAIM_COLUMNS], totals_mask=pd.Series(False, index=frame.index)
        )
        for extra in (PATIENT_KEY_FIELD, BIRTH_YEAR_FIELD):
            norm.frame[extra] = frame.get(extra)
        return _ClaimsInput(
            norm, sheet_name, lambda labels: [frame.loc[i].dropna().to_dict() for i in labels], set()
        )
    sheet, headers = _records_sheet(records)
    override = _mapping_for_reload(mapping_json, headers)
    mapped = mapping_mod.map_columns(sheet.frame, "claims", override)
    rows = claims_mod.sheet_rows(sheet, mapped)
    raw = claims_mod.claims_from_sheet(rows, mapped)
    norm = claims_mod.normalise_claims(raw)
    for canonical, field_name in (
        ("patient_key", PATIENT_KEY_FIELD),
        ("patient_birth_year", BIRTH_YEAR_FIELD),
    ):
        match = mapped.columns.get(canonical)
        norm.frame[field_name] = rows.body[match.position] if match else None
    return _ClaimsInput(norm, sheet_name, _sheet_records(rows), _patient_headers(mapped))


def _remit_parts_from_records(records, mapping_json):
    sheet, headers = _records_sheet(records)
    override = _mapping_for_reload(mapping_json, headers)
    mapped = mapping_mod.map_columns(sheet.frame, "remits", override)
    rows = claims_mod.sheet_rows(sheet, mapped)
    raw = remits_mod.remit_rows_from_sheet(rows, mapped)
    norm = remits_mod.normalise_remit_rows(raw, mapped.labels)
    for canonical, field_name in (
        ("patient_key", PATIENT_KEY_FIELD),
        ("patient_birth_year", BIRTH_YEAR_FIELD),
    ):
        match = mapped.columns.get(canonical)
        norm.frame[field_name] = rows.body[match.position] if match else None
    return [(records[0][0], rows, norm, _patient_headers(mapped))]


def _reload_835(con, name, sha, records, reloaded) -> UploadResult:
    lines, adjustments, remarks = [], [], []
    for ref, (_sheet, row_number, raw) in enumerate(records):
        line = {k: v for k, v in raw.items() if not k.startswith("__")}
        line["line_ref"] = ref
        line["source_row"] = row_number
        lines.append(line)
        adjustments += [{**a, "line_ref": ref} for a in raw.get(ADJUSTMENTS_FIELD, [])]
        remarks += [{**m, "line_ref": ref} for m in raw.get(REMARKS_FIELD, [])]
    line_frame = pd.DataFrame(lines, dtype=object)
    for column in ("payer_id", "payer_name", "ref_6r", "line_position", "rendering_npi", "source"):
        if column not in line_frame.columns:
            line_frame[column] = None
    adjustment_frame = pd.DataFrame(
        adjustments, columns=["line_ref", "position", "level", "group_code", "carc", "amount"]
    )
    remark_frame = pd.DataFrame(remarks, columns=["line_ref", "position", "level", "rarc"])
    return _load_835(
        con, name, sha, line_frame, adjustment_frame, remark_frame, [], None, None, reloaded=reloaded
    )


# --------------------------------------------------------------------------------------------
# mapping profiles


def save_mapping_profile(con: duckdb.DuckDBPyConnection, name: str, kind: str, mapping: object) -> None:
    """Save a column mapping ({canonical: header} or the JSON object form) under a name, for later uploads."""
    if not str(name).strip():
        raise InputError("A mapping profile needs a name.")
    if kind not in KINDS:
        raise InputError(f"Unknown kind {kind!r} - use one of {', '.join(KINDS)}.")
    override = mapping_mod.coerce_override(mapping)
    payload = json.dumps(
        {"kind": kind, "columns": override.columns, "labels": override.labels}, sort_keys=True
    )
    con.execute("DELETE FROM mapping_profiles WHERE name = ?", [name])
    con.execute(
        "INSERT INTO mapping_profiles (name, kind, mapping_json) VALUES (?, ?, ?)", [name, kind, payload]
    )


def load_mapping_profile(con: duckdb.DuckDBPyConnection, name: str) -> mapping_mod.MappingOverride:
    rows = con.execute("SELECT kind, mapping_json FROM mapping_profiles WHERE name = ?", [name]).fetchall()
    if not rows:
        names = [r[0] for r in con.execute("SELECT name FROM mapping_profiles ORDER BY name").fetchall()]
        known = f" (saved profiles: {', '.join(names)})" if names else " (none are saved yet)"
        raise InputError(f"There is no mapping profile or mapping file named {name!r}{known}.")
    kind, payload = rows[0]
    override = mapping_mod.coerce_override(json.loads(payload))
    override.kind = override.kind or kind
    return override


# --------------------------------------------------------------------------------------------
# preview for the dashboard's mapping editor


@dataclass
class Preview:
    file_name: str
    kind: str | None
    sheets: list[str]
    sheet: str | None  # the sheet the proposal is for
    header_row: int | None  # 1-based row number of the header
    headers: list[str]
    mapping: dict[str, tuple[str, float]]  # canonical -> (source header, confidence 0-1)
    missing: list[str]
    sample: pd.DataFrame  # first rows under the header, patient columns masked
    message: str = ""


def preview(
    path: str | os.PathLike, kind: str | None = None, mapping: object = None, rows: int = 10
) -> Preview:
    """What the loader would do with a file, without touching the database."""
    path = Path(path)
    file_kind = sniff_kind(path)
    override = mapping_mod.coerce_override(mapping)
    kind = kind or override.kind
    if file_kind == "x12":
        detected = kind or _detect_x12(path)
        return Preview(
            path.name, detected, [], None, None, [], {}, [], pd.DataFrame(), "X12 files need no mapping."
        )
    sheets = read_tables(path)
    names = [s.name for s in sheets]
    if kind is None:
        kind = detect_kind(path, sheets)
    if kind == "roster":
        return Preview(path.name, kind, names, None, None, [], {}, [], pd.DataFrame(),
                       "Credentialing workbooks are mapped sheet by sheet by their headers.")  # fmt: skip
    best = None
    for sheet in sheets:
        if sheet.frame.empty:
            continue
        try:
            mapped = mapping_mod.map_columns(sheet.frame, kind, override)
        except InputError:
            continue
        score = (-len(mapping_mod.missing_required(mapped)), len(mapped.columns))
        if best is None or score > best[0]:
            best = (score, sheet, mapped)
    if best is None:
        raise InputError(f"No header row of a {kind} export was found in {path.name} - check the file.")
    _score, sheet, mapped = best
    proposal = mapped.proposal()
    for options in mapping_mod.REQUIRED[kind]:  # required columns not found: offered empty, to be picked
        if not any(o in proposal for o in options):
            proposal[options[-1] if options[0] == "payer_id" else options[0]] = (None, 0.0)
    body = claims_mod.sheet_rows(sheet, mapped)
    sample = body.body.head(rows).rename(columns=body.headers).map(nz.cell_text)
    for header in _patient_headers(mapped):
        if header in sample.columns:
            sample[header] = "***"
    return Preview(
        path.name,
        kind,
        names,
        sheet.name,
        int(mapped.header_row) + 1,
        mapped.headers,
        proposal,
        mapping_mod.missing_required(mapped),
        sample.reset_index(drop=True),
    )
