"""Credentialing sheets: recognise each sheet by its header row and normalise its rows into the
canonical rows of the roster tables (`parse_roster`). See the package doc for the shapes that load.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from audits.errors import InputError
from audits.ingest import labels as labels_mod
from audits.ingest import normalize, recognise
from audits.ingest.readers import RawSheet
from audits.ingest.roster.model import TABLES, Rejection, RosterBatch, SheetInfo

# --------------------------------------------------------------------------------------------
# header vocabulary (normalised with normalize.normalise_header: lower case, words, '#' -> 'no')


# The words of a wide tracker's header (its provider columns, a payer group's fields, sub-headers, group
# labels, title rows) are data: the vocabulary's [sheet_words] (labels.py), which a practice extends.


def _sheet_words(name: str) -> frozenset[str]:
    return labels_mod.active().sheet[name]


def _provider_fields() -> dict[str, frozenset[str]]:
    return labels_mod.active().tracker["tracker_provider"]


def _enrollment_subfields() -> dict[str, frozenset[str]]:
    return labels_mod.active().tracker["tracker_enrollment"]


def _is_provider_header(header: str) -> bool:
    """NPI or the provider's name: columns that belong to no payer or credential group."""
    fields = _provider_fields()
    return header in fields.get("npi", ()) or header in fields.get("provider_name", ())


_DATE_TITLE = re.compile(r"^\s*\d{1,4}[/-]\d{1,2}[/-]\d{1,4}")


def _is_title(label: str) -> bool:
    """A cell above the header row that is a title ('Exported on 01/05/2026', a date), not a group label."""
    return bool(labels_mod.active().title_row.search(label) or _DATE_TITLE.match(label))


_US_STATES = set(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU".split()
)


def _mapping_parts(mapping: object) -> tuple[dict[str, str], dict[str, dict]]:
    """(normalised header -> canonical column, label tables) from a saved mapping.

    The mapping is what audits.ingest.mapping accepts: {canonical column: source header}, or
    {"columns": {canonical: header}, "labels": {"enrollment_status": {label: status}, ...}}.
    Roster canonical columns: npi, provider_name, first_name, last_name, specialty, taxonomy_code,
    primary_state, hire_date, status, credential_type, number, state, issue_date, expiration_date,
    payer_id, payer_name, aliases, payer, submitted_date, effective_date, termination_date, allowed_pos,
    code_from, code_to, code, approved."""
    if mapping is None:
        return {}, {}
    if hasattr(mapping, "as_dict"):  # a detected audits.ingest.mapping.Mapping
        columns, labels = mapping.as_dict(), getattr(mapping, "labels", {}) or {}
    elif hasattr(mapping, "columns") and hasattr(mapping, "labels"):  # a MappingOverride
        columns, labels = mapping.columns, mapping.labels
    elif isinstance(mapping, dict) and ("columns" in mapping or "labels" in mapping):
        columns, labels = mapping.get("columns") or {}, mapping.get("labels") or {}
    elif isinstance(mapping, dict):
        columns, labels = mapping, {}
    else:
        raise InputError("A column mapping must be a JSON object {canonical column: source header}.")
    if not isinstance(columns, dict) or not isinstance(labels, dict):
        raise InputError('A mapping\'s "columns" and "labels" must be JSON objects - fix the mapping file.')
    header_to_column = {
        normalize.normalise_header(header): canonical
        for canonical, header in columns.items()
        if isinstance(header, str) and header.strip()
    }
    return header_to_column, labels


# Kinds a sheet is read as; a sheet read best as a claims or remittance export is not a roster sheet.
_SHEET_KINDS = (*recognise.ROSTER_TABLES, "claims", "remits")


def _column_overrides(
    overrides: dict[str, str], kind: str, columns: dict[str, str] | None = None
) -> dict[str, str]:
    """{canonical: header} of a saved mapping's columns that belong to this kind; the sheet's own
    `columns` ({canonical: header}, "" = not mapped) win over them."""
    known = set(recognise.vocabulary().canonical_columns(kind))
    out = {canonical: header for header, canonical in overrides.items() if canonical in known}
    for canonical, header in (columns or {}).items():
        if canonical in known:
            out = {c: h for c, h in out.items() if not header or _header_key(h) != _header_key(header)}
            out[canonical] = header
    return out


def _header_key(text: str) -> str:
    return normalize.normalise_header(text) if text else ""


def _forced_reading(
    frame: pd.DataFrame,
    table: str,
    overrides: dict[str, str],
    knowledge: recognise.Knowledge | None,
    columns: dict[str, str] | None = None,
) -> recognise.Classification:
    """The sheet read as the table the analyst chose (a wide tracker is a providers reading with groups)."""
    kind = "providers" if table == "tracker" else table
    found = recognise.classify(
        frame, kinds=(kind,), knowledge=knowledge, override=_column_overrides(overrides, kind, columns),
        vocab=recognise.vocabulary(),
    )  # fmt: skip
    chosen = found.readings[0] if found.readings else None
    return recognise.Classification(
        chosen, found.readings, [f"read as {table.replace('_', ' ')}: the table the analyst chose"]
    )


def classify_sheet(
    frame: pd.DataFrame,
    overrides: dict[str, str] | None = None,
    knowledge: recognise.Knowledge | None = None,
    table: str | None = None,
    columns: dict[str, str] | None = None,
) -> recognise.Classification:
    """All readings of a sheet as each roster table (and as claims / remits), ranked (recognise.classify);
    with `table` (mapping.SHEET_TABLES, not "skip"), the one reading as that table the analyst chose;
    `columns` ({canonical: header}, "" = not mapped) are the analyst's for this sheet."""
    overrides = overrides or {}
    if table is not None:
        return _forced_reading(frame, table, overrides, knowledge, columns)
    vocab = recognise.vocabulary()
    best: recognise.Classification | None = None
    per_kind = {kind: _column_overrides(overrides, kind, columns) for kind in _SHEET_KINDS}
    groups: dict[tuple, list[str]] = {}
    for kind, columns in per_kind.items():
        groups.setdefault(tuple(sorted(columns.items())), []).append(kind)
    readings: list[recognise.SheetReading] = []
    for columns, kinds in groups.items():
        found = recognise.classify(
            frame, kinds=kinds, knowledge=knowledge, override=dict(columns), vocab=vocab
        )
        readings += found.readings
    readings.sort(key=recognise._rank, reverse=True)
    chosen = readings[0] if readings and readings[0].valid and readings[0].score > 0 else None
    best = recognise.Classification(chosen, readings, [])
    tracker = _tracker_reading(frame, best, overrides, knowledge)
    if tracker is not None:
        readings.remove(tracker)
        readings.insert(0, tracker)
        best.chosen = chosen = tracker
        best.reasons.append(
            "read as a wide tracker: one row per provider with groups of payer or credential columns"
        )
    elif chosen is not None:
        best.reasons.append(
            f"read as {chosen.kind}: {len(chosen.columns)} columns fit (score {chosen.score:.1f})"
        )
        if best.close:
            runner = best.runner_up
            chosen.warnings.append(
                f"it reads almost as well as {runner.kind} (score {runner.score:.1f} against "
                f"{chosen.score:.1f}) - check that it is a {chosen.kind.replace('_', ' ')} sheet"
            )
    for other in readings[1:4]:
        why = "; ".join(other.checks) or (f"missing {', '.join(other.missing)}" if other.missing else "")
        best.reasons.append(f"{other.kind}: score {other.score:.1f}" + (f" - {why}" if why else ""))
    return best


