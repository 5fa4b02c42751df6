"""Patient data where it does not belong (issue 14, SPEC 7): a rejected row keeps a cell as written only
when its column is mapped to a non-patient canonical column, every other cell as its keyed hash, and no
reason quotes such a cell (also when an unquoted comma shifted the row); raw uploads do not outlive
their use; the database and key files are their owner's only."""

from __future__ import annotations

import os
import random
import re
import stat
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from audits import privacy
from audits.ingest import ingest_file
from audits.ingest.patients import SHIFTED_NOTE
from audits.store import connect

ROOT = Path(__file__).resolve().parent.parent
NPI = "1234567893"
# synthetic patient cells under headers the loader does not map (or maps to patient columns)
PHI = {
    "Pt Name": "Quinn Marlowe",
    "Guarantor": "Rory Marlowe",
    "MBI": "1EG4TE5MK73",
    "Soc Sec #": "078-05-1120",
    "D.O.B.": "1961-07-04",
    "address": "12 Wren Lane",
    "phone": "555-0142",
    "e-mail": "quinn@example.org",
}
CLAIM = {"Claim ID": None, "Line": "1", "Rendering NPI": NPI, "Payer": "Aetna", "DOS": "2024-01-05",
         "CPT": "99213", "Charges": "100"}  # fmt: skip


def _rows_text(con) -> str:
    found = con.execute("SELECT raw_row || ' ' || reason FROM rejected_rows").fetchall()
    messages = con.execute("SELECT coalesce(message, '') FROM uploads").fetchall()
    return "\n".join(r[0] for r in found + messages)


def _csv(headers: list[str], rows: list[list[str]]) -> str:
    return "\n".join([",".join(headers), *(",".join(r) for r in rows)]) + "\n"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_rejected_rows_keep_only_mapped_non_patient_cells(con, tmp_path, seed):
    rng = random.Random(seed)
    phi_headers = list(PHI)
    rng.shuffle(phi_headers)  # the patient columns anywhere among the claim columns
    headers = list(CLAIM)
    for header in phi_headers:
        headers.insert(rng.randrange(1, len(headers) + 1), header)

    def row(claim_id, **over):
        cells = {**CLAIM, **PHI, "Claim ID": claim_id, **over}
        return [cells[h] for h in headers]

    rows = [
        row("C1"),
        row("C2", Payer="Zeta Plan"),  # held: unknown payer
        row("C3", DOS="01/45/2024"),  # rejected: not a date
        row("C4", CPT=""),  # rejected: no code
    ]
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    path = tmp_path / "claims.csv"
    path.write_text(_csv(headers, rows))
    result = ingest_file(con, path)
    assert result.rows_rejected == 3
    text = _rows_text(con)
    unhashed = re.sub(r"[0-9a-f]{64}", "", text)  # (a fragment like '1120' can occur inside a hash)
    for header, value in PHI.items():
        assert value not in text, header
        for part in value.replace("-", " ").split():  # no fragment of the cell either
            if len(part) > 3 and header != "D.O.B.":  # (the birth year may be kept, SPEC 7)
                assert part not in unhashed, (header, part)
    key = privacy.hmac_key()
    assert "hmac:" + privacy.patient_key_of(PHI["address"], key) in text  # kept, as its keyed hash
    assert "Zeta Plan" in text and "01/45/2024" in text  # mapped, non-patient: kept for the analyst


def test_a_row_shifted_by_an_unquoted_comma_is_hashed_whole_and_quoted_nowhere(con, tmp_path):
    headers = ["Claim ID", "Line", "Rendering NPI", "Pt Name", "Payer", "DOS", "CPT", "Charges", "MBI"]
    good = ["C1", "1", NPI, "Quinn Marlowe", "Aetna", "2024-01-05", "99213", "100", PHI["MBI"]]
    shifted = ["C2", "1", NPI, "Marlowe, Quinn", "Aetna", "2024-01-05", "99213", "100", PHI["MBI"]]
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    path = tmp_path / "claims.csv"
    path.write_text(_csv(headers, [good, [c.replace("Marlowe, Quinn", "Marlowe, Quinn") for c in shifted]]))
    ingest_file(con, path)
    rows = con.execute("SELECT raw_row, reason FROM rejected_rows").fetchall()
    assert len(rows) == 1
    raw, reason = rows[0]
    assert "Quinn" not in raw and "Marlowe" not in raw and PHI["MBI"] not in raw
    assert reason.endswith(SHIFTED_NOTE) and "Quinn" not in reason and "'" not in reason
    assert '"Claim ID": "hmac:' in raw  # every cell of that row: its columns cannot be trusted


