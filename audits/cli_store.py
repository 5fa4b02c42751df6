"""`init`: create an empty database (schema and reference data), e.g. after `make reset`."""

from __future__ import annotations

import argparse

from audits.cli import command
from audits.config import db_path
from audits.reference import ensure_reference
from audits.store import connect


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


@command("init", "Create an empty ClearToBill database (schema and reference code sets).", _no_arguments)
def run_init(args: argparse.Namespace) -> int:
    path = db_path(args.db)
    with connect(path) as con:
        ensure_reference(con)
    print(f"Empty database ready at {path}.")
    return 0