def _find_header(
    frame: pd.DataFrame,
    overrides: dict[str, str],
    knowledge: recognise.Knowledge | None = None,
    table: str | None = None,
    columns: dict[str, str] | None = None,
    found: recognise.Classification | None = None,
) -> tuple[int, str, dict[str, int], recognise.Classification] | None:
    """(row position, table, canonical column -> column position, classification) of a roster sheet,
    None when the sheet reads best as something else (or as nothing, or as nothing like `table`).
    `found` is the sheet's classification when it was made already (with no overrides)."""
    if found is None:
        found = classify_sheet(frame, overrides, knowledge, table, columns)
    chosen = found.chosen
    if chosen is None or chosen.kind not in recognise.ROSTER_TABLES:
        return None
    columns = {name: frame.columns.get_loc(column.position) for name, column in chosen.columns.items()}
    if (
        chosen.kind == "service_scope"
        and "code_from" in columns
        and "code" in columns
        and "code_to" not in columns
    ):
        columns["code_to"] = columns.pop("code")  # a start column and one more code column: that is the end
    return frame.index.get_loc(chosen.header_row), chosen.kind, columns, found


def _tracker_reading(
    frame: pd.DataFrame, found: recognise.Classification, overrides: dict[str, str],
    knowledge: recognise.Knowledge | None = None,
) -> recognise.SheetReading | None:  # fmt: skip
    """The providers reading when the sheet is a wide tracker (NPI and name, and payer or credential
    column groups beside them), else None. The groups are what decides, not how many columns fit."""
    reading = next((r for r in found.readings if r.kind == "providers"), None)
    if reading is None or reading.missing or "npi" not in reading.columns:
        return None
    if any("an export, not a roster" in c for c in reading.checks):
        return None
    position = frame.index.get_loc(reading.header_row)
    npi_at = frame.columns.get_loc(reading.columns["npi"].position)
    repeat = _npis_repeat(frame, position, npi_at)
    for other in found.readings:
        if other.kind == "providers" or not other.valid or other.score < 1.5 * reading.score:
            continue
        if repeat or frame.index.get_loc(other.header_row) < position:
            # a tracker has one row per provider, under its own header: a sheet whose NPIs repeat, or whose
            # "header" is a data row of a reading far better as another kind (a credentials list beside a
            # licence column group), is that kind
            return None
    originals, groups, last = _tracker_headers(frame, position, npi_at)
    layout = _tracker_layout(originals, groups, overrides, _data_rows(frame, last), knowledge)
    reading.warnings += [w for w in layout.doubts if w not in reading.warnings]
    if not layout.payers and not layout.credentials:
        return None
    reading.checks = [c for c in reading.checks if "NPIs repeat" not in c and "payer column" not in c]
    return reading


def _npis_repeat(frame: pd.DataFrame, header_position: int, npi_at: int) -> bool:
    """Whether some NPI is on two rows below the header (a sample of the first rows)."""
    cells = [
        normalize.cell_text(v)
        for v in frame.iloc[header_position + 1 : header_position + 1 + recognise.SAMPLE_ROWS, npi_at]
    ]
    filled = [c for c in cells if c]
    return len(set(filled)) < len(filled)


def looks_like_roster(sheets: list[RawSheet], knowledge: recognise.Knowledge | None = None) -> bool:
    """True when some sheet reads best as a roster table (content detection, not names)."""
    return any(not s.frame.empty and _find_header(s.frame, {}, knowledge) is not None for s in sheets)


# --------------------------------------------------------------------------------------------
# raw records: every sheet becomes, per table, a frame of raw cells under canonical names


@dataclass
class _Records:
    """Raw records of one table from one sheet: canonical columns of raw cells + where they came from."""

    table: str
    cells: pd.DataFrame  # canonical column -> raw cell
    sheets: list[str]
    rows: list[int]
    raw: Callable[[int], dict]  # record position -> the raw row, for rejected records


def _raw_dict(headers: list[object], values: list[object]) -> dict:
    out = {}
    for header, value in zip(headers, values, strict=False):
        name = normalize.cell_text(header)
        if name is None:
            continue
        out[name] = normalize.cell_text(value)
    return out


def _data_rows(frame: pd.DataFrame, header_row: int) -> pd.DataFrame:
    body = frame.iloc[header_row + 1 :]
    blank = body.map(normalize.is_blank).all(axis=1)
    return body[~blank]


def _long_records(sheet: RawSheet, header_row: int, kind: str, found: dict[str, int]) -> _Records:
    frame = sheet.frame
    body = _data_rows(frame, header_row)
    headers = frame.iloc[header_row].tolist()
    cells = pd.DataFrame(
        {name: body.iloc[:, position].tolist() for name, position in found.items()}, dtype=object
    )
    values = list(body.itertuples(index=False, name=None))
    rows = [int(i) + 1 for i in body.index]
    return _Records(kind, cells, [sheet.name] * len(rows), rows, lambda i: _raw_dict(headers, values[i]))


# ---- the wide master tracker


@functools.lru_cache(maxsize=4096)
@functools.lru_cache(maxsize=4096)
def _expanded(text: str) -> str:
    """A header's words as the vocabulary reads them ('Lic No' -> 'license number', 'App Sent' ->
    'application sent'): abbreviations expanded, vendor suffixes dropped (recognise.Vocabulary.words)."""
    return " ".join(recognise.vocabulary().words(text)) or text


