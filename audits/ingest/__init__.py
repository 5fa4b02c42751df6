"""Ingest: files in, canonical rows out (SPEC 1, 2, 7). See loader.py for the way a file travels."""

from audits.ingest.loader import detect_kind, ingest_file, ingest_files
from audits.ingest.mapping_profiles import load_mapping_profile, save_mapping_profile
from audits.ingest.payers import confirm_payer_alias, suggest_payers
from audits.ingest.preview import Preview, preview
from audits.ingest.reload import confirm_payer, held_payers, load_resolvable, reload_rejected
from audits.ingest.undo import undo_upload
from audits.ingest.upload import UploadResult, record_rejected

__all__ = [
    "Preview",
    "UploadResult",
    "confirm_payer",
    "confirm_payer_alias",
    "detect_kind",
    "ingest_file",
    "held_payers",
    "ingest_files",
    "load_resolvable",
    "load_mapping_profile",
    "preview",
    "record_rejected",
    "reload_rejected",
    "save_mapping_profile",
    "suggest_payers",
    "undo_upload",
]
