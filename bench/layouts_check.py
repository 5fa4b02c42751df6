"""Load a generated layout into a fresh database and take what must not depend on the layout."""

from __future__ import annotations

import shutil
from pathlib import Path

from audits.ingest import ingest_file, ingest_files
from audits.runner import run_audit
from audits.store import connect
from bench.layouts_gen import MONTH

# Canonical tables and the columns compared (ids and upload bookkeeping left out).
TABLES = {
    "providers": "npi, provider_name, specialty, primary_state, status",
    "credentials": "npi, credential_type, number, state, expiration_date",
    "payers": "payer_id, payer_name, aliases",
    "enrollments": "npi, payer_id, status, submitted_date, effective_date, termination_date, allowed_pos",
    "service_scope": "npi, payer_id, code_from, code_to, approved",
    "claim_lines": "claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code, modifier_1, "
    "modifier_2, diagnosis_1, diagnosis_2, pos, units, billed_amount",
    "remit_lines": "payer_id, claim_id, line_no, claim_status, adjudication_date, billed_amount, paid_amount",
    "remit_adjustments": "group_code, carc, amount",
}


def _rows(con, table: str, columns: str) -> list[tuple]:
    rows = con.execute(f"SELECT {columns} FROM {table}").fetchall()  # noqa: S608 - names from TABLES
    if table == "payers":  # alias order follows the file's order of spellings
        rows = [(r[0], r[1], "|".join(sorted((r[2] or "").split("|")))) for r in rows]
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))


def load_and_audit(
    files: list[Path], database: Path, template: Path | None = None, batch: bool = False
) -> dict:
    """{table: sorted rows, 'findings': sorted findings, 'warnings': recognition warnings} of the month.
    With `batch`, the files go to ingest_files together (the batch decides their order)."""
    if template is not None:
        shutil.copyfile(template, database)
    out: dict = {"warnings": [], "failed": []}
    with connect(database) as con:
        if batch:
            for result in ingest_files(con, files):
                if result.status == "failed":
                    out["failed"].append(f"{result.file_name}: {result.message}")
                out["warnings"] += [f"{result.file_name}: {w}" for w in result.warnings]
            files = []
        for path in files:
            try:
                result = ingest_file(con, path)
            except Exception as exc:  # noqa: BLE001 - a file that did not load is what the check reports
                out["failed"].append(f"{path.name}: {exc}")
                continue
            out["warnings"] += [f"{path.name}: {w}" for w in result.warnings]
        for table, columns in TABLES.items():
            out[table] = _rows(con, table, columns)
        run_audit(con, MONTH)
        out["findings"] = sorted(
            con.execute(
                "SELECT rule_id, claim_id, line_no, rendering_npi, payer_id, amount_at_risk FROM findings"
            ).fetchall(),
            key=lambda r: tuple("" if v is None else str(v) for v in r),
        )
    return out


def differences(expected: dict, found: dict) -> list[str]:
    """What differs, table by table (empty when the layout was read right)."""
    out = list(found.get("failed", []))
    for key in [*TABLES, "findings"]:
        if expected[key] != found[key]:
            missing = [r for r in expected[key] if r not in found[key]][:3]
            extra = [r for r in found[key] if r not in expected[key]][:3]
            out.append(f"{key}: missing {missing} extra {extra}")
    return out
