"""The per-file part of the upload page: the file's kind, a credentialing file's sheets and their tables,
and the column mapping - every canonical column of the kind (required first), every source column with
sample values, what is mapped, not mapped and ignored, and the first rows as they would load.

The analyst's choices live in `st.session_state["upload_edits"]` per staged file, not in the widgets: a
widget that is not drawn (another file picked) loses its state, the store does not. Every widget is seeded
from the store on each run and writes back to it in its on_change callback, which Streamlit calls before
the script runs - so a choice is kept even when the rerun it starts is superseded (the analyst picks
another file at once) and never draws it. What loads is `plan()`, worked out from the store for every
staged file at load time, never a plan left over from the last finished draw of a file's editor.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import streamlit as st

from app_pages import _db
from app_pages import _format as fmt
from app_pages import _identity as identity
from app_pages import _words as words
from app_pages._tables import label as _table_label
from audits import explore
from audits.errors import ClearToBillError
from audits.ingest import load_mapping_profile, recognise, save_mapping_profile
from audits.ingest import preview as read_preview
from audits.ingest.loader import detect_file
from audits.ingest.preview import explain_file
from audits.ingest.upload import outcome

AUTO = "detect"
NOT_MAPPED = ""
AUTO_TABLE = "as read"
NOT_ROSTER = "skip"
SHEET_TABLES = [AUTO_TABLE, "providers", "credentials", "enrollments", "service_scope", "payers", "tracker"]
SAMPLE_ROWS = 2000  # rows read to judge whether a column's values fit
EDITS = "upload_edits"
# value tests whose failure means the column holds something else (a name in an NPI, text in an amount)
_FIT_TESTS = {
    "npi", "date", "money", "line_number", "units", "procedure", "icd10", "icd10_list", "modifier",
    "modifier_list", "pos", "pos_list", "state", "carc", "rarc", "group_code",
}  # fmt: skip


# the editor names each canonical column apart (the tables' labels join payer id and name into one Payer)
LABELS = {
    "claim_id": "Claim id", "line_no": "Line number", "rendering_npi": "Rendering NPI",
    "billing_npi": "Billing NPI", "payer_id": "Payer id", "payer_name": "Payer name",
    "procedure_code": "Procedure code", "billed_amount": "Billed amount", "paid_amount": "Paid amount",
    "adjustment_amount": "Adjustment amount", "carc": "Adjustment reason code", "rarcs": "Remark codes",
    "group_code": "Group code", "modifiers": "Modifiers (list)", "diagnoses": "Diagnoses (list)",
    "pos": "Place of service", "patient_dob": "Patient date of birth", "npi": "NPI", "payer": "Payer",
    "code": "Procedure code", "code_from": "Codes from", "code_to": "Codes to", "number": "Licence number",
    "state": "State", "trace_number": "Check / trace number",
    **{f"adj_amount_{n}": f"Adjustment amount {n}" for n in range(1, 5)},
    **{f"carc_{n}": f"Adjustment reason {n}" for n in range(1, 5)},
    **{f"group_code_{n}": f"Group code {n}" for n in range(1, 5)},
    **{f"rarc_{n}": f"Remark code {n}" for n in range(1, 5)},
}  # fmt: skip


def column_label(canonical: str) -> str:
    return LABELS.get(canonical) or _table_label(canonical)


def edits(file_id: str) -> dict:
    """The analyst's choices for one staged file: kind, columns per kind, table per sheet."""
    store = st.session_state.setdefault(EDITS, {})
    return store.setdefault(file_id, {"kind": None, "columns": {}, "sheets": {}})


def forget(file_ids: list[str] | None = None) -> None:
    store = st.session_state.get(EDITS, {})
    for file_id in list(store) if file_ids is None else file_ids:
        store.pop(file_id, None)


# ------------------------------------------------------------------------------------------ previews


def _cached(key: str, make):
    cache = st.session_state.setdefault("_upload_previews", {})
    if key not in cache:
        try:
            cache[key] = (make(), None)
        except ClearToBillError as exc:
            cache[key] = (None, _db.sentence(exc))
    return cache[key]


