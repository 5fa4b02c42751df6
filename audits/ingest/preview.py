"""What recognition makes of files, without loading them (`ingest --explain`, the upload page).

`explain(paths, con=None)` reads each file (never writes): per file and sheet, the kind chosen and the
runner-up with their scores and why, each column's mapping with its confidence and evidence (header
words, value tests passed, what the database vouches for), the headers left unused, and what
recognition is unsure of. `format_explanation` words it for a terminal. With a connection, the
database's payers, providers and claim ids count as evidence (read only).

`preview(path, kind, mapping)` (moved from the loader): the proposal the upload page's mapping editor
starts from - the sheet, header row, mapping with confidence and a masked sample.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from audits.errors import InputError
from audits.ingest import claims as claims_mod
from audits.ingest import mapping as mapping_mod
from audits.ingest import normalize as nz
from audits.ingest import recognise
from audits.ingest.patients import patient_headers
from audits.ingest.readers import read_tables, sniff_kind
from audits.ingest.roster.sheets import classify_sheet


@dataclass
class ColumnExplanation:
    canonical: str
    header: str
    confidence: float
    evidence: list[str]
    runner_up: tuple[str, float] | None


@dataclass
class SheetExplanation:
    name: str
    kind: str | None  # claims | remits | providers | credentials | payers | enrollments | service_scope
    tracker: bool
    header_row: int | None  # 1-based
    score: float
    runner_up: tuple[str, float] | None  # (kind, score) of the second reading
    close: bool  # the runner-up reads almost as well: the analyst should choose
    reasons: list[str]
    columns: list[ColumnExplanation] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Close calls the page asks about: the kind against the runner-up, and columns two headers fit.
    kind_call: recognise.KindCall | None = None
    column_calls: list[recognise.ColumnCall] = field(default_factory=list)
    # the header row's cells in order, and (with explain_file's sample_rows) the rows under it as text,
    # under those headers, a patient's column masked
    headers: list[str] = field(default_factory=list)
    sample: pd.DataFrame | None = None
    # a wide tracker's column groups: (table, label, {field: header}) - ("enrollments", "Aetna",
    # {"status": "Aetna Status", ...}), ("credentials", "DEA", {"number": "DEA Number", ...}); the headers and
    # the sample of a tracker name each grouped column with its group ('Aetna Status'), so none repeats
    groups: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


@dataclass
class FileExplanation:
    file_name: str
    kind: str | None  # roster | claims | remits | 835 | 837 | None (not recognised)
    sheets: list[SheetExplanation]
    message: str = ""


def _sheet(name: str, found: recognise.Classification) -> SheetExplanation:
    chosen = found.chosen
    runner = found.runner_up
    if chosen is None:
        best = found.readings[0] if found.readings else None
        return SheetExplanation(
            name, None, False, None, 0.0, (best.kind, round(best.score, 1)) if best else None, False,
            found.reasons or ["no row reads as a header"],
            missing=list(best.missing) if best else [],
        )  # fmt: skip
    sheet = SheetExplanation(
        name,
        chosen.kind,
        any("wide tracker" in r for r in found.reasons),
        None,
        round(chosen.score, 1),
        (runner.kind, round(runner.score, 1)) if runner is not None else None,
        found.close,
        list(found.reasons),
        unused=list(chosen.unused),
        missing=list(chosen.missing),
        warnings=list(chosen.warnings),
        kind_call=found.kind_call,
        column_calls=list(chosen.column_calls),
    )
    for canonical, column in chosen.columns.items():
        sheet.columns.append(
            ColumnExplanation(
                canonical, column.source, column.confidence, list(column.evidence), column.runner_up
            )
        )
    return sheet


def _sheet_sample(frame: pd.DataFrame, header_label: object, headers: dict, rows: int) -> pd.DataFrame:
    """The first `rows` non-blank rows under the header row as text, a patient's column masked."""
    from audits.ingest.patients import looks_like_patient_header

    position = frame.index.get_loc(header_label)
    body = frame.iloc[position + 1 :]
    body = body[~body.map(nz.is_blank).all(axis=1)].head(rows)[list(headers)]
    sample = body.rename(columns=headers).map(nz.cell_text)
    sample = sample.loc[:, ~sample.columns.duplicated()]
    for header in sample.columns:
        if looks_like_patient_header(str(header)):
            sample[header] = "***"
    return sample.reset_index(drop=True)


