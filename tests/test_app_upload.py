"""The upload page's rescue path (issue 15): a file read as the wrong kind, a required column not found and a
column mapped to values that do not fit are all put right on the page, before anything loads, and what the
page shows is what loads. Real Streamlit sessions (AppTest) on a small hand-written database."""

from __future__ import annotations

from test_app_pages import A, B, build_small_practice, no_exception, open_app
from test_ingest_roster import write_xlsx

from app_pages._mapping import canonical_columns
from audits.store import connect

# A claims export whose claim id column has a header no vocabulary knows ("Zork"), with the provider's
# name beside the NPI. As a whole it reads as a providers roster (names and NPIs): its kind must be changed.
ODD_CLAIMS = (
    "Zork,Seq,Doctor,Doctor NPI,Plan,DOS,CPT,Amount\n"
    f"Z1,1,Avery Stone,{A},Aetna,10/20/2026,99213,$120.00\n"
    f"Z2,1,Avery Stone,{A},Aetna,10/21/2026,99214,$150.00\n"
    f"Z3,1,Blake Fern,{B},Aetna,10/22/2026,11102,$90.00\n"
).encode()
PLAIN_CLAIMS = (
    "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,Charges\n"
    f"P1,1,{A},Aetna,10/05/2026,99213,$120.00\n"
).encode()


def _file_id(at, name_part: str = "") -> str:
    keys = [str(k)[len("kind_") :] for k in at.session_state.to_dict() if str(k).startswith("kind_")]
    assert keys, "no file staged"
    return keys[0] if not name_part else next(k for k in keys if name_part in k)


def _staged(at, *files):
    at.file_uploader[0].set_value(list(files) if len(files) > 1 else files[0]).run()
    no_exception(at)
    return at


def _frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_every_canonical_column_is_offered_required_first_with_the_file_columns_and_samples(
    monkeypatch, tmp_path
):
    db = build_small_practice(tmp_path / "p.duckdb")
    at = _staged(open_app(monkeypatch, db, "upload"), ("odd.csv", ODD_CLAIMS, "text/csv"))
    file_id = _file_id(at)
    at.selectbox(key=f"kind_{file_id}").set_value("claims").run()
    no_exception(at)
    boxes = [s for s in at.selectbox if str(s.key).startswith(f"map_{file_id}_claims_")]
    offered = [str(s.key)[len(f"map_{file_id}_claims_") :] for s in boxes]
    assert offered == canonical_columns("claims")
    assert {"service_state", "diagnoses", "units", "pos"} <= set(offered)  # not mapped, still listed
    # required first, marked; the six required (payer id or name) lead the list
    assert all(s.label.startswith("✱ ") for s in boxes[:7]) and not boxes[7].label.startswith("✱")
    assert offered[:2] == ["claim_id", "rendering_npi"]
    labels = {str(s.key)[len(f"map_{file_id}_claims_") :]: s.label for s in boxes}
    assert labels["payer_id"] == "✱ Payer id (or Payer name)"  # either one meets the requirement
    assert labels["payer_name"] == "✱ Payer name (or Payer id)" and labels["claim_id"] == "✱ Claim id"
    # every column of the file, with its sample values and what it loads as
    sources = _frame_with(at, "Column in the file")
    assert sources["Column in the file"].tolist() == ["Zork", "Seq", "Doctor", "Doctor NPI", "Plan", "DOS", "CPT", "Amount"]  # fmt: skip
    by_header = sources.set_index("Column in the file")
    assert by_header.loc["Doctor", "Sample values"] == "Avery Stone · Blake Fern"
    assert by_header.loc["Doctor", "Loaded as"] == "ignored (not loaded)"
    assert by_header.loc["CPT", "Loaded as"] == "Procedure code"
    # the claim id was not found: said before loading
    assert any("Required and not mapped: Claim id" in e.value for e in at.error)


