"""Header mapping: which source column holds which canonical column (SPEC 2).

Headers are compared after `normalise_header` ('Claim #' -> 'claim no'). An exact synonym scores
1.0; otherwise a close spelling (difflib ratio >= 0.86, headers without digits only, so 'Dx 13'
never passes for 'Dx 1') scores 0.9 x the ratio. The header row is the row, among the first 15,
whose cells match the most synonyms (title and "exported on" rows above it are skipped).

An analyst's override is a dict {canonical: source header}; it wins over the synonyms. A mapping
file (`--mapping FILE`, or a saved profile) is JSON, either that dict alone or
    {"kind": "claims", "columns": {"claim_id": "Encounter", ...}, "labels": {"claim_status": {"Zero Pay": "denied"}}}
where "labels" extends the label tables (enrollment_status, credential_type, scope_approved,
provider_status, claim_status) with the practice's own words.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from audits.errors import InputError
from audits.ingest.normalize import cell_text, normalise_header

HEADER_SCAN_ROWS = 15
FUZZY_CUTOFF = 0.86


def _numbered(prefixes: list[str], count: int, canonical: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n in range(1, count + 1):
        names = []
        for prefix in prefixes:
            names += [f"{prefix} {n}", f"{prefix}{n}"]
        out[f"{canonical}_{n}"] = names
    return out


_PATIENT = {
    "patient_id": ["member id", "member no", "member number", "subscriber id", "patient id", "insured id",
                   "policy id", "patient account", "patient account no", "mrn", "medical record number",
                   "patient member id", "id number"],
    "patient_name": ["patient name", "patient", "member name", "patient full name", "insured name"],
    "patient_first_name": ["patient first name", "first name", "member first name"],
    "patient_last_name": ["patient last name", "last name", "member last name"],
    "patient_dob": ["patient dob", "dob", "date of birth", "birth date", "birthdate", "member dob",
                    "patient date of birth"],
}  # fmt: skip

CLAIMS_SYNONYMS: dict[str, list[str]] = {
    "claim_id": ["claim no", "claim id", "claim number", "claim", "claim num", "encounter id", "encounter",
                 "claim ref", "patient control number", "pcn"],
    "line_no": ["line no", "line", "line number", "line num", "claim line", "service line", "ln"],
    **_PATIENT,
    "rendering_npi": ["rendering provider npi", "rendering npi", "prov npi", "provider npi", "rendering provider",
                      "npi", "rendering prov npi", "servicing npi", "servicing provider npi"],
    "billing_npi": ["billing npi", "billing provider npi", "group npi", "pay to npi"],
    "payer_id": ["payer id", "payor id", "insurance id", "plan id", "carrier id", "payer code"],
    "payer_name": ["primary insurance", "payer", "payer name", "payor", "payor name", "insurance",
                   "insurance name", "plan", "plan name", "carrier", "primary payer"],
    "date_of_service": ["date of service", "dos", "svc date", "service date", "from date", "dos from",
                        "service from", "date of service from", "visit date"],
    "submitted_date": ["submitted date", "submit date", "submission date", "date submitted", "billed date",
                       "claim date", "bill date"],
    "procedure_code": ["cpt hcpcs", "cpt", "hcpcs", "proc code", "procedure code", "procedure", "cpt code",
                       "hcpcs code", "cpt hcpcs code", "service code"],
    "modifiers": ["modifiers", "modifier", "mods", "modifier codes"],
    **_numbered(["mod", "modifier", "mod code"], 4, "modifier"),
    "diagnoses": ["diagnosis codes", "diagnoses", "diagnosis", "dx codes", "icd 10 codes", "icd codes", "dx",
                  "icd10 codes"],
    **_numbered(["dx", "diagnosis", "diagnosis code", "icd", "icd 10", "diag", "dx code"], 12, "diagnosis"),
    "pos": ["pos", "place of service", "place of svc", "pos code"],
    "units": ["units", "unit", "qty", "quantity", "days or units", "service units"],
    "billed_amount": ["charges", "billed amount", "charge", "charge amount", "billed", "total charge",
                      "line charge", "amount billed", "charges billed", "billed charges"],
    "service_state": ["service state", "state", "place of service state", "facility state", "svc state"],
}  # fmt: skip

REMITS_SYNONYMS: dict[str, list[str]] = {
    "claim_id": ["claim number", "claim id", "claim no", "claim", "patient control number", "pcn",
                 "claim num", "encounter id"],
    "line_no": ["line", "line no", "line number", "line num", "service line", "claim line"],
    **_PATIENT,
    "payer_id": ["payer id", "payor id", "insurance id", "plan id", "carrier id"],
    "payer_name": ["payer", "payer name", "payor", "payor name", "insurance", "insurance name", "plan",
                   "carrier"],
    "adjudication_date": ["adjudication date", "check date", "paid date", "payment date", "remit date",
                          "process date", "processed date", "eft date", "date paid", "adjudicated"],
    "procedure_code": ["procedure", "cpt", "proc code", "procedure code", "cpt hcpcs", "hcpcs", "service code"],
    "rendering_npi": ["rendering npi", "rendering provider npi", "prov npi", "provider npi", "npi"],
    "billed_amount": ["billed", "billed amount", "charges", "charge", "charge amount", "submitted amount",
                      "submitted charges"],
    "paid_amount": ["paid", "paid amount", "payment", "payment amount", "amount paid", "insurance paid",
                    "line paid", "paid amt"],
    "claim_status": ["claim status", "status", "line status", "remit status", "payment status"],
    "group_code": ["group code", "group", "adjustment group", "adj group", "cas group", "claim adjustment group"],
    "carc": ["reason code", "carc", "adjustment reason", "adj reason", "adjustment reason code", "denial code",
             "denial reason", "reason", "carc code"],
    "adjustment_amount": ["adjustment amount", "adj amount", "adj amt", "adjustment", "adjustment amt",
                          "denied amount"],
    "rarcs": ["remark codes", "rarc", "remark code", "remarks", "rarcs", "remark"],
    **_numbered(["carc", "reason code", "adj reason", "adjustment reason", "denial code"], 4, "carc"),
    **_numbered(["adj amt", "adj amount", "adjustment amount", "adjustment amt"], 4, "adj_amount"),
    **_numbered(["group code", "group", "adj group"], 4, "group_code"),
    **_numbered(["rarc", "remark code", "remark"], 4, "rarc"),
    "date_of_service": ["date of service", "dos", "service date", "svc date"],
    "trace_number": ["check no", "check number", "eft number", "eft no", "trace number", "check eft number"],
}  # fmt: skip

SYNONYMS: dict[str, dict[str, list[str]]] = {"claims": CLAIMS_SYNONYMS, "remits": REMITS_SYNONYMS}

# SPEC 2 "Required columns"; a tuple means any one of its columns will do.
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "claims": [
        ("claim_id",),
        ("rendering_npi",),
        ("payer_id", "payer_name"),
        ("date_of_service",),
        ("procedure_code",),
        ("billed_amount",),
    ],
    "remits": [
        ("claim_id",),
        ("payer_id", "payer_name"),
        ("paid_amount", "adjustment_amount", "adj_amount_1", "carc", "carc_1"),
    ],
}
PATIENT_COLUMNS = tuple(_PATIENT)
LABEL_TABLES = ("enrollment_status", "credential_type", "scope_approved", "provider_status", "claim_status")


@dataclass
class ColumnMatch:
    canonical: str
    source: str  # the header as found in the file
    position: object  # the frame column label holding it
    confidence: float


@dataclass
class Mapping:
    kind: str
    header_row: object  # index label of the header row in the raw frame
    columns: dict[str, ColumnMatch] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)  # all headers found, in order
    header_cells: dict[object, str] = field(default_factory=dict)  # frame column -> header text
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        return {c: m.source for c, m in self.columns.items()}

    def proposal(self) -> dict[str, tuple[str, float]]:
        return {c: (m.source, round(m.confidence, 2)) for c, m in self.columns.items()}

    def to_json(self) -> str:
        return json.dumps(
            {"kind": self.kind, "columns": self.as_dict(), "labels": self.labels}, sort_keys=True
        )


@dataclass
class MappingOverride:
    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def mapping(self) -> dict[str, str]:
        """{canonical: source header} (the form the dashboard's mapping editor uses)."""
        return dict(self.columns)


def _index(kind: str) -> dict[str, str]:
    """normalised synonym -> canonical (first canonical listing it wins)."""
    lookup: dict[str, str] = {}
    for canonical, names in SYNONYMS[kind].items():
        for name in names:
            lookup.setdefault(normalise_header(name), canonical)
    return lookup


_INDEX_CACHE: dict[str, dict[str, str]] = {}


def synonym_index(kind: str) -> dict[str, str]:
    if kind not in _INDEX_CACHE:
        _INDEX_CACHE[kind] = _index(kind)
    return _INDEX_CACHE[kind]


def coerce_override(mapping: object) -> MappingOverride:
    """Accept None, a MappingOverride, {canonical: header} or {"kind", "columns", "labels"}."""
    if mapping is None:
        return MappingOverride()
    if isinstance(mapping, MappingOverride):
        return mapping
    if isinstance(mapping, Mapping):
        return MappingOverride(mapping.kind, mapping.as_dict(), mapping.labels)
    if not isinstance(mapping, dict):
        raise InputError("A column mapping must be a JSON object {canonical column: source header}.")
    if "columns" in mapping or "labels" in mapping:
        columns = mapping.get("columns") or {}
        labels = mapping.get("labels") or {}
        kind = mapping.get("kind")
    else:
        columns, labels, kind = mapping, {}, None
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise InputError('The mapping\'s "columns" must map canonical column names to source header text.')
    if not isinstance(labels, dict):
        raise InputError('The mapping\'s "labels" must be an object {table: {label: canonical value}}.')
    unknown_tables = sorted(set(labels) - set(LABEL_TABLES))
    if unknown_tables:
        raise InputError(
            f"The mapping's labels name unknown tables {', '.join(unknown_tables)} - use {', '.join(LABEL_TABLES)}."
        )
    return MappingOverride(kind, dict(columns), {k: dict(v) for k, v in labels.items()})


def read_mapping_file(path: str | Path) -> MappingOverride:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"Mapping file {path} does not exist - check the --mapping path.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Mapping file {path.name} is not valid JSON ({exc.__class__.__name__}) - fix it."
        ) from None
    return coerce_override(data)