def _tracker_groups(sheet: SheetExplanation, frame: pd.DataFrame, chosen, rows: int, trust: bool) -> None:
    """A wide tracker's column groups as the roster parse reads them (roster.sheets' tracker layout), its
    headers with each grouped column named with its group, and its sample under those headers."""
    from audits.ingest.patients import looks_like_patient_header
    from audits.ingest.roster import sheets as roster_sheets

    position = frame.index.get_loc(chosen.header_row)
    npi_at = frame.columns.get_loc(chosen.columns["npi"].position)
    originals, groups, last = roster_sheets._tracker_headers(frame, position, npi_at)
    body = roster_sheets._data_rows(frame, last)
    layout = roster_sheets._tracker_layout(originals, groups, {}, body, None, trust)
    shown = list(layout.headers)
    sheet.groups = [
        (table, str(label), {name: shown[at] for name, at in fields.items()})
        for table, parts in (("credentials", layout.credentials), ("enrollments", layout.payers))
        for label, fields in parts
    ]
    keep = [at for at, header in enumerate(shown) if header]
    sheet.headers = list(dict.fromkeys(shown[at] for at in keep))
    if rows:
        sample = body.head(rows).iloc[:, keep].map(nz.cell_text)
        sample.columns = [shown[at] for at in keep]
        sample = sample.loc[:, ~sample.columns.duplicated()]
        for header in sample.columns:
            if looks_like_patient_header(str(header)):
                sample[header] = "***"
        sheet.sample = sample.reset_index(drop=True)


def explain_file(
    path: str | os.PathLike,
    con=None,
    tables: dict[str, str] | None = None,
    columns: dict[str, dict[str, str]] | None = None,
    sample_rows: int = 0,
) -> FileExplanation:
    """How the file would be read; `tables` ({sheet name: table}, mapping.SHEET_TABLES) reads those
    sheets as the analyst chose (a "skip" sheet shows as not loaded), `columns` ({sheet name: {canonical:
    header}}, "" = not mapped) with the analyst's columns; `sample_rows` rows of each sheet as text."""
    path = Path(path)
    sheets_chosen = dict(tables or {})
    columns_chosen = dict(columns or {})
    file_kind = sniff_kind(path)
    if file_kind == "x12":
        from audits.ingest.loader import x12_kind

        kind = x12_kind(path)
        return FileExplanation(path.name, kind, [], "an X12 EDI file: its segments say what each value is")
    knowledge = recognise.Knowledge.from_database(con) if con is not None else None
    sheets = []
    for raw in read_tables(path):
        if raw.frame.empty:
            sheets.append(
                SheetExplanation(raw.name, None, False, None, 0.0, None, False, ["the sheet is empty"])
            )
            continue
        table = sheets_chosen.get(raw.name)
        if table == "skip":
            sheets.append(
                SheetExplanation(raw.name, None, False, None, 0.0, None, False, ["not loaded: skipped"])
            )
            continue
        found = classify_sheet(raw.frame, {}, knowledge, table, columns_chosen.get(raw.name))
        sheet = _sheet(raw.name, found)
        if table == "tracker":
            sheet.tracker = True
        if found.chosen is not None:
            sheet.header_row = int(raw.frame.index.get_loc(found.chosen.header_row)) + 1
            sheet.headers = [h for h in found.chosen.headers.values() if h]
            if sample_rows:
                sheet.sample = _sheet_sample(
                    raw.frame, found.chosen.header_row, found.chosen.headers, sample_rows
                )
            if sheet.tracker and "npi" in found.chosen.columns:
                _tracker_groups(sheet, raw.frame, found.chosen, sample_rows, trust=table == "tracker")
        sheets.append(sheet)
    kinds = [s for s in sheets if s.kind]
    if not kinds:
        return FileExplanation(
            path.name, None, sheets, "not recognised as a claims, remittance or credentialing file"
        )
    best = max(kinds, key=lambda s: s.score)
    kind = "roster" if best.kind in recognise.ROSTER_TABLES else best.kind
    return FileExplanation(path.name, kind, sheets)


