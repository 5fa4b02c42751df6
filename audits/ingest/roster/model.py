"""The roster tables as the credentialing upload carries them: their columns, natural keys and the
parsed batch (`roster.sheets` makes it, `roster.snapshots` writes it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

TABLES = ("providers", "credentials", "payers", "enrollments", "service_scope")

# The columns each table stores (besides snapshot_id), in schema order, with their SQL type.
COLUMNS: dict[str, dict[str, str]] = {
    "providers": {
        "npi": "VARCHAR",
        "provider_name": "VARCHAR",
        "specialty": "VARCHAR",
        "taxonomy_code": "VARCHAR",
        "primary_state": "VARCHAR",
        "hire_date": "DATE",
        "status": "VARCHAR",
    },
    "credentials": {
        "npi": "VARCHAR",
        "credential_type": "VARCHAR",
        "credential_label": "VARCHAR",
        "number": "VARCHAR",
        "state": "VARCHAR",
        "issue_date": "DATE",
        "expiration_date": "DATE",
    },
    "payers": {"payer_id": "VARCHAR", "payer_name": "VARCHAR", "aliases": "VARCHAR"},
    "enrollments": {
        "npi": "VARCHAR",
        "payer_id": "VARCHAR",
        "status": "VARCHAR",
        "status_label": "VARCHAR",
        "submitted_date": "DATE",
        "effective_date": "DATE",
        "termination_date": "DATE",
        "allowed_pos": "VARCHAR",
    },
    "service_scope": {
        "npi": "VARCHAR",
        "payer_id": "VARCHAR",
        "code_from": "VARCHAR",
        "code_to": "VARCHAR",
        "approved": "BOOLEAN",
    },
}

# Natural keys (SPEC 1): what makes two rows of one upload the same row.
NATURAL_KEYS = {
    "providers": ("npi",),
    "credentials": ("npi", "credential_type", "number", "state"),
    "payers": ("payer_id",),
    "enrollments": ("npi", "payer_id", "status", "effective_date"),
    "service_scope": ("npi", "payer_id", "code_from", "code_to", "approved"),
}

# Bookkeeping columns the parsed frames carry besides the table's own.
SOURCE_COLUMNS = ("source_sheet", "source_row")


class Rejection(NamedTuple):
    sheet: str
    row_number: int
    raw_row: dict
    column: str | None
    reason: str
    held_payer: str | None = None  # the payer as written, for a row held for an unknown payer
    service_date: object = None  # (claim lines only; the shape of upload.RejectedRow)


class SheetInfo(NamedTuple):
    name: str
    kind: str  # providers | credentials | payers | enrollments | service_scope | tracker
    header_row: int  # 1-based row of the (lower) header row
    tables: tuple[str, ...]


@dataclass
class RosterBatch:
    """What a credentialing upload carries, as canonical rows, before payer resolution."""

    frames: dict[str, pd.DataFrame]
    rejected: list[Rejection] = field(default_factory=list)
    rows_read: int = 0
    sheets: list[SheetInfo] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    # (sheet, row) -> a function giving the raw row (built only for rows that are rejected)
    raw_rows: dict[tuple[str, int], Callable[[], dict]] = field(default_factory=dict)
    # sheet name -> how it was recognised (recognise.Classification), and what recognition was unsure of
    readings: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def raw_row(self, sheet: str, row: int) -> dict:
        make = self.raw_rows.get((sheet, row))
        return make() if make else {}

    @property
    def tables(self) -> list[str]:
        return [t for t in TABLES if t in self.frames]

    def frame(self, table: str) -> pd.DataFrame | None:
        return self.frames.get(table)
