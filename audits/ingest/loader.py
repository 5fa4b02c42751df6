"""The loader: one file in, one upload out, all or nothing (SPEC 1, 2, 7). It detects and dispatches:

    file -> kind (content, never the name) -> mapped sheets -> batches (batch.py) -> upload (upload.py)

- readers.py reads the file (sheets, CSV, X12 bytes); mapping.py maps each sheet's columns;
- batch.py turns them into the one canonical batch shape (a plain claims CSV is staged set-based in
  DuckDB by claims_set, with the same result);
- upload.py writes the upload in one transaction (payers resolved by payers.py, patient cells keyed by
  patients.py, rows written by tables.py; credentialing workbooks through roster.snapshots);
- reload.py loads held rows again when their payer becomes known.

Decisions (SPEC leaves them open):
- A file that cannot be read or mapped raises InputError (one sentence) and records nothing: the
  uploads table lists files that loaded, or were recognised as duplicates. `ingest_files` turns such
  an error into an UploadResult with status 'failed' (upload_id None) so a batch goes on. Any other
  exception is a bug: it rolls the upload back and propagates.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from audits.errors import InputError
from audits.ingest import batch as batch_mod
from audits.ingest import claims_set, upload
from audits.ingest import mapping as mapping_mod
from audits.ingest.batch import Incoming
from audits.ingest.mapping_profiles import load_mapping_profile
from audits.ingest.readers import RawSheet, duck_csv_unchecked, read_tables, sniff_kind
from audits.ingest.recognise import Classification, Knowledge
from audits.ingest.upload import Progress, UploadResult, file_sha256, report

KINDS = ("roster", "claims", "remits", "835", "837", "exclusions")
EVENT_KINDS = ("claims", "remits", "835", "837")


class KindNotRecognised(InputError):
    """The file's content matches no kind: the caller says which kind it is and maps its columns."""

    def __init__(self, file_name: str):
        self.file_name = file_name
        super().__init__(
            f"{file_name} is not recognised as a claims, remittance or credentialing export - "
            "check its header row, or say which kind of file it is and map its columns."
        )


# --------------------------------------------------------------------------------------------
# kind detection and sheet selection


def _is_exclusion_list(path: Path) -> bool:
    from audits.ingest.exclusions import is_exclusion_list

    return is_exclusion_list(path)


def _ingest_exclusions(con, path: Path, uploaded_by, progress) -> UploadResult:
    """An OIG LEIE / SAM.gov list: kept beside the earlier ones and screened against (audits.exclusions)."""
    from audits.exclusions import load_list

    report(progress, 0.15, f"{path.name}: exclusions")
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
    report(progress, 1.0, result.message)
    return result


def x12_kind(path: Path) -> str | None:
    from audits.ingest.x12 import detect_x12

    with path.open("rb") as handle:
        return detect_x12(handle.read(1 << 16))


@dataclass
class Detection:
    """What a file was recognised as before it loads: its kind (None when it cannot be told) and each
    sheet's classification by sheet name, made against the database as it was at `state` (see
    database_state). A load reuses the classifications while the database is unchanged: each sheet is
    classified once, not again by the load after the batch's ordering read it."""

    kind: str | None
    classified: dict[str, Classification] = field(default_factory=dict)
    state: tuple = ()


def database_state(con: duckdb.DuckDBPyConnection) -> tuple:
    """What a classification's database evidence (payers, providers, claim ids: Knowledge) depends on:
    it changes when an upload loads or is undone, or a payer alias is confirmed."""
    return con.execute(
        "SELECT (SELECT count(*) FROM uploads), (SELECT max(upload_id) FROM uploads), "
        "(SELECT count(*) FROM uploads WHERE status = 'loaded'), "
        "(SELECT string_agg(payer_id || '=' || coalesce(aliases, ''), ';' ORDER BY payer_id) FROM payers)"
    ).fetchone()


def recognised_kind(
    sheets: list[RawSheet], knowledge=None, classified: dict[str, Classification] | None = None
) -> str | None:
    """claims | remits | roster from the sheets' best reading among all kinds together (recognise), or None.
    `classified` ({sheet name: classification}) holds the sheets already classified and receives the others."""
    from audits.ingest.roster.sheets import classify_sheet

    classified = {} if classified is None else classified
    best_kind, best_score = None, 0.0
    for sheet in sheets:
        if sheet.frame.empty:
            continue
        if sheet.name not in classified:
            classified[sheet.name] = classify_sheet(sheet.frame, {}, knowledge)
        chosen = classified[sheet.name].chosen
        if chosen is not None and chosen.score > best_score:
            best_kind, best_score = chosen.kind, chosen.score
    if best_kind is None:
        return None
    return best_kind if best_kind in ("claims", "remits") else "roster"


