"""Payer resolution: a claim or remittance names its payer by id or by name (SPEC 2).

Every payer_id, payer_name and alias of `payers` (aliases split on '|') and every alias the analyst
confirmed (`payer_aliases`) is keyed by `payer_key` (upper case, letters and digits only), so case,
punctuation and spacing never matter. A name that resolves to nothing is held back as a rejected row
("unknown payer: NAME", with close matches) until the analyst confirms an alias.
"""

from __future__ import annotations

import difflib

import duckdb
import numpy as np
import pandas as pd

from audits.errors import InputError
from audits.ingest.normalize import cell_text, payer_key


class PayerDirectory:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.by_key: dict[str, str] = {}
        self.names: dict[str, str] = {}
        payers = con.execute("SELECT payer_id, payer_name, aliases FROM payers ORDER BY payer_id").fetchall()
        ids = {str(pid) for pid, _n, _a in payers}
        for payer_id, name, _aliases in payers:
            payer_id = str(payer_id)
            self.names[payer_id] = name or payer_id
            self._add(payer_id, payer_id, strong=True)
        for payer_id, name, aliases in payers:
            payer_id = str(payer_id)
            self._add(name, payer_id)
            for alias in str(aliases or "").split("|"):
                self._add(alias, payer_id)
        for alias_norm, payer_id in con.execute("SELECT alias_norm, payer_id FROM payer_aliases").fetchall():
            if payer_id in ids or not ids:
                self.by_key.setdefault(payer_key(alias_norm), payer_id)
                self.names.setdefault(payer_id, payer_id)

    def _add(self, text: object, payer_id: str, strong: bool = False) -> None:
        key = payer_key(text)
        if not key:
            return
        if strong:
            self.by_key[key] = payer_id
        else:
            self.by_key.setdefault(key, payer_id)

    def resolve_one(self, payer_id: object, payer_name: object) -> str | None:
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
            (pid, self.names.get(pid, pid), round(score, 2)) for pid, score in ranked[:limit] if score >= 0.5
        ]

    def unknown_reason(self, name: object) -> str:
        label = cell_text(name) or "(blank)"
        suggestions = self.suggest(label)
        if suggestions:
            close = ", ".join(f"{payer_name} ({payer_id})" for payer_id, payer_name, _s in suggestions)
            return f"unknown payer: {label} - close matches: {close}"
        return f"unknown payer: {label} - no close match; add it to the payers sheet or confirm an alias"


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


def _objects(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
