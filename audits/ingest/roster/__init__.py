"""The credentialing workbook (roster): recognise its sheets, normalise them, and load them as a snapshot.

SPEC 2 "Credentialing workbook", SPEC 4 "Labels are normalised", SPEC 1 "Roster snapshots".

Three steps, each usable on its own:
- `parse_roster(sheets)` recognises each sheet by its header row (the sheet name does not matter; title and
  "exported on" rows above the header are skipped) and turns it into canonical rows of the roster tables:
  providers, credentials, payers, enrollments, service_scope. Two shapes load:
  * long sheets - one row per provider / credential / payer / enrollment / scope range;
  * the wide master tracker - one row per provider, licence / DEA / board / malpractice columns, and a
    group of columns per payer (status, submitted, effective, term, POS). The group labels (payer or
    credential) may sit in the row above the NPI / Name row, in the same row as NPI / Name with the
    sub-headers below (NPI merged down over both rows), or in single headers like "Aetna Status" and
    "DEA Exp". Merged cells leave a label in the first column of its group only: it is forward-filled.
  A tracker row is split into parts: the provider, one part per non-blank credential group and one per
  non-blank payer group. Each part counts as one row read and is loaded or rejected on its own; rejected
  parts are filed under the sheet name plus the group, e.g. "Master Tracker [Aetna]", so that
  (sheet, row_number) stays unique.
- `apply_roster(con, batch, upload_id)` resolves payer names, rejects duplicates within the upload, and
  replaces the current rows of the tables the upload carries, keeping every snapshot in *_history.
  The loader calls it inside its transaction and records the upload and its rejected rows.
- `roster_history`, `snapshot_diff`, `list_snapshots`, `restore_snapshot` serve the dashboard.

Decisions where SPEC is silent:
- A recognised sheet without a required column (e.g. a credentials sheet with no expiration column) is an
  InputError naming the sheet and column: loading it would replace the table with nothing.
- An upload is a duplicate when the current snapshot of every table it carries is one snapshot that
  carried exactly those tables with the same content (sha256 of the normalised rows, order ignored).
- A payer column group without a status column is not an enrollment group (status is required), so
  "Contract Start Date" or "Employment End Date" never become a payer.
- A blank approval cell in a scope sheet (or no approval column) means an approved range; "*", "All" and
  "All payers" mean every payer.
- A pending or denied enrollment keeps no effective_date (SPEC 1: empty on those rows).
- A credential without a state takes it from a state code that starts its label ("TX Medical License").
- Aliases in a payers sheet are separated by '|' or ';' (names may contain commas).

The package: `model` (tables, keys, the parsed batch), `sheets` (recognition and normalising),
`snapshots` (writing and reading snapshots).
"""

from audits.ingest.roster.model import (
    COLUMNS,
    NATURAL_KEYS,
    SOURCE_COLUMNS,
    TABLES,
    Rejection,
    RosterBatch,
    SheetInfo,
)
from audits.ingest.roster.sheets import looks_like_roster, parse_roster
from audits.ingest.roster.snapshots import (
    RosterResult,
    apply_roster,
    list_snapshots,
    restore_snapshot,
    roster_history,
    snapshot_diff,
)

__all__ = [
    "COLUMNS",
    "NATURAL_KEYS",
    "SOURCE_COLUMNS",
    "TABLES",
    "Rejection",
    "RosterBatch",
    "RosterResult",
    "SheetInfo",
    "apply_roster",
    "list_snapshots",
    "looks_like_roster",
    "parse_roster",
    "restore_snapshot",
    "roster_history",
    "snapshot_diff",
]