def detect_kind(
    path: Path, sheets: list[RawSheet] | None = None, knowledge=None,
    classified: dict[str, Classification] | None = None,
) -> str:  # fmt: skip
    """roster | claims | remits | 835 | 837 from the file's content (never its name); the sheets'
    classifications are kept in `classified` when given (recognised_kind)."""
    path = Path(path)
    if sniff_kind(path) == "x12":
        kind = x12_kind(path)
        if kind is None:
            raise InputError(
                f"{path.name} looks like X12 EDI but is neither an 835 nor an 837 - check the file."
            )
        return kind
    sheets = sheets if sheets is not None else read_tables(path)
    kind = recognised_kind(sheets, knowledge, classified)
    if kind is not None:
        return kind
    raise KindNotRecognised(path.name)


def mapped_sheets(
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
    detected: Detection | None = None,
) -> UploadResult:
    """Load one file (see the module doc); InputError (one sentence, nothing changed) when it cannot be.
    `detected` is what detect_file found for it (a batch's ordering): its kind is the file's kind, and
    its sheets' classifications are reused while the database is as it was then."""
    path = Path(path)
    con.execute("SET enable_progress_bar = false")  # DuckDB's bar would print over the CLI's output
    if kind is not None and kind not in KINDS:
        raise InputError(f"Unknown kind {kind!r} - use one of {', '.join(KINDS)}.")
    override = resolve_mapping(con, mapping)
    kind = kind or override.kind or (detected.kind if detected is not None else None)
    classified: dict[str, Classification] = {}
    if detected is not None and detected.classified and detected.state == database_state(con):
        classified = dict(detected.classified)
    report(progress, 0.0, f"reading {path.name}")
    if kind == "exclusions" or (kind is None and _is_exclusion_list(path)):
        return _ingest_exclusions(con, path, uploaded_by, progress)
    file_kind = sniff_kind(path)  # raises for missing, empty, binary files
    sha = None
    if file_kind == "csv" and kind in (None, "claims"):
        head_kind: dict[str, str] = {}
        result, sha = _ingest_claims_csv(
            con, path, kind, override, uploaded_by, progress, head_kind, classified
        )
        if result is not None:
            return result
        kind = kind or head_kind.get("kind")  # what the head read as: the file is not read as all kinds twice
    sha = sha or file_sha256(path)

    if kind in (None, *EVENT_KINDS):
        earlier = upload.earlier_upload(con, sha)
        if earlier:
            return upload.record_duplicate(con, path.name, sha, earlier[1], earlier[0], uploaded_by)

    sheets = None
    if file_kind != "x12":
        sheets = read_tables(path)
    if kind is None:
        kind = detect_kind(path, sheets, Knowledge.from_database(con), classified)
    if kind in ("835", "837") and file_kind != "x12":
        raise InputError(f"{path.name} is not an X12 {kind} file - check the file, or the kind given for it.")
    if kind in ("claims", "remits", "roster") and file_kind == "x12":
        raise InputError(
            f"{path.name} is an X12 EDI file, not a {kind} export - load it as an 835 or an 837."
        )
    report(progress, 0.15, f"{path.name}: {kind}")

    if kind == "roster":
        result = _ingest_roster(con, path, sha, sheets, override, uploaded_by, progress, classified)
        if result.status == "loaded":  # its payers may be the ones rows were held for
            from audits.ingest.reload import load_resolvable

            notes: list[str] = []
            result.reloaded = load_resolvable(con, notes=notes)
            result.warnings += notes
        return result
    incoming = Incoming(path.name, kind, sha, [], uploaded_by=uploaded_by)
    if kind in ("claims", "remits"):
        used = mapped_sheets(sheets, kind, override, path.name, Knowledge.from_database(con))
        make = batch_mod.claims_batch if kind == "claims" else batch_mod.remits_batch
        incoming.batches = [make(sheet, mapped) for sheet, mapped in used]
        incoming.mapping_json = batch_mod.mapping_json(used)
        incoming.proposal = batch_mod.proposal(used)
        incoming.warnings = _recognition_warnings(used) + [n for b in incoming.batches for n in b.notes]
        rows = sum(len(b.frame) for b in incoming.batches)
        report(progress, 0.5, f"{path.name}: {rows} rows normalised")
        return (upload.load_claims if kind == "claims" else upload.load_remits)(con, incoming, progress)
    if kind == "837":
        from audits.ingest.x12_837 import parse_837

        parsed = parse_837(path.read_bytes(), path.name)
        incoming.batches = [batch_mod.claim_lines_batch(parsed.lines, path.name)]
        incoming.problems = list(parsed.problems)
        report(progress, 0.5, f"{path.name}: {len(parsed.lines)} service lines parsed")
        return upload.load_claims(con, incoming, progress)
    from audits.ingest.x12_835 import parse_835

    parsed = parse_835(path.read_bytes(), path.name)
    incoming.batches = [
        batch_mod.remit_lines_batch(parsed.lines, parsed.adjustments, parsed.remarks, path.name)
    ]
    incoming.problems = list(parsed.problems)
    report(progress, 0.5, f"{path.name}: {len(parsed.lines)} remitted lines parsed")
    return upload.load_835(con, incoming, progress)


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | os.PathLike],
    *,
    kind: str | None = None,
    mapping: object = None,
    uploaded_by: str | None = None,
    progress: Progress = None,
) -> list[UploadResult]:
    """Load several files, each on its own (one failing does not stop the others: status 'failed'), in
    load order (`load_order`: credentialing files, then claims, then remittances), whatever order they
    come in; the results are in that order."""
    results = []
    plan = load_plan(con, paths, kind=kind, mapping=mapping)
    for i, (path, detected) in enumerate(plan):

        def step(fraction: float, message: str, i: int = i) -> None:
            report(progress, (i + fraction) / len(plan), message)

        try:
            results.append(
                ingest_file(
                    con,
                    path,
                    kind=kind,
                    mapping=mapping,
                    uploaded_by=uploaded_by,
                    progress=step,
                    detected=detected,
                )  # fmt: skip
            )
        except InputError as exc:
            results.append(UploadResult(None, Path(path).name, kind, "failed", message=str(exc)))
    return results