def _credential_kind(label: str) -> str:
    kind = normalize._credential(label) or "other"
    return kind if kind != "other" else normalize._credential(_expanded(label)) or "other"


def _is_credential_label(text: str) -> bool:
    """A header (or group label) about a licence, DEA, board certification or malpractice policy."""
    return bool(text) and _credential_kind(text) != "other"


def _credential_field(text: str) -> str:
    """number | state | issue_date | expiration_date from a credential column header."""
    words = _expanded(text).split()
    if any(w.startswith("exp") or w in {"valid", "renewal", "thru", "through", "until"} for w in words):
        return "expiration_date"
    if any(w.startswith("issu") for w in words):
        return "issue_date"
    if words and words[-1] == "state":
        return "state"
    return "number"


def _state_prefix(text: str) -> str | None:
    words = text.split()
    if len(words) > 1 and words[0].upper() in _US_STATES and words[0] != "dea":
        return words[0].upper()
    return None


def _enrollment_subfield(header: str) -> str | None:
    found = next((name for name, synonyms in _enrollment_subfields().items() if header in synonyms), None)
    return found if found is not None or not header else _vocabulary_subfield(header)


_SUBFIELD_MIN = 0.6


@functools.lru_cache(maxsize=4096)
def _vocabulary_subfield(header: str) -> str | None:
    """The enrollment field a sub-header names by the vocabulary's spellings of the enrollment columns
    ('Network Status', 'App Sent', 'Locations'), when one fits clearly better than the others."""
    vocab = recognise.vocabulary()
    specs = vocab.columns.get("enrollments", {})
    scores = sorted(
        ((recognise.header_match(vocab, header, specs[name]).score, name) for name in _enrollment_subfields()
         if name in specs),
        reverse=True,
    )  # fmt: skip
    if not scores or scores[0][0] < _SUBFIELD_MIN:
        return None
    if len(scores) > 1 and scores[1][0] >= scores[0][0] - 0.1:
        return None  # two fields fit about as well: not a sub-header
    return scores[0][1]


def _names_no_payer(prefix_words: list[str]) -> bool:
    """Words in front of an enrollment field that are all words of the vocabulary and none a payer word
    ('Appointment Status', 'Network Status') name a column, not a payer ('Aetna Status', 'Health Plan A')."""
    vocab = recognise.vocabulary()
    text = " ".join(prefix_words)
    if recognise.payer_word(text):
        return False
    words = vocab.words(text)
    return bool(words) and all(w in vocab.known_words for w in words if not w.isdigit())


def _split_payer_header(original: object, header: str) -> tuple[str, str] | None:
    """'Aetna Eff Date' -> ('Aetna', 'effective_date'): a payer name followed by an enrollment field."""
    words = header.split()
    tokens = re.findall(r"[0-9A-Za-z]+|&", normalize.cell_text(original) or "")
    tokens_norm = [t for t in tokens if t != "&"]
    top = min(4, len(words) - 1)
    sizes = range(top, 0, -1)
    # a field spelled exactly ('Par Status') before one the vocabulary only suggests ('TX Par Status');
    # an exact field grows by a word in front while that still names the same field ('App' + 'Sent') and
    # the word is no payer's word nor a state ('Prairie Health Status', 'BCBS TX Par Status')
    exact = [n for n in sizes if any(" ".join(words[-n:]) in s for s in _enrollment_subfields().values())]
    for size in [*exact, *(n for n in sizes if n not in exact)]:
        field_words = " ".join(words[-size:])
        if size > 1 and (recognise.payer_word(field_words) or words[-size].upper() in _US_STATES):
            continue  # the payer's word (or its state) stays with the payer
        subfield = _enrollment_subfield(field_words)
        if subfield is None:
            continue
        while size < top:
            word = words[-size - 1]
            if word.upper() in _US_STATES or recognise.payer_word(word):
                break
            if _enrollment_subfield(" ".join(words[-size - 1 :])) != subfield:
                break
            size += 1
        prefix_words = words[:-size]
        if (
            not prefix_words
            or " ".join(prefix_words) in _sheet_words("not_payer_prefix")
            or _names_no_payer(prefix_words)
        ):
            return None
        # The payer as written: the original tokens before the field words ('&' kept).
        keep = len(tokens_norm) - size
        out, seen = [], 0
        for token in tokens:
            if token != "&":
                if seen >= keep:
                    break
                seen += 1
            out.append(token)
        return " ".join(out).strip(" &") or " ".join(prefix_words), subfield
    return None


@dataclass
class _TrackerLayout:
    provider: dict[str, int]  # canonical provider column -> position
    credentials: list[tuple[str, dict[str, int]]]  # (label, field -> position)
    payers: list[tuple[str, dict[str, int]]]  # (payer as written, field -> position)
    headers: list[str]  # display header per position ('Aetna Status' for grouped columns)
    doubts: list[str] = dataclasses.field(default_factory=list)  # groups not taken, and why (warnings)


def _is_subheader(header: str) -> bool:
    """A header that only means something under a group label ('Status', 'Effective', 'Exp', '#')."""
    return bool(header) and (_enrollment_subfield(header) is not None or header in _sheet_words("subheaders"))


def _fill_groups(above: list[str | None], sub: list[str]) -> list[str | None]:
    """Forward-fill each group label over the columns of its group (merged cells leave the label in the
    first column only): a group ends at a column with its own label, a blank or provider header, or a
    field the group already has."""
    groups: list[str | None] = []
    current: str | None = None
    used: set[str] = set()
    for position, label in enumerate(above):
        if label and _is_title(label):
            label = None  # "Exported on 01/05/2026" above the header is a title, not a group
        header = sub[position]
        field_name = _enrollment_subfield(header) or header
        if _is_provider_header(header):
            label = None  # NPI and Name belong to no group, whatever stands above them
        if label:
            current, used = label, {field_name}
        elif current and header and field_name not in used and _continues_group(current, header):
            used.add(field_name)
        else:
            current, used = None, set()
        groups.append(current)
    return groups


def _continues_group(label: str, header: str) -> bool:
    """Whether an unlabelled column still belongs to the group on its left."""
    if _is_provider_header(header):
        return False
    label_norm = normalize.normalise_header(label)
    if _is_credential_label(label_norm):
        provider_field = any(header in synonyms for synonyms in _provider_fields().values())
        return header in _sheet_words("subheaders") or not provider_field
    if label_norm in _sheet_words("provider_groups"):
        return True
    return _enrollment_subfield(header) is not None  # a payer group holds enrollment fields only


