"""Monthly exclusion screening: the roster against the OIG LEIE and SAM.gov lists (issue 12).

- `load_list` keeps a list as an upload of kind `exclusions` (file name, sha256, list date) beside every
  earlier one, and screens the current roster against every list loaded so far. The same file loaded again
  adds no rows (a duplicate upload) but is still a screening: the practice screened that day.
- `screen` records one screening: which lists, when, by whom, how many providers, what matched.
  A provider matches a list row by NPI. Where the row has no NPI (LEIE 0000000000, most SAM rows), a
  person's row whose last and first names are both among the provider's name words, in a state where the
  provider practises (primary state or a licence state; any state when the roster has none for them), is a
  **possible match**: a person confirms or dismisses it (`decide`), and the decision, with who and when,
  carries over to later lists (the same exclusion has the same entity_key in every monthly list).
  Businesses (BUSNAME, SAM firms) match by NPI only.
- A provider is excluded on a date when matched by NPI or by a confirmed name match to a row with
  EXCLDATE <= date and no REINDATE (SAM: Termination Date) <= date; the rule PROVIDER_EXCLUDED and the
  pre-check read that from the view stg_provider_exclusions, not from the screening records. A provider
  who is simply absent from a newer list is not taken as reinstated (a monthly supplement lists only that
  month's actions): a reinstatement is known from a row's REINDATE, e.g. the OIG reinstatement file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from audits.errors import InputError, NotFound
from audits.findings import PROVIDER_NAMES_SQL, PROVIDERS_SQL
from audits.held_claims import who
from audits.ingest.exclusions import ENTRY_COLUMNS, SOURCE_NAMES, read_exclusion_list
from audits.store import transaction

DECISIONS = ("confirmed", "dismissed")
# Words in a provider name that are not names: degrees, credentials, suffixes.
NOT_NAMES = frozenset(
    "MD DO NP PA PAC RN LPN DDS DMD DPM OD PHD PSYD LCSW LMFT LPC LMHC CRNA APRN FNP DNP MBBS MS MA MPH MSW "
    "BSN ARNP CNM CNS DC PT DPT OT OTR SLP CCC AUD PHARMD RPH JR SR II III IV V DR MR MRS MS MISS FACP FACS "
    "FAAP FACC FACOG".split()
)


@dataclass
class Match:
    npi: str
    list_id: int
    row_number: int
    entity_key: str
    match_type: str  # npi | name
    decision: str | None = None


@dataclass
class ScreeningResult:
    screening_id: int
    screened_at: dt.datetime
    providers_checked: int
    lists: list[tuple[str, str, dt.date]]  # (source, file name, list date)
    matches: list[Match] = field(default_factory=list)

    def _count(self, wanted) -> int:
        """Distinct (provider, exclusion) pairs: the same exclusion on several monthly lists counts once."""
        return len({(m.npi, m.entity_key) for m in self.matches if wanted(m)})

    @property
    def npi_matches(self) -> int:
        return self._count(lambda m: m.match_type == "npi")

    @property
    def possible(self) -> int:
        return self._count(lambda m: m.match_type == "name" and m.decision is None)

    @property
    def confirmed(self) -> int:
        return self._count(lambda m: m.match_type == "name" and m.decision == "confirmed")

    @property
    def dismissed(self) -> int:
        return self._count(lambda m: m.match_type == "name" and m.decision == "dismissed")

    def summary(self) -> str:
        lists = "; ".join(f"{SOURCE_NAMES.get(s, s)} {f} ({d.isoformat()})" for s, f, d in self.lists)
        return (
            f"Screening {self.screening_id}: {self.providers_checked:,} providers against {lists or 'no list'}: "
            f"{self.npi_matches:,} NPI matches, {self.possible:,} possible matches to confirm or dismiss."
        )


@dataclass
class ListResult:
    list_id: int | None
    upload_id: int
    source: str
    file_name: str
    list_date: dt.date
    list_date_basis: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    duplicate_of: int | None
    screening: ScreeningResult


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_list(
    con: duckdb.DuckDBPyConnection,
    path,
    *,
    loaded_by: str | None = None,
    list_date: dt.date | None = None,
) -> ListResult:
    """Keep an LEIE/SAM list beside the earlier ones and screen the roster against all of them (one
    transaction: the upload, its rejected rows, the list and the screening, or nothing)."""
    from audits.ingest.upload import RejectedRow, UploadResult, insert_upload, record_rejected

    path = Path(path)
    batch = read_exclusion_list(path, list_date)
    sha = _sha256(path)
    by = who(loaded_by)
    earlier = con.execute(
        "SELECT list_id FROM exclusion_lists WHERE sha256 = ? ORDER BY list_id LIMIT 1", [sha]
    ).fetchall()
    with transaction(con):
        upload_id = int(con.execute("SELECT nextval('upload_id_seq')").fetchall()[0][0])
        status = "duplicate" if earlier else "loaded"
        loaded = 0 if earlier else len(batch.entries)
        rejected = 0 if earlier else len(batch.rejected)
        message = (
            f"{SOURCE_NAMES[batch.source]} list dated {batch.list_date.isoformat()} ({batch.list_date_basis})"
            + (f"; the same file as list {earlier[0][0]}" if earlier else "")
        )
        # one place writes an upload's row (ingest.upload), its outcome included
        insert_upload(
            con,
            UploadResult(upload_id, path.name, "exclusions", status, rows_read=0 if earlier else batch.rows_read,
                         rows_loaded=loaded, rows_rejected=rejected, message=message),
            sha,
            None,
            by,
        )  # fmt: skip
        list_id = None
        if not earlier:
            list_id = int(con.execute("SELECT nextval('exclusion_list_id_seq')").fetchall()[0][0])
            record_rejected(
                con,
                upload_id,
                [RejectedRow(path.stem, number, raw, None, reason) for number, raw, reason in batch.rejected],
            )
            con.execute(
                "INSERT INTO exclusion_lists (list_id, upload_id, source, file_name, sha256, list_date, "
                "list_date_basis, rows_read, rows_loaded, rows_rejected, loaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    list_id,
                    upload_id,
                    batch.source,
                    path.name,
                    sha,
                    batch.list_date,
                    batch.list_date_basis,
                    batch.rows_read,
                    len(batch.entries),
                    len(batch.rejected),
                    by,
                ],
            )
            entries = batch.entries.copy()
            entries.insert(0, "list_id", list_id)
            con.register("exclusion_rows", entries)
            try:
                con.execute(
                    f"INSERT INTO exclusion_entries (list_id, {', '.join(ENTRY_COLUMNS)}) "  # noqa: S608 - our names
                    f"SELECT list_id, {', '.join(ENTRY_COLUMNS)} FROM exclusion_rows"
                )
            finally:
                con.unregister("exclusion_rows")
        screening = _screen(con, "list loaded", by)
    return ListResult(
        list_id,
        upload_id,
        batch.source,
        path.name,
        batch.list_date,
        batch.list_date_basis,
        batch.rows_read,
        loaded,
        rejected,
        earlier[0][0] if earlier else None,
        screening,
    )


# --------------------------------------------------------------------------------------------
# matching


def name_words(text: object) -> set[str]:
    """The name words of a provider or list name: upper case, apostrophes and dots dropped, degrees
    and suffixes left out, a hyphenated name both whole and in parts."""
    cleaned = re.sub(r"['.`]", "", str(text or "").upper())
    words: set[str] = set()
    kept = []
    for word in re.split(r"[^A-Z\-]+", cleaned):
        word = word.strip("-")
        if not word or word in NOT_NAMES:
            continue
        kept.append(word)
        words.add(word)
        if "-" in word:
            words.update(part for part in word.split("-") if part)
    for size in (2, 3):  # a list's 'DE LA CRUZ' reads as one key: join neighbouring words too
        words.update("".join(kept[i : i + size]) for i in range(len(kept) - size + 1))
    return words


_NOT_NAME_CHARACTERS = re.compile(r"[^A-Z\-]")


def _name_key(text: object) -> str:
    """A list name as one key: upper case, letters and hyphens only ('DE LA CRUZ' -> 'DELACRUZ')."""
    return _NOT_NAME_CHARACTERS.sub("", str(text or "").upper()).strip("-")


def find_matches(con: duckdb.DuckDBPyConnection) -> tuple[int, list[Match]]:
    """(providers checked, matches) of the current roster against every loaded list row."""
    providers = con.execute(
        f"SELECT npi, provider_name AS name, upper(primary_state) AS state FROM ({PROVIDERS_SQL}) AS p"  # noqa: S608
    ).fetchall()
    licence_states: dict[str, set[str]] = defaultdict(set)
    for npi, state in con.execute(
        "SELECT DISTINCT trim(npi), upper(trim(state)) FROM credentials "
        "WHERE credential_type = 'state_license' AND coalesce(trim(state), '') <> ''"
    ).fetchall():
        licence_states[npi].add(state)
    # one row per exclusion however many monthly lists carry it: the newest list's row
    rows = con.execute(
        "SELECT max(list_id), arg_max(row_number, list_id), entity_key, arg_max(npi, list_id), "
        "arg_max(last_name, list_id), arg_max(first_name, list_id), arg_max(state, list_id) "
        "FROM exclusion_entries GROUP BY entity_key"
    ).fetchall()
    by_npi: dict[str, list[tuple]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    keys: dict[str, str] = {}
    for list_id, row_number, entity_key, npi, last, first, state in rows:
        if npi:
            by_npi[npi].append((list_id, row_number, entity_key))
        elif last and first:
            last_key = keys.get(last) or keys.setdefault(last, _name_key(last))
            first_key = keys.get(first) or keys.setdefault(first, _name_key(first))
            by_name[(last_key, first_key)].append((list_id, row_number, entity_key, state))
    decisions = current_decisions(con)
    matches: list[Match] = []
    for npi, name, primary_state in providers:
        for list_id, row_number, entity_key in by_npi.get(npi, ()):
            matches.append(Match(npi, list_id, row_number, entity_key, "npi"))
        words = name_words(name)
        states = ({primary_state} if primary_state else set()) | licence_states.get(npi, set())
        for last in words:
            for first in words:
                if first == last:
                    continue
                for list_id, row_number, entity_key, state in by_name.get((last, first), ()):
                    if states and (state or "").upper() not in states:
                        continue
                    decision = decisions.get((npi, entity_key))
                    matches.append(Match(npi, list_id, row_number, entity_key, "name", decision))
    return len(providers), matches


def current_decisions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """The decision in force per (npi, entity_key): the latest one."""
    rows = con.execute(
        "SELECT npi, entity_key, decision FROM exclusion_decisions ORDER BY decided_at, decision_id"
    ).fetchall()
    return {(npi, key): decision for npi, key, decision in rows}


def screen(con: duckdb.DuckDBPyConnection, *, screened_by: str | None = None, reason: str = "on request"):
    """Screen the current roster against every loaded list, and record it."""
    with transaction(con):
        return _screen(con, reason, who(screened_by))


def _screen(con: duckdb.DuckDBPyConnection, reason: str, by: str) -> ScreeningResult:
    lists = con.execute(
        "SELECT list_id, source, file_name, list_date FROM exclusion_lists ORDER BY list_id"
    ).fetchall()
    if not lists:
        raise InputError("No exclusion list has been loaded yet - load the OIG LEIE or SAM.gov list first.")
    checked, matches = find_matches(con)
    screening_id = int(con.execute("SELECT nextval('screening_id_seq')").fetchall()[0][0])
    snapshot = con.execute("SELECT max(snapshot_id) FROM roster_current").fetchall()[0][0]
    screened_at = con.execute("SELECT CAST(current_timestamp AS TIMESTAMP)").fetchall()[0][0]
    result = ScreeningResult(
        screening_id, screened_at, checked, [(s, f, d) for _i, s, f, d in lists], matches
    )
    con.execute(
        "INSERT INTO exclusion_screenings (screening_id, screened_at, screened_by, reason, snapshot_id, "
        "providers_checked, npi_matches, possible_matches, confirmed_matches, dismissed_matches) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            screening_id,
            screened_at,
            by,
            reason,
            snapshot,
            checked,
            result.npi_matches,
            result.possible,
            result.confirmed,
            result.dismissed,
        ],
    )
    con.executemany(
        "INSERT INTO exclusion_screening_lists VALUES (?, ?)",
        [[screening_id, list_id] for list_id, *_r in lists],
    )
    if matches:
        frame = pd.DataFrame(
            {
                "screening_id": screening_id,
                "npi": [m.npi for m in matches],
                "list_id": [m.list_id for m in matches],
                "row_number": [m.row_number for m in matches],
                "entity_key": [m.entity_key for m in matches],
                "match_type": [m.match_type for m in matches],
                "decision": [m.decision for m in matches],
            }
        ).drop_duplicates(subset=["npi", "list_id", "row_number"])
        con.register("screening_matches", frame)
        try:
            con.execute("INSERT INTO exclusion_matches SELECT * FROM screening_matches")
        finally:
            con.unregister("screening_matches")
    return result


# --------------------------------------------------------------------------------------------
# possible matches and decisions


MATCH_COLUMNS = [
    "match_id",
    "npi",
    "provider_name",
    "match_type",
    "decision",
    "decided_by",
    "decided_at",
    "source",
    "list_name",
    "list_first_name",
    "list_middle_name",
    "business_name",
    "list_state",
    "list_city",
    "birth_date",
    "specialty",
    "excl_type",
    "excl_date",
    "rein_date",
    "list_file",
    "list_date",
]


def match_id(npi: str, entity_key: str) -> str:
    """A short id a person can type: the NPI and the first 8 characters of the list row's entity key."""
    return f"{npi}-{entity_key[:8]}"