def _preview(file_id: str, path: Path, kind: str | None, override=None):
    """ingest.preview(path, kind, mapping) once per file, kind and mapping (it reads the file). The file as
    detected is the same reading as the file read as its detected kind: read once."""
    if kind is not None and not override:
        detected = st.session_state.get("_upload_previews", {}).get(json.dumps([file_id, None, {}]))
        if detected is not None and getattr(detected[0], "kind", None) == kind:
            return detected
    key = json.dumps([file_id, kind, override or {}], sort_keys=True)
    return _cached(key, lambda: read_preview(path, kind=kind, mapping=override or None, rows=SAMPLE_ROWS))


def _explain(
    file_id: str, path: Path, tables: dict[str, str] | None = None, columns: dict | None = None, rows: int = 0
):
    """How the file reads (preview.explain_file), with the sheets the analyst set read as those tables and
    with the columns the analyst set per sheet; `rows` sample rows per sheet."""
    tables, columns = dict(tables or {}), dict(columns or {})
    key = json.dumps([file_id, "explain", tables, columns, rows], sort_keys=True)
    return _cached(key, lambda: explain_file(path, tables=tables, columns=columns, sample_rows=rows))


def _proposed(found) -> dict[str, tuple[str | None, float | None]]:
    mapping = getattr(found, "mapping", None) or {}
    out = {}
    for canonical, value in mapping.items():
        if isinstance(value, tuple | list):
            out[canonical] = (value[0], value[1] if len(value) > 1 else None)
        else:
            out[canonical] = (value, None)
    return out


def _headers(found, proposed) -> list[str]:
    for name in ("headers", "source_headers", "columns"):
        value = getattr(found, name, None)
        if value is not None and len(value):
            return list(dict.fromkeys(str(h) for h in value if h is not None and str(h) != ""))
    return sorted({str(v[0]) for v in proposed.values() if v[0]})


def canonical_columns(kind: str) -> list[str]:
    """Every canonical column of a kind or roster table, the required ones first."""
    known = recognise.vocabulary().canonical_columns(kind)
    required = [c for options in recognise.REQUIRED.get(kind, []) for c in options]
    return list(dict.fromkeys([*required, *known]))


def required_columns(kind: str) -> set[str]:
    return {c for options in recognise.REQUIRED.get(kind, []) for c in options}


def misfits(kind: str, canonical: str, values: pd.Series) -> tuple[int, int, str] | None:
    """(values that do not fit, non-blank values, what they should be) when at least one value of the
    column fails the canonical column's value test (a name is not an NPI, text is not an amount)."""
    spec = recognise.vocabulary().spec(kind, canonical)
    if spec is None or spec.values not in _FIT_TESTS or canonical.startswith("patient_"):
        return None
    test = recognise.VALUE_TESTS[spec.values][0]
    cells = [v for v in values.tolist() if v is not None and str(v).strip() != ""]
    if not cells:
        return None
    bad = sum(1 for v in cells if test(v) < 0.5)
    return (bad, len(cells), recognise.VALUE_LABELS.get(spec.values, spec.values)) if bad else None


def _samples(sample: pd.DataFrame | None, header: str, n: int = 3) -> str:
    if not isinstance(sample, pd.DataFrame) or header not in sample.columns:
        return ""
    seen = []
    for value in sample[header].tolist():
        text = "" if fmt.missing(value) else str(value).strip()
        if text and text not in seen:
            seen.append(text)
        if len(seen) == n:
            break
    return " · ".join(fmt.plain(v) if len(v) <= 40 else fmt.plain(v[:39]) + "…" for v in seen)


# ------------------------------------------------------------------------------------------ summary

SUMMARY_COLUMNS = {
    "file_id": None,
    "file": "File",
    "kind": "Read as",
    "sheets": "Sheets and their tables",
    "columns": st.column_config.NumberColumn("Columns mapped", format="%d"),
    "lowest confidence": st.column_config.ProgressColumn(
        "Lowest confidence", min_value=0.0, max_value=1.0, format="%.2f"
    ),
    "missing": "Missing required columns",
    "needs a look": st.column_config.CheckboxColumn("Needs a look"),
}