def _tracker_headers(
    frame: pd.DataFrame, header_row: int, npi_position: int
) -> tuple[list[object], list[str | None], int]:
    """(header cell per column, group label per column, position of the last header row).

    Two layouts of a two-row header are read:
    - group labels in the row above the row that holds NPI / Name (sub-headers beside them);
    - NPI / Name in the upper row (merged down over two rows) together with the group labels, and the
      sub-headers (Status, Effective, #, Exp ...) in the row below, whose NPI cell is blank."""
    upper = frame.iloc[header_row].tolist()
    if header_row + 1 < len(frame):
        below = frame.iloc[header_row + 1].tolist()
        below_norm = [normalize.normalise_header(v) for v in below]
        if not below_norm[npi_position] and sum(_is_subheader(h) for h in below_norm) >= 2:
            originals = [b if n else u for u, b, n in zip(upper, below, below_norm, strict=True)]
            above = [normalize.cell_text(u) if n else None for u, n in zip(upper, below_norm, strict=True)]
            sub = [normalize.normalise_header(v) for v in originals]
            return originals, _fill_groups(above, sub), header_row + 1
    sub = [normalize.normalise_header(v) for v in upper]
    if header_row > 0:
        above = [normalize.cell_text(v) for v in frame.iloc[header_row - 1].tolist()]

        def groupable(position: int) -> bool:
            return _is_subheader(sub[position]) or _is_credential_label(sub[position])

        if any(label and position > 0 and groupable(position) for position, label in enumerate(above)):
            return upper, _fill_groups(above, sub), header_row
    return upper, [None] * len(upper), header_row


def _mostly(cells: list[object], test: Callable[[str], bool]) -> bool:
    """Whether most non-blank cells (as text) pass the test; False when there are none."""
    texts = [normalize.cell_text(c) for c in cells]
    texts = [t for t in texts if t is not None]
    return bool(texts) and sum(map(test, texts)) * 2 > len(texts)


def _column_cells(body: pd.DataFrame | None, position: int) -> list[object]:
    return [] if body is None or position >= body.shape[1] else body.iloc[:, position].tolist()


def _payer_evidence(
    payer: str, fields: dict[str, int], body: pd.DataFrame | None, knowledge: recognise.Knowledge | None
) -> bool:
    """Whether anything says that a one-row header's prefix names a payer: a field beside its status
    (dates, POS), a payer word ('Health', 'Blue', 'Aetna'), a payer the database knows, or status cells
    that are enrollment words and not a provider's ('Participating', 'Pending' - 'Active' is both)."""
    if len(fields) > 1 or recognise.payer_word(payer):
        return True
    if knowledge is not None and normalize.payer_key(payer) in knowledge.payer_keys:
        return True
    cells = _column_cells(body, fields["status"])
    return _mostly(
        cells,
        lambda t: (
            normalize._enrollment(t) is not None
            and normalize._label_key(t) not in labels_mod.active().provider
        ),
    )


def _is_credential_number(text: str) -> bool:
    """A licence, DEA, board or policy number holds a digit ('TX-1001', 'AB1234563'); a word does not."""
    return any(ch.isdigit() for ch in text)


def _tracker_layout(
    originals: list[object], groups: list[str | None], overrides: dict[str, str],
    body: pd.DataFrame | None = None, knowledge: recognise.Knowledge | None = None, trust: bool = False,
) -> _TrackerLayout:  # fmt: skip
    """The tracker's column groups. `body` (the data rows) lets the values doubt a one-row header's
    group: a lone 'X Status' with no payer evidence is not a payer group, a lone credential column of
    words ('Board Specialty': Cardiology) is not a credential number - unless `trust` (the analyst set
    the sheet to be read as a wide tracker)."""
    sub = [normalize.normalise_header(v) for v in originals]
    provider: dict[str, int] = {}
    credentials: dict[tuple[str, str | None], tuple[str, dict[str, int]]] = {}
    payers: dict[str, tuple[str, dict[str, int]]] = {}
    display = [normalize.cell_text(v) or "" for v in originals]

    # Which groups are payer groups: a label that is neither a provider heading nor a credential,
    # over at least one enrollment field.
    payer_groups = set()
    for position, group in enumerate(groups):
        if group and _enrollment_subfield(sub[position]) is not None:
            norm = normalize.normalise_header(group)
            if norm not in _sheet_words("provider_groups") and not _is_credential_label(norm):
                payer_groups.add(group)

    def add_credential(label: str, type_text: str, field_text: str, position: int) -> None:
        kind = _credential_kind(type_text)
        if normalize._credential(label) in (None, "other") and kind != "other":
            label = _expanded(label).title()  # 'Lic' is a licence: the label says so to the loader
        key = (kind, _state_prefix(type_text))
        entry = credentials.setdefault(key, (label, {}))
        field_name = _credential_field(field_text)
        marked = any(w in {"no", "number", "num"} for w in field_text.split())
        if field_name not in entry[1] or (field_name == "number" and marked):
            entry[1][field_name] = position

    split_groups: set[str] = set()  # payer groups found from one-row headers ('Aetna Status')
    single: set[tuple[str, str | None]] = set()  # credentials found from one-row headers
    for position, header in enumerate(sub):
        if not header:
            continue
        group = groups[position]
        group_norm = normalize.normalise_header(group) if group else ""
        if header in overrides and overrides[header] in _provider_fields():
            provider.setdefault(overrides[header], position)
        elif group and _is_credential_label(group_norm):
            add_credential(group, group_norm, header, position)
            display[position] = f"{group} {display[position]}"
        elif group in payer_groups:
            subfield = _enrollment_subfield(header)
            if subfield:
                payers.setdefault(group, (group, {}))[1].setdefault(subfield, position)
                display[position] = f"{group} {display[position]}"
        elif (target := next((n for n, s in _provider_fields().items() if header in s), None)) is not None:
            provider.setdefault(target, position)
        elif _is_credential_label(header):
            label = " ".join(
                w
                for w in (normalize.cell_text(originals[position]) or "").split()
                if normalize.normalise_header(w) not in _sheet_words("credential_fields")
            )
            add_credential(label or header, header, header, position)
            single.add((_credential_kind(header), _state_prefix(header)))
        elif (split := _split_payer_header(originals[position], header)) is not None:
            payer, subfield = split
            entry = payers.setdefault(normalize.payer_key(payer), (payer, {}))
            entry[1].setdefault(subfield, position)
            split_groups.add(normalize.payer_key(payer))
    doubts: list[str] = []
    if not trust and body is not None:
        for key in [k for k in credentials if k in single]:
            label, fields = credentials[key]
            if set(fields) == {"number"} and not _mostly(
                _column_cells(body, fields["number"]), _is_credential_number
            ):
                del credentials[
                    key
                ]  # 'Board Specialty' holding Cardiology: the provider's, not a board's number
        strong = [
            k for k, (payer, fields) in payers.items()
            if "status" in fields and (k not in split_groups or _payer_evidence(payer, fields, body, knowledge))
        ]  # fmt: skip
        for key in [k for k in split_groups if k in payers and "status" in payers[k][1] and k not in strong]:
            payer, fields = payers[key]
            if any(len(payers[k][1]) > 1 for k in strong):
                continue  # beside payer groups with dates: one more payer with its status only
            del payers[key]
            doubts.append(
                f"column {display[fields['status']]!r} could be the enrollment status of a payer {payer!r}, but "
                f"nothing else says {payer!r} is a payer (no payer word, no payer the database knows, no other "
                "column of that payer, provider status words in it): it is read as a provider column - set the "
                "sheet's table to a wide tracker if it is a payer"
            )
    return _TrackerLayout(
        provider=provider,
        credentials=[v for v in credentials.values()],
        # A payer group without a status column is not an enrollment (status is required, SPEC 2):
        # "Employment Start Date" / "Employment End Date" stay what they are.
        payers=[v for v in payers.values() if "status" in v[1]],
        headers=display,
        doubts=doubts,
    )