def test_a_changed_mapping_shows_its_effect_and_warns_of_values_that_do_not_fit(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    at = _staged(open_app(monkeypatch, db, "upload"), ("odd.csv", ODD_CLAIMS, "text/csv"))
    file_id = _file_id(at)
    at.selectbox(key=f"kind_{file_id}").set_value("claims").run()
    assert not any("Rendering NPI" in w.value for w in at.warning)
    at.selectbox(key=f"map_{file_id}_claims_rendering_npi").set_value("Doctor").run()
    no_exception(at)
    warned = [w.value for w in at.warning if w.value.startswith("Rendering NPI")]
    assert warned == ["Rendering NPI ← “Doctor”: 3 of 3 values are not valid NPIs (check digit). Check the mapping before loading."]  # fmt: skip
    first = _frame_with(at, "Rendering NPI")
    assert first["Rendering NPI"].tolist() == ["Avery Stone", "Avery Stone", "Blake Fern"]
    # nothing loaded yet
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM claim_lines WHERE claim_id LIKE 'Z%'").fetchone()[0] == 0


def test_the_rescued_mapping_is_what_loads_and_edits_survive_switching_files(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        ("odd.csv", ODD_CLAIMS, "text/csv"),
        ("plain.csv", PLAIN_CLAIMS, "text/csv"),
    )
    staged = list(at.session_state["upload_edits"])  # every staged file has its (empty) edits
    assert len(staged) == 2
    odd = at.session_state["mapping_file"]  # the file that needs a look is offered first
    assert _frame_with(at, "file").set_index("file_id").loc[odd, "file"] == "odd.csv"
    at.selectbox(key=f"kind_{odd}").set_value("claims").run()
    at.selectbox(key=f"map_{odd}_claims_claim_id").set_value("Zork").run()
    no_exception(at)
    assert not any("Required and not mapped" in e.value for e in at.error)
    # switch to the other file and back: the kind and the mapping are kept
    file_ids = [f for f in staged if f != odd]
    at.selectbox(key="mapping_file").set_value(file_ids[0]).run()
    no_exception(at)
    assert f"map_{odd}_claims_claim_id" not in at.session_state.to_dict()  # the widget is gone
    at.selectbox(key="mapping_file").set_value(odd).run()
    assert at.selectbox(key=f"kind_{odd}").value == "claims"
    assert at.selectbox(key=f"map_{odd}_claims_claim_id").value == "Zork"
    at.button(key="load_files").click().run()
    no_exception(at)
    loads = _frame_with(at, "Rows loaded")
    assert dict(zip(loads["File"], loads["Status"], strict=True)) == {
        "odd.csv": "loaded",
        "plain.csv": "loaded",
    }
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT claim_id, rendering_npi, procedure_code, billed_amount FROM claim_lines"
            " WHERE claim_id LIKE 'Z%' ORDER BY claim_id"
        ).fetchall()
    assert [(c, n, p, float(b)) for c, n, p, b in rows] == [
        ("Z1", A, "99213", 120.0),
        ("Z2", A, "99214", 150.0),
        ("Z3", B, "11102", 90.0),
    ]


def test_a_credentialing_file_counts_its_sheets_columns_in_the_summary(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    path = _boards_workbook(tmp_path / "roster.xlsx")
    at = _staged(open_app(monkeypatch, db, "upload"), ("roster.xlsx", path.read_bytes(), XLSX))
    row = _frame_with(at, "file").iloc[0]
    # People: NPI, name, specialty; Boards (read as enrollments): NPI, payer, status, start, end, ...
    sheets = _frame_with(at, "Sheet").set_index("Sheet")["Columns read"]
    assert row["columns"] == sum(len(text.split(", ")) for text in sheets) >= 3 + 4
    assert 0 < row["lowest confidence"] <= 1


def test_a_credentialing_file_shows_each_sheet_with_its_table(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        {
            "People": [["NPI", "Provider Name", "Specialty"], [A, "Avery Stone", "Cardiology"]],
            "Plans": [["NPI", "Payer", "Status", "Effective Date"], [A, "Aetna", "Enrolled", "2025-01-01"]],
        },
    )
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        (
            "roster.xlsx",
            path.read_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    )
    summary = _frame_with(at, "sheets")
    assert summary["sheets"].iloc[0] == "People: Providers; Plans: Enrollments"
    sheets = _frame_with(at, "Sheet")
    assert sheets[["Sheet", "Read as"]].values.tolist() == [["People", "Providers"], ["Plans", "Enrollments"]]


def test_an_unreadable_or_unrecognised_file_is_one_sentence_naming_no_command_line_flag(
    monkeypatch, tmp_path
):
    db = build_small_practice(tmp_path / "p.duckdb")
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        ("broken.xlsx", b"this is not a workbook", "application/octet-stream"),
        ("notes.csv", b"Colour,Shape\nred,round\nblue,square\n", "text/csv"),
    )
    at.button(key="load_files").click().run()
    no_exception(at)
    loads = _frame_with(at, "Rows loaded")
    assert loads["Status"].tolist() == ["failed", "failed"]
    errors = [e.value for e in at.error]
    assert len(errors) >= 2
    for text in errors:
        assert "--" not in text and "\n" not in text and "Traceback" not in text, text
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM claim_lines").fetchone()[0] == 4  # nothing changed