def _sheet_words(found) -> tuple[str, bool]:
    """'Sheet1: Providers; Sheet2: Enrollments (close call)' and whether any sheet needs a look."""
    parts, doubtful = [], False
    for sheet in getattr(found, "sheets", []) or []:
        table = "tracker" if sheet.tracker else sheet.kind
        text = words.TABLE.get(table, "not read") if table else "not read"
        if getattr(sheet, "close", False):
            text += " (close call)"
            doubtful = True
        if sheet.warnings or sheet.missing:
            doubtful = True
        parts.append(f"{sheet.name}: {text}")
    return "; ".join(parts), doubtful


def summary_row(file_id: str, path: Path) -> dict:
    """One line per staged file: what ingest would make of it (with the analyst's choices)."""
    chosen = edits(file_id)
    kind = chosen.get("kind")
    found, error = _preview(file_id, path, kind)
    effective = kind or getattr(found, "kind", None)
    override = _override(file_id, effective) if effective else None
    if override and not error:
        found, error = _preview(file_id, path, effective, override)
    proposed = _proposed(found) if found is not None else {}
    confidences = [c for h, c in proposed.values() if c is not None and h]
    missing = list(getattr(found, "missing", []) or [])
    lowest = min(confidences) if confidences else None
    sheets, doubtful = "", False
    if effective == "roster" and not error:
        explained, _err = _explain(file_id, path)
        if explained is not None:
            sheets, doubtful = _sheet_words(explained)
            read = [c for sheet in explained.sheets if sheet.kind for c in sheet.columns]
            proposed = {f"{i}": (c.header, c.confidence) for i, c in enumerate(read)}  # the sheets' columns
            confidences = [c.confidence for c in read]  # shown; a sheet's doubts say whether it needs a look
            chosen_tables = chosen.get("sheets") or {}
            if chosen_tables:
                sheets += " - changed: " + ", ".join(
                    f"{s}: {words.TABLE.get(t, 'not loaded') if t != NOT_ROSTER else 'not loaded'}"
                    for s, t in chosen_tables.items()
                )
    return {
        "file_id": file_id,
        "file": path.name,
        "kind": words.KIND.get(effective, effective) if effective and not error else "unreadable",
        "sheets": sheets,
        "columns": sum(1 for h, _c in proposed.values() if h),
        "lowest confidence": min(confidences) if confidences else None,
        "missing": ", ".join(column_label(m) if " or " not in m else m for m in missing)
        if missing
        else (error or ""),
        "needs a look": bool(
            error or missing or doubtful or (effective != "roster" and lowest is not None and lowest < 0.8)
        ),
    }


# ------------------------------------------------------------------------------------------ editor


def _seeded_select(label: str, options: list, value, key: str, on_change, args, **kwargs):
    """A selectbox whose value comes from the store (seeded every run), written back on change."""
    if value not in options:
        value = options[0]
    st.session_state[key] = value
    return st.selectbox(label, options, key=key, on_change=on_change, args=args, **kwargs)


def _set_kind(file_id: str, key: str) -> None:
    value = st.session_state.get(key)
    edits(file_id)["kind"] = None if value == AUTO else value


def _set_column(file_id: str, kind: str, canonical: str, key: str) -> None:
    value = st.session_state.get(key)
    columns = edits(file_id)["columns"].setdefault(kind, {})
    if not value:
        columns[canonical] = NOT_MAPPED
        return
    for other, header in list(columns.items()):  # a header moves: it leaves the column it was given to
        if header == value and other != canonical:
            columns.pop(other)
    columns[canonical] = value


def _set_sheet_column(file_id: str, sheet: str, table: str, canonical: str, key: str) -> None:
    """A credentialing sheet's column chosen on the page ("" = not mapped); a header moves as above. The
    sheet keeps the table it is shown as (a column choice does not turn it into another table)."""
    value = st.session_state.get(key) or NOT_MAPPED
    edits(file_id)["sheets"].setdefault(sheet, table)
    columns = edits(file_id).setdefault("sheet_columns", {}).setdefault(sheet, {})
    if value:
        for other, header in list(columns.items()):
            if header == value and other != canonical:
                columns.pop(other)
    columns[canonical] = value


def _set_sheet_pick(file_id: str, key: str) -> None:
    edits(file_id)["sheet_pick"] = st.session_state.get(key)