def _tracker_records(
    sheet: RawSheet, header_row: int, found: dict[str, int], overrides: dict[str, str],
    knowledge: recognise.Knowledge | None = None, trust: bool = False, columns: dict[str, str] | None = None,
) -> list[_Records]:  # fmt: skip
    frame = sheet.frame
    originals, groups, last_header_row = _tracker_headers(frame, header_row, found["npi"])
    layout = _tracker_layout(
        originals, groups, overrides, _data_rows(frame, last_header_row), knowledge, trust
    )
    grouped = {p for _label, fields in [*layout.credentials, *layout.payers] for p in fields.values()}
    for name, position in found.items():  # what recognition read wins for the provider's own columns
        if name in _provider_fields() and position not in grouped:
            for other in [k for k, p in layout.provider.items() if p == position]:
                del layout.provider[other]
            layout.provider[name] = position
    for name, header in (columns or {}).items():  # a provider column the analyst left empty stays empty
        if not header and name != "npi":
            layout.provider.pop(name, None)
    body = _data_rows(frame, last_header_row)
    values = [list(v) for v in body.itertuples(index=False, name=None)]
    rows = [int(i) + 1 for i in body.index]
    ident = [
        layout.provider[c]
        for c in ("npi", "provider_name", "first_name", "last_name")
        if c in layout.provider
    ]
    out = []

    def pick(row_values: list, positions: Iterable[int]) -> dict:
        return {layout.headers[p]: normalize.cell_text(row_values[p]) for p in positions if layout.headers[p]}

    provider_cells = pd.DataFrame(
        {name: [v[p] for v in values] for name, p in layout.provider.items()}, dtype=object
    )
    out.append(
        _Records(
            "providers",
            provider_cells,
            [sheet.name] * len(rows),
            rows,
            lambda i: pick(values[i], layout.provider.values()),
        )
    )
    for table, groups, type_column in (
        ("credentials", layout.credentials, "credential_type"),
        ("enrollments", layout.payers, "payer"),
    ):
        if not groups:
            continue
        records: list[dict] = []
        part_sheets, part_rows, part_raw = [], [], []
        for label, positions in groups:
            for row_values, row in zip(values, rows, strict=True):
                if all(normalize.is_blank(row_values[p]) for p in positions.values()):
                    continue  # a blank group: no row (SPEC 2)
                record = {name: row_values[p] for name, p in positions.items()}
                record["npi"] = row_values[layout.provider["npi"]]
                record[type_column] = label
                records.append(record)
                part_sheets.append(f"{sheet.name} [{label}]")
                part_rows.append(row)
                part_raw.append((row_values, [*ident, *positions.values()]))
        columns = sorted({name for record in records for name in record} | {"npi", type_column})
        cells = pd.DataFrame(records, columns=columns, dtype=object)
        out.append(_Records(table, cells, part_sheets, part_rows, lambda i, parts=part_raw: pick(*parts[i])))
    return out


# --------------------------------------------------------------------------------------------
# normalising raw records into canonical rows, with the reason each rejected row was rejected


@functools.lru_cache(maxsize=65536)
def _npi_valid(value: str | None) -> bool:
    """10 digits whose last is the Luhn check digit over '80840' + the first 9 (CMS NPI standard)."""
    if value is None or len(value) != 10 or not value.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + value)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _keep(frame: pd.DataFrame, mask: list[bool]) -> pd.DataFrame:
    """The rows where mask is true (an empty mask keeps the columns, unlike frame[[]])."""
    return frame.loc[pd.Series(mask, index=frame.index, dtype=bool)].reset_index(drop=True)


class _Checker:
    """Collects the first rejection reason per record."""

    def __init__(self, length: int):
        self.column: list[str | None] = [None] * length
        self.reason: list[str | None] = [None] * length

    def flag(self, mask: Iterable[bool], column: str, reason) -> None:
        for i, bad in enumerate(mask):
            if bad and self.reason[i] is None:
                self.column[i] = column
                self.reason[i] = reason(i) if callable(reason) else reason

    @property
    def ok(self) -> list[bool]:
        return [r is None for r in self.reason]


def _col(cells: pd.DataFrame, name: str) -> pd.Series:
    if name in cells.columns:
        return cells[name].reset_index(drop=True)
    return pd.Series([None] * len(cells), dtype=object)


def _texts(series: pd.Series) -> list[str | None]:
    return normalize.text(series).tolist()


def _dates(cells: pd.DataFrame, name: str, label: str, check: _Checker) -> list:
    values, reasons = normalize.dates(_col(cells, name))
    reasons = reasons.tolist()
    check.flag([r is not None for r in reasons], name, lambda i: f"{label}: {reasons[i]}")
    return [None if pd.isna(v) else v.date() for v in values.tolist()]


