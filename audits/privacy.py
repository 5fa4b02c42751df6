"""Keyed hashing of patient identifiers (SPEC 7).

Patient names, member ids and dates of birth never reach the database: the loader stores
`patient_key`, an HMAC-SHA256 of the normalised identifier under a key that lives outside the
database, and at most the birth year. The same patient gets the same key in every upload (so
analysts can count patients and join claims to remittances) but the key cannot be reversed
without the secret.

The key comes from $CLEARTOBILL_HMAC_KEY, else from the key file $CLEARTOBILL_KEY_FILE (default
~/.cleartobill/hmac.key), created with mode 0600 on first use. Losing the key file means new
uploads get different patient keys: back it up with the database, and guard both (a keyed hash
is still protected health information).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from audits.errors import InputError

DEFAULT_KEY_FILE = Path.home() / ".cleartobill" / "hmac.key"


def key_file_path() -> Path:
    configured = os.environ.get("CLEARTOBILL_KEY_FILE")
    return Path(configured).expanduser() if configured else DEFAULT_KEY_FILE


def hmac_key() -> bytes:
    """The secret key: $CLEARTOBILL_HMAC_KEY, else the key file (created 0600 with 32 random bytes)."""
    from_env = os.environ.get("CLEARTOBILL_HMAC_KEY")
    if from_env:
        return from_env.encode("utf-8")
    path = key_file_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            os.chmod(path, 0o600)
    try:
        key = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise InputError(
            f"The patient-key file {path} cannot be read ({exc.strerror}) - check its permissions "
            "or set CLEARTOBILL_HMAC_KEY."
        ) from None
    if not key:
        raise InputError(f"The patient-key file {path} is empty - restore it from backup or delete it.")
    return key.encode("ascii")


def normalise_identifier(value: object) -> str | None:
    """Upper case, inner spacing collapsed; blank -> None. Numbers that came as floats lose '.0'."""
    from audits.ingest.normalize import cell_text

    raw = cell_text(value)
    if raw is None:
        return None
    return re.sub(r"\s+", " ", raw.upper()).strip() or None


def patient_key_of(value: object, key: bytes | None = None) -> str | None:
    """The keyed hash of one identifier (None for a blank one)."""
    norm = normalise_identifier(value)
    if norm is None:
        return None
    return hmac.new(key or hmac_key(), norm.encode("utf-8"), hashlib.sha256).hexdigest()


_SPACES = re.compile(r"\s+")
_BLOCK = hashlib.sha256().block_size


def _pads(key: bytes) -> tuple:
    """SHA-256 states after the inner and outer padded key (RFC 2104): HMAC(key, m) = outer(inner(m))."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return hashlib.sha256(key.translate(hmac.trans_36)), hashlib.sha256(key.translate(hmac.trans_5C))


def _mac(base: tuple, value: str) -> str:
    """HMAC-SHA256 hex of one normalised identifier, from the padded states `_pads` gives."""
    inner, outer = base
    mac = inner.copy()
    mac.update(value.encode("utf-8"))
    result = outer.copy()
    result.update(mac.digest())
    return result.hexdigest()


def patient_keys(values: pd.Series) -> pd.Series:
    """HMAC-SHA256 hex of each normalised identifier (None for blanks); each distinct value hashed once."""
    from audits.ingest.normalize import text

    if len(values) == 0:
        return pd.Series([], index=values.index, dtype=object)
    return keys_of_text(text(values))


def keys_of_text(values: pd.Series) -> pd.Series:
    """patient_keys for values already stripped to text (None for blanks): the loader's path."""
    return keys_of_text_coded(values)[0]


def keys_of_text_coded(values: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(keys_of_text(values), codes, table): the keys are table[codes] row by row (code -1 = table[-1] = None),
    so a writer can hand them on dictionary-encoded."""
    if len(values) == 0:
        return pd.Series([], index=values.index, dtype=object), np.empty(0, dtype=np.intp), np.array([None])
    from audits.ingest.normalize import scalars

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = keys_of_distinct([*scalars(uniques), None])
    return pd.Series(table[codes], index=values.index, dtype=object, copy=False), codes, table


def keys_of_distinct(values: list) -> np.ndarray:
    """The patient key of each text value (None stays None), as an object array to take rows from."""
    base = _pads(hmac_key())
    table = np.empty(len(values), dtype=object)
    # Upper case, inner runs of whitespace as one space (as normalise_identifier), then the HMAC.
    table[:] = [None if value is None else _mac(base, _SPACES.sub(" ", value.upper())) for value in values]
    return table


def combined_identifier(*columns: pd.Series) -> pd.Series:
    """Join several identifier columns (e.g. name and birth date) into one value per row; None if all blank."""
    from audits.ingest.normalize import text

    parts = [text(c) for c in columns]
    empty = pd.concat(parts, axis=1).isna().all(axis=1)
    joined = parts[0].fillna("").astype(object)
    for part in parts[1:]:
        joined = joined + "|" + part.fillna("").astype(object)
    return joined.where(~empty, None).astype(object)