def _set_sheet(file_id: str, sheet: str, key: str) -> None:
    value = st.session_state.get(key)
    tables = edits(file_id)["sheets"]
    if value == AUTO_TABLE:
        tables.pop(sheet, None)
    else:
        tables[sheet] = value
    edits(file_id).get("sheet_columns", {}).pop(sheet, None)  # columns chosen for the table it was


def _override(file_id: str, kind: str) -> dict[str, str]:
    """The analyst's {canonical: header} for this kind (columns set to 'not mapped' left out)."""
    columns = (edits(file_id).get("columns") or {}).get(kind) or {}
    return {c: h for c, h in columns.items() if h}


def _kind_choice(file_id: str, kinds: list[str], detected: str | None) -> str | None:
    chosen = edits(file_id).get("kind")
    detected_words = words.KIND.get(detected, detected) if detected else "not recognised"
    _seeded_select(
        "Kind",
        [AUTO, *kinds],
        chosen or AUTO,
        f"kind_{file_id}",
        _set_kind,
        (file_id, f"kind_{file_id}"),
        format_func=lambda k: f"As detected ({detected_words})" if k == AUTO else words.KIND.get(k, k),
        help="What the file is. Change it when the file was read as the wrong kind.",
    )
    return edits(file_id).get("kind")


def _kind_close_call(file_id: str, path: Path, detected: str) -> None:
    """An export that reads almost as well as another kind (recognise.KindCall): said, with both readings,
    so that the analyst checks its kind before it loads."""

    def detect():
        with _db.read() as data:
            return detect_file(data.con, path)

    found, _error = _cached(json.dumps([file_id, "detect"]), detect)
    for sheet in (found.classified if found is not None else {}).values():
        call = sheet.kind_call
        if call is None:
            continue
        runner = words.KIND.get(call.runner_up) or words.TABLE.get(call.runner_up, call.runner_up)
        st.warning(
            f"Close call: this file reads almost as well as {runner.lower()} (score {call.runner_up_score} "
            f"against {call.score} as {words.KIND[detected].lower()}). Check its kind above before loading."
        )
        break


def _detected(file_id: str, path: Path) -> tuple[str | None, str | None]:
    """(the kind the file reads as, the sentence when it cannot be read)."""
    found, error = _preview(file_id, path, None)
    return getattr(found, "kind", None), error


def _export_reading(file_id: str, path: Path, kind: str):
    """How an export reads as `kind` with the analyst's columns: the file's own reading (`base`), the one
    with the analyst's columns (`found`), the columns that load (`effective`, columns set to not mapped
    left out) and the sentences when the file or the chosen mapping cannot be read."""
    base, error = _preview(file_id, path, kind)
    if error:
        return SimpleNamespace(error=error)
    override = _override(file_id, kind)
    blanked = {
        c for c, h in ((edits(file_id).get("columns") or {}).get(kind) or {}).items() if h == NOT_MAPPED
    }
    found, mapping_error = _preview(file_id, path, kind, override) if override else (base, None)
    if mapping_error:
        found = base
    proposed = _proposed(found)
    return SimpleNamespace(
        error=None,
        mapping_error=mapping_error,
        base=base,
        override=override,
        blanked=blanked,
        effective={c: h for c, (h, _conf) in proposed.items() if h and c not in blanked},
        confidence={c: conf for c, (_h, conf) in proposed.items()},
        headers=_headers(base, _proposed(base)),
        sample=getattr(found, "sample", None),
        calls=[c for c in found.column_calls if c.canonical not in override],
    )


def _roster_reading(file_id: str, path: Path):
    """A credentialing file read with the analyst's tables per sheet and columns per sheet (with samples):
    (the file as read, as it would load, the sentence when it cannot be read as chosen)."""
    found, error = _explain(file_id, path)
    if error or found is None:
        return None, None, error or f"{path.name} could not be read."
    tables = edits(file_id)["sheets"]
    loaded, error = _explain(file_id, path, tables, _sheet_choices(file_id), SAMPLE_ROWS)
    if error or loaded is None:
        error = error or f"{path.name} could not be read with these tables and columns."
        loaded, _error = _explain(file_id, path, tables, None, SAMPLE_ROWS)
        loaded = loaded if loaded is not None else found
    return found, loaded, error