# Load order within one batch (SPEC 2): credentialing (roster, exclusion lists), claims, remittances.
_RANK = {"roster": 0, "exclusions": 0, "claims": 1, "837": 1, "remits": 2, "835": 2}


def detect_file(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, kind: str | None = None,
                mapping: object = None) -> Detection:  # fmt: skip
    """The kind a file would load as (given, the mapping's, else from its content; a CSV from its
    first rows) and its sheets' classifications, without loading it; kind None when it cannot be told
    (loading it will say why)."""
    if kind is not None:
        return Detection(kind)
    path = Path(path)
    classified: dict[str, Classification] = {}
    state = database_state(con)
    try:
        override = resolve_mapping(con, mapping)
        if override.kind:
            return Detection(override.kind)
        if _is_exclusion_list(path):
            return Detection("exclusions")
        knowledge = Knowledge.from_database(con)
        if sniff_kind(path) == "csv":
            source = duck_csv_unchecked(path)
            head = source.head(_HEAD_ROWS) if source is not None else None
            if head is not None and not head.frame.empty:
                return Detection(detect_kind(path, [head], knowledge, classified), classified, state)
        return Detection(detect_kind(path, None, knowledge, classified), classified, state)
    except InputError:
        return Detection(None)


def file_kind(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, kind: str | None = None,
              mapping: object = None) -> str | None:  # fmt: skip
    """The kind a file would load as (detect_file), without loading it; None when it cannot be told."""
    return detect_file(con, path, kind, mapping).kind


def load_rank(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, kind: str | None = None,
              mapping: object = None) -> int:  # fmt: skip
    """0 credentialing, 1 claims, 2 remittances: where a file goes in a batch's load order (a file whose
    kind cannot be told goes with the claims)."""
    return rank_of(detect_file(con, path, kind, mapping))


def rank_of(detected: Detection) -> int:
    """load_rank of what detect_file found (a caller that keeps the detection for ingest_file's `detected`)."""
    return _RANK.get(detected.kind or "claims", 1)