def _row_headers(row: pd.Series) -> list[tuple[object, str, str]]:
    """(column label, header text, normalised) for the non-empty cells of a row."""
    out = []
    for label, value in row.items():
        raw = cell_text(value)
        if raw is None:
            continue
        out.append((label, raw, normalise_header(raw)))
    return out


def header_score(row: pd.Series, kind: str) -> int:
    index = synonym_index(kind)
    return len({index[n] for _label, _raw, n in _row_headers(row) if n in index})


def find_header_row(frame: pd.DataFrame, kind: str, override: MappingOverride | None = None) -> object:
    """Index label of the header row: the first of the first 15 rows matching the most synonyms."""
    wanted = {normalise_header(h) for h in (override.columns.values() if override else [])}
    best_label, best_score = None, 0
    for label, row in frame.head(HEADER_SCAN_ROWS).iterrows():
        score = header_score(row, kind)
        if wanted:
            score += sum(1 for _l, _r, n in _row_headers(row) if n in wanted)
        if score > best_score:
            best_label, best_score = label, score
    if best_label is None or best_score < 2:
        raise InputError(
            f"No header row of a {kind} export was found in the first {HEADER_SCAN_ROWS} rows - "
            f"check the file, or give a column mapping."
        )
    return best_label


def map_columns(frame: pd.DataFrame, kind: str, override: object = None) -> Mapping:
    """Find the header row and map its headers to canonical columns (no check of required columns)."""
    over = coerce_override(override)
    header_label = find_header_row(frame, kind, over)
    cells = _row_headers(frame.loc[header_label])
    mapping = Mapping(
        kind=kind,
        header_row=header_label,
        headers=[raw for _l, raw, _n in cells],
        header_cells={label: raw for label, raw, _n in cells},
        labels=over.labels,
    )
    by_norm: dict[str, tuple[object, str]] = {}
    for label, raw, norm in cells:
        by_norm.setdefault(norm, (label, raw))
    taken: set[object] = set()
    known = set(SYNONYMS[kind]) | {"patient_key", "patient_birth_year"}
    for canonical, header in over.columns.items():
        if canonical not in known:
            raise InputError(
                f"The mapping names an unknown {kind} column {canonical!r} - use one of: {', '.join(sorted(known))}."
            )
        found = by_norm.get(normalise_header(header))
        if found is None:
            raise InputError(
                f"The mapping says {canonical} is in column {header!r}, which is not in the file's headers "
                f"({', '.join(mapping.headers)})."
            )
        mapping.columns[canonical] = ColumnMatch(canonical, found[1], found[0], 1.0)
        taken.add(found[0])
    index = synonym_index(kind)
    for label, raw, norm in cells:
        canonical = index.get(norm)
        if canonical and canonical not in mapping.columns and label not in taken:
            mapping.columns[canonical] = ColumnMatch(canonical, raw, label, 1.0)
            taken.add(label)
    # Close spellings for what is left (never for numbered headers).
    names = list(index)
    for label, raw, norm in cells:
        if label in taken or any(ch.isdigit() for ch in norm) or not norm:
            continue
        close = difflib.get_close_matches(norm, names, n=1, cutoff=FUZZY_CUTOFF)
        if not close:
            continue
        canonical = index[close[0]]
        if canonical in mapping.columns:
            continue
        ratio = difflib.SequenceMatcher(None, norm, close[0]).ratio()
        mapping.columns[canonical] = ColumnMatch(canonical, raw, label, round(0.9 * ratio, 2))
        taken.add(label)
    return mapping