def _sheet_choices(file_id: str) -> dict[str, dict[str, str]]:
    return {s: c for s, c in (edits(file_id).get("sheet_columns") or {}).items() if c}


def _sheet_effective(file_id: str, sheet) -> dict[str, str]:
    mine = (edits(file_id).get("sheet_columns") or {}).get(sheet.name) or {}
    return {c.canonical: c.header for c in sheet.columns if mine.get(c.canonical, c.header)}


def _readable_sheets(loaded) -> list:
    return [s for s in loaded.sheets if s.kind in recognise.ROSTER_TABLES and s.headers]


def plan(file_id: str, path: Path) -> dict:
    """What loading the file will do, from the analyst's choices in the store alone (never from a widget or
    from what the page last drew): {"kind": ..., "mapping": ..., "warnings": [...]}, None meaning "let
    ingest decide"."""
    chosen = edits(file_id)
    kind = chosen.get("kind")
    out = {"kind": kind, "mapping": None, "warnings": []}
    effective_kind = kind or _detected(file_id, path)[0]
    if effective_kind is None or effective_kind in ("835", "837"):
        return out
    if effective_kind == "roster":
        tables, columns = dict(chosen["sheets"]), _sheet_choices(file_id)
        if tables or columns:
            out["mapping"] = {"columns": {}, "sheets": tables, "sheet_columns": columns}
        _found, loaded, _error = _roster_reading(file_id, path)
        for sheet in _readable_sheets(loaded) if loaded is not None else []:
            out["warnings"] += misfit_warnings(sheet.kind, sheet.sample, _sheet_effective(file_id, sheet))
        return out
    reading = _export_reading(file_id, path, effective_kind)
    if reading.error:
        return out
    if reading.override or reading.blanked:
        # a column set to "not mapped" goes to the loader as "" (left empty): recognition does not fill it again
        out["mapping"] = {**reading.effective, **dict.fromkeys(reading.blanked, NOT_MAPPED)}
    out["warnings"] = misfit_warnings(effective_kind, reading.sample, reading.effective)
    return out


def mapping_editor(file_id: str, path: Path, kinds: list[str]) -> None:
    """The file's kind, sheets and column mapping, drawn from the store; every change goes to the store
    (what loads is plan())."""
    detected, detected_error = _detected(file_id, path)
    kind = _kind_choice(file_id, kinds, detected)
    effective_kind = kind or detected
    if kind is None and detected in ("claims", "remits"):
        _kind_close_call(file_id, path, detected)
    if effective_kind is None:
        st.error(
            detected_error
            or f"{path.name} was not recognised as a claims, remittance or credentialing file - choose its kind."
        )
    elif effective_kind in ("835", "837"):
        st.caption("X12 files need no mapping: their segments say what each value is.")
    elif effective_kind == "roster":
        _roster_editor(file_id, path)
    else:
        _export_editor(file_id, path, effective_kind)


def _export_editor(file_id: str, path: Path, kind: str) -> None:
    reading = _export_reading(file_id, path, kind)
    if reading.error:
        st.error(reading.error)
        return
    if reading.mapping_error:
        st.error(f"This mapping cannot be used: {reading.mapping_error}")
    _profile_picker(file_id, kind)
    for call in reading.calls:  # two headers fit one column about equally: the analyst says which
        st.warning(
            f"Close call: {column_label(call.canonical)} was read from “{fmt.plain(call.chosen)}”, but "
            f"“{fmt.plain(call.alternative)}” fits almost as well ({call.confidence:.2f} against "
            f"{call.alternative_score:.2f}). Choose the right one for {column_label(call.canonical)} below."
        )
    _columns_editor(
        kind,
        reading.headers,
        reading.sample,
        reading.effective,
        reading.confidence,
        reading.override,
        key=lambda canonical: f"map_{file_id}_{kind}_{canonical}",
        on_change=lambda canonical, key: (_set_column, (file_id, kind, canonical, key)),
        suffix=file_id,
    )
    _profile_saver(file_id, kind, reading.effective)