def matches(con: duckdb.DuckDBPyConnection, screening_id: int | None = None) -> pd.DataFrame:
    """The matches of a screening (default: the latest), one row per provider and exclusion, with the
    decision now in force and who made it."""
    if screening_id is None:
        latest = con.execute("SELECT max(screening_id) FROM exclusion_screenings").fetchall()[0][0]
        if latest is None:
            return pd.DataFrame(columns=MATCH_COLUMNS)
        screening_id = latest
    frame = con.execute(
        f"""
        WITH decided AS (
            SELECT npi, entity_key, decision, decided_by, decided_at,
                   row_number() OVER (PARTITION BY npi, entity_key ORDER BY decided_at DESC, decision_id DESC) AS n
            FROM exclusion_decisions
        ),
        found AS (
            SELECT m.npi, m.entity_key, min(m.match_type) AS match_type, min(m.list_id) AS list_id,
                   min(m.row_number) AS row_number
            FROM exclusion_matches AS m WHERE m.screening_id = ? GROUP BY m.npi, m.entity_key
        )
        SELECT f.npi, p.provider_name, f.match_type, f.entity_key,
               any_value(d.decision) AS decision, any_value(d.decided_by) AS decided_by,
               any_value(d.decided_at) AS decided_at, any_value(e.source) AS source,
               any_value(e.last_name) AS list_name, any_value(e.first_name) AS list_first_name,
               any_value(e.middle_name) AS list_middle_name, any_value(e.business_name) AS business_name,
               any_value(e.state) AS list_state, any_value(e.city) AS list_city,
               any_value(e.birth_date) AS birth_date, any_value(e.specialty) AS specialty,
               any_value(e.excl_type) AS excl_type, any_value(e.excl_date) AS excl_date,
               any_value(e.rein_date) AS rein_date, any_value(l.file_name) AS list_file,
               any_value(l.list_date) AS list_date
        FROM found AS f
        JOIN exclusion_entries AS e ON e.list_id = f.list_id AND e.row_number = f.row_number
        JOIN exclusion_lists AS l ON l.list_id = f.list_id
        LEFT JOIN ({PROVIDER_NAMES_SQL}) AS p ON p.npi = f.npi
        LEFT JOIN decided AS d ON d.npi = f.npi AND d.entity_key = f.entity_key AND d.n = 1
        GROUP BY f.npi, f.entity_key, f.match_type, p.provider_name
        ORDER BY f.match_type DESC, f.npi, f.entity_key
        """,  # noqa: S608 - constant
        [screening_id],
    ).df()
    frame.insert(
        0, "match_id", [match_id(n, k) for n, k in zip(frame["npi"], frame["entity_key"], strict=True)]
    )
    return frame[MATCH_COLUMNS]


