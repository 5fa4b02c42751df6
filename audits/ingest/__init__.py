"""Ingest: files in, canonical rows out (SPEC 1, 2, 7). See loader.py for the decisions."""

from audits.ingest.loader import (
    Preview,
    UploadResult,
    detect_kind,
    ingest_file,
    ingest_files,
    load_mapping_profile,
    preview,
    record_rejected,
    reload_rejected,
    save_mapping_profile,
)
from audits.ingest.payers import confirm_payer_alias, suggest_payers

__all__ = [
    "Preview",
    "UploadResult",
    "confirm_payer_alias",
    "detect_kind",
    "ingest_file",
    "ingest_files",
    "load_mapping_profile",
    "preview",
    "record_rejected",
    "reload_rejected",
    "save_mapping_profile",
    "suggest_payers",
]