def _load(at):
    at.button(key="load_files").click().run()
    no_exception(at)
    return _frame_with(at, "Rows loaded")


def test_an_upload_is_undone_on_the_page_and_loads_again_with_a_corrected_mapping(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    at = _staged(open_app(monkeypatch, db, "upload"), ("odd.csv", ODD_CLAIMS, "text/csv"))
    file_id = _file_id(at)
    at.selectbox(key=f"kind_{file_id}").set_value("claims").run()
    at.selectbox(key=f"map_{file_id}_claims_claim_id").set_value("Zork").run()
    at.selectbox(key=f"map_{file_id}_claims_billed_amount").set_value("Seq").run()  # the wrong column
    assert _load(at)["Status"].tolist() == ["loaded"]
    with connect(db, read_only=True) as con:
        wrong = con.execute("SELECT sum(billed_amount) FROM claim_lines WHERE claim_id LIKE 'Z%'")
        assert float(wrong.fetchone()[0]) == 3.0  # 1 + 1 + 1: the line numbers
        upload_id = con.execute("SELECT max(upload_id) FROM uploads").fetchone()[0]
    at.selectbox(key="undo_pick").set_value(upload_id).run()
    at.button(key="undo_upload").click().run()
    no_exception(at)
    assert len(at.success) == 1  # the core's sentence for what was undone
    history = _frame_with(at, "Uploaded")
    assert history.set_index("File").loc["odd.csv", "Status"] == "undone"
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM claim_lines").fetchone()[0] == 4  # as before the upload
    # the same file again, mapped right: not refused as a duplicate
    at = _staged(at, ("odd.csv", ODD_CLAIMS, "text/csv"))
    file_id = _file_id(at)
    at.selectbox(key=f"kind_{file_id}").set_value("claims").run()
    at.selectbox(key=f"map_{file_id}_claims_claim_id").set_value("Zork").run()
    assert _load(at)["Status"].tolist() == ["loaded"]
    with connect(db, read_only=True) as con:
        rows = con.execute("SELECT claim_id, billed_amount FROM claim_lines ORDER BY claim_id").fetchall()
    assert [(c, float(b)) for c, b in rows][3:] == [("C4", 150.0), ("Z1", 120.0), ("Z2", 150.0), ("Z3", 90.0)]


def test_one_confirm_per_payer_name_loads_its_held_rows_of_every_kind(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    claims = (
        "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,Charges\n"
        f"N7,1,{A},Zeta Health Plan,10/21/2026,99214,$150.00\n"
        f"N8,1,{A},Zeta Health Plan,10/22/2026,99213,$120.00\n"
    ).encode()
    remits = (
        b"Claim #,Line #,Payer,CPT,Billed,Paid Amount,Adj Reason\n"
        b"C1,1,Zeta Health Plan,99213,120.00,0.00,CO-45\n"
    )
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        ("zeta-claims.csv", claims, "text/csv"),
        ("zeta-remits.csv", remits, "text/csv"),
    )
    loads = _load(at)
    assert sorted(loads["Status"]) == ["nothing loaded (held)", "nothing loaded (held)"]
    held = [m.value for m in at.markdown if m.value.startswith("**Zeta Health Plan**")]
    assert len(held) == 1 and "3 rows held" in held[0]  # one name, both files' rows
    at.selectbox(key="alias_Zeta Health Plan").set_value("AET")
    at.button(key="confirm_Zeta Health Plan").click().run()
    no_exception(at)
    assert not any(m.value.startswith("**Zeta Health Plan**") for m in at.markdown)  # resolved: gone
    with connect(db, read_only=True) as con:
        lines = con.execute(
            "SELECT claim_id FROM claim_lines WHERE claim_id IN ('N7', 'N8') ORDER BY 1"
        ).fetchall()
        remitted = con.execute("SELECT count(*) FROM remit_lines WHERE payer_id = 'AET'").fetchone()[0]
    assert lines == [("N7",), ("N8",)] and remitted == 1
    # nothing grows on another look: the page reruns, no name is listed again
    at.run()
    assert not any(m.value.startswith("**Zeta Health Plan**") for m in at.markdown)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _boards_workbook(path):
    """Providers, plus board certifications in a layout that reads as enrollments (the board where a payer
    would be): the analyst must tell the page that "Boards" is a credentials sheet."""
    return write_xlsx(
        path,
        {
            "People": [["NPI", "Provider Name", "Specialty"], [A, "Avery Stone", "Cardiology"]],
            "Boards": [
                ["NPI", "Type", "Carrier", "Status", "Start", "End"],
                [A, "Board certification", "ABIM", "Active", "2020-01-01", "2026-09-30"],
            ],
        },
    )


def test_a_sheet_read_as_the_wrong_table_is_changed_on_the_page_and_loads_as_chosen(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    path = _boards_workbook(tmp_path / "roster.xlsx")
    at = _staged(open_app(monkeypatch, db, "upload"), ("roster.xlsx", path.read_bytes(), XLSX))
    file_id = _file_id(at)
    sheets = _frame_with(at, "Sheet")
    assert sheets[["Sheet", "Read as"]].values.tolist() == [
        ["People", "Providers"],
        ["Boards", "Enrollments"],
    ]
    at.selectbox(key=f"sheet_{file_id}_Boards").set_value("credentials").run()
    no_exception(at)
    sheets = _frame_with(at, "Sheet").set_index("Sheet")
    assert sheets.loc["Boards", "Loaded as"] == "Credentials"
    assert "Expires ← End" in sheets.loc["Boards", "Columns read"]  # the chosen table's reading
    at.button(key="load_files").click().run()
    no_exception(at)
    with connect(db, read_only=True) as con:
        assert con.execute(
            "SELECT credential_type, expiration_date::VARCHAR FROM credentials WHERE npi = ? "
            "AND credential_type = 'board_certification'",
            [A],
        ).fetchall() == [("board_certification", "2026-09-30")]
        assert con.execute(
            "SELECT count(*) FROM enrollments WHERE payer_id NOT IN ('AET', 'MCR')"
        ).fetchall() == [(0,)]


def test_a_sheet_set_to_not_loaded_is_left_out(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    path = _boards_workbook(tmp_path / "roster.xlsx")
    at = _staged(open_app(monkeypatch, db, "upload"), ("roster.xlsx", path.read_bytes(), XLSX))
    file_id = _file_id(at)
    at.selectbox(key=f"sheet_{file_id}_Boards").set_value("skip").run()
    assert _frame_with(at, "Sheet").set_index("Sheet").loc["Boards", "Loaded as"] == "not loaded"
    at.button(key="load_files").click().run()
    no_exception(at)
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT npi FROM providers").fetchall() == [(A,)]
        assert con.execute("SELECT count(*) FROM credentials WHERE credential_type = 'board_certification'").fetchall() == [(0,)]  # fmt: skip


def test_files_dropped_claims_first_load_roster_first(monkeypatch, tmp_path):
    # SPEC 2: one drop loads credentialing files first; the claims' payer is defined by the roster in the drop
    db = build_small_practice(tmp_path / "p.duckdb")
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        {
            "Payers": [["Payer ID", "Payer Name", "Aliases"], ["ZETA", "Zeta Health Plan", "Zeta"]],
            "Enrollments": [
                ["NPI", "Payer", "Status", "Effective Date"],
                [A, "Zeta Health Plan", "Enrolled", "2025-01-01"],
            ],
        },
    )
    claims = (
        "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,Charges\n"
        f"Q1,1,{A},Zeta,10/07/2026,99213,$120.00\n"
    ).encode()
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        ("a-claims.csv", claims, "text/csv"),
        ("z-roster.xlsx", roster.read_bytes(), XLSX),
    )
    at.button(key="load_files").click().run()
    no_exception(at)
    loads = _frame_with(at, "Rows loaded")
    assert loads["File"].tolist() == ["z-roster.xlsx", "a-claims.csv"]
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT payer_id FROM claim_lines WHERE claim_id = 'Q1'").fetchall() == [("ZETA",)]


def test_a_column_set_to_not_mapped_on_the_page_loads_empty(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    claims = (
        "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,POS,Charges\n"
        f"M1,1,{A},Aetna,10/06/2026,99213,11,$120.00\n"
    ).encode()
    at = _staged(open_app(monkeypatch, db, "upload"), ("pos.csv", claims, "text/csv"))
    file_id = _file_id(at)
    box = at.selectbox(key=f"map_{file_id}_claims_pos")
    assert box.value == "POS"
    box.set_value(None).run()
    no_exception(at)
    at.button(key="load_files").click().run()
    no_exception(at)
    with connect(db, read_only=True) as con:
        assert con.execute(
            "SELECT pos, procedure_code FROM claim_lines WHERE claim_id = 'M1'"
        ).fetchall() == [(None, "99213")]


def _licences_workbook(path):
    """Providers, and licences whose number sits under a header no vocabulary knows ("Qux")."""
    return write_xlsx(
        path,
        {
            "People": [
                ["NPI", "Provider Name", "Specialty"],
                [A, "Avery Stone", "Cardiology"],
                [B, "Blake Fern", "Dermatology"],
            ],
            "Licences": [
                ["NPI", "Credential", "State", "Qux", "Issued", "Expires"],
                [A, "State license", "TX", "TX-1001", "2020-01-01", "2028-01-01"],
                [B, "State license", "TX", "TX-2002", "2021-03-01", "2027-06-30"],
            ],
        },
    )


def test_a_credentialing_sheet_has_its_own_column_editor_with_samples_and_preview(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    path = _licences_workbook(tmp_path / "roster.xlsx")
    at = _staged(open_app(monkeypatch, db, "upload"), ("roster.xlsx", path.read_bytes(), XLSX))
    file_id = _file_id(at)
    at.selectbox(key=f"sheet_pick_{file_id}").set_value("Licences").run()
    no_exception(at)
    prefix = f"smap_{file_id}_Licences_"
    boxes = [s for s in at.selectbox if str(s.key).startswith(prefix)]
    assert [str(s.key)[len(prefix) :] for s in boxes] == canonical_columns("credentials")  # every column
    assert [s.label.startswith("✱ ") for s in boxes[:3]] == [True, True, False]  # NPI, credential first
    assert at.selectbox(key=prefix + "number").value == ""  # not mapped, still listed
    sources = _frame_with(at, "Column in the file").set_index("Column in the file")
    assert sources.loc["Qux", "Sample values"] == "TX-1001 · TX-2002"
    assert sources.loc["Qux", "Loaded as"] == "ignored (not loaded)"
    assert sources.loc["Expires", "Loaded as"] == "Expires"
    # a column that does not fit: warned with its count, before loading
    at.selectbox(key=prefix + "issue_date").set_value("Credential").run()
    no_exception(at)
    assert [w.value for w in at.warning if w.value.startswith("Issued")] == [
        "Issued ← “Credential”: 2 of 2 values are not dates. Check the mapping before loading."
    ]
    at.selectbox(key=prefix + "issue_date").set_value("Issued").run()
    at.selectbox(key=prefix + "number").set_value("Qux").run()
    no_exception(at)
    assert not [w.value for w in at.warning if w.value.startswith("Issued")]
    first = _frame_with(at, "Licence number")
    assert first["Licence number"].tolist() == ["TX-1001", "TX-2002"]  # the effect, before loading
    # another sheet and back: the choice is kept
    at.selectbox(key=f"sheet_pick_{file_id}").set_value("People").run()
    assert prefix + "number" not in at.session_state.to_dict()
    at.selectbox(key=f"sheet_pick_{file_id}").set_value("Licences").run()
    assert at.selectbox(key=prefix + "number").value == "Qux"
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM credentials WHERE number LIKE 'TX-%'").fetchone()[0] == 0
    at.button(key="load_files").click().run()
    no_exception(at)
    assert _frame_with(at, "Rows loaded")["Status"].tolist() == ["loaded"]
    with connect(db, read_only=True) as con:
        assert con.execute(
            "SELECT npi, number, issue_date::VARCHAR FROM credentials ORDER BY number"
        ).fetchall() == [(A, "TX-1001", "2020-01-01"), (B, "TX-2002", "2021-03-01")]


def test_a_sheet_column_set_to_not_mapped_loads_empty(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    path = _licences_workbook(tmp_path / "roster.xlsx")
    at = _staged(open_app(monkeypatch, db, "upload"), ("roster.xlsx", path.read_bytes(), XLSX))
    file_id = _file_id(at)
    at.selectbox(key=f"sheet_pick_{file_id}").set_value("Licences").run()
    at.selectbox(key=f"smap_{file_id}_Licences_issue_date").set_value("").run()
    no_exception(at)
    sources = _frame_with(at, "Column in the file").set_index("Column in the file")
    assert sources.loc["Issued", "Loaded as"] == "ignored (not loaded)"
    at.button(key="load_files").click().run()
    no_exception(at)
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*), count(issue_date) FROM credentials").fetchone() == (2, 0)


def test_a_sheet_table_chosen_in_a_rerun_that_never_drew_it_still_loads_as_chosen(monkeypatch, tmp_path):
    """A fast analyst picks the sheet's table and switches to another file before the page has drawn the
    choice: the rerun that would have drawn it is superseded by one that draws the other file. The choice
    is kept (it is written by the widget's callback, not by a finished draw) and it is what loads."""
    db = build_small_practice(tmp_path / "p.duckdb")
    path = _boards_workbook(tmp_path / "roster.xlsx")
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        ("roster.xlsx", path.read_bytes(), XLSX),
        ("plain.csv", PLAIN_CLAIMS, "text/csv"),
    )
    roster = next(f for f in at.session_state["upload_edits"] if f"sheet_{f}_Boards" in at.session_state)
    plain = next(f for f in at.session_state["upload_edits"] if f != roster)
    assert at.session_state["mapping_file"] == roster
    # both changes reach the server in one rerun (a superseded run's widget states are coalesced)
    at.selectbox(key=f"sheet_{roster}_Boards").set_value("credentials")
    at.selectbox(key="mapping_file").set_value(plain).run()
    no_exception(at)
    assert f"sheet_{roster}_Boards" not in at.session_state  # the roster's editor was never drawn again
    assert (
        _frame_with(at, "file")
        .set_index("file_id")
        .loc[roster, "sheets"]
        .endswith("changed: Boards: Credentials")
    )
    _load(at)
    with connect(db, read_only=True) as con:
        assert con.execute(
            "SELECT credential_type FROM credentials WHERE npi = ? AND credential_type = 'board_certification'",
            [A],
        ).fetchall() == [("board_certification",)]
        assert con.execute(
            "SELECT count(*) FROM enrollments WHERE payer_id NOT IN ('AET', 'MCR')"
        ).fetchall() == [(0,)]


# a wide tracker: one row per provider, one column group per payer (a label over Status / Effective / Term)
TRACKER_PAYERS = [("AETNA", "Aetna"), ("BCBS", "BCBS TX"), ("CIGNA", "Cigna"), ("HUM", "Humana"),
                  ("UHC", "United Healthcare"), ("MOL", "Molina Healthcare")]  # fmt: skip


def _wide_tracker(path, payers):
    """Provider columns (NPI, name, specialty merged down over two header rows), then per payer a group label
    over Status / Effective / Term. Avery Stone is enrolled with every payer, Blake Fern with the first."""
    from openpyxl.utils import get_column_letter

    top = ["NPI", "Provider Name", "Specialty"] + [c for _id, name in payers for c in (name, None, None)]
    sub = [None, None, None] + ["Status", "Effective", "Term"] * len(payers)
    avery = [A, "Avery Stone", "Cardiology"] + ["Par", "2020-01-01", None] * len(payers)
    blake = [B, "Blake Fern", "Dermatology"] + ["Par", "2021-06-01", None] + [None] * 3 * (len(payers) - 1)
    merges = [f"{c}1:{c}2" for c in "ABC"] + [
        f"{get_column_letter(4 + 3 * i)}1:{get_column_letter(6 + 3 * i)}1" for i in range(len(payers))
    ]
    return write_xlsx(
        path,
        {"Tracker": [top, sub, avery, blake], "Payers": [["Payer ID", "Payer Name"], *map(list, payers)]},
        merges={"Tracker": merges},
    )


def test_a_wide_tracker_shows_one_column_group_per_payer_and_loads_with_a_provider_column_changed(
    monkeypatch, tmp_path
):
    db = build_small_practice(tmp_path / "p.duckdb")
    path = _wide_tracker(tmp_path / "tracker.xlsx", TRACKER_PAYERS)
    at = _staged(open_app(monkeypatch, db, "upload"), ("tracker.xlsx", path.read_bytes(), XLSX))
    file_id = _file_id(at)
    assert _frame_with(at, "Sheet").set_index("Sheet").loc["Tracker", "Read as"].startswith("Wide tracker")
    groups = _frame_with(at, "Loads as")
    assert groups["Loads as"].tolist() == [f"Enrollment with {name}" for _id, name in TRACKER_PAYERS]
    assert groups.set_index("Group").loc["Cigna", "Columns"] == (
        "Status ← Cigna Status, Effective ← Cigna Effective, Terminated ← Cigna Term"
    )
    # every column of the sheet once, named with its group, its own samples, what it loads as; none ignored
    sources = _frame_with(at, "Column in the file").set_index("Column in the file")
    assert len(sources) == 3 + 3 * len(TRACKER_PAYERS)
    assert sources.loc["Aetna Effective", "Sample values"] == "2020-01-01 · 2021-06-01"
    assert sources.loc["Humana Effective", "Sample values"] == "2020-01-01"  # Blake's blank is a blank
    assert sources.loc["Molina Healthcare Status", "Loaded as"] == "Molina Healthcare: status (enrollment)"
    assert "ignored (not loaded)" not in set(sources["Loaded as"])
    # the provider boxes offer the provider columns, each once (a group's Status is not a provider's)
    boxes = [s for s in at.selectbox if str(s.key).startswith(f"smap_{file_id}_Tracker_")]
    assert boxes and all(s.options == ["(not mapped)", "NPI", "Provider Name", "Specialty"] for s in boxes)
    at.selectbox(key=f"smap_{file_id}_Tracker_specialty").set_value("").run()
    no_exception(at)
    assert _load(at)["Status"].tolist() == ["loaded"]
    with connect(db, read_only=True) as con:
        enrolled = con.execute(
            "SELECT p.provider_name, count(*) FROM enrollments e JOIN providers p USING (npi)"
            " WHERE e.status = 'enrolled' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        specialties = con.execute("SELECT DISTINCT specialty FROM providers").fetchall()
    assert enrolled == [("Avery Stone", len(TRACKER_PAYERS)), ("Blake Fern", 1)]
    assert specialties == [(None,)]  # set to not mapped on the page: left empty


def test_each_load_says_what_happened_in_words_loaded_held_duplicate(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    held = (
        "Claim #,Line #,Rendering Provider NPI,Primary Insurance,Date of Service,CPT/HCPCS,Charges\n"
        f"H1,1,{A},Aetna,10/07/2026,99213,$120.00\n"
        f"H2,1,{A},Nobody Health Plan,10/08/2026,99213,$120.00\n"  # an unknown payer: held
    ).encode()
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        ("plain.csv", PLAIN_CLAIMS, "text/csv"),
        ("held.csv", held, "text/csv"),
    )
    loads = _load(at).set_index("File")
    assert loads.loc["plain.csv", "Status"] == "loaded"
    assert loads.loc["held.csv", "Status"] == "loaded with rows held"
    assert (loads.loc["held.csv", "Rows loaded"], loads.loc["held.csv", "Rows held or rejected"]) == (1, 1)
    again = _load(_staged(at, ("plain.csv", PLAIN_CLAIMS, "text/csv"))).set_index("File")
    assert again.loc["plain.csv", "Status"] == "duplicate"
    assert again.loc["plain.csv", "What happened"]  # one sentence: already loaded, nothing changed
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM claim_lines WHERE claim_id = 'P1'").fetchone()[0] == 1


def test_a_mapping_saved_as_a_profile_is_applied_to_the_next_file_of_that_source(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    at = _staged(open_app(monkeypatch, db, "upload"), ("odd.csv", ODD_CLAIMS, "text/csv"))
    file_id = _file_id(at)
    at.selectbox(key=f"kind_{file_id}").set_value("claims").run()
    at.selectbox(key=f"map_{file_id}_claims_claim_id").set_value("Zork").run()
    at.text_input(key=f"profile_name_{file_id}").set_value("vendor zork").run()
    at.button(key=f"save_profile_{file_id}").click().run()
    no_exception(at)
    assert any("vendor zork" in s.value for s in at.success)
    with connect(db, read_only=True) as con:
        saved = con.execute(
            "SELECT kind, mapping_json FROM mapping_profiles WHERE name = 'vendor zork'"
        ).fetchall()
    assert saved and saved[0][0] == "claims" and '"claim_id": "Zork"' in saved[0][1]
    # next month's export from the same source: apply the profile, the claim id is mapped again
    next_month = ODD_CLAIMS.replace(b"Z1,", b"Z7,").replace(b"Z2,", b"Z8,").replace(b"Z3,", b"Z9,")
    at = _staged(at, ("odd-next.csv", next_month, "text/csv"))
    file_id = _file_id(at)
    at.selectbox(key=f"kind_{file_id}").set_value("claims").run()
    assert any("Required and not mapped: Claim id" in e.value for e in at.error)
    at.selectbox(key=f"profile_{file_id}").set_value("vendor zork").run()
    no_exception(at)
    assert at.selectbox(key=f"map_{file_id}_claims_claim_id").value == "Zork"
    assert not any("Required and not mapped" in e.value for e in at.error)
    assert _load(at)["Status"].tolist() == ["loaded"]
    with connect(db, read_only=True) as con:
        loaded = con.execute(
            "SELECT claim_id FROM claim_lines WHERE claim_id LIKE 'Z%' ORDER BY 1"
        ).fetchall()
    assert loaded == [("Z7",), ("Z8",), ("Z9",)]


def test_a_sheets_column_choice_and_the_sheet_shown_survive_switching_files(monkeypatch, tmp_path):
    db = build_small_practice(tmp_path / "p.duckdb")
    path = _licences_workbook(tmp_path / "roster.xlsx")
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        ("roster.xlsx", path.read_bytes(), XLSX),
        ("plain.csv", PLAIN_CLAIMS, "text/csv"),
    )
    roster = next(f for f in at.session_state["upload_edits"] if f"sheet_pick_{f}" in at.session_state)
    plain = next(f for f in at.session_state["upload_edits"] if f != roster)
    at.selectbox(key=f"sheet_pick_{roster}").set_value("Licences").run()
    at.selectbox(key=f"smap_{roster}_Licences_number").set_value("Qux").run()
    at.selectbox(key="mapping_file").set_value(plain).run()
    no_exception(at)
    assert f"sheet_pick_{roster}" not in at.session_state  # the roster's editor is not drawn
    at.selectbox(key="mapping_file").set_value(roster).run()
    assert at.selectbox(key=f"sheet_pick_{roster}").value == "Licences"  # the sheet that was shown
    assert at.selectbox(key=f"smap_{roster}_Licences_number").value == "Qux"
    _load(at)
    with connect(db, read_only=True) as con:
        numbers = con.execute("SELECT number FROM credentials WHERE number LIKE 'TX-%' ORDER BY 1").fetchall()
    assert numbers == [("TX-1001",), ("TX-2002",)]


def test_two_headers_that_fit_one_column_equally_are_asked_about_until_the_analyst_chooses(
    monkeypatch, tmp_path
):
    # issue 9: "when two readings are close, the page shows both and asks" - a claim number and a visit
    # id both read as the claim id
    db = build_small_practice(tmp_path / "p.duckdb")
    two_ids = (
        "Claim #,Visit ID,Rendering NPI,Payer,Date of Service,CPT,Charges\n"
        f"Q1,V1,{A},Aetna,10/05/2026,99213,$120.00\n"
        f"Q2,V2,{A},Aetna,10/06/2026,99214,$150.00\n"
    ).encode()
    at = _staged(open_app(monkeypatch, db, "upload"), ("two-ids.csv", two_ids, "text/csv"))
    file_id = _file_id(at)
    asked = [w.value for w in at.warning if w.value.startswith("Close call: Claim id")]
    assert len(asked) == 1 and "“Claim #”" in asked[0] and "“Visit ID”" in asked[0]
    at.selectbox(key=f"map_{file_id}_claims_claim_id").set_value("Claim #").run()
    no_exception(at)
    assert not [w.value for w in at.warning if w.value.startswith("Close call: Claim id")]


def test_the_profile_applied_to_a_file_is_still_shown_after_switching_files(monkeypatch, tmp_path):
    from audits.ingest import save_mapping_profile

    db = build_small_practice(tmp_path / "p.duckdb")
    with connect(db) as con:
        save_mapping_profile(con, "vendor zork", "claims", {"claim_id": "Zork"})
    at = _staged(
        open_app(monkeypatch, db, "upload"),
        ("odd.csv", ODD_CLAIMS, "text/csv"),
        ("plain.csv", PLAIN_CLAIMS, "text/csv"),
    )
    odd = at.session_state["mapping_file"]
    at.selectbox(key=f"kind_{odd}").set_value("claims").run()
    at.selectbox(key=f"profile_{odd}").set_value("vendor zork").run()
    other = next(f for f in at.session_state["upload_edits"] if f != odd)
    at.selectbox(key="mapping_file").set_value(other).run()
    at.selectbox(key="mapping_file").set_value(odd).run()
    no_exception(at)
    assert at.selectbox(key=f"profile_{odd}").value == "vendor zork"
    assert at.selectbox(key=f"map_{odd}_claims_claim_id").value == "Zork"


def test_an_export_that_reads_almost_as_well_as_another_kind_is_a_close_call_until_its_kind_is_chosen(
    monkeypatch, tmp_path
):
    # issue 9: a claims export with a paid column reads nearly as well as a remittance export
    db = build_small_practice(tmp_path / "p.duckdb")
    both = "Claim ID,Line,Rendering NPI,Payer,Date of Service,CPT,Billed,Paid\n" + "".join(
        f"K{i},1,{A},Aetna,10/0{i}/2026,99213,120.00,96.00\n" for i in range(1, 5)
    )
    at = _staged(open_app(monkeypatch, db, "upload"), ("both.csv", both.encode(), "text/csv"))
    file_id = _file_id(at)
    asked = [w.value for w in at.warning if w.value.startswith("Close call: this file")]
    assert len(asked) == 1
    assert "reads almost as well as claims export" in asked[0] and "as remittance export" in asked[0]
    at.selectbox(key=f"kind_{file_id}").set_value("claims").run()
    no_exception(at)
    assert not [w.value for w in at.warning if w.value.startswith("Close call: this file")]