def _npis(cells: pd.DataFrame, check: _Checker) -> list[str | None]:
    npis = normalize.npi(_col(cells, "npi")).tolist()
    check.flag([v is None for v in npis], "npi", "missing NPI")
    check.flag([not _npi_valid(v) for v in npis], "npi", lambda i: f"invalid NPI: {npis[i]}")
    return npis


def _missing(check: _Checker, values: list, column: str, label: str) -> None:
    check.flag([v is None for v in values], column, f"missing {label}")


def _normalise_providers(cells: pd.DataFrame, labels: dict) -> tuple[pd.DataFrame, _Checker]:
    check = _Checker(len(cells))
    npis = _npis(cells, check)
    names = _texts(_col(cells, "provider_name"))
    if "provider_name" not in cells.columns and "last_name" in cells.columns:
        firsts, lasts = _texts(_col(cells, "first_name")), _texts(_col(cells, "last_name"))
        names = [" ".join(p for p in (f, last) if p) or None for f, last in zip(firsts, lasts, strict=True)]
    _missing(check, names, "provider_name", "provider name")
    raw_status = _col(cells, "status")
    status = normalize.provider_status(raw_status, labels.get("provider_status")).tolist()
    status_text = _texts(raw_status)
    check.flag(
        [s is None for s in status], "status", lambda i: f"unknown provider status: {status_text[i]!r}"
    )
    hire = _dates(cells, "hire_date", "hire date", check)
    frame = pd.DataFrame(
        {
            "npi": npis,
            "provider_name": names,
            "specialty": _texts(_col(cells, "specialty")),
            "taxonomy_code": [t.upper() if t else None for t in _texts(_col(cells, "taxonomy_code"))],
            "primary_state": normalize.state(_col(cells, "primary_state")).tolist(),
            "hire_date": hire,
            "status": status,
        },
        dtype=object,
    )
    return frame, check


def _normalise_credentials(cells: pd.DataFrame, labels: dict) -> tuple[pd.DataFrame, _Checker]:
    check = _Checker(len(cells))
    npis = _npis(cells, check)
    type_labels = _texts(_col(cells, "credential_type"))
    _missing(check, type_labels, "credential_type", "credential type")
    types = normalize.credential_type(_col(cells, "credential_type"), labels.get("credential_type")).tolist()
    issue = _dates(cells, "issue_date", "issue date", check)
    expires = _dates(cells, "expiration_date", "expiration date", check)
    raw_expiry = _texts(_col(cells, "expiration_date"))
    check.flag(
        [e is None and r is None for e, r in zip(expires, raw_expiry, strict=True)],
        "expiration_date",
        "missing expiration date",
    )
    states = normalize.state(_col(cells, "state")).tolist()
    states = [
        s if s else (_state_prefix(normalize.normalise_header(t)) if t else None)
        for s, t in zip(states, type_labels, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "npi": npis,
            "credential_type": types,
            "credential_label": type_labels,
            "number": _texts(_col(cells, "number")),
            "state": states,
            "issue_date": issue,
            "expiration_date": expires,
        },
        dtype=object,
    )
    return frame, check


_COMPANY_SUFFIX = re.compile(r"(?i)^(inc|llc|l\.l\.c|co|corp|corporation|ltd|pc|p\.c|pa|p\.a|plc|lp|llp)\.?$")


def _split_aliases(value: str | None, commas: bool = False) -> list[str]:
    """Aliases in one cell (SPEC 2): split on '|', ';', new lines and ' / '; on commas too when the column
    uses no other separator (`commas`), except a comma before a company suffix ('Aetna, Inc.')."""
    if not isinstance(value, str) or not value:
        return []
    parts = re.split(r"[|;\n\r]|\s+/\s+", value)
    if commas:
        split: list[str] = []
        for part in parts:
            for piece in part.split(","):
                if split and _COMPANY_SUFFIX.match(piece.strip()):
                    split[-1] = f"{split[-1]},{piece}"
                else:
                    split.append(piece)
        parts = split
    return [a.strip() for a in parts if a.strip()]


def _alias_commas(values: list[str | None]) -> bool:
    """Whether a column of alias cells separates them by commas: no cell uses another separator."""
    texts = [v for v in values if v]
    return not any(re.search(r"[|;\n\r]|\s/\s", v) for v in texts)


def _normalise_payers(cells: pd.DataFrame, labels: dict) -> tuple[pd.DataFrame, _Checker]:
    check = _Checker(len(cells))
    ids = _texts(_col(cells, "payer_id"))
    _missing(check, ids, "payer_id", "payer id")
    names = _texts(_col(cells, "payer_name"))
    cells_aliases = _texts(_col(cells, "aliases"))
    commas = _alias_commas(cells_aliases)
    aliases = ["|".join(_split_aliases(a, commas)) or None for a in cells_aliases]
    frame = pd.DataFrame({"payer_id": ids, "payer_name": names, "aliases": aliases}, dtype=object)
    return frame, check


def _pos_list(value: str | None) -> tuple[str | None, str | None]:
    """('11, 22' | '11;22' | 11 | '2') -> ('11,22' | '02'), or a reason."""
    if value is None or value.strip().lower() in _sheet_words("any_pos"):
        return None, None
    codes = []
    for part in re.split(r"[,;|/\s]+", value.strip()):
        if not part:
            continue
        if re.fullmatch(r"\d{1,2}(\.0+)?", part):
            codes.append(part.split(".")[0].zfill(2))
        else:
            return None, f"allowed POS {value!r} is not a list of place-of-service codes"
    return ",".join(dict.fromkeys(codes)) or None, None


def _payer_refs(cells: pd.DataFrame) -> list[str | None]:
    """The payer as written: the payer column, else the payer id column."""
    names = _texts(_col(cells, "payer"))
    ids = _texts(_col(cells, "payer_id"))
    return [n if n is not None else i for n, i in zip(names, ids, strict=True)]


