"""`init`: create an empty database (schema and reference data), e.g. after `make reset`."""

from __future__ import annotations

import argparse

from audits.config import db_path

HELP = "Create an empty ClearToBill database (schema and reference code sets)."


def arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from audits.reference import ensure_reference
    from audits.store import connect

    path = db_path(args.db)
    with connect(path) as con:
        ensure_reference(con)
    print(f"Empty database ready at {path}.")
    return 0
