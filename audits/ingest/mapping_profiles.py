"""Saved column mappings per source (SPEC 2): a mapping saved under a name is used again by name."""

from __future__ import annotations

import json

import duckdb

from audits.errors import InputError
from audits.ingest import mapping as mapping_mod

KINDS = ("roster", "claims", "remits", "835", "837")


def save_mapping_profile(con: duckdb.DuckDBPyConnection, name: str, kind: str, mapping: object) -> None:
    """Save a column mapping ({canonical: header} or the JSON object form) under a name, for later uploads."""
    if not str(name).strip():
        raise InputError("A mapping profile needs a name.")
    if kind not in KINDS:
        raise InputError(f"Unknown kind {kind!r} - use one of {', '.join(KINDS)}.")
    override = mapping_mod.coerce_override(mapping)
    payload = json.dumps(
        {"kind": kind, "columns": override.columns, "labels": override.labels}, sort_keys=True
    )
    con.execute("DELETE FROM mapping_profiles WHERE name = ?", [name])
    con.execute(
        "INSERT INTO mapping_profiles (name, kind, mapping_json) VALUES (?, ?, ?)", [name, kind, payload]
    )


def load_mapping_profile(con: duckdb.DuckDBPyConnection, name: str) -> mapping_mod.MappingOverride:
    rows = con.execute("SELECT kind, mapping_json FROM mapping_profiles WHERE name = ?", [name]).fetchall()
    if not rows:
        names = [r[0] for r in con.execute("SELECT name FROM mapping_profiles ORDER BY name").fetchall()]
        known = f" (saved profiles: {', '.join(names)})" if names else " (none are saved yet)"
        raise InputError(f"There is no mapping profile or mapping file named {name!r}{known}.")
    kind, payload = rows[0]
    override = mapping_mod.coerce_override(json.loads(payload))
    override.kind = override.kind or kind
    return override