def missing_required(mapping: Mapping) -> list[str]:
    missing = []
    for options in REQUIRED[mapping.kind]:
        if not any(o in mapping.columns for o in options):
            missing.append(" or ".join(options))
    return missing


def check_required(mapping: Mapping, file_name: str) -> None:
    missing = missing_required(mapping)
    if missing:
        raise InputError(
            f"{file_name} is missing required {mapping.kind} columns: {'; '.join(missing)} "
            f"(headers found: {', '.join(mapping.headers)})."
        )


def detect_kind(frame: pd.DataFrame) -> tuple[str | None, int]:
    """('claims' | 'remits' | None, score) from the best header row of a raw frame."""
    best: tuple[str | None, int] = (None, 0)
    for kind in ("claims", "remits"):
        try:
            mapping = map_columns(frame, kind)
        except InputError:
            continue
        score = sum(m.confidence for m in mapping.columns.values())
        if missing_required(mapping):
            score -= 100
        # Remittance-only columns tip a tie (both kinds have claim id, payer, procedure, billed).
        if kind == "remits":
            score += 2 * sum(
                1
                for c in ("paid_amount", "carc", "carc_1", "group_code", "adjudication_date")
                if c in mapping.columns
            )
        if kind == "claims":
            score += 2 * sum(
                1 for c in ("date_of_service", "diagnoses", "diagnosis_1", "pos") if c in mapping.columns
            )
        if score > best[1]:
            best = (kind, score)
    return best
