"""Header mapping: which source column holds which canonical column (SPEC 2).

The scoring is audits.ingest.recognise's: every (source column, canonical column) pair is scored from
the header's words, the values under it and what the database holds, and each canonical column gets at
most one source column by the best total (docs/RECOGNITION.md). This module keeps the mapping's shape for
its callers: `map_columns(frame, kind, override)` finds the header row (among the first 30; title and
"exported on" rows above it are skipped) and returns a `Mapping` whose columns carry their confidence,
their evidence and, where recognition is unsure, warnings.

An analyst's override is a dict {canonical: source header}; it wins over the scores. A mapping
file (`--mapping FILE`, or a saved profile) is JSON, either that dict alone or
    {"kind": "claims", "columns": {"claim_id": "Encounter", ...}, "labels": {"claim_status": {"Zero Pay": "denied"}}}
where "labels" extends the label tables (enrollment_status, credential_type, scope_approved,
provider_status, claim_status) with the practice's own words. A credentialing file's mapping may also
set each sheet's table, {"sheets": {"Boards": "credentials"}}, and each sheet's own columns,
{"sheet_columns": {"Boards": {"credential_type": "Type", "number": ""}}} ("" = left empty).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from audits.errors import InputError
from audits.ingest import recognise
from audits.ingest.normalize import normalise_header

HEADER_SCAN_ROWS = recognise.HEADER_SCAN_ROWS
PATIENT_COLUMNS = ("patient_id", "patient_name", "patient_first_name", "patient_last_name", "patient_dob")
LABEL_TABLES = ("enrollment_status", "credential_type", "scope_approved", "provider_status", "claim_status")
# What the analyst can tell a credentialing sheet to be read as ("skip": not loaded at all).
SHEET_TABLES = ("providers", "credentials", "enrollments", "service_scope", "payers", "tracker", "skip")
# SPEC 2 "Required columns"; a tuple means any one of its columns will do.
REQUIRED: dict[str, list[tuple[str, ...]]] = {k: recognise.REQUIRED[k] for k in ("claims", "remits")}


@dataclass
class ColumnMatch:
    canonical: str
    source: str  # the header as found in the file
    position: object  # the frame column label holding it
    confidence: float
    evidence: list[str] = field(default_factory=list)
    runner_up: tuple[str, float] | None = None  # (another header, its score) that fit this column next best


@dataclass
class Mapping:
    kind: str
    header_row: object  # index label of the header row in the raw frame
    columns: dict[str, ColumnMatch] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)  # all headers found, in order
    header_cells: dict[object, str] = field(default_factory=dict)  # frame column -> header text
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # where recognition is unsure
    unused: list[str] = field(default_factory=list)  # headers left unmapped
    column_calls: list = field(default_factory=list)  # recognise.ColumnCall: two headers fit one column

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
    # a credentialing file's sheets the analyst set: {sheet name: table} (SHEET_TABLES, or "skip")
    sheets: dict[str, str] = field(default_factory=dict)
    # a credentialing sheet's own columns: {sheet name: {canonical: header}} ("" = not mapped); they win
    # over "columns" on that sheet
    sheet_columns: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def mapping(self) -> dict[str, str]:
        """{canonical: source header} (the form the dashboard's mapping editor uses)."""
        return dict(self.columns)


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
    if {"columns", "labels", "sheets", "sheet_columns"} & set(mapping):
        columns = mapping.get("columns") or {}
        labels = mapping.get("labels") or {}
        kind = mapping.get("kind")
        sheets = mapping.get("sheets") or {}
        sheet_columns = mapping.get("sheet_columns") or {}
    else:
        columns, labels, kind, sheets, sheet_columns = mapping, {}, None, {}, {}
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise InputError('The mapping\'s "columns" must map canonical column names to source header text.')
    if not isinstance(labels, dict):
        raise InputError('The mapping\'s "labels" must be an object {table: {label: canonical value}}.')
    unknown_tables = sorted(set(labels) - set(LABEL_TABLES))
    if unknown_tables:
        raise InputError(
            f"The mapping's labels name unknown tables {', '.join(unknown_tables)} - use {', '.join(LABEL_TABLES)}."
        )
    if not isinstance(sheets, dict) or not all(isinstance(k, str) for k in sheets):
        raise InputError('The mapping\'s "sheets" must be an object {sheet name: table}.')
    wrong = sorted({str(t) for t in sheets.values()} - set(SHEET_TABLES))
    if wrong:
        raise InputError(
            f"The mapping's sheets name unknown tables {', '.join(wrong)} - use {', '.join(SHEET_TABLES)}."
        )
    if not isinstance(sheet_columns, dict) or not all(
        isinstance(cols, dict) and all(isinstance(h, str) for h in cols.values())
        for cols in sheet_columns.values()
    ):
        raise InputError(
            'The mapping\'s "sheet_columns" must be an object {sheet name: {canonical column: source header}}.'
        )
    return MappingOverride(
        kind, dict(columns), {k: dict(v) for k, v in labels.items()}, dict(sheets),
        {str(name): dict(cols) for name, cols in sheet_columns.items()},
    )  # fmt: skip


def read_mapping_file(path: str | Path) -> MappingOverride:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"Mapping file {path} does not exist - check the mapping file's path.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Mapping file {path.name} is not valid JSON ({exc.__class__.__name__}) - fix it."
        ) from None
    return coerce_override(data)


