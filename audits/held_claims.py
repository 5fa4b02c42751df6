"""Claims the gate held: kept with their original segments, re-checked against the roster, released once.

- `record_gate` (called by audits.gate.gate_file) stores the run, and each held claim with its lines (as
  the rules judge them, no patient data) and its original segments or rows (sealed: audits.sealing).
  A claim id that goes through the gate again replaces the earlier held claim (status `superseded`): the
  practice corrected and resubmitted it, so releasing the old copy would bill it twice.
- `held_list` re-judges every waiting claim against the current roster with the same evaluation as the
  gate, so a roster upload that makes a claim clear (an enrollment became effective, a licence renewed)
  shows it as **ready to release** the next time anyone looks; nothing has to be re-run.
- `release` writes the ready claims as a new batch (an 837P from 837P claims, a CSV/xlsx from rows of such
  exports) and marks them `released` in the same transaction that checks they were still waiting, so a
  claim is never released twice, even by two releases at once (DuckDB lets one writer in at a time).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from audits.errors import InputError
from audits.sealing import seal, unseal
from audits.store import transaction

_PURPOSE = b"held_claim"
_LINE_COLUMNS = [
    "position",
    "line_no",
    "rendering_npi",
    "payer_ref",
    "payer_name",
    "date_of_service",
    "procedure_code",
    "pos",
    "service_state",
    "billed_amount",
]
RELEASE_CONTROL_BASE = 900_000_000  # ISA13 of a release batch: 9 followed by the release id (8 digits)


def who(name: str | None) -> str:
    """The person doing it: as given, else the operating-system user."""
    if name and str(name).strip():
        return str(name).strip()
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _roster_state(con: duckdb.DuckDBPyConnection) -> tuple[int | None, str]:
    from audits.rules import rules_version

    snapshot = con.execute("SELECT max(snapshot_id) FROM roster_current").fetchall()[0][0]
    return snapshot, rules_version()


def record_gate(con, path: Path, batch, result, checked_by: str | None, clean_sha: str | None) -> None:
    """Store the run and its held claims (one transaction); sets result.gate_id and each claim's held_id."""
    held = [c for c in result.claims if c.held]
    snapshot, version = _roster_state(con)
    sha = _file_sha256(path)
    by = who(checked_by)
    originals = [json.dumps(batch.originals(c.position), ensure_ascii=False).encode("utf-8") for c in held]
    sealed = [seal(o, _PURPOSE + b":" + batch.format.encode()) for o in originals]
    with transaction(con):
        gate_id = con.execute("SELECT nextval('gate_id_seq')").fetchall()[0][0]
        con.execute(
            "INSERT INTO gate_runs (gate_id, file_name, sha256, format, checked_by, snapshot_id, rules_version, "
            "claims, lines, held_claims, clean_claims, held_amount, clean_amount, clean_sha256) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                gate_id,
                path.name,
                sha,
                batch.format,
                by,
                snapshot,
                version,
                len(result.claims),
                result.lines,
                len(held),
                len(result.claims) - len(held),
                round(sum(c.billed_amount for c in held), 2),
                round(sum(c.billed_amount for c in result.claims if not c.held), 2),
                clean_sha,
            ],
        )
        ids = pa.table({"claim_id": pa.array(sorted({c.claim_id for c in result.claims}), pa.string())})
        con.register("gate_batch_claim_ids", ids)
        try:
            result.superseded = con.execute(
                "UPDATE held_claims SET status = 'superseded', superseded_by = ?, status_at = current_timestamp, "
                "status_by = ? WHERE status = 'held' AND claim_id IN (SELECT claim_id FROM gate_batch_claim_ids)",
                [gate_id, by],
            ).fetchall()[0][0]
        finally:
            con.unregister("gate_batch_claim_ids")
        if held:
            first = con.execute(
                "SELECT nextval('held_id_seq') FROM range(?) ORDER BY 1", [len(held)]
            ).fetchall()
            for claim, (held_id,) in zip(held, first, strict=True):
                claim.held_id = int(held_id)
            claims_table = pa.table(
                {
                    "held_id": pa.array([c.held_id for c in held], pa.int32()),
                    "claim_position": pa.array([c.position for c in held], pa.int32()),
                    "claim_id": pa.array([c.claim_id for c in held], pa.string()),
                    "billed_amount": pa.array([c.billed_amount for c in held], pa.float64()),
                    "service_lines": pa.array([c.service_lines for c in held], pa.int32()),
                    "rule_ids": pa.array([",".join(c.rule_ids) for c in held], pa.string()),
                    "reasons": pa.array([c.reason_words for c in held], pa.string()),
                    "actions": pa.array([c.actions for c in held], pa.string()),
                    "original": pa.array(sealed, pa.binary()),
                }
            )
            con.register("gate_held_rows", claims_table)
            try:
                con.execute(
                    "INSERT INTO held_claims (held_id, gate_id, claim_position, claim_id, format, billed_amount, "
                    "service_lines, rule_ids, reasons, actions, original, status, status_at, status_by) "
                    "SELECT held_id, ?, claim_position, claim_id, ?, billed_amount, service_lines, rule_ids, "
                    "reasons, actions, original, 'held', current_timestamp, ? FROM gate_held_rows",
                    [gate_id, batch.format, by],
                )
            finally:
                con.unregister("gate_held_rows")
            held_of = {c.position: c.held_id for c in held}
            columns = batch.columns
            subset = columns.frame([i for i, p in enumerate(columns.claim_position) if p in held_of])
            frame = pd.DataFrame(
                {
                    "held_id": [held_of[p] for p in subset["claim_position"]],
                    **{name: list(subset[name]) for name in _LINE_COLUMNS},
                }
            )
            frame = frame.astype(object).where(frame.notna(), None)
            con.register("gate_held_lines", frame)
            try:
                con.execute(
                    "INSERT INTO held_claim_lines SELECT CAST(held_id AS INTEGER), CAST(position AS INTEGER), "
                    "TRY_CAST(line_no AS INTEGER), CAST(rendering_npi AS VARCHAR), CAST(payer_ref AS VARCHAR), "
                    "CAST(payer_name AS VARCHAR), CAST(date_of_service AS DATE), CAST(procedure_code AS VARCHAR), "
                    "CAST(pos AS VARCHAR), CAST(service_state AS VARCHAR), TRY_CAST(billed_amount AS DECIMAL(14,2)) "
                    "FROM gate_held_lines"
                )
            finally:
                con.unregister("gate_held_lines")
    result.gate_id = int(gate_id)