def possible_matches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Name matches of the latest screening that nobody has confirmed or dismissed yet."""
    frame = matches(con)
    return frame[(frame["match_type"] == "name") & frame["decision"].isna()].reset_index(drop=True)


def decide(
    con: duckdb.DuckDBPyConnection,
    match: str,
    decision: str,
    *,
    decided_by: str | None = None,
    note: str | None = None,
) -> dict:
    """Confirm or dismiss a name match (by its match id); the decision is kept with who and when. An NPI
    match is not a matter of opinion and cannot be dismissed."""
    if decision not in DECISIONS:
        raise InputError(f"'{decision}' is not a decision - confirm or dismiss the match.")
    text = str(match or "").strip()
    if not re.fullmatch(r"\d{10}-[0-9a-f]{8}", text):
        raise InputError(f"'{text}' is not a match id - it looks like 1234567893-0a1b2c3d (NPI-key).")
    npi, prefix = text.split("-")
    keys = con.execute(
        "SELECT DISTINCT entity_key, match_type FROM exclusion_matches WHERE npi = ? AND starts_with(entity_key, ?)",
        [npi, prefix],
    ).fetchall()
    if not keys:
        raise NotFound(f"No screening found a match {text} - check the id in the list of possible matches.")
    if any(kind == "npi" for _k, kind in keys):
        raise InputError(
            f"{text} matched by NPI: the provider is on the list under their own NPI, which a name check "
            "cannot undo - contact the list's publisher if it is wrong."
        )
    by = who(decided_by)
    with transaction(con):
        decision_id = int(con.execute("SELECT nextval('exclusion_decision_id_seq')").fetchall()[0][0])
        con.execute(
            "INSERT INTO exclusion_decisions (decision_id, npi, entity_key, decision, decided_by, note) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [decision_id, npi, keys[0][0], decision, by, (note or "").strip() or None],
        )
    return {"match_id": text, "decision": decision, "decided_by": by}


# --------------------------------------------------------------------------------------------
# records: for the provider profile and the monthly pack


def screening_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every screening, newest first, with the lists it used (source, file, sha256, list date)."""
    return con.execute(
        """
        SELECT s.screening_id, s.screened_at, s.screened_by, s.reason, s.providers_checked, s.npi_matches,
               s.possible_matches, s.confirmed_matches, s.dismissed_matches,
               string_agg(concat(l.source, ' ', l.file_name, ' dated ', CAST(l.list_date AS VARCHAR)), '; '
                          ORDER BY l.list_id) AS lists,
               string_agg(l.sha256, '; ' ORDER BY l.list_id) AS list_sha256
        FROM exclusion_screenings AS s
        JOIN exclusion_screening_lists AS sl ON sl.screening_id = s.screening_id
        JOIN exclusion_lists AS l ON l.list_id = sl.list_id
        GROUP BY ALL
        ORDER BY s.screening_id DESC
        """
    ).df()