def known_columns(kind: str) -> set[str]:
    """The canonical columns of a kind (the vocabulary's), plus the keys a reload carries."""
    return set(recognise.vocabulary().canonical_columns(kind)) | {"patient_key", "patient_birth_year"}


def _check_override(over: MappingOverride, kind: str, headers: list[str]) -> None:
    known = known_columns(kind)
    present = {normalise_header(h) for h in headers}
    for canonical, header in over.columns.items():
        if canonical not in known:
            raise InputError(
                f"The mapping names an unknown {kind} column {canonical!r} - use one of: {', '.join(sorted(known))}."
            )
        if header and normalise_header(header) not in present:  # "" is "not mapped": nothing to find
            raise InputError(
                f"The mapping says {canonical} is in column {header!r}, which is not in the file's headers "
                f"({', '.join(headers)})."
            )


def _as_mapping(reading: recognise.SheetReading, labels: dict) -> Mapping:
    mapping = Mapping(
        kind=reading.kind,
        header_row=reading.header_row,
        headers=list(reading.headers.values()),
        header_cells=dict(reading.headers),
        labels=labels,
        warnings=list(reading.warnings),
        unused=list(reading.unused),
        column_calls=list(reading.column_calls),
    )
    for canonical, column in reading.columns.items():
        mapping.columns[canonical] = ColumnMatch(
            canonical,
            column.source,
            column.position,
            column.confidence,
            list(column.evidence),
            column.runner_up,
        )
    return mapping


def map_columns(frame: pd.DataFrame, kind: str, override: object = None, knowledge=None) -> Mapping:
    """Find the header row and map its headers to canonical columns (no check of required columns).

    `knowledge` (recognise.Knowledge) adds what the database holds to the evidence."""
    over = coerce_override(override)
    vocab = recognise.vocabulary()
    candidates = recognise.header_row_candidates(
        frame, (kind,), vocab, [h for h in over.columns.values() if h]
    )[:3]
    best = None
    for _score, label in candidates:
        reading = recognise.read_as(
            frame, kind, label, knowledge=knowledge, override=over.columns, vocab=vocab
        )
        rank = (not reading.missing, len(reading.columns) >= 2, reading.score)
        if best is None or rank > best[0]:
            best = (rank, reading)
        if not reading.missing:
            break  # the likeliest header row reads whole: the others need not be tried
    if best is None or len(best[1].columns) < 2:
        raise InputError(
            f"No header row of a {kind} export was found in the first {HEADER_SCAN_ROWS} rows - "
            f"check the file, or give a column mapping."
        )
    reading = best[1]
    if (
        reading.missing
    ):  # a required identifier nothing names: the one column whose values fit it (low confidence)
        again = recognise.read_as(
            frame, kind, reading.header_row, knowledge=knowledge, override=over.columns, vocab=vocab,
            eliminate=True,
        )  # fmt: skip
        if len(again.missing) < len(reading.missing):
            reading = again
    _check_override(over, kind, list(reading.headers.values()))
    return _as_mapping(reading, over.labels)


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


def detect_kind(frame: pd.DataFrame, knowledge=None) -> tuple[str | None, float]:
    """('claims' | 'remits' | None, score) from the best reading of a raw frame as either kind."""
    found = recognise.classify(frame, kinds=("claims", "remits"), knowledge=knowledge)
    if found.chosen is None:
        return None, 0.0
    return found.chosen.kind, found.chosen.score