def load_order(con: duckdb.DuckDBPyConnection, paths: Iterable[str | os.PathLike], *, kind: str | None = None,
               mapping: object = None) -> list:  # fmt: skip
    """The paths in load order: credentialing files first, then claims (exports, 837), then
    remittances (exports, 835); files of one rank keep their order; a file whose kind cannot be told
    goes with the claims (loading it says why it cannot be read)."""
    return [path for path, _detected in load_plan(con, paths, kind=kind, mapping=mapping)]


def load_plan(con: duckdb.DuckDBPyConnection, paths: Iterable[str | os.PathLike], *, kind: str | None = None,
              mapping: object = None) -> list[tuple[object, Detection | None]]:  # fmt: skip
    """(path, what detect_file found) in load order (load_order), for ingest_file's `detected`: each
    file is recognised once for the order and the load. None where nothing was detected (one file, or
    a kind given for all)."""
    paths = list(paths)
    if kind is not None or len(paths) < 2:
        return [(p, None) for p in paths]
    found = [detect_file(con, p, None, mapping) for p in paths]
    ranks = [rank_of(d) for d in found]
    return [(p, d) for _r, _i, p, d in sorted(zip(ranks, range(len(paths)), paths, found, strict=True))]


def resolve_mapping(con: duckdb.DuckDBPyConnection, mapping: object) -> mapping_mod.MappingOverride:
    """A mapping given as a JSON file, a saved profile's name, a dict or an override."""
    if isinstance(mapping, (str, os.PathLike)):
        candidate = Path(mapping)
        if candidate.suffix.lower() == ".json" or candidate.exists():
            return mapping_mod.read_mapping_file(candidate)
        return load_mapping_profile(con, str(mapping))
    return mapping_mod.coerce_override(mapping)


# --------------------------------------------------------------------------------------------
# a plain claims CSV: set-based


# The set-based path reads this many records first, to find the header row and map the columns.
_HEAD_ROWS = 50


def _recognition_warnings(used: list[tuple[RawSheet, mapping_mod.Mapping]]) -> list[str]:
    out = []
    for sheet, mapped in used:
        prefix = f"sheet {sheet.name!r}: " if len(used) > 1 else ""
        out += [prefix + w for w in mapped.warnings]
    return out


def _ingest_claims_csv(
    con, path: Path, kind, override, uploaded_by, progress, head_kind: dict | None = None,
    classified: dict[str, Classification] | None = None,
) -> tuple[UploadResult | None, str | None]:  # fmt: skip
    """(result, sha256) of a CSV whose first records read as a claims export: mapped from them, then
    loaded set-based (claims_set.load_file) with the same result as the general path; (None, sha256 or
    None) when it is not one, or not plain: the caller reads it the general way."""
    source = duck_csv_unchecked(path)
    head = source.head(_HEAD_ROWS) if source is not None else None
    if head is None or head.frame.empty:
        return None, None
    if kind is None:
        try:
            detected = detect_kind(path, [head], Knowledge.from_database(con), classified)
        except InputError:
            return None, None
        if detected != "claims":
            if head_kind is not None:
                head_kind["kind"] = detected
            return None, None
    mapped = mapped_sheets([head], "claims", override, path.name, Knowledge.from_database(con))[0][1]
    if "patient_key" in mapped.columns or "patient_birth_year" in mapped.columns:
        return None, None  # keys carried in from rejected rows: the reload path's
    return claims_set.load_file(con, source, head, mapped, path.name, uploaded_by, progress)


# --------------------------------------------------------------------------------------------
# credentialing workbooks


def _ingest_roster(con, path, sha, sheets, override, uploaded_by, progress, classified=None) -> UploadResult:
    from audits.ingest.roster import parse_roster

    raw_mapping = None
    if override.columns or override.labels or override.sheets or override.sheet_columns:
        raw_mapping = {"columns": override.columns, "labels": override.labels}
        if override.sheets:
            raw_mapping["sheets"] = override.sheets
        if override.sheet_columns:
            raw_mapping["sheet_columns"] = override.sheet_columns
    # the sheets classified when the file's kind was detected are not classified again (the same
    # reading: no mapping was given, and the database is as it was)
    reuse = classified if raw_mapping is None else None
    parsed = parse_roster(sheets, raw_mapping, Knowledge.from_database(con), classified=reuse)
    report(progress, 0.5, f"{path.name}: credentialing sheets parsed")
    return upload.load_roster(con, path.name, sha, parsed, raw_mapping, uploaded_by, progress)
