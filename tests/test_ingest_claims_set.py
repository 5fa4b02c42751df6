"""The set-based claims path (audits.ingest.claims_set) against the contract and against the general path.

A plain UTF-8 claims CSV is loaded with its rows kept in DuckDB; any other file goes through pandas.
Both must give the same tables for the same file: each file here is loaded both ways (the general
way by turning the set path off) and every table compared, and a few outcomes are checked by hand.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from audits.ingest import claims_set, ingest_file
from audits.ingest import loader as loader_mod
from audits.store import connect

HEADER = (
    "Claim #,Line #,Member ID,Patient Name,DOB,Rendering NPI,Payer,Date of Service,Submitted Date,CPT/HCPCS,"
    "Modifiers,Diagnosis Codes,POS,Units,Charges,State\n"
)
# Data rows start on file row 4 (two title rows, then the header). The comment is each row's point.
MESSY = [
    'C1,1,M1,,,1234567893,Aetna,01/05/2024,2024-01-07,0001U,"26,59","I10; E11.9",2,1,"$1,234.00",nc',  # 4
    "C1,2,m1 ,,,1234567893,aetna inc.,2024-01-06,,g0439,,,11,1.5,100,NC",  # 5 alias, lower-case code
    '  C2 ,1,,"Doe, Jane",1980-02-03,1234567893,BCBS,45299,,99213,25,Z00.00,11,,(12.00),NC',  # 6 name + DOB
    "C3,1,M3,,,1234567893,Unknown Health,2024-01-08,,99214,,,11,1,50,NC",  # 7 unknown payer
    "C3,2,M3,,,,BCBS,2024-01-08,,99214,,,11,1,50,NC",  # 8 missing rendering NPI
    "C4,1,M4,,,1234567893,BCBS,2024-02-30,,99214,,,11,1,50,NC",  # 9 not a calendar date
    "C4,2,M4,,,1234567893,BCBS,2024-02-03,,99214,,,11,1,abc,NC",  # 10 not an amount
    "C4,3,M4,,,1234567893,BCBS,2024-02-03,,99214,,,11,x,50,NC",  # 11 units not a number
    "C4,0,M4,,,1234567893,BCBS,2024-02-03,,99214,,,11,1,50,NC",  # 12 line 0
    "C4,1.0,M4,,,1234567893,BCBS,2024-02-03,,99214,,,11,1,50,NC",  # 13 line 1 (row 9 was rejected)
    "C5,1,M5,,,1234567893,BCBS,2024-02-03,,N/A,,,11,1,50,NC",  # 14 missing procedure
    "C6,1,M6,,,1234567893,,2024-02-03,,99214,,,11,1,50,NC",  # 15 missing payer
    "C6,1,M6,,,1234567893,BCBS,2024-02-03,,99214,,,11,1,50,NC",  # 16 first good (C6, 1)
    "C6,1,M6,,,1234567893,BCBS,2024-02-04,,99214,,,11,1,60,NC",  # 17 duplicate of row 16
    ",,,,,,,,,,,,,,,",  # 18 a row of empty cells: skipped, not counted
    "Café-7,1,M7,,,1234567893,BCBS,2024-02-03,,99214,,,11,1,50,NC",  # 19 non-ASCII claim id
    "C8,2,M8,,,1234567893,BCBS,2024-02-03,,99214,,,11,1,50,NC",  # 20 lines out of order
    "C8,1,M8,,,1234567893,BCBS,2024-02-03,,99214,,,11,1,50,NC",  # 21
    'C9,1,M9,,,1234567893,BCBS,20240115,,99214,,,11,1,"1.234,50",NC',  # 22 compact date, decimal comma
    "C9,2,M9,,,1234567893,BCBS,2024-01-15,,99214,,,11,1,12.345,NC",  # 23 three decimals
    "12345.0,1,M10,,,1234567893,BCBS,2024-01-15,,99214,,,11,1,10,NC",  # 24 claim id typed as a number
    "NA,1,M11,,,1234567893,BCBS,2024-01-15,,99214,,,11,1,10,NC",  # 25 claim id that means nothing
    "Total,,,,,,,,,,,,,,1234.00,",  # 26 totals row
    ",,,,,,,Grand Total,,,,,,,99.00,",  # 27 totals label in another column
]


def _payers(con):
    con.execute(
        "INSERT INTO payers (payer_id, payer_name, aliases) VALUES "
        "('AETNA', 'Aetna Health', 'Aetna|AETNA INC'), ('BCBS', 'Blue Cross Blue Shield', NULL)"
    )


def _csv(tmp_path, name, header, rows, title=True):
    text = (
        ("Acme claims export\nExported on 02/01/2024,,\n" if title else "") + header + "\n".join(rows) + "\n"
    )
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _tables(con):
    lines = con.execute(
        "SELECT * EXCLUDE (upload_id, loaded_at, row_sha256) FROM claim_lines ORDER BY claim_id, line_no"
    ).fetchall()
    rejected = con.execute(
        "SELECT row_number, sheet, raw_row, column_name, reason FROM rejected_rows ORDER BY row_number"
    ).fetchall()
    uploads = con.execute(
        "SELECT kind, status, rows_read, rows_loaded, rows_rejected, message, mapping_json FROM uploads "
        "ORDER BY upload_id"
    ).fetchall()
    return lines, rejected, uploads


def _load(tmp_path, monkeypatch, path, *, set_path: bool, name: str):
    """Load `path` into a fresh database one way; (tables, result, set path runs)."""
    runs = []
    stage = claims_set.stage

    def counted(*args, **kwargs):
        runs.append(1)
        return stage(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(claims_set, "stage", counted)
        if not set_path:
            patch.setattr(loader_mod, "_ingest_claims_csv", lambda *a, **k: (None, None))
        with connect(tmp_path / f"{name}.duckdb") as con:
            _payers(con)
            result = ingest_file(con, path)
            return _tables(con), result, len(runs)


def _both_ways(tmp_path, monkeypatch, path):
    fast, fast_result, fast_runs = _load(tmp_path, monkeypatch, path, set_path=True, name="set")
    slow, slow_result, slow_runs = _load(tmp_path, monkeypatch, path, set_path=False, name="general")
    return fast, fast_result, fast_runs, slow, slow_result, slow_runs


def test_messy_export_loads_the_same_both_ways(tmp_path, monkeypatch):
    path = _csv(tmp_path, "claims.csv", HEADER, MESSY)
    fast, fast_result, fast_runs, slow, slow_result, slow_runs = _both_ways(tmp_path, monkeypatch, path)
    assert (fast_runs, slow_runs) == (1, 0)  # the set path did the first load, and only that one
    assert fast[0] == slow[0]  # claim lines, every column
    assert fast[1] == slow[1]  # rejected rows: row numbers, hashed raw cells, columns, reasons
    assert fast[2] == slow[2]  # the upload row: counts, message, mapping
    assert fast_result.unknown_payers == slow_result.unknown_payers
    assert fast_result.rejection_reasons == slow_result.rejection_reasons


def test_messy_export_outcomes_by_hand(tmp_path, monkeypatch):
    path = _csv(tmp_path, "claims.csv", HEADER, MESSY)
    (lines, rejected, uploads), result, runs = _load(tmp_path, monkeypatch, path, set_path=True, name="set")
    assert runs == 1
    # Rows 4-27 less row 18 (empty cells: not a row) = 23; rejected: rows 7-12, 14, 15, 17, 25, 26, 27.
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (23, 11, 12)
    reasons = {row: (column, reason) for row, _sheet, _raw, column, reason in rejected}
    assert reasons[8] == ("rendering_npi", "missing rendering_npi")
    assert reasons[9][0] == "date_of_service" and reasons[9][1].startswith(
        "date_of_service not a calendar date"
    )
    assert reasons[10][1].startswith("billed_amount not an amount")
    assert reasons[11][1].startswith("units not an amount")
    assert reasons[12] == ("line_no", "line_no is not a whole number above 0")
    assert reasons[14] == ("procedure_code", "missing procedure_code")
    assert reasons[15] == ("payer", "missing payer")
    assert reasons[17] == ("claim_id", "duplicate of row 16 in the same file")
    assert reasons[25] == ("claim_id", "missing claim_id")
    assert reasons[26] == reasons[27] == ("claim_id", "totals row, not a claim line")
    assert reasons[7][0] == "payer" and reasons[7][1].startswith("unknown payer: Unknown Health")
    assert list(result.unknown_payers) == ["Unknown Health"]
    by_key = {(claim, line): row for claim, line, *row in lines}
    assert set(by_key) == {("C1", 1), ("C1", 2), ("C2", 1), ("C4", 1), ("C6", 1), ("Café-7", 1), ("C8", 1),
                           ("C8", 2), ("C9", 1), ("C9", 2), ("12345", 1)}  # fmt: skip
    columns = [d[0] for d in _columns(tmp_path)]
    c1 = dict(zip(columns[2:], by_key[("C1", 1)], strict=True))
    assert (c1["payer_id"], c1["date_of_service"], c1["submitted_date"]) == (
        "AETNA",
        dt.date(2024, 1, 5),
        dt.date(2024, 1, 7),
    )
    assert (c1["modifier_1"], c1["modifier_2"], c1["diagnosis_1"], c1["diagnosis_2"]) == (
        "26",
        "59",
        "I10",
        "E119",
    )
    assert (c1["pos"], c1["service_state"], float(c1["billed_amount"])) == ("02", "NC", 1234.0)
    c1_2 = dict(zip(columns[2:], by_key[("C1", 2)], strict=True))
    assert (c1_2["procedure_code"], c1_2["units"], c1_2["patient_key"]) == ("G0439", 1.5, c1["patient_key"])
    c2 = dict(zip(columns[2:], by_key[("C2", 1)], strict=True))
    # Excel serial 45292 is 2024-01-01.
    assert (c2["date_of_service"], float(c2["billed_amount"]), c2["patient_birth_year"]) == (
        dt.date(2024, 1, 8),
        -12.0,
        1980,
    )
    assert c2["patient_key"] not in (None, c1["patient_key"])
    c9 = dict(zip(columns[2:], by_key[("C9", 1)], strict=True))
    assert (c9["date_of_service"], float(c9["billed_amount"])) == (dt.date(2024, 1, 15), 1234.5)
    assert float(dict(zip(columns[2:], by_key[("C9", 2)], strict=True))["billed_amount"]) == 12.35
    # No raw patient identifier anywhere: the member ids and the name are hashed in the rejected rows too.
    dumped = json.dumps(rejected) + json.dumps([list(map(str, row)) for row in lines])
    assert "M3" not in dumped and "Doe" not in dumped and "M11" not in dumped
    assert uploads[0][:2] == ("claims", "loaded")


def _columns(tmp_path):
    with connect(tmp_path / "set.duckdb") as con:
        return con.execute(
            "SELECT * EXCLUDE (upload_id, loaded_at, row_sha256) FROM claim_lines LIMIT 0"
        ).description


def test_export_without_line_numbers_and_with_numbered_columns(tmp_path, monkeypatch):
    header = "Claim #,Member ID,Rendering NPI,Payer,Date of Service,CPT/HCPCS,Mod 1,Mod 2,Dx 1,Dx 2,Charges\n"
    rows = [
        "B2,M1,1234567893,BCBS,2024-03-01,99213,25,,I10,,10",  # B2 line 1
        "B1,M1,1234567893,BCBS,2024-03-01,99213,,,e11.9,Z00.00,10",  # B1 line 1
        "B2,M1,1234567893,BCBS,2024-03-01,93000,26,59,I10,,20",  # B2 line 2 (its position in the claim)
        "Total,,,,,,,,,,40",
    ]
    path = _csv(tmp_path, "claims.csv", header, rows, title=False)
    fast, fast_result, fast_runs, slow, _slow_result, _slow_runs = _both_ways(tmp_path, monkeypatch, path)
    assert fast_runs == 1
    assert fast == slow
    keys = [(claim, line, mod1, mod2, dx1, dx2) for claim, line, *rest in fast[0]
            for mod1, mod2, dx1, dx2 in [(rest[8], rest[9], rest[12], rest[13])]]  # fmt: skip
    assert keys == [
        ("B1", 1, None, None, "E119", "Z0000"),
        ("B2", 1, "25", None, "I10", None),
        ("B2", 2, "26", "59", "I10", None),
    ]
    assert (fast_result.rows_read, fast_result.rows_loaded, fast_result.rows_rejected) == (4, 3, 1)


@pytest.mark.parametrize(
    "rows",
    [
        ["C1,1,M1,,,1234567893,BCBS,2024-01-05,,99213,,,11,1,10,NC", "", "C2,1,M1,,,1234567893,BCBS,2024-01-05,,99213,,,11,1,10,NC"],  # a blank line
        ["C1,1,M1,,,1234567893,BCBS,2024-01-05,,99213,, \"I10\",11,1,10,NC"],  # a blank before a quote
    ],
)  # fmt: skip
def test_files_duckdb_reads_differently_go_the_general_way(tmp_path, monkeypatch, rows):
    path = _csv(tmp_path, "claims.csv", HEADER, rows)
    fast, _fast_result, fast_runs, slow, _slow_result, _slow_runs = _both_ways(tmp_path, monkeypatch, path)
    assert fast_runs == 0
    assert fast == slow
    assert fast[2][0][1] == "loaded"


def test_a_row_wider_than_the_head_showed_goes_the_general_way(tmp_path, monkeypatch):
    good = "C{n},1,M1,,,1234567893,BCBS,2024-01-05,,99213,,,11,1,10,NC"
    rows = [good.format(n=n) for n in range(6000)] + [good.format(n=6000) + ",extra"]
    path = _csv(tmp_path, "claims.csv", HEADER, rows)
    fast, fast_result, fast_runs, slow, _slow_result, _slow_runs = _both_ways(tmp_path, monkeypatch, path)
    assert fast_runs == 0  # DuckDB's strict reader refused the whole file: nothing staged
    assert fast == slow
    # its cell past the header says a comma moved its cells: rejected, not loaded under wrong headers
    assert (fast_result.rows_loaded, fast_result.rows_rejected) == (6000, 1)


def test_the_same_file_again_is_a_duplicate_upload(tmp_path, monkeypatch):
    path = _csv(tmp_path, "claims.csv", HEADER, MESSY)
    with connect(tmp_path / "db.duckdb") as con:
        _payers(con)
        first = ingest_file(con, path)
        before = con.execute("SELECT count(*) FROM claim_lines").fetchall()[0][0]
        again = ingest_file(con, path)
        assert (again.status, again.duplicate_of, again.rows_read) == ("duplicate", first.upload_id, 0)
        assert con.execute("SELECT count(*) FROM claim_lines").fetchall()[0][0] == before
        temp = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()[0][0]
        assert temp == 0  # the staging tables are gone


def test_a_corrected_export_replaces_lines_and_keeps_history(tmp_path):
    rows = [
        "C1,1,M1,,,1234567893,BCBS,2024-01-05,,99213,,,11,1,10,NC",
        "C1,2,M1,,,1234567893,BCBS,2024-01-05,,99214,,,11,1,20,NC",
    ]
    first = _csv(tmp_path, "january.csv", HEADER, rows)
    corrected = _csv(tmp_path, "january-corrected.csv", HEADER, [rows[0], rows[1].replace(",20,", ",25,")])
    with connect(tmp_path / "db.duckdb") as con:
        _payers(con)
        ingest_file(con, first)
        result = ingest_file(con, corrected)
        assert "0 new, 1 corrected, 1 unchanged" in result.message
        assert con.execute("SELECT line_no, billed_amount FROM claim_lines ORDER BY line_no").fetchall() == [
            (1, 10), (2, 25)
        ]  # fmt: skip
        assert con.execute("SELECT line_no, billed_amount FROM claim_lines_history").fetchall() == [(2, 20)]


ROW = "{claim},{line},M1,,,1234567893,BCBS,{dos},,{cpt},,{dx},{pos},{units},{amount},{state}"
PLAIN = {"claim": "C1", "line": "1", "dos": "2024-01-05", "cpt": "99213", "dx": "I10", "pos": "11", "units": "1",
         "amount": "10.00", "state": "NC"}  # fmt: skip


@pytest.mark.parametrize(
    ("column", "odd"),
    [
        ("line", "0"),  # digits only, yet not a line number
        ("line", "007"),
        ("claim", " C9"),  # only one claim id needs Python
        ("claim", "TOTALS"),
        ("dos", "2023-02-29"),  # ISO-shaped, not a date
        ("dos", "0000-01-01"),
        ("amount", "-0.5"),
        ("amount", "1e3"),
        ("units", "2.125"),
        ("state", "na"),  # a blank word, not a state
        ("pos", "N/A"),
        ("cpt", "na"),
        ("dx", "NULL"),
    ],
)
def test_one_odd_cell_in_a_plain_column_loads_the_same_both_ways(tmp_path, monkeypatch, column, odd):
    rows = [ROW.format(**{**PLAIN, "claim": f"C{n}"}) for n in range(1, 4)]
    rows.append(ROW.format(**{**PLAIN, "claim": "C4", column: odd}))
    path = _csv(tmp_path, "claims.csv", HEADER, rows)
    fast, fast_result, fast_runs, slow, slow_result, _slow_runs = _both_ways(tmp_path, monkeypatch, path)
    assert fast_runs == 1
    assert fast == slow
    assert fast_result.rows_read == 4


@pytest.mark.parametrize(
    ("encoding", "prefix", "set_path"),
    [
        ("utf-8", b"\xef\xbb\xbf", True),  # Excel's "CSV UTF-8": a byte order mark
        ("utf-8", b"\xef\xbb\xbf\n", False),  # ... then a blank line: not plain
        ("cp1252", b"", True),  # a Windows export: é and £ are the same bytes in latin-1
        ("cp1252", b"", False),  # ... with a curly apostrophe (0x92): DuckDB refuses it as latin-1
    ],
)
def test_windows_and_excel_exports(tmp_path, monkeypatch, encoding, prefix, set_path):
    rows = [ROW.format(**{**PLAIN, "claim": "CÉ1"}), ROW.format(**{**PLAIN, "claim": "C£2", "pos": "N/A"})]
    if not set_path:
        rows.append(ROW.format(**{**PLAIN, "claim": "O’Brien-3"}))
    path = tmp_path / "claims.csv"
    path.write_bytes(prefix + ("Acme claims export\n" + HEADER + "\n".join(rows) + "\n").encode(encoding))
    fast, fast_result, fast_runs, slow, _slow_result, _slow_runs = _both_ways(tmp_path, monkeypatch, path)
    assert fast_runs == (1 if set_path else 0)
    assert fast == slow
    claims = [row[0] for row in fast[0]]
    assert "CÉ1" in claims and "C£2" in claims
    assert fast_result.rows_read == len(rows)


def test_many_rows_held_for_one_unknown_payer_look_up_suggestions_once(tmp_path, monkeypatch):
    from audits.ingest.payers import PayerDirectory

    rows = [ROW.format(**{**PLAIN, "claim": f"C{n}"}).replace(",BCBS,", ",Medicare,") for n in range(300)]
    path = _csv(tmp_path, "claims.csv", HEADER, rows)
    calls = []
    suggest = PayerDirectory.suggest
    monkeypatch.setattr(
        PayerDirectory,
        "suggest",
        lambda self, name, limit=3: calls.append(name) or suggest(self, name, limit),
    )
    (lines, rejected, _uploads), result, runs = _load(tmp_path, monkeypatch, path, set_path=True, name="set")
    assert runs == 1 and (result.rows_loaded, result.rows_rejected) == (0, 300)
    assert calls.count("Medicare") <= 2  # the upload's suggestions, and the reason text: not once per row
    assert all(reason.startswith("unknown payer: Medicare") for *_x, reason in rejected)


# Random files from pools of plain and odd cells (a fixed seed: the same files every run), loaded both
# ways. A difference names the seed; `_fuzz_file(seed)` rebuilds that file.
POOLS = {
    "Claim #": [
        "C1",
        "C2",
        "C3",
        " C4",
        "C5 ",
        "12.0",
        "NA",
        "Total",
        "TOTALS",
        "Sub total",
        "Café",
        "c1",
        "",
    ],
    "Line #": ["1", "2", "3", "1.0", "0", "-1", "x", "", "2.5", "007"],
    "Member ID": ["M1", "m1", "M 2", " M3", "", "N/A"],
    "Patient Name": ["Doe, Jane", "DOE,  JANE", "", "Roe, R"],
    "DOB": ["1980-02-03", "02/03/1980", "", "1980-02-30", "29255"],
    "Rendering NPI": ["1234567893", "1234-567-893", "123", "", "abc", "1234567893.0"],
    "Payer": ["BCBS", "Aetna", "aetna inc.", "Unknown Co", "", "N/A", "Blue Cross Blue Shield"],
    "Date of Service": [
        "2024-01-05",
        "01/05/2024",
        "1/5/24",
        "45296",
        "20240105",
        "2024-02-30",
        "",
        "soon",
        "0000-01-01",
    ],
    "CPT/HCPCS": ["99213", "g0439", "0001U", "", "na", "99213 ", "HC:99214"],
    "Modifiers": ["", "25", "26,59", "26;59|LT", "rt", "N/A", "25 59 LT RT 76"],
    "Diagnosis Codes": ["", "I10", "E11.9", "i10; e11.9", "Z00.00,I10,E78.5", "NULL"],
    "POS": ["11", "2", "", "N/A", "022"],
    "Units": ["1", "1.5", "", "x", "2.125", "-1"],
    "Charges": ["10.00", "$1,234.00", "(12.00)", "", "abc", "12.345", "1.234,50", "-0"],
    "State": ["NC", "nc", "", "na", "Tx"],
}


def _fuzz_file(tmp_path, seed):
    import random

    rng = random.Random(seed)
    headers = [h for h in POOLS if h in ("Claim #", "Rendering NPI", "Payer", "Date of Service", "CPT/HCPCS", "Charges")
               or rng.random() < 0.7]  # fmt: skip
    lines = ["Exported,,\n"] * rng.randint(0, 1) + [",".join(headers) + "\n"]
    for _ in range(rng.randint(5, 40)):
        cells = [rng.choice(POOLS[h]) for h in headers]
        lines.append(",".join(f'"{c}"' if ("," in c and c.strip() == c) else c for c in cells) + "\n")
    if rng.random() < 0.3:
        lines.append(lines[-1])  # an exact duplicate row
    path = tmp_path / f"fuzz{seed}.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", range(30))
def test_random_files_load_the_same_both_ways(tmp_path, monkeypatch, seed):
    path = _fuzz_file(tmp_path, seed)
    fast, fast_result, fast_runs, slow, slow_result, _slow_runs = _both_ways(tmp_path, monkeypatch, path)
    assert fast == slow, f"seed {seed}"
    assert fast_result.unknown_payers == slow_result.unknown_payers
    assert fast_runs == 1  # the pools hold no blank next to a quote: every file is plain


SHIFT_HEADER = "Claim #,Line #,Rendering NPI,Payer,Date of Service,CPT/HCPCS,Charges,Patient Name,Member ID\n"


@pytest.mark.parametrize("set_path", [True, False])
@pytest.mark.parametrize(
    "shifted",
    [
        "C2,1,1234567893,BCBS,2024-01-05,99213,100,Roe, Jane,M2",  # a comma in the last-but-one cell
        "C2,1,1234567893,BCBS,2024-01-05,99213, 99214,100,Jane Roe,M2",  # one that moves the charge
        "C2,1,1234567893,BCBS,2024-01-05,99213,100,Roe, Jane, A.,M2",  # two commas: two cells past
    ],
)
def test_a_row_with_cells_past_the_header_is_rejected_hashed_whole(tmp_path, monkeypatch, set_path, shifted):
    """An unquoted comma that pushes a row's cells right, however far from the end, leaves a cell past
    the header: none of its cells is under its own header, so the row is rejected (hashed whole), never
    loaded with a patient's name in the member id or a code in the charge."""
    rows = ["C1,1,1234567893,BCBS,2024-01-05,99213,100,Jane Roe,M1", shifted,
            "C3,1,1234567893,BCBS,2024-01-06,99213,80,Sam Poe,M3"]  # fmt: skip
    path = _csv(tmp_path, "claims.csv", SHIFT_HEADER, rows, title=False)
    (lines, rejected, uploads), result, runs = _load(tmp_path, monkeypatch, path, set_path=set_path, name="x")
    assert runs == (1 if set_path else 0)
    assert [line[0] for line in lines] == ["C1", "C3"]  # claim_id first
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    ((row, _sheet, raw, column, reason),) = rejected
    assert row == 3 and column == "claim_id" and reason.startswith("shifted row - ")
    assert "Roe" not in raw and "Jane" not in raw and "99214" not in raw and '"Charges": "hmac:' in raw
    assert "1 shifted row" in uploads[0][5]


@pytest.mark.parametrize("set_path", [True, False])
def test_a_column_without_header_filled_on_most_rows_is_not_a_shift(tmp_path, monkeypatch, set_path):
    rows = [f"C{i},1,1234567893,BCBS,2024-01-05,99213,100,Jane Roe,M{i},note {i}" for i in range(1, 4)]
    path = _csv(tmp_path, "claims.csv", SHIFT_HEADER, rows, title=False)
    (lines, rejected, _uploads), result, _runs = _load(
        tmp_path, monkeypatch, path, set_path=set_path, name="y"
    )
    assert [line[0] for line in lines] == ["C1", "C2", "C3"] and rejected == []