def _normalise_enrollments(cells: pd.DataFrame, labels: dict) -> tuple[pd.DataFrame, _Checker]:
    check = _Checker(len(cells))
    npis = _npis(cells, check)
    payers = _payer_refs(cells)
    _missing(check, payers, "payer", "payer")
    raw_status = _col(cells, "status")
    status_text = _texts(raw_status)
    # SPEC 4: Not submitted / Not started / Not applied / N/A mean no application (N/A reads as blank text)
    check.flag(
        [isinstance(v, str) and v.strip().lower() in ("n/a", "n.a.", "na") for v in raw_status.tolist()],
        "status",
        "no enrollment application",
    )
    _missing(check, status_text, "status", "enrollment status")
    status = normalize.enrollment_status(raw_status, labels.get("enrollment_status")).tolist()
    check.flag([s == normalize.NO_ENROLLMENT for s in status], "status", "no enrollment application")
    check.flag(
        [s is None for s in status], "status", lambda i: f"unknown enrollment status: {status_text[i]!r}"
    )
    submitted = _dates(cells, "submitted_date", "submitted date", check)
    effective = _dates(cells, "effective_date", "effective date", check)
    terminated = _dates(cells, "termination_date", "termination date", check)
    check.flag(
        [s in ("enrolled", "terminated") and e is None for s, e in zip(status, effective, strict=True)],
        "effective_date",
        lambda i: f"{status[i]} enrollment has no effective date",
    )
    check.flag(
        [s == "terminated" and t is None for s, t in zip(status, terminated, strict=True)],
        "termination_date",
        "terminated enrollment has no termination date",
    )
    pos_pairs = [_pos_list(v) for v in _texts(_col(cells, "allowed_pos"))]
    check.flag([r is not None for _, r in pos_pairs], "allowed_pos", lambda i: pos_pairs[i][1])
    effective = [None if s in ("pending", "denied") else e for s, e in zip(status, effective, strict=True)]
    frame = pd.DataFrame(
        {
            "npi": npis,
            "payer_id": [None] * len(cells),
            "status": status,
            "status_label": status_text,
            "submitted_date": submitted,
            "effective_date": effective,
            "termination_date": terminated,
            "allowed_pos": [p for p, _ in pos_pairs],
            "payer_name": payers,
        },
        dtype=object,
    )
    return frame, check


def _scope_labels(extra: dict | None) -> dict[str, bool] | None:
    """A saved mapping's scope labels may say "approved" / "excluded" (text) or true / false."""
    if not extra:
        return None
    words = {"approved": True, "true": True, "yes": True, "excluded": False, "false": False, "no": False}
    out = {}
    for label, value in extra.items():
        if isinstance(value, str):
            if value.strip().lower() not in words:
                raise InputError(
                    f"The mapping's scope label {label!r} maps to {value!r} - use approved or excluded."
                )
            out[label] = words[value.strip().lower()]
        else:
            out[label] = bool(value)
    return out


def _normalise_scope(cells: pd.DataFrame, labels: dict) -> tuple[pd.DataFrame, _Checker]:
    check = _Checker(len(cells))
    npis = _npis(cells, check)
    payers = _payer_refs(cells)
    _missing(check, payers, "payer", "payer")
    single = normalize.procedure_code(_col(cells, "code")).tolist()
    code_from = normalize.procedure_code(_col(cells, "code_from")).tolist()
    code_to = normalize.procedure_code(_col(cells, "code_to")).tolist()
    code_from = [f if f is not None else s for f, s in zip(code_from, single, strict=True)]
    code_to = [
        t if t is not None else (f if "code_to" not in cells.columns else None)
        for t, f in zip(code_to, code_from, strict=True)
    ]
    _missing(check, code_from, "code_from", "code from")
    _missing(check, code_to, "code_to", "code to")
    check.flag(
        [f is not None and t is not None and f > t for f, t in zip(code_from, code_to, strict=True)],
        "code_to",
        lambda i: f"code range {code_from[i]}-{code_to[i]} ends before it starts",
    )
    raw_approved = _col(cells, "approved")
    approved_text = _texts(raw_approved)
    approved = normalize.scope_approved(raw_approved, _scope_labels(labels.get("scope_approved"))).tolist()
    approved = [True if t is None else a for a, t in zip(approved, approved_text, strict=True)]
    check.flag(
        [a is None for a in approved], "approved", lambda i: f"unknown scope approval: {approved_text[i]!r}"
    )
    frame = pd.DataFrame(
        {
            "npi": npis,
            "payer_id": [None] * len(cells),
            "code_from": code_from,
            "code_to": code_to,
            "approved": approved,
            "payer_name": payers,
        },
        dtype=object,
    )
    return frame, check


_NORMALISERS = {
    "providers": _normalise_providers,
    "credentials": _normalise_credentials,
    "payers": _normalise_payers,
    "enrollments": _normalise_enrollments,
    "service_scope": _normalise_scope,
}
# Columns a sheet of each kind must have (SPEC 2 "Required columns").
_REQUIRED_COLUMNS = {
    "providers": (("npi", "NPI"),),
    "credentials": (
        ("npi", "NPI"),
        ("credential_type", "credential type"),
        ("expiration_date", "expiration date"),
    ),
    "payers": (("payer_id", "payer id"),),
    "enrollments": (("npi", "NPI"), ("status", "status")),
    "service_scope": (("npi", "NPI"),),
}


def _require_columns(sheet_name: str, kind: str, found: Iterable[str]) -> None:
    found = set(found)
    for column, label in _REQUIRED_COLUMNS[kind]:
        if column not in found:
            raise InputError(
                f"Sheet {sheet_name!r} looks like a {kind.replace('_', ' ')} sheet but has no {label} column - "
                "add the column or map it to a header."
            )
    if kind == "service_scope" and "code" not in found and not {"code_from", "code_to"} <= found:
        raise InputError(
            f"Sheet {sheet_name!r} looks like a service scope sheet but has no code from / code to columns - "
            "add them (or one procedure code column) or map them."
        )


_TABLE_WORDS = {
    "providers": "a providers table",
    "credentials": "a credentials table",
    "enrollments": "an enrollments table",
    "service_scope": "a service scope table",
    "payers": "a payers table",
    "tracker": "a wide tracker",
}


def _sheet_tables(mapping: object, sheets: list[RawSheet]) -> dict[str, str]:
    """{sheet name: table} the analyst set (mapping's "sheets"); a name the file lacks is refused."""
    from audits.ingest.mapping import coerce_override

    chosen = coerce_override(mapping).sheets  # the one check of the tables named
    if not chosen:
        return {}
    names = {s.name for s in sheets}
    missing = sorted(set(chosen) - names)
    if missing:
        raise InputError(
            f"This file has no sheet named {', '.join(repr(m) for m in missing)} - its sheets are "
            f"{', '.join(repr(n) for n in sorted(names))}."
        )
    return chosen


