"""`undo UPLOAD_ID`: undo one upload (its rows leave, what it replaced comes back; the record stays)."""

from __future__ import annotations

import argparse

HELP = "Undo one upload (claims, remittances, 835/837, roster, exclusion list): its rows leave, the record stays."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "upload_id", type=int, metavar="UPLOAD_ID", help="the upload to undo (see the uploads list)"
    )
    parser.add_argument("--by", metavar="NAME", help="who is undoing it (kept with the upload)")


def run(args: argparse.Namespace) -> int:
    from audits.config import db_path
    from audits.ingest.undo import undo_upload
    from audits.store import connect

    with connect(db_path(args.db)) as con:
        result = undo_upload(con, args.upload_id, undone_by=args.by)
    print(result.message)
    print("The same file can be loaded again (e.g. with another mapping).")
    return 0