def explain(paths, con=None) -> list[FileExplanation]:
    """One explanation per file; a file that cannot be read gets its one sentence as the message."""
    out = []
    for path in paths:
        try:
            out.append(explain_file(path, con))
        except InputError as exc:
            out.append(FileExplanation(Path(path).name, None, [], str(exc)))
    return out


def format_explanation(found: FileExplanation) -> list[str]:
    """Lines for a terminal: the file's kind, then per sheet its reading, columns and doubts."""
    lines = [
        f"{found.file_name}: {found.kind or 'not recognised'}"
        + (f" - {found.message}" if found.message else "")
    ]
    for sheet in found.sheets:
        table = "wide tracker" if sheet.tracker else (sheet.kind or "not recognised")
        head = f"  sheet {sheet.name!r}: {table}"
        if sheet.header_row:
            head += f" (header row {sheet.header_row}, score {sheet.score:.1f})"
        lines.append(head)
        if sheet.runner_up:
            kind, score = sheet.runner_up
            lines.append(
                f"    runner-up: {kind} (score {score:.1f})"
                + (" - CLOSE: check which it is" if sheet.close else "")
            )
        for reason in sheet.reasons[1:] if sheet.kind else sheet.reasons:
            lines.append(f"    why not: {reason}" if sheet.kind else f"    {reason}")
        for column in sheet.columns:
            line = f"    {column.canonical:<20} <- {column.header!r} confidence {column.confidence:.2f}"
            line += f" [{'; '.join(column.evidence)}]"
            if column.runner_up:
                line += f" (next: {column.runner_up[0]!r} {column.runner_up[1]:.2f})"
            lines.append(line)
        if sheet.unused:
            lines.append(f"    unused: {', '.join(repr(h) for h in sheet.unused)}")
        if sheet.missing:
            lines.append(f"    missing: {', '.join(sheet.missing)}")
        if sheet.kind_call is not None:
            call = sheet.kind_call
            lines.append(
                f"    CLOSE CALL: {call.kind} (score {call.score:.1f}) or {call.runner_up} "
                f"(score {call.runner_up_score:.1f}), margin {call.margin:.0%}: chose {call.kind}"
            )
        for call in sheet.column_calls:
            lines.append(
                f"    CLOSE CALL: {call.canonical} <- {call.chosen!r} ({call.confidence:.2f}) or "
                f"{call.alternative!r} ({call.alternative_score:.2f}): chose {call.chosen!r}"
            )
        for warning in sheet.warnings:
            lines.append(f"    UNSURE: {warning}")
    return lines


# --------------------------------------------------------------------------------------------
# the mapping editor's proposal (moved from loader.py)


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
    column_calls: list[recognise.ColumnCall] = field(default_factory=list)  # two headers fit one column
    warnings: list[str] = field(default_factory=list)  # where recognition is unsure


def preview(
    path: str | os.PathLike, kind: str | None = None, mapping: object = None, rows: int = 10
) -> Preview:
    """What the loader would do with a file, without touching the database."""
    from audits.ingest import loader

    path = Path(path)
    file_kind = sniff_kind(path)
    override = mapping_mod.coerce_override(mapping)
    kind = kind or override.kind
    if file_kind == "x12":
        detected = kind or loader.x12_kind(path)
        return Preview(
            path.name, detected, [], None, None, [], {}, [], pd.DataFrame(), "X12 files need no mapping."
        )
    sheets = read_tables(path)
    names = [s.name for s in sheets]
    if kind is None:
        kind = loader.detect_kind(path, sheets)
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
    for header in patient_headers(mapped):
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
        column_calls=list(mapped.column_calls),
        warnings=list(mapped.warnings),
    )