def _sheet_columns(mapping: object, sheets: list[RawSheet]) -> dict[str, dict[str, str]]:
    """{sheet name: {canonical: header}} the analyst set (mapping's "sheet_columns"); a name the file lacks
    is refused."""
    from audits.ingest.mapping import coerce_override

    chosen = coerce_override(mapping).sheet_columns
    missing = sorted(set(chosen) - {s.name for s in sheets})
    if missing:
        raise InputError(
            f"This file has no sheet named {', '.join(repr(m) for m in missing)} - its sheets are "
            f"{', '.join(repr(s.name) for s in sheets)}."
        )
    return chosen


def _check_sheet_columns(sheet: str, kind: str, columns: dict[str, str], reading) -> None:
    """Each column the analyst named is one of the table's and its header is on the sheet's header row."""
    known = set(recognise.vocabulary().canonical_columns(kind))
    present = {_header_key(h) for h in reading.headers.values()}
    for canonical, header in columns.items():
        if canonical not in known:
            raise InputError(
                f"The mapping names a column {canonical!r} for sheet {sheet!r}, which a "
                f"{kind.replace('_', ' ')} sheet does not have - use one of: {', '.join(sorted(known))}."
            )
        if header and _header_key(header) not in present:
            raise InputError(
                f"The mapping says sheet {sheet!r} has {canonical} in column {header!r}, which is not in its "
                f"header row ({', '.join(str(h) for h in reading.headers.values())})."
            )


def _unread_sheet(sheet: RawSheet, found: recognise.Classification) -> str:
    """The sentence for a sheet with rows that reads as no roster table (`found`: how it was read):
    none of its rows load."""
    closest = next((r for r in found.readings if r.kind in recognise.ROSTER_TABLES), None)
    why = ""
    if closest is not None:
        doubt = "; ".join(closest.checks) or (
            f"missing {', '.join(closest.missing)}" if closest.missing else ""
        )
        why = f" (closest: {_TABLE_WORDS[closest.kind]}" + (f" - {doubt}" if doubt else "") + ")"
    return f"sheet {sheet.name!r} was read as no credentialing table{why}: none of its rows loaded"


def parse_roster(
    sheets: list[RawSheet], mapping: dict | None = None, knowledge: recognise.Knowledge | None = None,
    classified: dict[str, recognise.Classification] | None = None,
) -> RosterBatch:  # fmt: skip
    """Recognise the roster sheets by their headers and normalise their rows (see the module doc).
    `classified` ({sheet name: classify_sheet's reading with no mapping}) are sheets already classified
    (when the file's kind was detected): they are not classified again.

    Payer names are not resolved here (that needs the database): enrollment and scope frames carry
    `payer_name` as written and an empty payer_id until apply_roster. Raises InputError when no sheet
    is a roster sheet or a recognised sheet lacks a required column."""
    overrides, labels = _mapping_parts(mapping)
    forced = _sheet_tables(mapping, sheets)
    per_sheet = _sheet_columns(mapping, sheets)
    records: list[_Records] = []
    batch = RosterBatch(frames={})
    for sheet in sheets:
        table = forced.get(sheet.name)
        if sheet.frame.empty or table == "skip":
            batch.ignored_sheets.append(sheet.name)
            continue
        columns = per_sheet.get(sheet.name)
        known = None
        if classified and not overrides and table is None and not columns:
            known = classified.get(sheet.name)
        if known is None:  # classified once, here: _find_header and the unread sentence both use it
            known = classify_sheet(sheet.frame, overrides, knowledge, table, columns)
        header = _find_header(sheet.frame, overrides, knowledge, table, columns, known)
        if header is None and table is not None:
            raise InputError(
                f"Sheet {sheet.name!r} has no header row that reads as {_TABLE_WORDS[table]} - choose another "
                "table for it, or map its columns."
            )
        if header is None:
            batch.ignored_sheets.append(sheet.name)
            batch.warnings.append(_unread_sheet(sheet, known))
            continue
        header_row, kind, found, classification = header
        if columns:
            _check_sheet_columns(sheet.name, kind, columns, classification.chosen)
        batch.readings[sheet.name] = classification
        batch.warnings += [f"sheet {sheet.name!r}: {w}" for w in classification.chosen.warnings]
        header_row_number = int(sheet.frame.index[header_row]) + 1
        if kind == "providers" and table == "providers":  # the analyst said: one row per provider, no groups
            _require_columns(sheet.name, "providers", found)
            records.append(_long_records(sheet, header_row, "providers", found))
            batch.sheets.append(SheetInfo(sheet.name, "providers", header_row_number, ("providers",)))
        elif kind == "providers":
            parts = _tracker_records(
                sheet, header_row, found, overrides, knowledge, table == "tracker", columns
            )
            if table == "tracker" and len(parts) < 2:
                batch.warnings.append(
                    f"sheet {sheet.name!r}: it was set to be read as a wide tracker, but no payer or credential "
                    "column groups were found beside the provider columns - it loaded as providers"
                )
            _require_columns(sheet.name, "providers", found)
            records.extend(parts)
            kind_name = "tracker" if len(parts) > 1 else "providers"
            batch.sheets.append(
                SheetInfo(sheet.name, kind_name, header_row_number, tuple(p.table for p in parts))
            )
        else:
            _require_columns(sheet.name, kind, found)
            records.append(_long_records(sheet, header_row, kind, found))
            batch.sheets.append(SheetInfo(sheet.name, kind, header_row_number, (kind,)))
    if not records:
        names = ", ".join(repr(s.name) for s in sheets) or "none"
        raise InputError(
            f"No sheet of this file looks like a credentialing roster (sheets: {names}) - the header row needs "
            "columns such as NPI and Provider Name, or NPI, Payer and Status."
        )
    collected: dict[str, list[pd.DataFrame]] = {}
    for part in records:
        frame, check = _NORMALISERS[part.table](part.cells.reset_index(drop=True), labels)
        frame["source_sheet"] = part.sheets
        frame["source_row"] = part.rows
        batch.rows_read += len(frame)
        for i, ok in enumerate(check.ok):
            batch.raw_rows[(part.sheets[i], part.rows[i])] = lambda i=i, part=part: part.raw(i)
            if not ok:
                batch.rejected.append(
                    Rejection(part.sheets[i], part.rows[i], part.raw(i), check.column[i], check.reason[i])
                )
        collected.setdefault(part.table, []).append(_keep(frame, check.ok))
    for table in TABLES:
        if table in collected:
            frames = [f for f in collected[table] if len(f)] or collected[table][:1]
            batch.frames[table] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return batch
