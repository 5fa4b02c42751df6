"""Sealed storage for text that must be kept whole but holds patient identifiers (SPEC 7).

A held claim is kept with its original segments so it can be released later exactly as written, and those
segments name the patient (NM1*IL / NM1*QC, DMG). They are stored sealed: AES-256-GCM (the `cryptography`
package) under a key derived with HKDF-SHA256 from the patient-key secret (audits.privacy.hmac_key), which
lives outside the database. The database alone never shows the text; losing the key file loses the held
claims' segments as it loses the patient keys, so the same backup covers both.

Each sealed value is `version byte | 12-byte nonce | ciphertext+tag`; the associated data names what the
value is (e.g. b"held_claim:837"), so a value copied into another column does not open.
"""

from __future__ import annotations

import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from audits.errors import InputError
from audits.privacy import hmac_key

_VERSION = b"\x01"
_INFO = b"cleartobill sealed text v1"


@functools.lru_cache(maxsize=4)
def _cipher(secret: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
    return AESGCM(key)


def seal(plain: bytes, purpose: bytes) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + _cipher(hmac_key()).encrypt(nonce, plain, purpose)


def unseal(sealed: bytes, purpose: bytes) -> bytes:
    sealed = bytes(sealed)
    if sealed[:1] != _VERSION or len(sealed) < 13 + 16:
        raise InputError("A sealed value in the database is damaged - restore the database from backup.")
    try:
        return _cipher(hmac_key()).decrypt(sealed[1:13], sealed[13:], purpose)
    except InvalidTag:
        raise InputError(
            "A sealed value cannot be opened with this patient-key file - use the key file that was in "
            "place when it was stored (CLEARTOBILL_KEY_FILE)."
        ) from None
