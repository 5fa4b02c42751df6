"""Payer resolution, the only one (SPEC 2): a claim, a remittance or a roster row names its payer by id
or by name; this module says which payer_id that is, or why it is none.

Every payer_id, payer_name and alias of `payers` (aliases split on '|') and every alias the analyst
confirmed (`payer_aliases`) is keyed by `payer_key` (upper case, letters and digits only), so case,
punctuation and spacing never matter. A credentialing upload that carries its own payers sheet resolves
against that sheet instead of the payers table (its rows are about to replace the table).

A name that resolves to nothing is held back as a rejected row with the reason
"unknown payer: NAME - close matches: Payer Name (ID), ..." (or "- no close match; ...") until the
analyst confirms an alias or a later roster defines the payer (audits.ingest.reload).
"""

from __future__ import annotations

import difflib

import duckdb
import numpy as np
import pandas as pd

from audits import audit_log
from audits.errors import InputError
from audits.ingest.normalize import cell_text, payer_key

UNKNOWN_PAYER = "unknown payer"  # the reason of a held row starts with this, then ": NAME"
EVERY_PAYER = frozenset({"*", "all", "any", "all payers", "any payer", "every payer", "all plans"})


def every_payer(written: object) -> bool:
    """Whether a scope row's payer cell means every payer (`*`, `All`, `All payers`, ...)."""
    text = cell_text(written)
    return text is not None and " ".join(text.lower().split()) in EVERY_PAYER


class PayerDirectory:
    """Every spelling of every payer the database (and, for a roster upload, its payers sheet) knows."""

    def __init__(self, con: duckdb.DuckDBPyConnection, upload_payers: pd.DataFrame | None = None):
        self.by_key: dict[str, str] = {}
        self.names: dict[str, str] = {}
        if upload_payers is not None:  # the upload's payers sheet is about to replace the table
            rows = list(
                upload_payers[["payer_id", "payer_name", "aliases"]].itertuples(index=False, name=None)
            )
        else:
            rows = con.execute(
                "SELECT payer_id, payer_name, aliases FROM payers ORDER BY payer_id"
            ).fetchall()
        rows = [(str(p), n, a) for p, n, a in rows if cell_text(p)]
        for payer_id, name, _aliases in rows:  # an id always means its payer
            self.names.setdefault(payer_id, cell_text(name) or payer_id)
            self._add(payer_id, payer_id)
        for payer_id, name, aliases in rows:
            self._add(name, payer_id)
            for alias in str(aliases or "").split("|"):
                self._add(alias, payer_id)
        ids = {payer_id for payer_id, _n, _a in rows}
        for alias_norm, payer_id in con.execute("SELECT alias_norm, payer_id FROM payer_aliases").fetchall():
            if payer_id in ids or not ids:
                self._add(alias_norm, payer_id)
                self.names.setdefault(payer_id, payer_id)

    def _add(self, text: object, payer_id: str) -> None:
        key = payer_key(text)
        if key:
            self.by_key.setdefault(key, payer_id)

    def resolve_one(self, payer_id: object, payer_name: object = None) -> str | None:
        for value in (payer_id, payer_name):
            key = payer_key(value)
            if key and key in self.by_key:
                return self.by_key[key]
        return None

    def resolve(self, payer_ids: pd.Series, payer_names: pd.Series) -> tuple[pd.Series, pd.Series]:
        """(resolved payer_id or None, the label to report when unresolved) per row; each distinct
        (id, name) pair is looked up once."""
        id_codes, id_values = pd.factorize(payer_ids.astype(object), use_na_sentinel=True)
        name_codes, name_values = pd.factorize(payer_names.astype(object), use_na_sentinel=True)
        width = len(name_values) + 1
        pair_codes = (id_codes.astype("int64") + 1) * width + (name_codes.astype("int64") + 1)
        pairs, inverse = np.unique(pair_codes, return_inverse=True)
        resolved_u, label_u = [], []
        for pair in pairs:
            i, j = int(pair) // width - 1, int(pair) % width - 1
            payer_id = id_values[i] if i >= 0 else None
            payer_name = name_values[j] if j >= 0 else None
            resolved_u.append(self.resolve_one(payer_id, payer_name))
            label_u.append(cell_text(payer_name) or cell_text(payer_id))
        resolved = pd.Series(_objects(resolved_u)[inverse.ravel()], index=payer_ids.index, dtype=object)
        label = pd.Series(_objects(label_u)[inverse.ravel()], index=payer_ids.index, dtype=object)
        return resolved, label

    def suggest(self, name: object, limit: int = 3) -> list[tuple[str, str, float]]:
        """Close matches for a payer name: [(payer_id, payer_name, score 0-1)], best first."""
        target = payer_key(name)
        if not target:
            return []
        best: dict[str, float] = {}
        for key, payer_id in self.by_key.items():
            score = difflib.SequenceMatcher(None, target, key).ratio()
            if target in key or key in target:
                score = max(score, 0.75)
            if score > best.get(payer_id, 0.0):
                best[payer_id] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [
            (pid, self.names.get(pid, pid), round(score, 2)) for pid, score in ranked[:limit] if score >= 0.6
        ]

    def unknown_reason(self, name: object) -> str:
        """The rejection reason of a row held for this payer name."""
        label = cell_text(name) or "(blank)"
        suggestions = self.suggest(label)
        if suggestions:
            close = ", ".join(f"{payer_name} ({payer_id})" for payer_id, payer_name, _s in suggestions)
            return f"{UNKNOWN_PAYER}: {label} - close matches: {close}"
        return f"{UNKNOWN_PAYER}: {label} - no close match; add it to the payers sheet or confirm an alias"


_REASON_TAILS = (" - close matches: ", " - no close match;")


def held_name_from_reason(reason: str) -> str | None:
    """The payer name an unknown-payer reason quotes (rows held before the name was kept on its own)."""
    if not str(reason).startswith(UNKNOWN_PAYER + ":"):
        return None
    rest = str(reason)[len(UNKNOWN_PAYER) + 1 :].strip()
    cut = min((rest.find(t) for t in _REASON_TAILS if t in rest), default=len(rest))
    name = rest[:cut].strip()
    return None if name in ("", "(blank)") else name


def suggest_payers(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str, float]]:
    """Close matches for a payer name: [(payer_id, payer_name, score 0-1)], best first."""
    return PayerDirectory(con).suggest(name)


def confirm_payer_alias(con: duckdb.DuckDBPyConnection, alias: str, payer_id: str) -> None:
    """Record that `alias` means payer `payer_id` (kept across roster snapshots)."""
    norm = payer_key(alias)
    if not norm:
        raise InputError("The alias is empty - give the payer name as it appears in the file.")
    known = con.execute("SELECT payer_id FROM payers WHERE payer_id = ?", [payer_id]).fetchall()
    if not known:
        raise InputError(
            f"Payer {payer_id!r} is not in the payers list - load the credentialing workbook first."
        )
    con.execute("DELETE FROM payer_aliases WHERE alias_norm = ?", [norm])
    con.execute(
        "INSERT INTO payer_aliases (alias_norm, alias, payer_id, source) VALUES (?, ?, ?, 'analyst')",
        [norm, str(alias).strip(), payer_id],
    )
    audit_log.record(con, "alias confirmed", f"{str(alias).strip()} -> {payer_id}")


def _objects(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