def misfit_warnings(kind: str, sample, effective: dict[str, str]) -> list[str]:
    """One sentence per mapped column with values that do not fit it, with the count."""
    warnings = []
    if not isinstance(sample, pd.DataFrame):
        return warnings
    for canonical, header in effective.items():
        if header not in sample.columns:
            continue
        fit = misfits(kind, canonical, sample[header])
        if fit:
            bad, total, should = fit
            rows = "" if len(sample) < SAMPLE_ROWS else f" (of the first {SAMPLE_ROWS:,} rows)"
            warnings.append(
                f"{column_label(canonical)} ← “{fmt.plain(header)}”: {bad:,} of {total:,} values{rows} "
                f"are not {should}. Check the mapping before loading."
            )
    return warnings


def _columns_editor(
    kind: str,
    headers: list[str],
    sample,
    effective: dict[str, str],
    confidence: dict[str, float | None],
    override: dict[str, str],
    *,
    key,
    on_change,
    suffix: str,
    grouped: dict[str, str] | None = None,
) -> None:
    """Every canonical column of `kind` (required first, marked) with a box of the source columns; the
    source columns with sample values and what each loads as; values that do not fit, with counts; the
    required columns not mapped; the first rows as they would load. `grouped` ({header: what it loads as})
    are a wide tracker's payer and credential columns: they load with their group, not as a column here."""
    grouped = grouped or {}
    required = required_columns(kind)
    columns = canonical_columns(kind)
    either = {  # a requirement either of two columns meets: 'Payer id (or Payer name)'
        c: f" (or {' or '.join(column_label(o) for o in options if o != c)})"
        for options in recognise.REQUIRED.get(kind, [])
        if len(options) > 1
        for c in options
    }
    missing = [c for options in recognise.REQUIRED.get(kind, []) for c in options[:1]
               if not any(o in effective for o in options)]  # fmt: skip
    mapped_n = sum(1 for c in columns if c in effective)
    ignored = [h for h in headers if h not in effective.values() and h not in grouped]
    noun = words.KIND.get(kind) or f"{words.TABLE.get(kind, kind)} sheet"
    title = "Provider columns of this tracker" if grouped else f"Columns of a {fmt.plain(noun.lower())}"
    st.markdown(
        f"**{title}**: "
        f"{mapped_n} mapped, {len(columns) - mapped_n} not mapped"
        + (f" (**{len(missing)} required**)" if missing else "")
        + (f"; {len(grouped)} in payer and credential groups" if grouped else "")
        + f"; {len(ignored)} of the {'file' if kind in words.KIND else 'sheet'}'s {len(headers)} columns ignored."
    )
    st.caption(
        "Required columns come first (marked ✱). Pick the file's column for each; leave blank when the file has none."
    )
    options = [NOT_MAPPED, *(h for h in headers if h not in grouped)]
    grid = []
    for index, canonical in enumerate(columns):
        if index % 3 == 0:
            grid = st.columns(3)  # row by row: the required columns fill the first rows
        value = effective.get(canonical, NOT_MAPPED)
        state = "not mapped"
        if canonical in override:
            state = "your choice"
        elif value:
            state = f"read with confidence {confidence.get(canonical) or 0:.2f}"
        box_key = key(canonical)
        callback, args = on_change(canonical, box_key)
        with grid[index % 3]:
            _seeded_select(
                f"{'✱ ' if canonical in required else ''}{column_label(canonical)}{either.get(canonical, '')}",
                options,
                value,
                box_key,
                callback,
                args,
                format_func=lambda h: "(not mapped)" if h == NOT_MAPPED else h,
                help=f"{state} · column name: {canonical}",
            )

    source = pd.DataFrame(
        {
            "Column in the file": headers,
            "Sample values": [_samples(sample, h) for h in headers],
            "Loaded as": [
                grouped.get(h)
                or next((column_label(c) for c, h2 in effective.items() if h2 == h), "ignored (not loaded)")
                for h in headers
            ],
        }
    )
    st.caption("The file's columns")
    st.dataframe(source, hide_index=True, placeholder="", key=f"sources_{suffix}")

    for warning in misfit_warnings(kind, sample, effective):
        st.warning(warning, icon=":material/warning:")
    if missing:
        st.error(
            "Required and not mapped: " + ", ".join(column_label(c) for c in missing)
            + ". Pick the file's column for each, or the file will not load."
        )  # fmt: skip

    if isinstance(sample, pd.DataFrame) and not sample.empty and effective:
        first = pd.DataFrame(
            {
                column_label(c): sample[h].head(5).tolist()
                for c in columns
                if (h := effective.get(c)) and h in sample.columns
            }
        )
        st.caption("The first rows as they would load with this mapping")
        st.dataframe(first, hide_index=True, placeholder="", key=f"effect_{suffix}")


