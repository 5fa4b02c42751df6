"""Where the data lives: --db PATH, else $CLEARTOBILL_DB, else data/cleartobill.duckdb."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DB = DATA_DIR / "cleartobill.duckdb"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file to use, by the precedence SPEC section 6 gives."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CLEARTOBILL_DB")
    if env:
        return Path(env)
    return DEFAULT_DB
