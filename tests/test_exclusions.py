"""Exclusion lists and screening, from the contract: LEIE and SAM layouts, NPI matches, possible name
matches confirmed and dismissed (kept with who and when), every screening recorded, a newer list erasing
nothing. Every person and business below is invented; the layouts are the published ones."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile

import pytest
from audit_rows import add_credential, open_copy

from audits.errors import InputError, NotFound
from audits.exclusions import decide, load_list, matches, possible_matches, screen, screening_history
from audits.ingest.exclusions import LEIE_COLUMNS, SAM_COLUMNS, read_exclusion_list

NPI_A = "1234567893"
NPI_B = "9876543213"
NPI_C = "1111111112"


def leie_row(**values) -> dict:
    row = dict.fromkeys(LEIE_COLUMNS, "")
    row.update({"NPI": "0000000000", "DOB": "19700101", "EXCLTYPE": "1128b4", "REINDATE": "00000000"})
    row.update({"WAIVERDATE": "00000000", "EXCLDATE": "20260315"})
    row.update(values)
    return row


def write_leie(path, rows) -> None:
    with path.open("w", newline="", encoding="latin-1") as handle:
        writer = csv.DictWriter(handle, fieldnames=LEIE_COLUMNS, quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)


def write_sam_zip(path, rows) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SAM_COLUMNS, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for values in rows:
        row = dict.fromkeys(SAM_COLUMNS, "")
        row.update({"Country": "USA", "Exclusion Program": "Reciprocal", "Excluding Agency": "HHS"})
        row.update({"Record Status": "Active", "Termination Date": "Indefinite", "Active Date": "04/01/2026"})
        row.update(values)
        writer.writerow(row)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(path.stem + ".CSV", buffer.getvalue())


def add_person(con, npi, name, state=None, status="active"):
    con.execute(
        "INSERT INTO providers (npi, provider_name, primary_state, status) VALUES (?, ?, ?, ?)",
        [npi, name, state, status],
    )


@pytest.fixture
def econ(template, tmp_path):
    with open_copy(template, tmp_path) as con:
        add_person(con, NPI_A, "Smith, Jane A MD", "TX")
        add_person(con, NPI_B, "Robert O'Neil-Hart DO", None)
        add_credential(con, "state_license", "OK", "2028-12-31", npi=NPI_B)
        add_person(con, NPI_C, "Maria Lopez, NP", "FL")
        yield con


def test_leie_layout_reads_with_its_conventions(tmp_path):
    path = tmp_path / "2610EXCL.csv"
    write_leie(
        path,
        [
            leie_row(LASTNAME="SYNTHA", FIRSTNAME="ANNA", NPI="0000000000", STATE="TX"),
            leie_row(BUSNAME="SYNTH PHARMACY LLC", NPI=NPI_C, EXCLDATE="20250110", REINDATE="20260201"),
            leie_row(LASTNAME="NODATE", FIRSTNAME="NED", EXCLDATE="00000000"),
            leie_row(NPI="0000000000", LASTNAME="", FIRSTNAME=""),
        ],
    )
    batch = read_exclusion_list(path)
    assert batch.source == "LEIE" and batch.rows_read == 4
    assert batch.list_date == dt.date(2026, 10, 31) and batch.list_date_basis == "file name"
    first, second = batch.entries.iloc[0], batch.entries.iloc[1]
    assert first.npi is None and first.last_name == "SYNTHA" and first.excl_date == dt.date(2026, 3, 15)
    assert first.rein_date is None and first.birth_date == dt.date(1970, 1, 1)
    assert second.npi == NPI_C and second.business_name == "SYNTH PHARMACY LLC"
    assert second.rein_date == dt.date(2026, 2, 1)
    assert [(n, r) for n, _raw, r in batch.rejected] == [
        (4, "no exclusion date that reads as a date"),
        (5, "neither a name nor an NPI"),
    ]


def test_sam_extract_in_its_zip(tmp_path):
    path = tmp_path / "SAM_Exclusions_Public_Extract_V2_26279.ZIP"
    write_sam_zip(
        path,
        [
            {"Classification": "Individual", "First": "Pat", "Last": "Synthperson", "State / Province": "WA"},
            {
                "Classification": "Firm",
                "Name": "Synth Imaging Partners",
                "NPI": NPI_B,
                "Termination Date": "12/31/2027",
            },
        ],
    )
    batch = read_exclusion_list(path)
    assert batch.source == "SAM" and batch.list_date == dt.date(2026, 10, 6)
    person, firm = batch.entries.iloc[0], batch.entries.iloc[1]
    assert (person.last_name, person.first_name, person.state, person.npi) == (
        "Synthperson",
        "Pat",
        "WA",
        None,
    )
    assert person.rein_date is None and person.excl_date == dt.date(2026, 4, 1)
    assert firm.business_name == "Synth Imaging Partners" and firm.npi == NPI_B
    assert firm.rein_date == dt.date(2027, 12, 31)


def test_not_a_list_is_one_sentence(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("claim_id,npi\nC1,1234567893\n")
    with pytest.raises(InputError, match="not an OIG LEIE or SAM.gov exclusion list"):
        read_exclusion_list(path)


def test_npi_match_and_the_screening_record(econ, tmp_path):
    path = tmp_path / "UPDATED.csv"
    write_leie(
        path, [leie_row(LASTNAME="ANYNAME", FIRSTNAME="X", NPI=NPI_C, STATE="FL", EXCLDATE="20260315")]
    )
    result = load_list(econ, path, loaded_by="olga", list_date=dt.date(2026, 10, 1))
    assert result.list_date == dt.date(2026, 10, 1) and result.list_date_basis == "given"
    screening = result.screening
    assert screening.providers_checked == 3 and screening.npi_matches == 1 and screening.possible == 0
    history = screening_history(econ)
    assert len(history) == 1
    row = history.iloc[0]
    assert row.screened_by == "olga" and row.providers_checked == 3 and row.npi_matches == 1
    assert "UPDATED.csv dated 2026-10-01" in row.lists and len(row.list_sha256) == 64
    upload = econ.execute("SELECT kind, status, rows_read, rows_loaded, uploaded_by FROM uploads").fetchall()
    assert upload == [("exclusions", "loaded", 1, 1, "olga")]
    found = matches(econ)
    assert list(found.npi) == [NPI_C] and list(found.match_type) == ["npi"]


def test_possible_name_matches_by_last_first_and_state(econ, tmp_path):
    path = tmp_path / "2610EXCL.csv"
    write_leie(
        path,
        [
            leie_row(LASTNAME="SMITH", FIRSTNAME="JANE", STATE="TX"),  # NPI_A: name and state
            leie_row(LASTNAME="SMITH", FIRSTNAME="JANE", STATE="FL", DOB="19800202"),  # another state
            leie_row(LASTNAME="HART", FIRSTNAME="ROBERT", STATE="OK"),  # NPI_B: hyphen part, licence state
            leie_row(LASTNAME="LOPEZ", FIRSTNAME="MARIA", STATE="FL", NPI="1999999992"),  # has an NPI: no
            leie_row(LASTNAME="JANE", FIRSTNAME="JANE", STATE="TX"),  # one word twice is not two names
        ],
    )
    result = load_list(econ, path)
    assert result.screening.possible == 2
    pending = possible_matches(econ)
    assert sorted(pending.npi) == [NPI_A, NPI_B]
    assert set(pending.list_state) == {"TX", "OK"}


def test_a_provider_with_no_state_on_file_matches_in_any_state(econ, tmp_path):
    econ.execute("DELETE FROM credentials")
    path = tmp_path / "2610EXCL.csv"
    write_leie(path, [leie_row(LASTNAME="ONEIL-HART", FIRSTNAME="ROBERT", STATE="NV")])
    assert list(possible_matches(econ).npi) == [] and load_list(econ, path).screening.possible == 1
    assert list(possible_matches(econ).npi) == [NPI_B]


def test_confirm_and_dismiss_are_kept_and_carry_over_to_the_next_list(econ, tmp_path):
    october = tmp_path / "2610EXCL.csv"
    rows = [
        leie_row(LASTNAME="SMITH", FIRSTNAME="JANE", STATE="TX"),
        leie_row(LASTNAME="HART", FIRSTNAME="ROBERT", STATE="OK"),
    ]
    write_leie(october, rows)
    load_list(econ, october)
    pending = possible_matches(econ).set_index("npi")
    decide(econ, pending.loc[NPI_A, "match_id"], "dismissed", decided_by="ana", note="different DOB")
    decide(econ, pending.loc[NPI_B, "match_id"], "confirmed", decided_by="ben")
    kept = econ.execute(
        "SELECT npi, decision, decided_by, note, decided_at IS NOT NULL FROM exclusion_decisions ORDER BY npi"
    ).fetchall()
    assert kept == [
        (NPI_A, "dismissed", "ana", "different DOB", True),
        (NPI_B, "confirmed", "ben", None, True),
    ]
    november = tmp_path / "2611EXCL.csv"
    write_leie(november, [*rows, leie_row(LASTNAME="SYNTHNEW", FIRSTNAME="NOBODY")])
    second = load_list(econ, november)
    assert second.screening.possible == 0  # both decided already
    decided = matches(econ).set_index("npi")
    assert decided.loc[NPI_A, "decision"] == "dismissed" and decided.loc[NPI_B, "decision"] == "confirmed"
    assert decided.loc[NPI_B, "decided_by"] == "ben"
    history = screening_history(econ)
    assert len(history) == 2  # the October screening is still there, with its own list
    assert "2610EXCL.csv" in history.iloc[1].lists and "2611EXCL.csv" not in history.iloc[1].lists
    assert history.iloc[1].possible_matches == 2 and history.iloc[0].confirmed_matches == 1


def test_an_npi_match_cannot_be_dismissed_and_bad_ids_say_so(econ, tmp_path):
    path = tmp_path / "UPDATED.csv"
    write_leie(path, [leie_row(LASTNAME="X", FIRSTNAME="Y", NPI=NPI_C)])
    load_list(econ, path)
    (npi_match,) = matches(econ).match_id
    with pytest.raises(InputError, match="matched by NPI"):
        decide(econ, npi_match, "dismissed")
    with pytest.raises(InputError, match="not a match id"):
        decide(econ, "smith", "confirmed")
    with pytest.raises(NotFound):
        decide(econ, f"{NPI_A}-00000000", "confirmed")
    with pytest.raises(InputError, match="not a decision"):
        decide(econ, npi_match, "maybe")


def test_the_same_list_again_adds_no_rows_but_is_a_screening(econ, tmp_path):
    path = tmp_path / "UPDATED.csv"
    write_leie(path, [leie_row(LASTNAME="X", FIRSTNAME="Y", NPI=NPI_C)])
    load_list(econ, path)
    again = load_list(econ, path)
    assert again.duplicate_of == 1 and again.list_id is None and again.rows_loaded == 0
    assert econ.execute("SELECT count(*) FROM exclusion_entries").fetchall() == [(1,)]
    assert econ.execute("SELECT status FROM uploads ORDER BY upload_id").fetchall() == [
        ("loaded",),
        ("duplicate",),
    ]
    assert len(screening_history(econ)) == 2


def test_screen_on_request_needs_a_list(econ):
    with pytest.raises(InputError, match="No exclusion list"):
        screen(econ)


def test_a_large_generated_list_finds_exactly_the_planted_matches(template, tmp_path):
    rng = random.Random(12)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def word(n):
        return "".join(rng.choice(letters) for _ in range(n))

    with open_copy(template, tmp_path) as con:
        roster = []
        for i in range(50):
            npi = f"{1000000000 + i * 7919:010d}"
            last, first = f"ROSTERLAST{word(4)}", f"ROSTERFIRST{word(3)}"
            roster.append((npi, last, first))
            add_person(con, npi, f"{first.title()} {last.title()}, MD", "TX")
        rows = [
            leie_row(
                LASTNAME=word(8), FIRSTNAME=word(6), STATE=rng.choice(["TX", "FL", "CA"]), NPI="0000000000"
            )
            for _ in range(80_000)
        ]
        planted_npi = roster[3][0]
        rows[100] = leie_row(LASTNAME="WHOEVER", FIRSTNAME="X", NPI=planted_npi)
        rows[40_000] = leie_row(LASTNAME=roster[7][1], FIRSTNAME=roster[7][2], STATE="TX")
        rows[79_999] = leie_row(LASTNAME=roster[9][1], FIRSTNAME=roster[9][2], STATE="CA")  # wrong state
        path = tmp_path / "UPDATED.csv"
        write_leie(path, rows)
        result = load_list(con, path)
        assert result.rows_loaded == 80_000 and result.screening.providers_checked == 50
        found = matches(con)
        assert sorted(zip(found.npi, found.match_type, strict=True)) == sorted(
            [(planted_npi, "npi"), (roster[7][0], "name")]
        )


def test_cli_screening_show_confirm_and_history(econ, tmp_path, capsys):
    from audits.cli import main

    path = tmp_path / "2610EXCL.csv"
    write_leie(path, [leie_row(LASTNAME="SMITH", FIRSTNAME="JANE", STATE="TX", EXCLTYPE="1128a1")])
    load_list(econ, path, loaded_by="olga")
    econ.execute("CHECKPOINT")
    econ.close()
    db = str(tmp_path / "audit.duckdb")
    assert main(["screening", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "3 providers against LEIE 2610EXCL.csv dated 2026-10-31" in out
    assert "POSSIBLE MATCH - confirm or dismiss" in out and "excluded 2026-03-15 (1128a1)" in out
    match = next(word for word in out.split() if word.startswith(NPI_A + "-"))
    assert main(["screening", "confirm", match, "--by", "ana", "--note", "same DOB", "--db", db]) == 0
    assert f"Match {match} confirmed by ana." in capsys.readouterr().out
    assert main(["screening", "run", "--by", "ana", "--db", db]) == 0
    assert "0 possible matches" in capsys.readouterr().out
    assert main(["screening", "history", "--out", str(tmp_path / "h.csv"), "--db", db]) == 0
    assert (tmp_path / "h.csv").read_text().count("2610EXCL.csv") == 2
    assert main(["screening", "confirm", "--db", db]) == 1
    assert "needs the match id" in capsys.readouterr().err


def test_the_view_of_excluded_providers_takes_npi_and_confirmed_name_matches_only(econ, tmp_path):
    from audits.views import ensure_views

    path = tmp_path / "2610EXCL.csv"
    write_leie(
        path,
        [
            leie_row(LASTNAME="ANY", FIRSTNAME="ONE", NPI=NPI_C, EXCLDATE="20260101"),
            leie_row(LASTNAME="SMITH", FIRSTNAME="JANE", STATE="TX", EXCLDATE="20260201"),
            leie_row(LASTNAME="HART", FIRSTNAME="ROBERT", STATE="OK", EXCLDATE="20260301"),
        ],
    )
    load_list(econ, path)
    pending = possible_matches(econ).set_index("npi")
    decide(econ, pending.loc[NPI_A, "match_id"], "confirmed")
    decide(econ, pending.loc[NPI_B, "match_id"], "dismissed")
    reinstated = tmp_path / "2611REIN.csv"  # the OIG reinstatement file: same rows with a REINDATE
    write_leie(
        reinstated,
        [leie_row(LASTNAME="ANY", FIRSTNAME="ONE", NPI=NPI_C, EXCLDATE="20260101", REINDATE="20261110")],
    )
    load_list(econ, reinstated)
    ensure_views(econ)
    rows = econ.execute(
        "SELECT npi, matched_by, excl_date, rein_date FROM stg_provider_exclusions ORDER BY npi"
    ).fetchall()
    assert sorted(rows) == sorted(
        [
            (NPI_C, "npi", dt.date(2026, 1, 1), dt.date(2026, 11, 10)),
            (NPI_A, "name", dt.date(2026, 2, 1), None),
        ]
    )


def test_ingest_kind_exclusions_and_detection(econ, tmp_path, capsys):
    from audits.ingest import ingest_file

    path = tmp_path / "2610EXCL.csv"
    write_leie(path, [leie_row(LASTNAME="ANY", FIRSTNAME="ONE", NPI=NPI_C), leie_row(EXCLDATE="")])
    result = ingest_file(econ, path, uploaded_by="olga")  # recognised without --kind
    assert (result.kind, result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "exclusions",
        "loaded",
        2,
        1,
        1,
    )
    assert "1 NPI matches" in result.message
    sam = tmp_path / "SAM_Exclusions_Public_Extract_V2_26279.ZIP"
    write_sam_zip(
        sam, [{"Classification": "Individual", "First": "Jane", "Last": "Smith", "State / Province": "TX"}]
    )
    second = ingest_file(econ, sam, kind="exclusions")
    assert second.kind == "exclusions" and second.rows_loaded == 1
    assert econ.execute("SELECT count(*) FROM exclusion_screenings").fetchall() == [(2,)]
    assert econ.execute("SELECT reason FROM rejected_rows").fetchall() == [
        ("no exclusion date that reads as a date",)
    ]


def test_the_pack_sheet_lists_the_months_screenings(econ, tmp_path):
    from audits.exclusions import screening_sheet

    path = tmp_path / "UPDATED.csv"
    write_leie(path, [leie_row(LASTNAME="X", FIRSTNAME="Y", NPI=NPI_C)])
    load_list(econ, path, loaded_by="olga")
    screen(econ, screened_by="ana")
    econ.execute(
        "UPDATE exclusion_screenings SET screened_at = TIMESTAMP '2026-10-05 09:00' WHERE screening_id = 1"
    )
    econ.execute(
        "UPDATE exclusion_screenings SET screened_at = TIMESTAMP '2026-11-03 10:00' WHERE screening_id = 2"
    )
    october, found = screening_sheet(econ, "2026-10")
    assert list(october.screening_id) == [1] and list(october.screened_by) == ["olga"]
    assert list(found.npi) == [NPI_C] and list(found.match_type) == ["npi"]
    assert "UPDATED.csv" in october.lists.iloc[0] and len(october.list_sha256.iloc[0]) == 64
    september, none = screening_sheet(econ, "2026-09")
    assert september.empty and none.empty


def test_a_list_name_of_several_words_matches_the_providers_words(econ, tmp_path):
    add_person(econ, "1245319599", "Maria de la Cruz-Ortiz, MD", "TX")
    path = tmp_path / "2610EXCL.csv"
    write_leie(
        path,
        [
            leie_row(LASTNAME="DE LA CRUZ-ORTIZ", FIRSTNAME="MARIA", STATE="TX"),
            leie_row(LASTNAME="O'NEIL", FIRSTNAME="ROBERT", STATE="OK", DOB="19650505"),  # O'Neil-Hart's part
        ],
    )
    load_list(econ, path)
    assert sorted(possible_matches(econ).npi) == sorted(["1245319599", NPI_B])


def test_a_provider_listed_twice_is_screened_once_under_one_name(econ, tmp_path):
    """Issue 10: a second roster listing (padded NPI, no name, no state) is the same provider - one
    provider checked, one match, named as every page names it; the state on file still narrows names."""
    add_person(econ, f" {NPI_A} ", "  ", None)
    path = tmp_path / "2610EXCL.csv"
    write_leie(
        path,
        [
            leie_row(LASTNAME="SMITH", FIRSTNAME="JANE", STATE="TX"),  # NPI_A by name and state
            leie_row(LASTNAME="SMITH", FIRSTNAME="JANE", STATE="NV"),  # not NPI_A's state
            leie_row(LASTNAME="ANYNAME", FIRSTNAME="X", NPI=NPI_A, STATE="TX"),  # NPI_A by NPI
        ],
    )
    result = load_list(econ, path)
    assert result.screening.providers_checked == 3
    found = matches(econ)
    assert sorted(found.match_type) == ["name", "npi"]
    assert set(found.npi) == {NPI_A} and set(found.provider_name) == {"Smith, Jane A MD"}