def _profile_picker(file_id: str, kind: str) -> None:
    with _db.read() as data:
        profiles = explore.mapping_profiles(data.con, kind)
    if profiles.empty:
        return
    key = f"profile_{file_id}"
    applied = edits(file_id).setdefault("profile", None)
    options = [None, *profiles["name"].tolist()]
    # the box shows the profile applied to this file, also after the page showed another file
    index = options.index(applied) if applied in options else 0
    profile = st.selectbox("Apply a saved mapping profile", options, index=index, key=key)
    if profile and profile != applied:
        with _db.read() as data:
            saved = load_mapping_profile(data.con, profile)
        edits(file_id)["columns"][kind] = dict(saved.mapping)
        edits(file_id)["profile"] = profile
        st.rerun()


def _profile_saver(file_id: str, kind: str, chosen: dict) -> None:
    name_col, button_col = st.columns([3, 1])
    name = name_col.text_input(
        "Save this mapping as a profile", key=f"profile_name_{file_id}", placeholder="name"
    )
    if button_col.button("Save profile", key=f"save_profile_{file_id}", disabled=not name):
        identity.require("map")
        with _db.write() as con:
            save_mapping_profile(con, name.strip(), kind, chosen)
        st.success(f"Saved the mapping as profile “{fmt.plain(name.strip())}”.")


def _roster_editor(file_id: str, path: Path) -> None:
    """A credentialing file: each sheet with the table it was read as (changeable) and its columns."""
    found, loaded, error = _roster_reading(file_id, path)
    if found is None:
        st.error(error)
        return
    tables = edits(file_id)["sheets"]
    st.markdown("**Sheets** - each is loaded as the table shown; change it when a sheet was read wrongly.")
    if error:
        st.error(error)
    as_loaded = {sheet.name: sheet for sheet in loaded.sheets}
    rows = []
    for sheet in found.sheets:
        read_as = "tracker" if sheet.tracker else sheet.kind
        read_words = words.TABLE.get(read_as, "not a roster sheet") if read_as else "not a roster sheet"
        key = f"sheet_{file_id}_{sheet.name}"
        _seeded_select(
            f"Sheet “{sheet.name}”",
            [*SHEET_TABLES, NOT_ROSTER],
            tables.get(sheet.name, AUTO_TABLE),
            key,
            _set_sheet,
            (file_id, sheet.name, key),
            format_func=lambda t, read_words=read_words: (
                f"As read ({read_words})" if t == AUTO_TABLE
                else "Not loaded" if t == NOT_ROSTER
                else words.TABLE.get(t, t)
            ),
            help=("Close call: it reads almost as well as another table. " if sheet.close else "")
            + "The table this sheet's rows go to.",
        )  # fmt: skip
        chosen = tables.get(sheet.name)
        shown = as_loaded.get(sheet.name, sheet)
        read = [f"{column_label(c.canonical)} ← {c.header}" for c in shown.columns]
        ignored = list(shown.unused)
        if shown.groups:  # a wide tracker: its grouped columns load with their payer or credential
            in_groups = {h for _table, _label, fields in shown.groups for h in fields.values()}
            payers = sum(t == "enrollments" for t, _label, _fields in shown.groups)
            read.append(f"{payers} payer groups, {len(shown.groups) - payers} credential groups")
            ignored = [
                h for h in shown.headers if h not in in_groups and h not in {c.header for c in shown.columns}
            ]
        rows.append(
            {
                "Sheet": sheet.name,
                "Read as": read_words + (" (close call)" if sheet.close else ""),
                "Loaded as": (words.TABLE.get(chosen, "not loaded") if chosen and chosen != NOT_ROSTER
                              else "not loaded" if chosen == NOT_ROSTER else read_words),
                "Columns read": ", ".join(read),
                "Columns ignored": ", ".join(ignored),
                "Unsure": "; ".join(shown.warnings),
            }
        )  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder="", key=f"sheets_{file_id}")
    if tables:  # the page's confirmation of each choice (what the load will use)
        st.markdown(
            "Your choice: "
            + "; ".join(
                f"sheet “{fmt.plain(sheet)}” loads as "
                + ("nothing (not loaded)" if table == NOT_ROSTER else words.TABLE.get(table, table))
                for sheet, table in tables.items()
            )
            + "."
        )
    _sheet_columns_editor(file_id, loaded)


