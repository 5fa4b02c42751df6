"""Credentialing workbook (roster) ingest: sheet recognition, both shapes, labels, rejections (SPEC 1, 2, 4).

Every workbook here is a few hand-written rows built with openpyxl in tmp_path; the expected rows are
written out by hand from SPEC. NPIs are synthetic with a valid check digit (Luhn over 80840 + 9 digits).
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from audits.errors import InputError
from audits.ingest.readers import RawSheet, read_tables
from audits.ingest.roster import apply_roster, looks_like_roster, parse_roster

NPI_A = "1234567893"
NPI_B = "1111111112"
NPI_C = "2222222228"
BAD_NPI = "1234567890"  # wrong check digit

D = dt.date


def write_xlsx(path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    workbook.save(path)
    return path


def load(con, path, upload_id=1, mapping=None):
    batch = parse_roster(read_tables(path), mapping)
    return batch, apply_roster(con, batch, upload_id)


def rows(con, sql):
    return con.execute(sql).fetchall()


PAYERS_SHEET = [
    ["Payer ID", "Payer Name", "Aliases"],
    ["AETNA", "Aetna", "Aetna Health | AETNA INC"],
    ["BCBS", "Blue Cross Blue Shield of Texas", "BCBS TX; Blue Cross"],
]


def long_workbook(path):
    return write_xlsx(
        path,
        {
            "Payers": PAYERS_SHEET,
            "Provider Roster": [
                ["Prairie River Medical Group - Provider Roster"],
                ["Exported on 01/05/2026"],
                [],
                ["NPI", "Provider Name", "Specialty", "Taxonomy", "State", "Hire Date", "Status"],
                [NPI_A, "Test Provider A", "Family Medicine", "207q00000x", "tx", D(2020, 3, 1), "Active"],
                [int(NPI_B), "Test Provider B", "Cardiology", "207RC0000X", "TX", "2024-07-15", "Y"],
            ],
            "Licenses & Certs": [
                ["NPI", "Credential Type", "Number", "State", "Issue Date", "Expiration Date"],
                [NPI_A, "TX Medical License", "M1234", None, D(2024, 1, 1), D(2026, 12, 31)],
                [NPI_A, "DEA", "AB1234563", "TX", None, "06/30/2027"],
                [NPI_A, "Board Certification", "ABFM", None, None, 46387],  # serial for 2026-12-31
                [NPI_B, "COI", "POL-9", None, None, "2026-09-30"],
            ],
            "Payer Enrollment": [
                [
                    "NPI",
                    "Provider Name",
                    "Payer",
                    "Status",
                    "Submitted",
                    "Effective Date",
                    "Term Date",
                    "POS",
                ],
                [
                    NPI_A,
                    "Test Provider A",
                    "Aetna",
                    "Participating",
                    D(2019, 11, 1),
                    D(2020, 3, 1),
                    None,
                    "11, 22",
                ],
                [NPI_A, "Test Provider A", "BCBS TX", "Termed", None, D(2020, 3, 1), D(2025, 6, 30), None],
                [
                    NPI_B,
                    "Test Provider B",
                    "aetna inc",
                    "In Progress - Hold Claims",
                    D(2025, 12, 1),
                    None,
                    None,
                    2,
                ],
            ],
            "Approved Services": [
                ["NPI", "Payer", "Code From", "Code To", "Approved"],
                [NPI_A, "*", "99202", "99215", "Approved"],
                [NPI_A, "Aetna", 93000, 93010, "Excluded"],
            ],
        },
    )


# --------------------------------------------------------------------------------------------
# long shape


def test_long_workbook_loads_every_table_skipping_title_rows(con, tmp_path):
    batch, result = load(con, long_workbook(tmp_path / "roster.xlsx"))

    assert result.tables == ["providers", "credentials", "payers", "enrollments", "service_scope"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (13, 13, 0)
    assert rows(con, "SELECT * EXCLUDE (snapshot_id) FROM providers ORDER BY npi") == [
        (NPI_B, "Test Provider B", "Cardiology", "207RC0000X", "TX", D(2024, 7, 15), "active"),
        (NPI_A, "Test Provider A", "Family Medicine", "207Q00000X", "TX", D(2020, 3, 1), "active"),
    ]
    assert rows(con, "SELECT * EXCLUDE (snapshot_id) FROM credentials ORDER BY npi, credential_type") == [
        (NPI_B, "malpractice", "COI", "POL-9", None, None, D(2026, 9, 30)),
        (NPI_A, "board_certification", "Board Certification", "ABFM", None, None, D(2026, 12, 31)),
        (NPI_A, "dea", "DEA", "AB1234563", "TX", None, D(2027, 6, 30)),
        # the state comes from the label when the State cell is empty
        (NPI_A, "state_license", "TX Medical License", "M1234", "TX", D(2024, 1, 1), D(2026, 12, 31)),
    ]
    assert rows(con, "SELECT * EXCLUDE (snapshot_id) FROM payers ORDER BY payer_id") == [
        ("AETNA", "Aetna", "Aetna Health|AETNA INC"),
        ("BCBS", "Blue Cross Blue Shield of Texas", "BCBS TX|Blue Cross"),
    ]
    assert rows(con, "SELECT * EXCLUDE (snapshot_id) FROM enrollments ORDER BY npi DESC, payer_id") == [
        (NPI_A, "AETNA", "enrolled", "Participating", D(2019, 11, 1), D(2020, 3, 1), None, "11,22"),
        (NPI_A, "BCBS", "terminated", "Termed", None, D(2020, 3, 1), D(2025, 6, 30), None),
        (NPI_B, "AETNA", "pending", "In Progress - Hold Claims", D(2025, 12, 1), None, None, "02"),
    ]
    assert rows(con, "SELECT * EXCLUDE (snapshot_id) FROM service_scope ORDER BY code_from") == [
        (NPI_A, "AETNA", "93000", "93010", False),
        (NPI_A, "*", "99202", "99215", True),
    ]
    assert [(s.name, s.kind, s.header_row) for s in batch.sheets] == [
        ("Payers", "payers", 1),
        ("Provider Roster", "providers", 4),
        ("Licenses & Certs", "credentials", 1),
        ("Payer Enrollment", "enrollments", 1),
        ("Approved Services", "service_scope", 1),
    ]


def test_sheet_names_do_not_matter(con, tmp_path):
    path = write_xlsx(
        tmp_path / "odd.xlsx",
        {
            "Sheet7": [["Status", "NPI", "Carrier", "Eff Date"], ["Par", NPI_A, "Aetna", "2024-01-01"]],
            "zz": PAYERS_SHEET,
            "Notes": [["Remember to renew the DEA"]],
        },
    )
    batch, result = load(con, path)
    assert result.tables == ["payers", "enrollments"]
    assert batch.ignored_sheets == ["Notes"]
    assert rows(con, "SELECT npi, payer_id, status, effective_date FROM enrollments") == [
        (NPI_A, "AETNA", "enrolled", D(2024, 1, 1))
    ]


def test_a_csv_file_is_one_sheet(con, tmp_path):
    path = tmp_path / "providers export.csv"
    path.write_text(
        "Provider list as of 2026-01-05\n"
        "First Name;Last Name;NPI;Status\n"
        f"Ann;Example;{NPI_A};Inactive\n"
        f"Bob;Sample;{NPI_B};\n",
        encoding="utf-8",
    )
    _batch, result = load(con, path)
    assert result.tables == ["providers"]
    assert rows(con, "SELECT npi, provider_name, status FROM providers ORDER BY npi") == [
        (NPI_B, "Bob Sample", "active"),
        (NPI_A, "Ann Example", "inactive"),
    ]


def test_dates_as_real_cells_serials_and_text_in_one_column(con, tmp_path):
    path = write_xlsx(
        tmp_path / "dates.xlsx",
        {
            "Creds": [
                ["NPI", "Type", "Number", "State", "Expires"],
                [NPI_A, "State License", "1", "TX", D(2026, 1, 31)],
                [NPI_A, "State License", "2", "TX", dt.datetime(2026, 2, 28, 0, 0)],
                [NPI_A, "State License", "3", "TX", 45658],  # Excel serial of 2025-01-01
                [NPI_A, "State License", "4", "TX", "2025-03-15"],
                [NPI_A, "State License", "5", "TX", "04/30/2025"],
                [NPI_A, "State License", "6", "TX", "45689"],  # a serial typed as text: 2025-02-01
            ]
        },
    )
    load(con, path)
    assert rows(con, "SELECT number, expiration_date FROM credentials ORDER BY number") == [
        ("1", D(2026, 1, 31)),
        ("2", D(2026, 2, 28)),
        ("3", D(2025, 1, 1)),
        ("4", D(2025, 3, 15)),
        ("5", D(2025, 4, 30)),
        ("6", D(2025, 2, 1)),
    ]


# --------------------------------------------------------------------------------------------
# the wide master tracker


def tracker_two_row_header(path, aetna_blank_for_b=True):
    header_top = ["Master Tracker", None, None, None, None, None, None, None, None, None, None, None]
    groups = [
        None, None, None, None, None, None, None,
        "TX Medical License", None, None, "DEA", None, "Board Certification", None, "COI", None,
        "Aetna", None, None, None, None,
        "BCBS TX", None, None, None, None,
    ]  # fmt: skip
    sub = [
        "NPI", "Provider Name", "Specialty", "Taxonomy", "State", "Hire Date", "Status",
        "Number", "State", "Expires", "Number", "Exp", "Board", "Exp Date", "Policy #", "Expiration",
        "Status", "Submitted", "Effective", "Term", "POS",
        "Status", "Submitted", "Effective", "Term", "POS",
    ]  # fmt: skip
    row_a = [
        NPI_A, "Test Provider A", "Family Medicine", "207Q00000X", "TX", D(2020, 3, 1), "Active",
        "M1234", "TX", D(2026, 12, 31), "AB1234563", "06/30/2027", "ABFM", D(2026, 12, 31), "POL-1", D(2026, 9, 30),
        "Par", D(2019, 11, 1), D(2020, 3, 1), None, "11;22",
        "Termed", None, D(2020, 3, 1), D(2025, 6, 30), None,
    ]  # fmt: skip
    row_b = [
        NPI_B, "Test Provider B", "Cardiology", "207RC0000X", "TX", D(2024, 7, 15), "Active",
        "M999", "TX", D(2027, 1, 31), None, None, None, None, None, None,
        None, None, None, None, None,
        "Submitted", D(2025, 12, 1), None, None, None,
    ]  # fmt: skip
    if not aetna_blank_for_b:
        row_b[16:21] = ["Denied", D(2025, 1, 2), None, None, None]
    write_xlsx(
        path,
        {"Master Tracker": [header_top, [], groups, sub, row_a, row_b], "Payers": PAYERS_SHEET},
        merges={"Master Tracker": ["H3:J3", "K3:L3", "M3:N3", "O3:P3", "Q3:U3", "V3:Z3"]},
    )
    return path


def test_tracker_with_merged_two_row_header(con, tmp_path):
    batch, result = load(con, tracker_two_row_header(tmp_path / "tracker.xlsx"))

    assert [(s.name, s.kind, s.header_row) for s in batch.sheets][0] == ("Master Tracker", "tracker", 4)
    # parts read: 2 providers + 4 credentials of A + 1 of B + 2 enrollments of A + 1 of B (+ 2 payers)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (12, 12, 0)
    assert rows(con, "SELECT * EXCLUDE (snapshot_id) FROM providers ORDER BY npi DESC") == [
        (NPI_A, "Test Provider A", "Family Medicine", "207Q00000X", "TX", D(2020, 3, 1), "active"),
        (NPI_B, "Test Provider B", "Cardiology", "207RC0000X", "TX", D(2024, 7, 15), "active"),
    ]
    assert rows(
        con,
        "SELECT npi, credential_type, credential_label, number, state, expiration_date FROM credentials "
        "ORDER BY npi DESC, credential_type",
    ) == [
        (NPI_A, "board_certification", "Board Certification", "ABFM", None, D(2026, 12, 31)),
        (NPI_A, "dea", "DEA", "AB1234563", None, D(2027, 6, 30)),
        (NPI_A, "malpractice", "COI", "POL-1", None, D(2026, 9, 30)),
        (NPI_A, "state_license", "TX Medical License", "M1234", "TX", D(2026, 12, 31)),
        (NPI_B, "state_license", "TX Medical License", "M999", "TX", D(2027, 1, 31)),
    ]
    # B's Aetna group is blank: no row for it (SPEC 2)
    assert rows(con, "SELECT * EXCLUDE (snapshot_id) FROM enrollments ORDER BY npi DESC, payer_id") == [
        (NPI_A, "AETNA", "enrolled", "Par", D(2019, 11, 1), D(2020, 3, 1), None, "11,22"),
        (NPI_A, "BCBS", "terminated", "Termed", None, D(2020, 3, 1), D(2025, 6, 30), None),
        (NPI_B, "BCBS", "pending", "Submitted", D(2025, 12, 1), None, None, None),
    ]


def test_tracker_with_single_row_headers(con, tmp_path):
    path = write_xlsx(
        tmp_path / "flat.xlsx",
        {
            "Payers": PAYERS_SHEET,
            "Tracker": [
                [
                    "NPI",
                    "Name",
                    "License #",
                    "License State",
                    "License Exp",
                    "DEA #",
                    "DEA Exp",
                    "Aetna Status",
                    "Aetna Eff Date",
                    "Aetna Term Date",
                    "BCBS TX Status",
                    "BCBS TX Effective",
                ],
                [
                    NPI_A,
                    "Test Provider A",
                    "M1234",
                    "TX",
                    D(2026, 12, 31),
                    None,
                    None,
                    "Active",
                    D(2020, 3, 1),
                    None,
                    None,
                    None,
                ],
            ],
        },  # fmt: skip
    )
    _batch, result = load(con, path)
    assert result.tables == ["providers", "credentials", "payers", "enrollments"]
    assert rows(con, "SELECT npi, credential_type, number, state, expiration_date FROM credentials") == [
        (NPI_A, "state_license", "M1234", "TX", D(2026, 12, 31))
    ]
    assert rows(con, "SELECT npi, payer_id, status, effective_date FROM enrollments") == [
        (NPI_A, "AETNA", "enrolled", D(2020, 3, 1))
    ]


def test_tracker_with_provider_headers_merged_down_and_payer_sub_headers_below(con, tmp_path):
    # Row 1: NPI and Name merged down over rows 1-2, payer names merged across; row 2: the sub-headers.
    path = write_xlsx(
        tmp_path / "down.xlsx",
        {
            "Payers": PAYERS_SHEET,
            "Credentialing": [
                ["NPI", "Name", "Aetna", None, None, "Blue Cross", None, None],
                [None, None, "Status", "Effective", "Term", "Status", "Effective", "Term"],
                [
                    NPI_A,
                    "Test Provider A",
                    "Termed",
                    "2020-01-01",
                    "2024-12-31",
                    "Active",
                    "2021-05-01",
                    None,
                ],
            ],
        },
        merges={"Credentialing": ["A1:A2", "B1:B2", "C1:E1", "F1:H1"]},
    )
    batch, result = load(con, path)
    assert result.rows_rejected == 0
    assert batch.sheets[1].kind == "tracker"
    assert rows(
        con, "SELECT npi, payer_id, status, effective_date, termination_date FROM enrollments ORDER BY 2"
    ) == [
        (NPI_A, "AETNA", "terminated", D(2020, 1, 1), D(2024, 12, 31)),
        (NPI_A, "BCBS", "enrolled", D(2021, 5, 1), None),
    ]
    assert rows(con, "SELECT npi, provider_name FROM providers") == [(NPI_A, "Test Provider A")]


def test_tracker_csv_with_group_labels_in_the_first_column_of_each_group(con, tmp_path):
    pd_path = tmp_path / "payers.csv"
    pd_path.write_text("Payer ID,Payer Name\nAETNA,Aetna\nBCBS,Blue Cross\n", encoding="utf-8")
    load(con, pd_path)
    path = tmp_path / "tracker.csv"
    path.write_text(
        "Credentialing tracker,,,,exported 2026-01-05,,\n"
        ",,Aetna,,Blue Cross,,\n"
        "NPI,Provider,Status,Eff Date,Status,Eff Date,State\n"
        f"{NPI_A},Test Provider A,Par,01/15/2024,,,tx\n",
        encoding="utf-8",
    )
    _batch, result = load(con, path, upload_id=2)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    assert rows(con, "SELECT npi, payer_id, status, effective_date FROM enrollments") == [
        (NPI_A, "AETNA", "enrolled", D(2024, 1, 15))
    ]
    # The State column after the last payer group is the provider's state, not a payer field.
    assert rows(con, "SELECT primary_state FROM providers") == [("TX",)]


def test_a_title_row_above_the_header_is_not_a_payer_group(con, tmp_path):
    path = write_xlsx(
        tmp_path / "title.xlsx",
        {
            "Roster": [
                ["Provider roster", None, "Exported on 2026-01-05"],
                ["NPI", "Name", "Status", "State"],
                [NPI_A, "Test Provider A", "Active", "TX"],
            ]
        },
    )
    _batch, result = load(con, path)
    assert result.tables == ["providers"]
    assert rows(con, "SELECT npi, status, primary_state FROM providers") == [(NPI_A, "active", "TX")]


def test_long_and_wide_shapes_give_the_same_canonical_rows(db_path, tmp_path):
    from audits.store import connect

    wide = tracker_two_row_header(tmp_path / "wide.xlsx", aetna_blank_for_b=False)
    long = write_xlsx(
        tmp_path / "long.xlsx",
        {
            "Payers": PAYERS_SHEET,
            "Providers": [
                [
                    "NPI",
                    "Provider Name",
                    "Specialty",
                    "Taxonomy Code",
                    "Primary State",
                    "Hire Date",
                    "Status",
                ],
                [NPI_A, "Test Provider A", "Family Medicine", "207Q00000X", "TX", "2020-03-01", "Active"],
                [NPI_B, "Test Provider B", "Cardiology", "207RC0000X", "TX", "07/15/2024", "Active"],
            ],
            "Credentials": [
                ["NPI", "Credential Type", "Number", "State", "Expiration Date"],
                [NPI_A, "TX Medical License", "M1234", "TX", "2026-12-31"],
                [NPI_A, "DEA", "AB1234563", None, "2027-06-30"],
                [NPI_A, "Board Certification", "ABFM", None, "2026-12-31"],
                [NPI_A, "COI", "POL-1", None, "2026-09-30"],
                [NPI_B, "TX Medical License", "M999", "TX", "2027-01-31"],
            ],
            "Enrollments": [
                [
                    "NPI",
                    "Payer",
                    "Status",
                    "Submitted Date",
                    "Effective Date",
                    "Termination Date",
                    "Allowed POS",
                ],
                [NPI_A, "Aetna", "Par", "2019-11-01", "2020-03-01", None, "11,22"],
                [NPI_A, "BCBS TX", "Termed", None, "2020-03-01", "2025-06-30", None],
                [NPI_B, "Aetna", "Denied", "2025-01-02", None, None, None],
                [NPI_B, "BCBS TX", "Submitted", "2025-12-01", None, None, None],
            ],
        },
    )
    tables = ("providers", "credentials", "enrollments", "payers")
    seen = []
    for path in (wide, long):
        with connect(tmp_path / f"{path.stem}.duckdb") as con:
            load(con, path)
            seen.append(
                {t: sorted(map(repr, rows(con, f"SELECT * EXCLUDE (snapshot_id) FROM {t}"))) for t in tables}
            )
    assert seen[0] == seen[1]
    assert len(seen[0]["enrollments"]) == 4


# --------------------------------------------------------------------------------------------
# labels and rejections


ENROLLMENT_LABELS = [
    ("Enrolled", "enrolled"),
    ("ACTIVE", "enrolled"),
    ("approved", "enrolled"),
    ("Par", "enrolled"),
    ("Participating", "enrolled"),
    ("Pending", "pending"),
    ("Submitted", "pending"),
    ("In process", "pending"),
    ("In Progress - Hold Claims", "pending"),
    ("Applied", "pending"),
    ("Denied", "denied"),
    ("Rejected", "denied"),
    ("declined", "denied"),
    ("Terminated", "terminated"),
    ("Termed", "terminated"),
    ("Inactive", "terminated"),
]


def test_enrollment_status_labels(tmp_path):
    body = [[NPI_A, "Aetna", label, "2010-01-01", "2010-12-31"] for label, _status in ENROLLMENT_LABELS]
    path = write_xlsx(tmp_path / "e.xlsx", {"E": [["NPI", "Payer", "Status", "Effective", "Term"], *body]})
    batch = parse_roster(read_tables(path))
    assert batch.rejected == []
    frame = batch.frames["enrollments"]
    assert list(zip(frame["status_label"], frame["status"], strict=True)) == ENROLLMENT_LABELS
    # pending and denied rows keep no effective date (SPEC 1)
    assert sorted(set(frame.loc[frame["effective_date"].isna(), "status"])) == ["denied", "pending"]


CREDENTIAL_LABELS = [
    ("TX Medical License", "state_license"),
    ("State Licence", "state_license"),
    ("Board Certification", "board_certification"),
    ("Board Cert", "board_certification"),
    ("DEA", "dea"),
    ("DEA Registration", "dea"),
    ("Malpractice", "malpractice"),
    ("General Liability", "malpractice"),
    ("COI", "malpractice"),
    ("CPR card", "other"),
]


def test_credential_type_labels(con, tmp_path):
    body = [[NPI_A, label, str(i), "2026-01-01"] for i, (label, _k) in enumerate(CREDENTIAL_LABELS)]
    path = write_xlsx(tmp_path / "c.xlsx", {"C": [["NPI", "Credential", "Number", "Expiration"], *body]})
    load(con, path)
    assert rows(con, "SELECT credential_label, credential_type FROM credentials ORDER BY number::INT") == (
        CREDENTIAL_LABELS
    )


def test_enrollment_rejections(con, tmp_path):
    header = ["NPI", "Payer", "Status", "Effective", "Term", "POS"]
    cases = [
        ([BAD_NPI, "Aetna", "Active", "2024-01-01", None, None], "npi", f"invalid NPI: {BAD_NPI}"),
        ([None, "Aetna", "Active", "2024-01-01", None, None], "npi", "missing NPI"),
        ([NPI_A, None, "Active", "2024-01-01", None, None], "payer", "missing payer"),
        ([NPI_A, "Aetna", None, "2024-01-01", None, None], "status", "missing enrollment status"),
        ([NPI_A, "Aetna", "Maybe", "2024-01-01", None, None], "status", "unknown enrollment status: 'Maybe'"),
        ([NPI_A, "Aetna", "Participating", None, None, None], "effective_date", "enrolled enrollment has no effective date"),
        ([NPI_A, "Aetna", "Termed", None, "2024-05-01", None], "effective_date", "terminated enrollment has no effective date"),
        ([NPI_A, "Aetna", "Termed", "2024-01-01", None, None], "termination_date", "terminated enrollment has no termination date"),
        ([NPI_A, "Aetna", "Active", "soon", None, None], "effective_date", "effective date: unrecognised date: 'soon' (use YYYY-MM-DD or MM/DD/YYYY)"),
        ([NPI_A, "Aetna", "Active", "2024-01-01", None, "office"], "allowed_pos", "allowed POS 'office' is not a list of place-of-service codes"),
        ([NPI_A, "Aetnaa Health", "Active", "2024-01-01", None, None], "payer", "unknown payer: Aetnaa Health - close matches: Aetna (AETNA)"),
        ([NPI_A, "Humana", "Active", "2024-01-01", None, None], "payer", "unknown payer: Humana - no close match; add it to the payers sheet or confirm an alias"),
    ]  # fmt: skip
    good = [NPI_B, "Aetna", "Pending", None, None, None]
    path = write_xlsx(tmp_path / "r.xlsx", {"P": PAYERS_SHEET, "E": [header, good, *[c[0] for c in cases]]})
    _batch, result = load(con, path)

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2 + 1 + 12, 2 + 1, 12)
    got = sorted((r.sheet, r.row_number, r.column, r.reason) for r in result.rejected)
    assert got == [("E", 3 + i, column, reason) for i, (_cells, column, reason) in enumerate(cases)]
    by_row = {r.row_number: r.raw_row for r in result.rejected}
    assert by_row[3] == {"NPI": BAD_NPI, "Payer": "Aetna", "Status": "Active", "Effective": "2024-01-01",
                         "Term": None, "POS": None}  # fmt: skip
    assert rows(con, "SELECT npi, status FROM enrollments") == [(NPI_B, "pending")]


def test_provider_credential_scope_and_payer_rejections(con, tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        {
            "Pay": [*PAYERS_SHEET, [None, "Orphan Plan", None]],
            "Prov": [
                ["NPI", "Provider Name", "Status"],
                [NPI_B, "Test Provider B", None],
                [NPI_A, None, "Active"],
                [NPI_C, "X", "On leave"],
                ["Total: 3 providers", None, None],
            ],
            "Cred": [["NPI", "Type", "Expires"], [NPI_A, "DEA", None], [NPI_A, None, "2026-01-01"]],
            "Scope": [
                ["NPI", "Payer", "From", "To", "Approved"],
                [NPI_A, "Aetna", "99215", "99202", "Yes"],
                [NPI_A, "Aetna", "99202", None, "Yes"],
                [NPI_A, "Aetna", "99202", "99215", "Sometimes"],
            ],
        },
    )
    _batch, result = load(con, path)
    assert sorted((r.sheet, r.row_number, r.column, r.reason) for r in result.rejected) == [
        ("Cred", 2, "expiration_date", "missing expiration date"),
        ("Cred", 3, "credential_type", "missing credential type"),
        ("Pay", 4, "payer_id", "missing payer id"),
        ("Prov", 3, "provider_name", "missing provider name"),
        ("Prov", 4, "status", "unknown provider status: 'On leave'"),
        ("Prov", 5, "npi", "invalid NPI: Total: 3 providers"),
        ("Scope", 2, "code_to", "code range 99215-99202 ends before it starts"),
        ("Scope", 3, "code_to", "missing code to"),
        ("Scope", 4, "approved", "unknown scope approval: 'Sometimes'"),
    ]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3 + 4 + 2 + 3, 2 + 1, 9)
    assert rows(con, "SELECT count(*) FROM credentials UNION ALL SELECT count(*) FROM service_scope") == [
        (0,),
        (0,),
    ]


def test_duplicate_rows_within_an_upload_are_rejected(con, tmp_path):
    path = write_xlsx(
        tmp_path / "d.xlsx",
        {
            "Providers": [
                ["NPI", "Name"],
                [NPI_A, "Test Provider A"],
                [NPI_B, "B"],
                [NPI_A, "Test Provider A"],
            ],
        },
    )
    _batch, result = load(con, path)
    assert [(r.row_number, r.reason) for r in result.rejected] == [
        (4, "duplicate of row 2 (npi are the same)")
    ]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)


def test_scope_star_single_code_and_blank_approval(con, tmp_path):
    path = write_xlsx(
        tmp_path / "s.xlsx",
        {
            "P": PAYERS_SHEET,
            "Scope": [
                ["NPI", "Payer", "CPT", "Approved"],
                [NPI_A, "All payers", "G0439", None],
                [NPI_A, "Blue Cross", 100, "No"],  # a CPT typed as a number keeps its zeros: 00100
            ],
        },
    )
    load(con, path)
    assert rows(con, "SELECT npi, payer_id, code_from, code_to, approved FROM service_scope ORDER BY 2") == [
        (NPI_A, "*", "G0439", "G0439", True),
        (NPI_A, "BCBS", "00100", "00100", False),
    ]


def test_tracker_part_rejections_name_the_group(con, tmp_path):
    path = write_xlsx(
        tmp_path / "t.xlsx",
        {
            "P": PAYERS_SHEET,
            "Tracker": [
                ["NPI", "Name", "DEA #", "DEA Exp", "Aetna Status", "Aetna Effective", "Cigna Status"],
                [NPI_A, "Test Provider A", "AB1", None, "Participating", None, "Par"],
            ],
        },
    )
    _batch, result = load(con, path)
    assert sorted((r.sheet, r.row_number, r.column, r.reason.split(" (")[0]) for r in result.rejected) == [
        ("Tracker [Aetna]", 2, "effective_date", "enrolled enrollment has no effective date"),
        ("Tracker [Cigna]", 2, "effective_date", "enrolled enrollment has no effective date"),
        ("Tracker [DEA]", 2, "expiration_date", "missing expiration date"),
    ]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 3, 3)


def test_labels_extended_by_a_saved_mapping(con, tmp_path):
    path = write_xlsx(
        tmp_path / "m.xlsx",
        {
            "P": PAYERS_SHEET,
            "E": [["Prov ID", "Payer", "Par?", "Eff"], [NPI_A, "Aetna", "Contracted", "2024-01-01"]],
            "S": [
                ["Prov ID", "Payer", "Code From", "Code To", "Decision"],
                [NPI_A, "Aetna", "99202", "99215", "Covered"],
                [NPI_A, "Aetna", "99211", "99211", "Carved out"],
            ],
        },
    )
    mapping = {
        "columns": {"npi": "Prov ID", "status": "Par?", "effective_date": "Eff"},
        "labels": {
            "enrollment_status": {"contracted": "enrolled"},
            "scope_approved": {"Covered": True, "carved out": "excluded"},
        },
    }
    _batch, result = load(con, path, mapping=mapping)
    assert result.rows_rejected == 0
    assert rows(con, "SELECT npi, status, status_label FROM enrollments") == [
        (NPI_A, "enrolled", "Contracted")
    ]
    assert rows(con, "SELECT code_from, approved FROM service_scope ORDER BY code_from") == [
        ("99202", True),
        ("99211", False),
    ]


# --------------------------------------------------------------------------------------------
# what is not a roster


def test_claims_export_is_not_a_roster(tmp_path):
    claims = [
        ["Claim ID", "Rendering NPI", "Provider Name", "DOS", "CPT", "Charges"],
        ["C1", NPI_A, "A", "x", "1", 1],
    ]
    roster = [["Junk"], ["NPI", "Provider Name"], [NPI_A, "A"]]
    path = write_xlsx(tmp_path / "c.xlsx", {"Claims": claims})
    assert looks_like_roster(read_tables(path)) is False
    path = write_xlsx(tmp_path / "r.xlsx", {"Claims": claims, "Roster": roster})
    assert looks_like_roster(read_tables(path)) is True
    with pytest.raises(InputError, match="No sheet of this file looks like a credentialing roster"):
        parse_roster(read_tables(tmp_path / "c.xlsx"))


def test_a_recognised_sheet_without_a_required_column_changes_nothing(con, tmp_path):
    path = write_xlsx(
        tmp_path / "c.xlsx", {"Licenses": [["NPI", "Credential Type", "Number"], [NPI_A, "DEA", "1"]]}
    )
    with pytest.raises(InputError, match="'Licenses' .* has no expiration date column"):
        parse_roster(read_tables(path))


def test_raw_sheets_can_be_passed_directly():
    import pandas as pd

    frame = pd.DataFrame([["NPI", "Provider Name"], [NPI_A, "A"]], dtype=object)
    batch = parse_roster([RawSheet("anything", frame)])
    assert batch.tables == ["providers"]
    assert batch.frames["providers"][["npi", "provider_name", "status"]].values.tolist() == [
        [NPI_A, "A", "active"]
    ]


# --------------------------------------------------------------------------------------------
# through the loader


def test_ingest_file_detects_and_loads_a_roster_and_records_its_rejections(con, tmp_path):
    from audits.ingest import ingest_file

    path = write_xlsx(
        tmp_path / "credentialing.xlsx",
        {
            "Payers": PAYERS_SHEET,
            "Enrollment": [
                ["Exported on 01/05/2026"],
                ["NPI", "Payer", "Status", "Effective Date"],
                [NPI_A, "Aetna", "Participating", "2024-01-01"],
                [NPI_A, "Humana", "Participating", "2024-01-01"],
            ],
        },
    )
    result = ingest_file(con, path)
    assert (result.kind, result.status) == ("roster", "loaded")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    stored = rows(con, "SELECT sheet, row_number, column_name, reason FROM rejected_rows")
    assert [r[:3] for r in stored] == [("Enrollment", 4, "payer")]
    assert stored[0][3].startswith("unknown payer: Humana")
    assert rows(con, "SELECT kind, snapshot_id FROM uploads") == [("roster", result.snapshot_id)]
    assert rows(con, "SELECT npi, payer_id FROM enrollments") == [(NPI_A, "AETNA")]

    again = ingest_file(con, path)
    assert (again.status, again.snapshot_id) == ("duplicate", result.snapshot_id)
    assert rows(con, "SELECT count(*) FROM roster_snapshots") == [(1,)]


def test_date_columns_that_name_no_payer_do_not_make_enrollments(con, tmp_path):
    path = write_xlsx(
        tmp_path / "p.xlsx",
        {
            "Providers": [
                ["NPI", "Provider Name", "Contract Start Date", "Employment End Date", "Provider Start Date"],
                [NPI_A, "Test Provider A", "2020-01-01", None, "2020-01-01"],
            ]
        },
    )
    _batch, result = load(con, path)
    assert (result.tables, result.rows_read, result.rows_rejected) == (["providers"], 1, 0)


def test_tracker_licences_of_two_states_and_an_unknown_payer_group(con, tmp_path):
    path = write_xlsx(
        tmp_path / "states.xlsx",
        {
            "Payers": PAYERS_SHEET,
            "Tracker": [
                [
                    "NPI",
                    "Name",
                    "TX License #",
                    "TX License Exp",
                    "OK License #",
                    "OK License Exp",
                    "Humana Status",
                    "Humana Effective",
                ],
                [NPI_A, "Test Provider A", "M1", "2026-12-31", "OK9", "2025-06-30", "Par", "2024-01-01"],
            ],
        },  # fmt: skip
    )
    _batch, result = load(con, path)
    assert rows(con, "SELECT state, number, expiration_date FROM credentials ORDER BY state") == [
        ("OK", "OK9", D(2025, 6, 30)),
        ("TX", "M1", D(2026, 12, 31)),
    ]
    (rejected,) = result.rejected
    assert (rejected.sheet, rejected.row_number, rejected.column) == ("Tracker [Humana]", 2, "payer")
    assert rejected.reason.startswith("unknown payer: Humana")
    raw = dict(rejected.raw_row)
    held = raw.pop("__roster__")  # the canonical cells, so the row can load once Humana is known
    assert raw == {
        "NPI": NPI_A,
        "Name": "Test Provider A",
        "Humana Status": "Par",
        "Humana Effective": "2024-01-01",
    }
    assert held["table"] == "enrollments"
    assert (held["row"]["npi"], held["row"]["payer_id"], held["row"]["effective_date"]) == (
        NPI_A,
        "Humana",
        "2024-01-01",
    )


def test_a_label_above_the_npi_column_is_not_a_group(con, tmp_path):
    path = write_xlsx(
        tmp_path / "above.xlsx",
        {
            "Tracker": [
                ["DEA", None, "Aetna", None],
                ["NPI", "Name", "Status", "Effective"],
                [NPI_A, "Test Provider A", None, None],
            ]
        },
    )
    _batch, result = load(con, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1, 1, 0)
    assert rows(con, "SELECT npi FROM providers") == [(NPI_A,)]
