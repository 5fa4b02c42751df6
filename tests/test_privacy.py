"""Patient identifiers never stored raw (SPEC 7): keyed hash, key outside the database, birth year only."""

from __future__ import annotations

import stat

import pandas as pd
import pytest

from audits import privacy
from audits.ingest import ingest_file


def test_key_file_is_created_0600_and_reused(tmp_path, monkeypatch):
    key_file = tmp_path / "keys" / "hmac.key"
    monkeypatch.setenv("CLEARTOBILL_KEY_FILE", str(key_file))
    first = privacy.patient_keys(pd.Series(["M1"]))[0]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert privacy.patient_keys(pd.Series(["M1"]))[0] == first
    key_file.write_text("another-secret\n")
    assert privacy.patient_keys(pd.Series(["M1"]))[0] != first


def test_environment_key_wins_over_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("CLEARTOBILL_HMAC_KEY", "from-env")
    import hashlib
    import hmac

    expected = hmac.new(b"from-env", b"DOE JANE", hashlib.sha256).hexdigest()
    assert privacy.patient_keys(pd.Series([" doe   jane "]))[0] == expected
    assert not (tmp_path / "key").exists() or not any((tmp_path / "key").iterdir())


def test_each_distinct_identifier_is_hashed_once(monkeypatch):
    calls = []
    real = privacy._mac

    def counting(base, value):
        calls.append(value)
        return real(base, value)

    monkeypatch.setattr(privacy, "_mac", counting)
    keys = privacy.patient_keys(pd.Series(["A", "B", "A", None, "a ", "B"]))
    assert sorted(calls) == ["A", "A", "B"] or sorted(calls) == ["A", "B"]
    assert keys[0] == keys[2] == keys[4] and keys[0] != keys[1] and keys[3] is None
    assert keys[0] == privacy.patient_key_of("a")


RAW = [
    "Zebedee Quixote",
    "QX-778812",
    "1961-07-04",
    "07/04/1961",
    "Marigold Fennimore",
    "QX-990011",
    "1958-12-25",
]


def test_raw_patient_identifiers_appear_in_no_table(con, tmp_path):
    con.execute("INSERT INTO payers (payer_id, payer_name) VALUES ('AETNA', 'Aetna')")
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "Claim ID,Line,Patient Name,Member ID,Patient DOB,Rendering NPI,Payer,DOS,CPT,Charges\n"
        "C1,1,Zebedee Quixote,QX-778812,07/04/1961,1234567893,Aetna,2024-01-05,99213,100\n"
        "C2,1,Marigold Fennimore,QX-990011,1958-12-25,1234567893,Unknown Co,2024-01-05,99213,100\n"
        "C3,1,Marigold Fennimore,QX-990011,1958-12-25,,Aetna,2024-01-05,99213,100\n",
        encoding="utf-8",
    )
    remits = tmp_path / "remits.csv"
    remits.write_text(
        "Claim Number,Patient Name,Member ID,Payer,Check Date,CPT,Billed,Paid\n"
        "C1,Zebedee Quixote,QX-778812,Aetna,2024-02-01,99213,100,80\n"
        "C2,Marigold Fennimore,QX-990011,Unknown Co,2024-02-01,99213,100,0\n",
        encoding="utf-8",
    )
    assert ingest_file(con, claims).rows_rejected == 2
    assert ingest_file(con, remits).rows_rejected == 1
    assert con.execute("SELECT patient_birth_year FROM claim_lines").fetchall() == [(1961,)]

    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR' AND table_schema = 'main'"
    ).fetchall()
    assert ("rejected_rows", "raw_row") in columns and ("claim_lines", "patient_key") in columns
    for table, column in columns:
        for raw in RAW + [r.upper() for r in RAW]:
            hits = con.execute(
                f'SELECT count(*) FROM "{table}" WHERE strpos(CAST("{column}" AS VARCHAR), ?) > 0', [raw]
            ).fetchall()[0][0]
            assert hits == 0, f"{raw!r} found in {table}.{column}"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_blank_identifiers_have_no_key(value):
    assert privacy.patient_keys(pd.Series([value], dtype=object))[0] is None