def _sheet_columns_editor(file_id: str, loaded) -> None:
    """One credentialing sheet's columns, as the export editor: every canonical column of the sheet's table
    (required first), the sheet's columns with samples, misfits, the first rows as they would load."""
    readable = _readable_sheets(loaded)
    if not readable:
        return
    key = f"sheet_pick_{file_id}"
    names = [s.name for s in readable]
    name = _seeded_select(
        "Check or change the columns of sheet",
        names,
        edits(file_id).get("sheet_pick"),
        key,
        _set_sheet_pick,
        (file_id, key),
    )
    sheet = next(s for s in readable if s.name == name)
    mine = (edits(file_id).get("sheet_columns") or {}).get(name) or {}
    effective = _sheet_effective(file_id, sheet)
    confidence = {c.canonical: c.confidence for c in sheet.columns}
    override = {c: h for c, h in mine.items() if h}
    grouped = _tracker_groups(sheet, f"groups_{file_id}_{name}")
    _columns_editor(
        sheet.kind,
        list(sheet.headers),
        sheet.sample,
        effective,
        confidence,
        override,
        key=lambda canonical: f"smap_{file_id}_{name}_{canonical}",
        on_change=lambda canonical, box: (
            _set_sheet_column,
            (file_id, name, "tracker" if sheet.tracker else sheet.kind, canonical, box),
        ),
        suffix=f"{file_id}_{name}",
        grouped=grouped,
    )


def _tracker_groups(sheet, key: str) -> dict[str, str]:
    """A wide tracker's column groups, one per payer and per credential, as a table (each loads as an
    enrollment with that payer or a credential of that type); returns {header: what it loads as}."""
    if not sheet.groups:
        return {}
    rows, grouped = [], {}
    for table, label, fields in sheet.groups:
        enrollment = table == "enrollments"
        named = {f: "Number" if f == "number" else column_label(f) for f in fields}  # DEA, board, policy no.
        rows.append(
            {
                "Group": label,
                "Loads as": f"Enrollment with {label}" if enrollment else f"Credential: {label}",
                "Columns": ", ".join(f"{named[f]} ← {h}" for f, h in fields.items()),
            }
        )
        for field_name, header in fields.items():
            grouped[header] = (
                f"{label}: {named[field_name].lower()} ({'enrollment' if enrollment else 'credential'})"
            )
    payers = sum(t == "enrollments" for t, _label, _fields in sheet.groups)
    st.markdown(
        f"**Column groups of this tracker**: {payers} payers, {len(sheet.groups) - payers} credentials. Each row "
        "of the sheet gives one enrollment per payer group and one credential per credential group it fills in."
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder="", key=key)
    return grouped


# ------------------------------------------------------------------------------------------ results


def status_words(result) -> str:
    """What happened to an upload, in words (the core's outcome): loaded, loaded with rows held, nothing
    loaded (held), nothing loaded, failed, duplicate, undone."""
    return outcome(
        str(getattr(result, "status", "") or ""),
        getattr(result, "rows_read", 0) or 0,
        getattr(result, "rows_loaded", 0) or 0,
        getattr(result, "rows_rejected", 0) or 0,
    )


def result_row(result, file_name: str) -> dict:
    """An UploadResult as one row of the results table."""
    return {
        "file": getattr(result, "file_name", None) or file_name,
        "kind": words.KIND.get(getattr(result, "kind", ""), getattr(result, "kind", "")),
        "status": status_words(result),
        "read": getattr(result, "rows_read", 0),
        "loaded": getattr(result, "rows_loaded", 0),
        "rejected": getattr(result, "rows_rejected", 0),
        "message": getattr(result, "message", "") or "",
        "upload_id": getattr(result, "upload_id", None),
    }