def last_screening(con: duckdb.DuckDBPyConnection, npi: str) -> dict | None:
    """The latest screening of one provider: when, by whom, which lists, and what it found for them."""
    row = con.execute(
        "SELECT max(screening_id) FROM exclusion_screenings WHERE screened_at IS NOT NULL"
    ).fetchall()[0][0]
    if row is None:
        return None
    history = screening_history(con)
    latest = history[history["screening_id"] == row].iloc[0].to_dict()
    found = matches(con, int(row))
    mine = found[found["npi"] == str(npi).strip()]
    if mine.empty:
        result = "no match"
    elif (mine["match_type"] == "npi").any() or (mine["decision"] == "confirmed").any():
        result = "EXCLUDED: on a list"
    elif mine["decision"].isna().any():
        result = "possible match to confirm or dismiss"
    else:
        result = "possible match dismissed"
    latest["result"] = result
    latest["matches"] = mine.reset_index(drop=True)
    return latest


SCREENING_SHEET_COLUMNS = [
    "screening_id",
    "screened_at",
    "screened_by",
    "reason",
    "providers_checked",
    "npi_matches",
    "possible_matches",
    "confirmed_matches",
    "dismissed_matches",
    "lists",
    "list_sha256",
]


def screening_sheet(con: duckdb.DuckDBPyConnection, month) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For the monthly pack: (the screenings done in the month, the matches of its last screening with the
    decision in force). No screening in the month gives an empty first frame: the pack says so."""
    from audits.months import month_bounds

    start, end = month_bounds(month)
    history = screening_history(con)
    if history.empty:
        return pd.DataFrame(columns=SCREENING_SHEET_COLUMNS), pd.DataFrame(columns=MATCH_COLUMNS)
    days = pd.to_datetime(history["screened_at"]).dt.date
    in_month = history[(days >= start) & (days <= end)]
    if in_month.empty:
        return pd.DataFrame(columns=SCREENING_SHEET_COLUMNS), pd.DataFrame(columns=MATCH_COLUMNS)
    last = int(in_month["screening_id"].max())
    return in_month[SCREENING_SHEET_COLUMNS].reset_index(drop=True), matches(con, last)