# --------------------------------------------------------------------------------------------
# what is waiting, and what is ready


HELD_LIST_COLUMNS = [
    "held_id",
    "claim_id",
    "batch",
    "held_at",
    "format",
    "billed_amount",
    "service_lines",
    "held_for",
    "ready",
    "still_blocking",
    "what_to_fix",
]


def held_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every claim still held, re-judged against the current roster: `ready` True when it would clear now."""
    from audits.gate import judge

    claims = con.execute(
        "SELECT h.held_id, h.claim_id, g.file_name AS batch, g.checked_at AS held_at, h.format, "
        "CAST(h.billed_amount AS DOUBLE) AS billed_amount, h.service_lines, h.reasons AS held_for "
        "FROM held_claims AS h JOIN gate_runs AS g ON g.gate_id = h.gate_id "
        "WHERE h.status = 'held' ORDER BY h.held_id"
    ).df()
    if claims.empty:
        return pd.DataFrame(columns=HELD_LIST_COLUMNS)
    lines = con.execute(
        "SELECT l.held_id, l.position, l.line_no, l.rendering_npi, l.payer_ref, l.payer_name, l.date_of_service, "
        "l.procedure_code, l.pos, l.service_state, CAST(l.billed_amount AS DOUBLE) AS billed_amount "
        "FROM held_claim_lines AS l JOIN held_claims AS h ON h.held_id = l.held_id "
        "WHERE h.status = 'held' ORDER BY l.held_id, l.position"
    ).df()
    order = {held_id: i + 1 for i, held_id in enumerate(claims["held_id"])}
    lines.insert(0, "claim_position", lines["held_id"].map(order))
    lines["date_of_service"] = [
        d.date() if isinstance(d, pd.Timestamp) else (d if isinstance(d, dt.date) else None)
        for d in lines["date_of_service"]
    ]
    lines = lines.astype(object).where(lines.notna(), None)
    from audits.gate import _Columns

    reasons = judge(con, _Columns.from_frame(lines.drop(columns=["held_id"])), len(claims))
    claims["ready"] = [not r for r in reasons]
    claims["still_blocking"] = [" | ".join(dict.fromkeys(x.words() for x in r)) for r in reasons]
    claims["what_to_fix"] = [" ".join(dict.fromkeys(x.action for x in r if x.action)) for r in reasons]
    return claims[HELD_LIST_COLUMNS]


def ready_to_release(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    held = held_list(con)
    return held[held["ready"].astype(bool)].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# release


@dataclass
class ReleaseResult:
    release_id: int | None
    path: Path | None
    format: str
    claims: int
    claim_ids: list[str]
    waiting: int  # ready claims of other formats, left for a release to such a file

    def summary(self) -> str:
        if not self.claims:
            return "No held claim of this kind is ready to release; nothing was written."
        return f"{self.claims:,} claims released to {self.path.name} (release {self.release_id})."


def _format_for(out: Path) -> str:
    suffix = out.suffix.lower()
    return {".csv": "csv", ".xlsx": "xlsx"}.get(suffix, "837")


def release(
    con: duckdb.DuckDBPyConnection,
    out,
    *,
    released_by: str | None = None,
    held_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> ReleaseResult:
    """Write the claims ready to release (of the format `out` names: .csv, .xlsx, else 837P) as a new batch
    and mark them released. `held_ids` narrows it to some of them. Nothing ready: nothing written."""
    out = Path(out)
    fmt = _format_for(out)
    by = who(released_by)
    when = (now or dt.datetime.now()).replace(microsecond=0)
    written = False
    try:
        with transaction(con):
            result = _release_in_transaction(con, out, fmt, by, when, held_ids)
            written = result.path is not None
    except BaseException:
        if written:  # the file went out but the claims were not marked: take it back
            out.unlink(missing_ok=True)
        raise
    return result


def _release_in_transaction(con, out: Path, fmt: str, by: str, when: dt.datetime, held_ids) -> ReleaseResult:
    from audits.gate import _write_atomically

    ready = ready_to_release(con)
    if held_ids is not None:
        unknown = set(held_ids) - set(ready["held_id"])
        if unknown:
            raise InputError(
                f"Held claim(s) {', '.join(str(i) for i in sorted(unknown))} are not ready to release "
                "(still blocked, already released or unknown) - check the held list."
            )
        ready = ready[ready["held_id"].isin(held_ids)]
    chosen = ready[ready["format"] == fmt]
    waiting = len(ready) - len(chosen)
    if chosen.empty:
        return ReleaseResult(None, None, fmt, 0, [], waiting)
    rows = con.execute(
        "SELECT held_id, original FROM held_claims WHERE held_id IN (SELECT unnest(?)) ORDER BY held_id",
        [[int(i) for i in chosen["held_id"]]],
    ).fetchall()
    originals = [
        json.loads(unseal(blob, _PURPOSE + b":" + fmt.encode()).decode("utf-8")) for _i, blob in rows
    ]
    release_id = int(con.execute("SELECT nextval('release_id_seq')").fetchall()[0][0])
    control = RELEASE_CONTROL_BASE + release_id
    payload = _batch_bytes(fmt, originals, control, when, f"REL{release_id}")
    changed = con.execute(
        "UPDATE held_claims SET status = 'released', release_id = ?, status_at = ?, status_by = ? "
        "WHERE status = 'held' AND held_id IN (SELECT unnest(?))",
        [release_id, when, by, [int(i) for i, _b in rows]],
    ).fetchall()[0][0]
    if changed != len(rows):  # pragma: no cover - another writer cannot get in between (one writer)
        raise InputError("Some of these claims were released meanwhile - run the release again.")
    con.execute(
        "INSERT INTO gate_releases (release_id, released_at, released_by, file_name, sha256, format, claims, "
        "interchange_control) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            release_id,
            when,
            by,
            out.name,
            hashlib.sha256(payload).hexdigest(),
            fmt,
            len(rows),
            f"{control:09d}",
        ],
    )
    # written before the commit: if writing fails the claims stay held; if the commit fails, the file goes
    _write_atomically(out, lambda tmp: tmp.write_bytes(payload))
    return ReleaseResult(release_id, out, fmt, len(rows), list(chosen["claim_id"]), waiting)


def _batch_bytes(fmt: str, originals: list[dict], control: int, when: dt.datetime, reference: str) -> bytes:
    if fmt == "837":
        from audits.ingest.x12_837_envelope import ClaimParts, build_batch

        parts = [ClaimParts.from_json(o) for o in originals]
        text = build_batch(parts, control, when, reference)
        encodings = {o.get("encoding", "utf-8") for o in originals}
        return text.encode("latin-1" if encodings == {"latin-1"} else "utf-8")
    if fmt == "csv":
        header = originals[0]["header"]
        line_break = "\r\n" if header.endswith("\r\n") else "\n"
        records = [header if header.endswith(("\n", "\r")) else header + line_break]
        for original in originals:
            for record in original["rows"]:
                records.append(record if record.endswith(("\n", "\r")) else record + line_break)
        encoding = originals[0].get("encoding", "utf-8")
        return (b"\xef\xbb\xbf" if originals[0].get("bom") else b"") + "".join(records).encode(encoding)
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Released claims"
    sheet.append(originals[0]["header"])
    for original in originals:
        for row in original["rows"]:
            sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, dict) and "date" in value:
        text = value["date"]
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    return value