def test_a_roster_rows_unmapped_cells_are_hashed(con, tmp_path):
    # a credentialing sheet with columns nobody maps (a home address, a date of birth, a phone): a rejected
    # row keeps its mapped cells (for the analyst to fix), none of the others as written
    headers = ["NPI", "Provider Name", "Specialty", "Home Address", "D.O.B.", "phone"]
    rows = [
        [NPI, "Avery Stone", "Cardiology", "12 Wren Lane", "1961-07-04", "555-0142"],
        ["1234567890", "Blair Reed", "Family Medicine", "9 Heron Road", "1970-02-03", "555-0199"],  # bad NPI
    ]
    path = tmp_path / "providers.csv"
    path.write_text(_csv(headers, rows))
    result = ingest_file(con, path, kind="roster")
    assert result.rows_rejected == 1
    text = _rows_text(con)
    for value in ("9 Heron Road", "Heron", "1970-02-03", "555-0199"):
        assert value not in text, value
    assert "1234567890" in text and "Blair Reed" in text  # mapped roster cells stay readable
    # the date of birth is not read as the provider's hire date by its values (it looks like a patient's)
    assert con.execute("SELECT hire_date FROM providers").fetchall() == [(None,)]


def test_database_and_key_files_are_owner_only(tmp_path, monkeypatch):
    target = tmp_path / "new-folder" / "practice.duckdb"
    with connect(target) as con:
        con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    os.chmod(target, 0o644)  # a copy made world-readable is made owner-only again on open
    with connect(target, read_only=True):
        pass
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    key_file = tmp_path / "keys" / "hmac.key"
    monkeypatch.setenv("CLEARTOBILL_KEY_FILE", str(key_file))
    privacy.hmac_key()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700


def test_stale_upload_folders_are_swept(tmp_path, monkeypatch):
    import tempfile

    from app_pages import _identity

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = tmp_path / f"{_identity.UPLOAD_PREFIX}old"
    fresh = tmp_path / f"{_identity.UPLOAD_PREFIX}fresh"
    other = tmp_path / "someone-else"
    for folder in (old, fresh, other):
        (folder / "f").mkdir(parents=True)
        (folder / "f" / "claims.csv").write_text("Pt Name\nQuinn Marlowe\n")
    long_ago = time.time() - 3600
    os.utime(old, (long_ago, long_ago))
    os.utime(other, (long_ago, long_ago))
    assert _identity.sweep_stale_uploads(15 * 60) == 1
    assert not old.exists() and fresh.exists() and other.exists()


def test_a_file_taken_out_of_the_uploader_is_deleted(tmp_path, monkeypatch, db_path):
    monkeypatch.setenv("CLEARTOBILL_DB", str(db_path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.switch_page("app_pages/upload.py")
    at.run()
    at.file_uploader[0].set_value(("claims.csv", b"Pt Name,CPT\nQuinn Marlowe,99213\n", "text/csv")).run()
    folder = Path(at.session_state["upload_dir"])
    assert [p.name for p in folder.glob("*/*")] == ["claims.csv"]
    at.file_uploader[0].set_value(None).run()
    assert not at.exception
    assert list(folder.glob("*/*")) == []


@pytest.mark.parametrize(
    "header",
    [
        f"{prefix}{word}{suffix}"
        for word in (
            "D.O.B.",
            "DOB",
            "Date of Birth",
            "Birth Date",
            "Pt DOB",
            "Patient Birthdate",
            "Soc. Sec. #",
            "SSN",
        )
        for prefix, suffix in (("", ""), ("PAT_", ""), ("", " (MM/DD/YYYY)"))
    ],
)
def test_a_patient_header_in_any_spelling_is_not_mapped_by_its_values(header):
    # generated spellings of a birth-date / social-security column beside a providers sheet: by values alone a
    # date column would pass for the hire date; a header that names a patient's field never does
    from audits.ingest.mapping import map_columns
    from audits.ingest.patients import looks_like_patient_header

    frame = pd.DataFrame(
        [
            ["NPI", "Provider Name", "Specialty", header],
            [NPI, "Avery Stone", "Cardiology", "1961-07-04"],
            ["1111111112", "Blair Reed", "Family Medicine", "1970-02-03"],
        ]
    )
    assert looks_like_patient_header(header)
    assert header not in map_columns(frame, "providers").as_dict().values()
